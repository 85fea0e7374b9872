"""Start, watch and stop the action server and the Rasa server.

Used by `make run`, `make shell`, the end-to-end tests and the benchmarks, so
that every one of them runs the servers the same way.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional

from clinic_core.processes import CAN_END_WITH_PARENT, end_with_parent
from clinic_core.settings import LOG_DIR, ROOT
from ops.channel_credentials import write_effective
from ops.settings import server_env

READY_TIMEOUT_S = 180.0
# Stopping: every server gets its stop signal at once and STOP_GRACE_S to
# finish; whatever is left of its process group is then killed (SIGKILL) and
# reaped within KILL_WAIT_S. docs/deployment.md ("Stopping") states these figures.
# Sanic servers wait 5 s for requests in flight (SANIC_GRACEFUL_SHUTDOWN_TIMEOUT,
# ops/settings.py); Rasa then takes a few more seconds to exit.
STOP_GRACE_S = 10.0
KILL_WAIT_S = 3.0
STOP_BOUND_S = STOP_GRACE_S + KILL_WAIT_S  # one round of stop_all
# What stops `make run` and the stacks: Ctrl-C, a supervisor, a closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

log = logging.getLogger(__name__)

# Servers must not outlive whoever started them, even one killed with SIGKILL
# that can run no clean-up. On Linux each child asks the kernel, between fork
# and exec, for a signal when its parent dies (prctl PR_SET_PDEATHSIG): no
# helper process, nothing to poll, and it holds for a child that runs as
# another account (PostgreSQL as "postgres"), since subprocess switches the
# account before it calls preexec_fn. A watchdog pipe would work beyond Linux
# but needs a watching process beside every server, and the project already
# needs Linux (Debian's PostgreSQL, Redis, nginx). The signal sent is the
# server's own stop signal, so it shuts down as on Ctrl-C and takes its own
# children with it (Sanic workers, nginx's worker, PostgreSQL's backends):
# hence every server runs in the foreground (nginx "daemon off", `postgres -D`
# rather than pg_ctl, `redis-server --daemonize no`). The kernel sends it when
# the *thread* that started the child ends, so it is set only for servers
# started from the main thread. Elsewhere than Linux it is not set: signals
# still stop everything (ops/run.py), SIGKILL of the launcher does not.


def die_with_parent(death_signal: int) -> Optional[Callable[[], None]]:
    """A ``preexec_fn`` that makes the child get ``death_signal`` when we die (Linux).

    It also gives the child default handling of the stop signals, unblocked,
    whatever state our clean-up left them in. None where it cannot be set.
    """
    if not CAN_END_WITH_PARENT or threading.current_thread() is not threading.main_thread():
        log.warning("Servers started here will not stop if this process is killed")
        return None
    parent = os.getpid()

    def in_child() -> None:
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        end_with_parent(death_signal, parent)

    return in_child


# Below Linux's ephemeral range (32768-60999): a port the kernel gave us there could
# be taken as the source port of an outgoing connection (to Redis, PostgreSQL, the
# action server) before our server binds it ("address already in use", seen in CI).
_LISTEN_PORTS = (20000, 32767)


def free_port() -> int:
    """An unused TCP port on loopback, outside the range outgoing connections use."""
    low, high = _LISTEN_PORTS
    for _ in range(200):
        port = low + secrets.randbelow(high - low + 1)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # every try taken: any port the kernel gives
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ManagedProcess:
    """A child process in its own process group, logging to a file.

    It gets its stop signal if the process that started it dies
    (:func:`die_with_parent`); :meth:`stop` ends its whole process group.
    """

    name: str
    command: List[str]
    env: Mapping[str, str]
    log_file: Path
    user: Optional[str] = None  # run as this account (needs root), e.g. PostgreSQL
    stop_signal: int = signal.SIGTERM
    process: Optional[subprocess.Popen] = field(default=None, init=False)

    def start(self) -> None:
        """Start the process; its output goes to ``log_file``."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("w")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=dict(self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group: Ctrl-C is handled by us
            user=self.user,
            group=pwd.getpwnam(self.user).pw_gid if self.user else None,
            preexec_fn=die_with_parent(self.stop_signal),
        )
        log.close()

    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def signal_group(self, sig: int) -> bool:
        """Send ``sig`` to the process group; False if nothing of it is left."""
        if self.process is None:
            return False
        try:
            os.killpg(self.process.pid, sig)
            return True
        except ProcessLookupError:
            return False

    def stop(self, grace: float = STOP_GRACE_S) -> None:
        """Stop signal to the process group, SIGKILL to what is left after ``grace`` s."""
        stop_all([self], grace)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the log, for error messages."""
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def stop_all(processes: Iterable[ManagedProcess], grace: float = STOP_GRACE_S) -> None:
    """Stop several servers at once, bounded: ``grace`` s, then SIGKILL, then reaped.

    The SIGKILL goes to each process group even when its leader has exited,
    so that no worker or backend it left behind survives.
    """
    started = [p for p in processes if p.process is not None]
    for process in started:
        if process.running():
            process.signal_group(process.stop_signal)
    deadline = time.monotonic() + grace
    for process in started:
        assert process.process is not None
        try:
            process.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s: killing it", process.name, grace)
    for process in started:
        assert process.process is not None
        process.signal_group(signal.SIGKILL)
        try:
            process.process.wait(KILL_WAIT_S)
        except subprocess.TimeoutExpired:
            log.error("ALARM %s (pid %d) survived SIGKILL", process.name, process.process.pid)


def wait_for_http(url: str, process: ManagedProcess, timeout: float = READY_TIMEOUT_S) -> None:
    """Poll ``url`` until it answers 200, the process dies, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.running():
            raise RuntimeError(f"{process.name} exited early:\n{process.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{process.name} not ready at {url} after {timeout:.0f} s")


def wait_for_port(port: int, process: ManagedProcess, timeout: float = 30.0) -> None:
    """Poll a loopback TCP port until it accepts connections or ``process`` dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.running():
            raise RuntimeError(f"{process.name} exited early:\n{process.log_tail()}")
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{process.name} not listening on port {port} after {timeout:.0f} s")


def action_server(port: int, env: Mapping[str, str], log_dir: Path) -> ManagedProcess:
    """The rasa-sdk action server serving the ``actions`` package (ops/action_server.py)."""
    return ManagedProcess(
        "action server",
        [sys.executable, "-m", "ops.action_server", "--actions", "actions", "--port", str(port)],
        env,
        log_dir / "actions.log",
    )


def redis_server(port: int, folder: Path) -> ManagedProcess:
    """A throw-away Redis on loopback (no persistence), for lock-store runs."""
    folder.mkdir(parents=True, exist_ok=True)
    return ManagedProcess(
        "redis",
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(folder), "--daemonize", "no"],
        {},
        folder / "redis.log",
    )  # fmt: skip


def website_server(port: int, env: Mapping[str, str], log_dir: Path) -> ManagedProcess:
    """The Sanic server of the demo clinic page and the chat widget."""
    return ManagedProcess(
        "website",
        [sys.executable, "-m", "website"],
        {**env, "WEBSITE_PORT": str(port)},
        log_dir / "website.log",
    )


def staff_console_server(port: int, env: Mapping[str, str], log_dir: Path) -> ManagedProcess:
    """The staff console (Sanic), reading the same databases as the assistant."""
    return ManagedProcess(
        "staff console",
        [sys.executable, "-m", "staff_console", "--port", str(port)],
        env,
        log_dir / "staff_console.log",
    )


@dataclass
class AssistantStack:
    """The action server and the Rasa server (and the website), started together."""

    model: Path
    rasa_port: int = 5005
    action_port: int = 5055
    website_port: Optional[int] = None  # None: no website
    console_port: Optional[int] = None  # None: no staff console
    more_rasa_ports: List[int] = field(default_factory=list)  # more Rasa processes
    endpoints: Path = ROOT / "endpoints.yml"
    log_dir: Path = LOG_DIR
    env_overrides: Dict[str, str] = field(default_factory=dict)
    # Variables only one component gets ("rasa", "actions", "console"): the
    # production profile's database URLs, each with its own role.
    component_env: Dict[str, Dict[str, str]] = field(default_factory=dict)
    processes: List[ManagedProcess] = field(default_factory=list)
    channels_left_out: List[str] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        """Base URL of the action server."""
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def website_url(self) -> str:
        """Base URL of the demo clinic page."""
        return f"http://127.0.0.1:{self.website_port}"

    @property
    def console_url(self) -> str:
        """Base URL of the staff console."""
        return f"http://127.0.0.1:{self.console_port}"

    def env(self) -> Dict[str, str]:
        """The environment the servers run with."""
        return server_env(
            self.rasa_port,
            self.action_port,
            self.website_port or 8000,
            overrides=self.env_overrides,
        )

    def start(self) -> AssistantStack:
        """Start both servers and wait until each answers."""
        env = self.env()
        tracker_url = env["TRACKER_STORE_URL"]
        if tracker_url.startswith("sqlite:///"):
            Path(tracker_url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        credentials, self.channels_left_out = write_effective(
            env, target=self.log_dir / "credentials.yml"
        )
        actions = action_server(self.action_port, self.env_of("actions", env), self.log_dir)
        rasa = self._rasa_server(self.rasa_port, "", credentials, self.env_of("rasa", env))
        self.processes = [actions, rasa]
        ready = [(f"{self.action_url}/health", actions), (f"{self.rasa_url}/webhooks/rest/", rasa)]
        # One at a time after the first: two Rasa processes creating the
        # tracker store's tables at the same moment can fail in PostgreSQL.
        for number, port in enumerate(self.more_rasa_ports, start=2):
            more = self._rasa_server(port, f" {number}", credentials, self.env_of("rasa", env))
            self.processes.append(more)
            ready.append((f"http://127.0.0.1:{port}/webhooks/rest/", more))
        if self.website_port is not None:
            website = website_server(self.website_port, self.env_of("website", env), self.log_dir)
            self.processes.append(website)
            ready.append((f"{self.website_url}/healthz", website))
        if self.console_port is not None:
            console = staff_console_server(
                self.console_port, self.env_of("console", env), self.log_dir
            )
            self.processes.append(console)
            ready.append((f"{self.console_url}/healthz", console))
        later = {id(p) for p in self.processes[2:] if p.name.startswith("Rasa server")}
        try:
            for process in self.processes:
                if id(process) not in later:
                    process.start()
            for url, process in ready:
                if id(process) in later:
                    process.start()
                wait_for_http(url, process)
        except BaseException:
            self.stop()
            raise
        return self

    def env_of(self, component: str, env: Mapping[str, str]) -> Dict[str, str]:
        """``env`` with ``component``'s own variables; empty values are left out."""
        merged = {**env, **self.component_env.get(component, {})}
        return {key: value for key, value in merged.items() if value != ""}

    def _rasa_server(
        self, port: int, number: str, credentials: Path, env: Mapping[str, str]
    ) -> ManagedProcess:
        return ManagedProcess(
            f"Rasa server{number}",
            [sys.executable, "-m", "ops.rasa_server", "run", "--model", str(self.model),
             "--endpoints", str(self.endpoints), "--credentials", str(credentials),
             "--interface", "127.0.0.1", "--port", str(port),
             "--cors", *env["CORS_ORIGINS"].split()],
            env,
            self.log_dir / f"rasa{number.strip()}.log",
        )  # fmt: skip

    @property
    def rasa_processes(self) -> List[ManagedProcess]:
        """The Rasa server processes, in port order."""
        return [p for p in self.processes if p.name.startswith("Rasa server")]

    @property
    def rasa_urls(self) -> List[str]:
        """Base URLs of every Rasa process."""
        return [f"http://127.0.0.1:{p}" for p in (self.rasa_port, *self.more_rasa_ports)]

    def stop(self) -> None:
        """Stop everything this stack started, all at once, within the bound above."""
        stop_all(self.processes)

    def first_dead(self) -> Optional[ManagedProcess]:
        """A process that exited, if any."""
        return next((p for p in self.processes if not p.running()), None)

    def __enter__(self) -> AssistantStack:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def send_rest(base_url: str, sender: str, text: str, timeout: float = 30.0) -> Any:
    """Send one message to the REST channel and return the decoded replies."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        f"{base_url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())
