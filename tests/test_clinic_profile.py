"""The clinic profile: the real file, derived facts, and broken files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from clinic_core.data_files import ClinicDataError, parse_model
from clinic_core.profile import ClinicProfile, load_profile

ROOT = Path(__file__).resolve().parent.parent


def profile_yaml() -> dict:
    return yaml.safe_load((ROOT / "clinic" / "profile.yml").read_text())


def test_real_profile_loads() -> None:
    profile = load_profile()
    assert profile.name and profile.phone and profile.email
    assert profile.booking.cancellation_notice_hours >= 0
    assert {t.id for t in profile.appointment_types} >= {"new_patient", "returning_patient"}


def test_hours_closures_and_lines() -> None:
    profile = load_profile()
    wednesday = dt.date(2026, 11, 25)
    assert profile.hours_text(wednesday) == "09:00–13:00, 14:00–20:00"
    assert profile.hours_on(dt.date(2026, 11, 29)) == []  # a Sunday
    christmas = dt.date(2026, 12, 25)  # a Friday, but closed
    assert profile.hours_on(christmas) == []
    assert profile.closure_on(christmas) is not None
    lines = profile.weekly_hours_lines()
    assert lines[0] == "Monday–Tuesday: 09:00–18:00"
    assert lines[-1] == "Sunday: closed"
    upcoming = profile.upcoming_closures(dt.date(2026, 12, 1), within_days=31)
    assert [c.reason for c in upcoming] == ["Christmas Day", "Boxing Day", "New Year's Day"]


def test_prices_read_well() -> None:
    lines = load_profile().price_lines()
    assert lines[0] == "First visit (consultation and treatment) (75 min): £70"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(timezone="Mars/Olympus"), "timezone: unknown timezone"),
        (lambda d: d["opening_hours"].update(funday=[]), "unknown weekday(s): funday"),
        (
            lambda d: d["opening_hours"].update(monday=[["18:00", "09:00"]]),
            "monday: 18:00 is not before 09:00",
        ),
        (
            lambda d: d["opening_hours"].update(monday=[["09:00", "13:00"], ["12:00", "15:00"]]),
            "monday: opening ranges overlap",
        ),
        (lambda d: d["opening_hours"].update(monday=[["9 am", "5 pm"]]), "opening_hours"),
        (lambda d: d.pop("phone"), "phone: field required"),
        (lambda d: d.update(phone=""), "phone"),
        (lambda d: d["booking"].update(horizon_days=0), "booking.horizon_days"),
        (lambda d: d["closures"].append({"date": "someday", "reason": "x"}), "closures.3.date"),
        (lambda d: d.update(prices=[]), "prices"),
        (
            lambda d: d["booking"].update(lookup_attempts=5, lookup_attempts_per_address=4),
            "booking.lookup_attempts_per_address: must be at least booking.lookup_attempts",
        ),
    ],
)
def test_malformed_profile_names_the_field(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    data = profile_yaml()
    mutate(data)
    with pytest.raises(ClinicDataError) as error:
        parse_model(yaml.safe_dump(data), ClinicProfile, source="profile.yml")
    assert message in str(error.value)


def test_a_key_said_twice_is_refused_with_its_lines() -> None:
    """Plain YAML would keep the second ``phone`` silently; the clinic's loader names both."""
    text = (Path("clinic/profile.yml").read_text(encoding="utf-8")).replace(
        "\nphone:", '\nphone: "+44 20 7946 0000"\nphone:', 1
    )
    with pytest.raises(ClinicDataError) as error:
        parse_model(text, ClinicProfile, source="profile.yml")
    assert "'phone' is said twice in one mapping (first on line" in str(error.value)
