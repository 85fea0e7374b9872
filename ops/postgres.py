"""A local PostgreSQL server for `make run-prod` and the scale-out tests.

Debian's ``postgresql`` package is installed on first use. The server runs
from a data folder of our own, on a loopback port, with TCP only (no Unix
socket) and password authentication (scram-sha-256). PostgreSQL refuses to
run as root, so as root it runs as the package's ``postgres`` user.

Two databases: ``rasa`` (Rasa's tracker store) and ``clinic`` (appointments
and the staff console). Each component connects with its own role and the
least rights it needs (:data:`ROLES`, :meth:`PostgresServer.grant`); the
superuser only creates databases and roles and hands out rights. The
generated passwords are kept in the data folder's parent (mode 0600) and
handed to the servers in environment variables, never written to the
repository.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from clinic_core.settings import ROOT
from ops.servers import ManagedProcess, wait_for_port

SUPERUSER = "clinic"
DATABASES = ("rasa", "clinic")
READY_TIMEOUT_S = 60.0
# One role per component. No role but the superuser can connect to a
# database it is not listed under here.
TRACKER_ROLE = "rasa_tracker"  # Rasa: owns the tracker store; cannot reach appointments
ACTIONS_ROLE = "clinic_actions"  # the action server: owns the appointments
CONSOLE_ROLE = "clinic_console"  # the console: its own tables; reads the tracker
PRIVACY_ROLE = "clinic_privacy"  # retention and erasure: change and delete tracker events
ROLES = {
    TRACKER_ROLE: ("rasa",),
    ACTIONS_ROLE: ("clinic",),
    CONSOLE_ROLE: ("rasa", "clinic"),
    PRIVACY_ROLE: ("rasa",),
}


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL is not installed and could not be installed."""


def ensure_installed() -> Path:
    """The folder of PostgreSQL's server programs, installing the package if needed."""
    found = _bin_dir()
    if found is None:
        subprocess.run(
            [str(ROOT / "ops" / "install_postgresql.sh")],
            check=True,
        )
        found = _bin_dir()
    if found is None:
        raise PostgresUnavailableError(
            "PostgreSQL's initdb was not found after installing the postgresql package"
        )
    return found


def _bin_dir() -> Optional[Path]:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def server_user() -> Optional[str]:
    """The account PostgreSQL runs as: ``postgres`` for root, else ourselves (None)."""
    return "postgres" if os.geteuid() == 0 else None


@dataclass
class PostgresServer:
    """One PostgreSQL cluster in ``folder`` listening on 127.0.0.1:``port``."""

    folder: Path
    port: int
    process: Optional[ManagedProcess] = None

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.folder / "data"

    @property
    def password_file(self) -> Path:
        """Where the generated superuser password is kept."""
        return self.folder / "password"

    def password(self, role: str = SUPERUSER) -> str:
        """The password of ``role`` (the superuser's by default)."""
        if role == SUPERUSER:
            return self.password_file.read_text().strip()
        return (self.folder / f"password-{role}").read_text().strip()

    def url(self, database: str, role: str = SUPERUSER) -> str:
        """SQLAlchemy URL of ``database`` on this server, as ``role``."""
        return f"postgresql://{role}:{self.password(role)}@127.0.0.1:{self.port}/{database}"

    def _as_server_user(self) -> dict:
        user = server_user()
        return {"user": user, "group": pwd.getpwnam(user).pw_gid} if user else {}

    def init(self, bin_dir: Path) -> None:
        """Create the cluster once; later runs keep its data."""
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        user = server_user()
        if user:  # the server's account must pass through to data/
            self.folder.chmod(self.folder.stat().st_mode | 0o711)
        if user and not _reachable_by_others(self.folder):
            raise PostgresUnavailableError(
                f"{self.folder} is not reachable by the '{user}' account that PostgreSQL "
                "runs as (a parent folder is not world-executable); choose another folder "
                "with POSTGRES_DATA_DIR"
            )
        if not self.password_file.exists():
            self.password_file.write_text(secrets.token_urlsafe(24) + "\n")
            self.password_file.chmod(0o600)
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        password_copy = self.folder / "initdb-password"
        shutil.copy(self.password_file, password_copy)
        if user:
            entry = pwd.getpwnam(user)
            for path in (self.data_dir, password_copy):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        try:
            subprocess.run(
                [str(bin_dir / "initdb"), "--pgdata", str(self.data_dir),
                 "--username", SUPERUSER, "--pwfile", str(password_copy),
                 "--auth-host", "scram-sha-256", "--auth-local", "scram-sha-256",
                 "--encoding", "UTF8", "--locale", "C.UTF-8"],
                check=True, capture_output=True, text=True, **self._as_server_user(),
            )  # fmt: skip
        except subprocess.CalledProcessError as error:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise PostgresUnavailableError(f"initdb failed:\n{error.stderr}") from error
        finally:
            password_copy.unlink(missing_ok=True)

    def start(self, log_dir: Path) -> PostgresServer:
        """Initialise if needed, start, wait until it accepts logins, create the databases."""
        bin_dir = ensure_installed()
        self.init(bin_dir)
        self.process = ManagedProcess(
            "PostgreSQL",
            [str(bin_dir / "postgres"), "-D", str(self.data_dir),
             "-c", "listen_addresses=127.0.0.1", "-p", str(self.port),
             "-c", "unix_socket_directories=", "-c", "max_connections=200"],
            {"LC_ALL": "C.UTF-8"},
            log_dir / "postgres.log",
            user=server_user(),
            stop_signal=signal.SIGINT,  # "fast" shutdown: does not wait for clients
        )  # fmt: skip
        self.process.start()
        try:
            wait_for_port(self.port, self.process, READY_TIMEOUT_S)
            self._create_databases()
        except BaseException:
            self.stop()
            raise
        return self

    def _create_databases(self) -> None:
        import psycopg2

        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            try:
                connection = psycopg2.connect(
                    host="127.0.0.1",
                    port=self.port,
                    user=SUPERUSER,
                    password=self.password(),
                    dbname="postgres",
                    connect_timeout=3,
                )
                break
            except psycopg2.OperationalError:  # "the database system is starting up"
                if time.monotonic() > deadline or (self.process and not self.process.running()):
                    raise
                time.sleep(0.2)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database")
            existing = {row[0] for row in cursor.fetchall()}
            for name in DATABASES:
                if name not in existing:
                    cursor.execute(f'CREATE DATABASE "{name}"')
            cursor.execute("SELECT rolname FROM pg_roles")
            roles = {row[0] for row in cursor.fetchall()}
            for role in ROLES:
                password_file = self.folder / f"password-{role}"
                if not password_file.exists():
                    password_file.write_text(secrets.token_urlsafe(24) + "\n")
                    password_file.chmod(0o600)
                verb = "ALTER" if role in roles else "CREATE"
                cursor.execute(f'{verb} ROLE "{role}" LOGIN PASSWORD %s', (self.password(role),))
            for name in DATABASES:
                cursor.execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
                allowed = ", ".join(f'"{r}"' for r, dbs in ROLES.items() if name in dbs)
                cursor.execute(f'GRANT CONNECT ON DATABASE "{name}" TO {allowed}')
        connection.close()
        self._adopt_tables()
        self._run_as_superuser(
            "rasa",
            f'GRANT USAGE, CREATE ON SCHEMA public TO "{TRACKER_ROLE}"',
            f'GRANT USAGE ON SCHEMA public TO "{CONSOLE_ROLE}", "{PRIVACY_ROLE}"',
            # Rasa creates the events table at its first start: rights given in advance.
            f'ALTER DEFAULT PRIVILEGES FOR ROLE "{TRACKER_ROLE}" IN SCHEMA public '
            f'GRANT SELECT ON TABLES TO "{CONSOLE_ROLE}"',
            f'ALTER DEFAULT PRIVILEGES FOR ROLE "{TRACKER_ROLE}" IN SCHEMA public '
            f'GRANT SELECT, UPDATE, DELETE ON TABLES TO "{PRIVACY_ROLE}"',
            f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{CONSOLE_ROLE}"',
            f'GRANT SELECT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{PRIVACY_ROLE}"',
        )
        self._run_as_superuser(
            "clinic", f'GRANT USAGE, CREATE ON SCHEMA public TO "{ACTIONS_ROLE}", "{CONSOLE_ROLE}"'
        )

    def _adopt_tables(self) -> None:
        """Give tables made before the roles existed (as the superuser) to their owners."""
        import psycopg2

        for database in DATABASES:
            connection = psycopg2.connect(self.url(database), connect_timeout=5)
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"
                )
                for table, owner in cursor.fetchall():
                    wanted = table_owner(table)
                    if wanted and owner != wanted:
                        cursor.execute(f'ALTER TABLE "{table}" OWNER TO "{wanted}"')
            connection.close()

    def _run_as_superuser(self, database: str, *statements: str) -> None:
        import psycopg2

        connection = psycopg2.connect(self.url(database), connect_timeout=5)
        connection.autocommit = True
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        connection.close()

    def grant_console_appointments(self) -> None:
        """What the console may do to the action server's tables (once they exist).

        Status changes and privacy requests: read, update and delete
        appointments, claim and free their time cells; never create one.
        """
        self._run_as_superuser(
            "clinic",
            f'GRANT SELECT, UPDATE, DELETE ON appointments TO "{CONSOLE_ROLE}"',
            f'GRANT SELECT, INSERT, DELETE ON appointment_slots TO "{CONSOLE_ROLE}"',
        )

    def stop(self) -> None:
        """Shut the server down (its data stays in ``folder``)."""
        if self.process is not None:
            self.process.stop()


def table_owner(table: str) -> Optional[str]:
    """The role that owns ``table``: whoever's component creates it."""
    if table == "events":
        return TRACKER_ROLE
    if table.startswith("appointment"):
        return ACTIONS_ROLE
    if table.startswith("console_"):
        return CONSOLE_ROLE
    return None


def _reachable_by_others(folder: Path) -> bool:
    """Whether every parent folder lets other accounts pass through."""
    parents: List[Path] = list(folder.resolve().parents)
    return all(p.stat().st_mode & 0o001 for p in parents if p.exists())
