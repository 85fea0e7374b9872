"""Settings (clinic_core/settings.py): validated at start, each problem naming its variable."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from clinic_core.clock import clinic_now, pinned_env
from clinic_core.settings import (
    ROOT,
    ActionSettings,
    ConsoleSettings,
    CoreSettings,
    OpsSettings,
    SettingsError,
    check,
)

LONDON = ZoneInfo("Europe/London")


def test_nothing_set_gives_the_local_defaults() -> None:
    core = CoreSettings.load({})
    assert core.database_url == f"sqlite:///{ROOT / 'var' / 'appointments.db'}"
    assert core.clinic_data_dir == ROOT / "clinic"
    assert ConsoleSettings.load({}).appointments_database_url == core.database_url
    assert ActionSettings.load({}).timeout_seconds == 10.0
    assert OpsSettings.load({"RASA_PROCESSES": ""}).rasa_processes == 2  # empty: unset


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CONSOLE_PORT": "51OO"}, "CONSOLE_PORT: value is not a valid integer (got '51OO')"),
        ({"ACTION_SERVER_TIMEOUT_SECONDS": "0"}, "ACTION_SERVER_TIMEOUT_SECONDS: ensure this"),
        ({"RASA_PROCESSES": "two"}, "RASA_PROCESSES: value is not a valid integer"),
        ({"CLINIC_TEST_CLOCK": "1", "CLINIC_REFERENCE_NOW": "soon"}, "CLINIC_REFERENCE_NOW:"),
        ({"CONSOLE_SECURE_COOKIES": "maybe"}, "CONSOLE_SECURE_COOKIES: value could not be"),
        ({"RATE_LIMIT_MESSAGES": "many"}, "RATE_LIMIT_MESSAGES: value is not a valid integer"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(env: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=r"^invalid setting ") as refused:
        check(env)
    assert message in str(refused.value)


def test_a_secret_is_never_repeated_in_the_message() -> None:
    with pytest.raises(SettingsError) as refused:
        check({"CONSOLE_SECRET_KEY": "short-secret"})
    assert "CONSOLE_SECRET_KEY: ensure this value has at least 32 characters" in str(refused.value)
    assert "short-secret" not in str(refused.value)


def test_the_reference_time_needs_the_test_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CLINIC_REFERENCE_NOW left in a deployment's environment never freezes the clinic."""
    monkeypatch.setenv("CLINIC_REFERENCE_NOW", "2026-11-25T11:00")
    monkeypatch.delenv("CLINIC_TEST_CLOCK", raising=False)
    assert abs(clinic_now(LONDON) - dt.datetime.now(LONDON)) < dt.timedelta(minutes=1)
    for name, value in pinned_env("2026-11-25T11:00").items():
        monkeypatch.setenv(name, value)
    assert clinic_now(LONDON) == dt.datetime(2026, 11, 25, 11, 0, tzinfo=LONDON)


def test_a_service_with_a_bad_setting_does_not_start() -> None:
    """The staff console's entry point stops at once, saying which variable is wrong."""
    run = subprocess.run(
        [sys.executable, "-m", "staff_console"],
        env={"CONSOLE_PORT": "not-a-port", "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "ALARM staff console not started: invalid setting CONSOLE_PORT" in run.stderr
