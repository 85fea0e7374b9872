"""The production profile, started locally: `make run-prod` and the scale-out tests.

PostgreSQL (tracker store, appointments, staff console), Redis (lock store,
rate limits), N Rasa processes, an action server with M Sanic workers, and
nginx in front (deploy/nginx-assistant.conf) balancing the Rasa processes with
sticky socket.io sessions. Everything listens on loopback; only nginx's port
is meant to be public.

A real deployment runs the same programs with its own servers: see the
environment variables in :func:`production_env` and docs/deployment.md.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from clinic_core.settings import ROOT, VAR_DIR
from ops import servers
from ops.postgres import (
    ACTIONS_ROLE,
    CONSOLE_ROLE,
    PRIVACY_ROLE,
    TRACKER_ROLE,
    PostgresServer,
)
from ops.servers import (
    AssistantStack,
    ManagedProcess,
    free_port,
    redis_server,
    stop_all,
    wait_for_http,
    wait_for_port,
)

# Two rounds of stop_all (see ProductionStack.stop): every server gone within this.
STOP_BOUND_S = 2 * servers.STOP_BOUND_S
NGINX_SITE = ROOT / "deploy" / "nginx-assistant.conf"
ENDPOINTS = ROOT / "endpoints-production.yml"


def production_env(
    postgres: PostgresServer, redis_port: int, action_workers: int, public_url: Optional[str]
) -> Dict[str, str]:
    """The environment variables that select the production profile (every process)."""
    env = {
        # Each process gets only its own database URLs: component_env().
        "TRACKER_STORE_URL": "",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_port),
        "REDIS_DB": "1",
        "RATE_LIMIT_BACKEND": "redis",
        "ACTION_SERVER_SANIC_WORKERS": str(action_workers),
        # A Rasa process killed mid-message leaves its conversation locked in
        # Redis until the lock expires: 20 s instead of Rasa's 60 s. A turn
        # takes far less, since a late action ends it after
        # ACTION_SERVER_TIMEOUT_SECONDS (10 s).
        "TICKET_LOCK_LIFETIME": "20",
        # nginx runs on this machine: only its X-Forwarded-For is believed
        # (the per-address rate limit, channels/guard.py).
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    if public_url:  # the widget and the page are served through nginx
        env["ASSISTANT_PUBLIC_URL"] = public_url
        env["CORS_ORIGINS"] = public_url
    return env


def component_env(postgres: PostgresServer) -> Dict[str, Dict[str, str]]:
    """Each component's database URLs, as its own PostgreSQL role (ops/postgres.py)."""
    return {
        "rasa": {"TRACKER_STORE_URL": postgres.url("rasa", TRACKER_ROLE)},
        "actions": {"DATABASE_URL": postgres.url("clinic", ACTIONS_ROLE)},
        "console": {
            "TRACKER_STORE_URL": postgres.url("rasa", CONSOLE_ROLE),
            "DATABASE_URL": postgres.url("clinic", CONSOLE_ROLE),
            "CONSOLE_DATABASE_URL": postgres.url("clinic", CONSOLE_ROLE),
            "PRIVACY_TRACKER_STORE_URL": postgres.url("rasa", PRIVACY_ROLE),
        },
    }


def prepare_schemas(postgres: PostgresServer) -> None:
    """Create the appointment and console tables once, each by its owner, before workers race."""
    from clinic_core.store import AppointmentStore
    from staff_console.db import console_engine

    AppointmentStore(postgres.url("clinic", ACTIONS_ROLE)).engine.dispose()
    postgres.grant_console_appointments()
    console_engine(postgres.url("clinic", CONSOLE_ROLE)).dispose()


def render_nginx(
    folder: Path, listen_port: int, rasa_ports: List[int], website_port: Optional[int]
) -> Path:
    """deploy/nginx-assistant.conf for these ports, inside a config nginx can run unprivileged."""
    site = NGINX_SITE.read_text()
    servers = "".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in rasa_ports
    )
    site = re.sub(
        r"(upstream rasa \{\n    ip_hash;\n)(?:    server .*\n)+", rf"\g<1>{servers}", site
    )
    site = site.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{listen_port};")
    if website_port is not None:
        site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{website_port};")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "site.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(
        f"""daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""
    )
    return main


def nginx_server(config: Path) -> ManagedProcess:
    """Run nginx in the foreground with ``config`` (installed from Debian on first use)."""
    subprocess.run([str(ROOT / "ops" / "install_debian_package.sh"), "nginx", "nginx"], check=True)
    return ManagedProcess(
        "nginx",
        [
            shutil.which("nginx") or "nginx",
            "-c",
            str(config),
            "-e",
            str(config.parent / "error.log"),
        ],
        {},
        config.parent / "nginx.out",
    )


@dataclass
class ProductionStack:
    """Every server of the production profile, on local loopback ports."""

    model: Path
    folder: Path = VAR_DIR / "production"
    rasa_ports: List[int] = field(default_factory=lambda: [5005, 5006])
    action_port: int = 5055
    action_workers: int = 2
    postgres_port: int = 5433
    redis_port: int = 6380
    edge_port: Optional[int] = 8080  # nginx; None: no nginx
    website_port: Optional[int] = None
    console_port: Optional[int] = None
    env_overrides: Dict[str, str] = field(default_factory=dict)
    postgres: Optional[PostgresServer] = None
    redis: Optional[ManagedProcess] = None
    nginx: Optional[ManagedProcess] = None
    assistant: Optional[AssistantStack] = None

    @property
    def log_dir(self) -> Path:
        """Where every server of the profile logs."""
        return self.folder / "logs"

    @property
    def edge_url(self) -> str:
        """Base URL of nginx: what patients' browsers and the messaging providers use."""
        return f"http://127.0.0.1:{self.edge_port}"

    @classmethod
    def throwaway(
        cls,
        model: Path,
        edge: bool = True,
        console: bool = False,
        env_overrides: Optional[Dict[str, str]] = None,
    ) -> ProductionStack:
        """An unstarted profile on free loopback ports in a new temporary folder.

        Not under a 0700 folder such as pytest's tmp_path: PostgreSQL runs as
        another account, which must pass through every parent folder. Remove
        it with :meth:`remove_folder` after :meth:`stop`.
        """
        folder = Path(tempfile.mkdtemp(prefix="clinic-production-"))
        folder.chmod(0o711)
        return cls(
            model=model,
            folder=folder,
            rasa_ports=[free_port(), free_port()],
            action_port=free_port(),
            postgres_port=free_port(),
            redis_port=free_port(),
            edge_port=free_port() if edge else None,
            console_port=free_port() if console else None,
            env_overrides=dict(env_overrides or {}),
        )

    def remove_folder(self) -> None:
        """Delete the profile's folder: databases, logs and all."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def start(self) -> ProductionStack:
        """Start the databases, then the assistant, then nginx; stop all on failure."""
        try:
            self.redis = redis_server(self.redis_port, self.folder / "redis")
            self.redis.start()
            wait_for_port(self.redis_port, self.redis)
            self.postgres = PostgresServer(self.folder / "postgres", self.postgres_port)
            self.postgres.start(self.log_dir)
            prepare_schemas(self.postgres)
            public = self.edge_url if self.edge_port and self.website_port else None
            env = production_env(self.postgres, self.redis_port, self.action_workers, public)
            self.assistant = AssistantStack(
                model=self.model,
                rasa_port=self.rasa_ports[0],
                more_rasa_ports=self.rasa_ports[1:],
                action_port=self.action_port,
                website_port=self.website_port,
                console_port=self.console_port,
                endpoints=ENDPOINTS,
                log_dir=self.log_dir,
                env_overrides={**env, **self.env_overrides},
                component_env=component_env(self.postgres),
            ).start()
            if self.edge_port is not None:
                config = render_nginx(
                    self.folder / "nginx", self.edge_port, self.rasa_ports, self.website_port
                )
                self.nginx = nginx_server(config)
                self.nginx.start()
                wait_for_http(f"{self.edge_url}/webhooks/rest/", self.nginx, timeout=30)
        except BaseException:
            self.stop()
            raise
        return self

    def processes(self) -> List[ManagedProcess]:
        """Everything started, nginx first, databases last."""
        started = [self.nginx] + (self.assistant.processes if self.assistant else [])
        started += [self.postgres.process if self.postgres else None, self.redis]
        return [p for p in started if p is not None]

    def first_dead(self) -> Optional[ManagedProcess]:
        """A process that exited, if any."""
        return next((p for p in self.processes() if not p.running()), None)

    def stop(self) -> None:
        """Stop nginx and the assistant together, then the databases (their data is kept).

        Two rounds of :func:`ops.servers.stop_all`, so the Rasa processes never
        lose their databases while still answering.
        """
        front = [self.nginx] + (self.assistant.processes if self.assistant else [])
        stop_all(p for p in front if p is not None)
        databases = [self.postgres.process if self.postgres else None, self.redis]
        stop_all(p for p in databases if p is not None)

    def __enter__(self) -> ProductionStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
