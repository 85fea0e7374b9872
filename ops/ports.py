"""The loopback ports `make run` and `make run-prod` listen on: one table, checked before starting.

Each port has a default, what it is for, and the environment variable that
moves it. :func:`taken` finds the ones already in use and says, in one line
each, what holds them (found in /proc on Linux) and how to move ours.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from clinic_core.settings import SettingsError


@dataclass(frozen=True)
class Port:
    """A port the launcher listens on."""

    variable: str
    default: int
    purpose: str

    def value(self, env: Mapping[str, str] = os.environ) -> int:
        """The port to use: the environment's, else the default.

        Raises:
            SettingsError: the variable is not a port number (its name in the message).

        """
        raw = (env.get(self.variable) or "").strip()
        if not raw:
            return self.default
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise SettingsError(f"invalid setting {self.variable}: not a port number (got {raw!r})")
        return int(raw)


RASA = Port("RASA_PORT", 5005, "the Rasa server")
ACTIONS = Port("ACTION_PORT", 5055, "the action server")
WEBSITE = Port("WEBSITE_PORT", 8000, "the website")
CONSOLE = Port("CONSOLE_PORT", 5100, "the staff console")
NGINX = Port("NGINX_PORT", 8080, "nginx, the production profile's public entry")
POSTGRES = Port("POSTGRES_PORT", 5433, "the production profile's PostgreSQL")
REDIS = Port("REDIS_PORT", 6380, "the production profile's Redis")

EMBEDDED = (RASA, ACTIONS, WEBSITE, CONSOLE)
PRODUCTION = (*EMBEDDED, NGINX, POSTGRES, REDIS)


def in_use(port: int) -> bool:
    """Whether a server already listens on ``port`` (127.0.0.1 or every address)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _listening_inodes(port: int) -> List[str]:
    """Socket inodes of TCP listeners on ``port``, from /proc/net/tcp{,6}."""
    inodes = []
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        try:
            rows = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            # local_address is HEX_IP:HEX_PORT; state 0A is LISTEN
            if int(fields[1].rpartition(":")[2], 16) == port and fields[3] == "0A":
                inodes.append(fields[9])
    return inodes


def holder(port: int) -> Optional[str]:
    """``pid 1234 (command line)`` of the process listening on ``port``, if it can be found."""
    sockets = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    if not sockets:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in sockets for fd in (proc / "fd").iterdir()):
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                return f"pid {proc.name} ({command.strip()[:120]})"
        except OSError:  # gone meanwhile, or another user's process
            continue
    return None


def next_free(port: int) -> int:
    """The first port above ``port`` that nothing listens on."""
    candidate = port + 1
    while in_use(candidate) and candidate < 65535:
        candidate += 1
    return candidate


def taken(ports: Mapping[int, Port], command: str) -> List[str]:
    """One line for each of ``ports`` already in use: what, who holds it, how to move ours.

    ``ports`` maps each port number to the entry it comes from (several Rasa
    processes count up from RASA_PORT).
    """
    lines = []
    for number, port in ports.items():
        if not in_use(number):
            continue
        who = holder(number)
        held = f"held by {who}" if who else "held by a process this user cannot see"
        lines.append(
            f"Port {number} ({port.purpose}) is already in use, {held}: stop it, or move"
            f" ours with {port.variable}, e.g. {port.variable}={next_free(number)} {command}"
        )
    return lines


def plan(ports: Sequence[Port], env: Mapping[str, str], rasa_processes: int = 1) -> Dict[int, Port]:
    """Every port number to check for ``ports``, the Rasa processes counting up from RASA_PORT."""
    numbers: Dict[int, Port] = {}
    for port in ports:
        count = rasa_processes if port is RASA else 1
        for offset in range(count):
            numbers[port.value(env) + offset] = port
    return numbers
