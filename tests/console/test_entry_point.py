"""`python -m staff_console` serves the console on the configured loopback port."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ops.servers import ManagedProcess, free_port, wait_for_http
from tests.helpers.console import Client

pytestmark = pytest.mark.servers


def test_python_dash_m_staff_console_serves(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "CONSOLE_DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}",
        "CONSOLE_SECRET_KEY": "e" * 40,
        "CONSOLE_PORT": str(port),
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",  # not created yet
        "DATABASE_URL": f"sqlite:///{tmp_path / 'appointments.db'}",
    }
    process = ManagedProcess(
        "staff console", [sys.executable, "-m", "staff_console"], env, tmp_path / "console.log"
    )
    process.start()
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process, timeout=60)
        client = Client(f"http://127.0.0.1:{port}")
        assert client.get("/").header("location") == "/login"
        assert client.get("/api/conversations").status == 401
    finally:
        process.stop()
    assert "Staff console on http://127.0.0.1:" in process.log_tail()
