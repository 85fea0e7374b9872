"""The servers as the end-to-end tests run them: free ports, temporary databases.

Every end-to-end suite starts the real processes the way `make run` does
(ops/servers.py), on free loopback ports, with its own tracker store and
appointments database and a fixed "now" so that dates in the tests hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import pytest

from clinic_core.clock import pinned_env
from ops.servers import AssistantStack, free_port, send_rest
from ops.training import model_path

REFERENCE_NOW = "2026-11-25T11:00"  # a Wednesday, 11:00 in the clinic's time zone


def stack_in(
    folder: Path,
    website: bool = False,
    console: bool = False,
    env: Optional[Mapping[str, str]] = None,
) -> AssistantStack:
    """An unstarted stack whose state all lives in ``folder``."""
    model = model_path()
    if not model.exists():
        pytest.fail(f"no model at {model}: run `make test`, which trains it first")
    return AssistantStack(
        model=model,
        rasa_port=free_port(),
        action_port=free_port(),
        website_port=free_port() if website else None,
        console_port=free_port() if console else None,
        log_dir=folder / "logs",
        env_overrides={
            "TRACKER_STORE_URL": f"sqlite:///{folder / 'tracker.db'}",
            "DATABASE_URL": f"sqlite:///{folder / 'appointments.db'}",
            **pinned_env(REFERENCE_NOW),
            "CONSOLE_DATABASE_URL": f"sqlite:///{folder / 'console.db'}",
            "CONSOLE_SECRET_KEY": "console-secret-key-for-tests-only",
            **(env or {}),
        },
    )


def say(stack: AssistantStack, sender: str, text: str) -> List[Dict[str, Any]]:
    """One patient message over REST; the replies."""
    replies = send_rest(stack.rasa_url, sender, text)
    assert isinstance(replies, list)
    return replies


def texts(replies: List[Dict[str, Any]]) -> str:
    """The replies' texts as one string."""
    return " ".join(r.get("text", "") for r in replies)
