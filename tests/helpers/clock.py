"""Pinning the clinic's "now" in this process for a test."""

from __future__ import annotations

import pytest

from clinic_core.clock import pinned_env


def pin_clinic_now(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    """Make ``clinic_now`` return ``moment`` (ISO) until the test ends."""
    for name, value in pinned_env(moment).items():
        monkeypatch.setenv(name, value)
