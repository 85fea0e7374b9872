"""The accounts command: non-interactive, password from standard input, no defaults."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Tuple

from staff_console.accounts import main
from staff_console.auth import Accounts, Tokens
from staff_console.db import console_engine
from staff_console.settings import Settings
from tests.helpers.console import ROOT, Data, make_settings


def run(settings: Settings, *argv: str, stdin: str = "") -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), settings=settings, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_accounts_and_tokens(data: Data, tmp_path: Path) -> None:
    settings = make_settings(data, tmp_path)
    engine = console_engine(settings.console_database_url)
    assert Accounts(engine, settings.utc_now).list_users() == []  # no default account
    assert run(settings, "create-user", "erin", "--admin", stdin="erin-long-password\n")[0] == 0
    code, _, err = run(settings, "create-user", "erin", stdin="erin-long-password\n")
    assert code == 1 and "already exists" in err
    assert run(settings, "create-user", "frank", stdin="short\n")[0] == 1
    assert run(settings, "create-user", "frank", stdin="")[0] == 1  # empty stdin: no password
    assert run(settings, "reset-password", "erin", stdin="erin-newer-password\n")[0] == 0
    assert Accounts(engine, settings.utc_now).check_password("erin", "erin-newer-password")
    assert run(settings, "reset-password", "nobody", stdin="whatever-long-pass\n")[0] == 1

    code, token, err = run(settings, "create-token", "nightly")
    token = token.strip()
    assert code == 0 and token.startswith("sc_") and len(token) > 40 and "not shown again" in err
    assert Tokens(engine, settings.utc_now).verify(token) == "nightly"
    assert run(settings, "revoke-token", "nightly")[0] == 0
    assert Tokens(engine, settings.utc_now).verify(token) is None
    assert run(settings, "revoke-token", "nightly")[0] == 1

    assert run(settings, "disable-user", "erin")[0] == 0
    code, listing, _ = run(settings, "list")
    assert "user  erin  admin disabled" in listing and "token nightly  revoked" in listing
    assert token not in listing


def test_python_dash_m_reads_the_password_from_stdin(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CONSOLE_DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}",
        "CONSOLE_SECRET_KEY": "z" * 40,
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'appointments.db'}",
    }
    command = [sys.executable, "-m", "staff_console.accounts", "create-user", "gina"]
    done = subprocess.run(
        command,
        input="gina-long-password\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "gina-long-password" not in done.stdout + done.stderr
    engine = console_engine(env["CONSOLE_DATABASE_URL"])
    assert Accounts(engine, Settings.from_env(env).utc_now).check_password(
        "gina", "gina-long-password"
    )
