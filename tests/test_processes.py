"""clinic_core.processes: workers on every usable core that end with their parent."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time

import pytest

from clinic_core.processes import CAN_END_WITH_PARENT, usable_cores, worker_pool

PR_GET_PDEATHSIG = 2

pytestmark = pytest.mark.skipif(not CAN_END_WITH_PARENT, reason="prctl is Linux only")


def death_signal_and_parent() -> tuple[int, int]:
    """In a worker: the signal it gets when its parent dies, and its parent."""
    found = ctypes.c_int(0)
    ctypes.CDLL(None, use_errno=True).prctl(PR_GET_PDEATHSIG, ctypes.byref(found), 0, 0, 0)
    return found.value, os.getppid()


def remember(value: str) -> None:
    os.environ["WORKER_STARTED_WITH"] = value


def started_with() -> str:
    return os.environ.get("WORKER_STARTED_WITH", "")


def test_a_pool_has_one_worker_per_usable_core_each_ending_with_this_process() -> None:
    assert usable_cores() == len(os.sched_getaffinity(0)) >= 1
    with worker_pool() as pool:
        assert pool._max_workers == usable_cores()
        assert pool.submit(death_signal_and_parent).result() == (signal.SIGTERM, os.getpid())


def test_the_initializer_runs_in_each_worker_after_the_death_signal_is_asked() -> None:
    with worker_pool(remember, ("the detector",)) as pool:
        assert pool.submit(started_with).result() == "the detector"
        assert pool.submit(death_signal_and_parent).result()[0] == signal.SIGTERM


def test_a_killed_parent_takes_its_workers_with_it() -> None:
    # A parent that cannot clean up (SIGKILL) leaves no worker behind.
    script = (
        "import os, sys, time\n"
        "from clinic_core.processes import worker_pool\n"
        "pool = worker_pool()\n"
        "pids = [pool.submit(os.getpid).result() for _ in range(4)]\n"
        "print(' '.join(map(str, set(pids))), flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert workers
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
