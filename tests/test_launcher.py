"""`make run` and `make run-prod` leave no server behind, however they are stopped.

Each test starts the real `make` target (GNU make passes signals on to the
launcher its own way) in a new session (as a terminal or a
supervisor would), on free ports moved there with the environment variables
docs/deployment.md gives, waits for the first answer, records every process the
launcher started (by walking /proc), stops it one way, and checks that each
of those processes is gone within the bound docs/deployment.md states and that every port is
free again. The tests share one set of ports and run in file order, so each
start is also the "second start right after" of the stop before it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Set, Tuple

import pytest

from clinic_core.settings import ROOT
from ops import ports, production, servers
from ops.servers import free_port, send_rest
from ops.training import model_path

pytestmark = pytest.mark.servers

UP_TIMEOUT_S = 300.0
Process = Tuple[int, str]  # pid, start time (so that a reused pid is not mistaken)


def _stat(pid: int) -> List[str]:
    """Fields of /proc/<pid>/stat after the command name."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text.rpartition(")")[2].split()


def descendants(root: int) -> Set[Process]:
    """Every living process below ``root``, whatever session or account it runs in."""
    children: Dict[int, List[int]] = {}
    starts: Dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(int(entry.name))
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        starts[int(entry.name)] = fields[19]
    found: Set[Process] = set()
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.add((pid, starts[pid]))
        todo += children.get(pid, [])
    return found


def alive(processes: Set[Process]) -> Set[Process]:
    """Those of ``processes`` still running (a zombie holds nothing and counts as gone)."""
    living = set()
    for pid, start in processes:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        if fields[19] == start and fields[0] != "Z":
            living.add((pid, start))
    return living


def command_of(pid: int) -> str:
    """The command line of ``pid``, for messages."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


@dataclass
class Launch:
    """A `make` target started in its own session, and what it started."""

    target: str
    env: Dict[str, str]
    log: Path
    ports: List[int]
    stop_bound: float = servers.STOP_BOUND_S  # docs/deployment.md, "Stopping"
    make: subprocess.Popen = field(init=False)
    started: Set[Process] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.make = subprocess.Popen(
            # -o setup: `make test` has just done the set-up (model, widget);
            # checking it again would add half a minute to every start.
            ["make", "--no-print-directory", "-o", "setup", self.target],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def output(self) -> str:
        """What make and the launcher printed."""
        return self.log.read_text(errors="replace")

    def wait_up(self, url: Optional[str] = None) -> float:
        """Wait for the first REST answer, record the processes; seconds taken.

        Without ``url``, the REST address the launcher printed (the production
        profile's nginx does not publish REST: docs/security.md).
        """
        began = time.monotonic()
        while time.monotonic() - began < UP_TIMEOUT_S:
            assert self.make.poll() is None, f"`make {self.target}` exited:\n{self.output()}"
            if "The assistant is running." in self.output():
                printed = re.search(r"POST (\S+)/webhooks/rest/webhook", self.output())
                target = url or (printed.group(1) if printed else "")
                try:
                    if target and send_rest(target, "launcher-test", "hello", timeout=10):
                        break
                except OSError:
                    pass
            time.sleep(0.5)
        else:
            pytest.fail(f"`make {self.target}` not up in {UP_TIMEOUT_S:.0f} s:\n{self.output()}")
        self.started = descendants(self.make.pid)
        return time.monotonic() - began

    def launcher(self) -> int:
        """The pid of `python -m ops.run` under make."""
        pids = [pid for pid, _ in self.started if "ops.run" in command_of(pid)]
        assert len(pids) == 1, pids
        return pids[0]

    def assert_all_gone(self, since: float) -> float:
        """Every recorded process gone, every port free, within the bound; seconds taken."""
        deadline = since + self.stop_bound
        while alive(self.started) and time.monotonic() < deadline:
            time.sleep(0.05)
        took = time.monotonic() - since
        left = alive(self.started)
        # The launcher's last lines say which stop step it was in (a rare CI failure).
        tail = self.output()[-4000:]
        assert not left, (
            f"still running after {took:.1f} s: "
            + "; ".join(f"{pid} {command_of(pid)}" for pid, _ in left)
            + f"\n{tail}"
        )
        busy = [port for port in self.ports if ports.in_use(port)]
        assert not busy, f"ports still in use: {busy}\n{tail}"
        self.make.wait(10)
        assert "Traceback" not in self.output(), self.output()
        return took

    def kill_leftovers(self) -> None:
        """After a failed test: leave nothing running for the next one."""
        for pid, _ in alive(self.started):
            os.kill(pid, signal.SIGKILL)
        if self.make.poll() is None:
            os.killpg(self.make.pid, signal.SIGKILL)
            self.make.wait()


def sighup_to_group(launch: Launch) -> None:
    """The terminal window running `make run` is closed."""
    os.killpg(launch.make.pid, signal.SIGHUP)


def sigterm_to_group(launch: Launch) -> None:
    """A supervisor stops the process group (make passes on a second SIGTERM)."""
    os.killpg(launch.make.pid, signal.SIGTERM)


def two_sigterms(launch: Launch) -> None:
    """Two SIGTERMs to the group 10 ms apart: the second lands in the clean-up."""
    os.killpg(launch.make.pid, signal.SIGTERM)
    time.sleep(0.01)
    os.killpg(launch.make.pid, signal.SIGTERM)


def sigkill_launcher(launch: Launch) -> None:
    """The launcher alone is killed outright: it can run no clean-up."""
    os.kill(launch.launcher(), signal.SIGKILL)


def _port_pair() -> int:
    """A free port whose next one is free too (a second Rasa process takes it)."""
    while True:
        port = free_port()
        if port < 65535 and not ports.in_use(port + 1):
            return port


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    """Databases, logs and the production profile's data, reachable by PostgreSQL's account."""
    if not model_path().exists():
        pytest.fail(f"no model at {model_path()}: run `make test`, which trains it first")
    path = Path(tempfile.mkdtemp(prefix="clinic-launcher-"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def env(folder: Path) -> Dict[str, str]:
    """`make run`'s environment: every port moved, every database in ``folder``."""
    moved = {
        ports.RASA: _port_pair(),
        ports.ACTIONS: free_port(),
        ports.WEBSITE: free_port(),
        ports.CONSOLE: free_port(),
        ports.NGINX: free_port(),
        ports.POSTGRES: free_port(),
        ports.REDIS: free_port(),
    }
    return {
        **os.environ,
        **{port.variable: str(number) for port, number in moved.items()},
        "TRACKER_STORE_URL": f"sqlite:///{folder / 'tracker.db'}",
        "DATABASE_URL": f"sqlite:///{folder / 'appointments.db'}",
        "CONSOLE_DATABASE_URL": f"sqlite:///{folder / 'console.db'}",
        "CONSOLE_SECRET_KEY": "console-secret-key-for-tests-only",
        "PRODUCTION_DIR": str(folder / "production"),
    }


def port_numbers(env: Dict[str, str], profile: Tuple[ports.Port, ...], rasa: int = 1) -> List[int]:
    """The ports a profile listens on with ``env``."""
    return list(ports.plan(profile, env, rasa))


def test_port_taken_one_line_and_status_1(env: Dict[str, str], folder: Path) -> None:
    website = int(env["WEBSITE_PORT"])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", website))
        holder.listen()
        launch = Launch("run", env, folder / "taken.log", [])
        assert launch.make.wait(120) != 0
        direct = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "ops.run"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert direct.returncode == 1
    lines = direct.stderr.splitlines()
    assert len(lines) == 1, direct.stderr
    for part in (f"Port {website} ", "the website", f"pid {os.getpid()} ", "WEBSITE_PORT="):
        assert part in lines[0]
    assert "Error 1" in launch.output()  # make's report of the launcher's exit status
    assert lines[0] in launch.output()
    assert "Traceback" not in launch.output() + direct.stdout


@pytest.mark.parametrize(
    "stop",
    [sighup_to_group, sigterm_to_group, two_sigterms, sigkill_launcher],
    ids=["SIGHUP-group", "SIGTERM-group", "two-SIGTERMs-10ms", "SIGKILL-launcher"],
)
def test_make_run_leaves_nothing(
    stop: Callable[[Launch], None], env: Dict[str, str], folder: Path
) -> None:
    numbers = port_numbers(env, ports.EMBEDDED)
    launch = Launch("run", env, folder / f"run-{stop.__name__}.log", numbers)
    try:
        up = launch.wait_up(f"http://127.0.0.1:{env['RASA_PORT']}")
        servers = len(launch.started)
        began = time.monotonic()
        stop(launch)
        took = launch.assert_all_gone(began)
        print(f"\n{stop.__name__}: up in {up:.1f} s, {servers} processes gone in {took:.2f} s")
    finally:
        launch.kill_leftovers()


def test_make_run_prod_leaves_nothing(env: Dict[str, str], folder: Path) -> None:
    """Two SIGTERMs to the group with two Rasa processes, then SIGKILL of the launcher.

    The second start (one Rasa process, to keep the suite short: each one
    stops the same way) is also the restart right after the first stop.
    """
    for stop, rasa in ((two_sigterms, 2), (sigkill_launcher, 1)):
        numbers = port_numbers(env, ports.PRODUCTION, rasa)
        launch = Launch(
            "run-prod",
            {**env, "RASA_PROCESSES": str(rasa)},
            folder / f"prod-{stop.__name__}.log",
            numbers,
            production.STOP_BOUND_S,
        )
        try:
            up = launch.wait_up()
            commands = " | ".join(command_of(pid) for pid, _ in launch.started)
            for server in ("postgres -D", "redis-server", "nginx: master", "ops.action_server"):
                assert server in commands, commands
            assert commands.count("-m ops.rasa_server run") == rasa, commands
            servers = len(launch.started)
            began = time.monotonic()
            stop(launch)
            took = launch.assert_all_gone(began)
            print(
                f"\nrun-prod ({rasa} Rasa) {stop.__name__}: up in {up:.1f} s,"
                f" {servers} processes gone in {took:.2f} s"
            )
        finally:
            launch.kill_leftovers()
