"""Pinning the clinic's "now" in this process for a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic_core.clock import pinned_env


def pin_clinic_now(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    """Make ``clinic_now`` return ``moment`` (ISO) until the test ends."""
    for name, value in pinned_env(moment).items():
        monkeypatch.setenv(name, value)


def pin_clinic_and_database(monkeypatch: pytest.MonkeyPatch, moment: str, folder: Path) -> str:
    """Pin "now" to ``moment`` and the appointments database to a new SQLite file in ``folder``.

    Returns:
        The database URL (``DATABASE_URL`` until the test ends).

    """
    url = f"sqlite:///{folder / 'appointments.db'}"
    pin_clinic_now(monkeypatch, moment)
    monkeypatch.setenv("DATABASE_URL", url)
    return url
