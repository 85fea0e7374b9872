"""Child processes that end with the process that started them, and pools of them.

A process killed with SIGKILL runs no clean-up, so on Linux each child asks
the kernel for a signal when its parent dies (prctl ``PR_SET_PDEATHSIG``):
no helper process and nothing to poll (ops/servers.py says why servers are
started this way). The kernel sends it when the *thread* that started the
child ends, so children are started from a process's main thread.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Optional, Tuple

PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
CAN_END_WITH_PARENT = _prctl is not None


def end_with_parent(death_signal: int, parent: int) -> None:
    """In a child of ``parent``: get ``death_signal`` when it dies (only on Linux).

    If ``parent`` died before this was asked, nobody would send it: the child sends it itself.
    """
    if _prctl is None:
        return
    _prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(int(death_signal)), 0, 0, 0)
    if os.getppid() != parent:
        os.kill(os.getpid(), death_signal)


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity, not the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_pool(
    initializer: Optional[Callable[..., None]] = None, initargs: Tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """One worker per usable core, each ending with this process, then running ``initializer``.

    Workers are spawned, not forked: a fork would copy a parent's threads'
    locks (TensorFlow's, ONNX Runtime's) in whatever state they were in.
    """
    return ProcessPoolExecutor(
        usable_cores(),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(), initializer, initargs),
    )


def _start_worker(
    parent: int, initializer: Optional[Callable[..., None]], initargs: Tuple[Any, ...]
) -> None:
    end_with_parent(signal.SIGTERM, parent)
    if initializer is not None:
        initializer(*initargs)
