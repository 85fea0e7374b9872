"""Child processes that end with the process that started them.

A process killed with SIGKILL runs no clean-up, so on Linux each child asks
the kernel for a signal when its parent dies (prctl ``PR_SET_PDEATHSIG``):
no helper process and nothing to poll (ops/servers.py says why servers are
started this way). The kernel sends it when the *thread* that started the
child ends, so children are started from a process's main thread.
"""

from __future__ import annotations

import ctypes
import os
import sys

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
