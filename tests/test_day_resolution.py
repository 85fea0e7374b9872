"""Days as patients say them: the day-resolution set; past and vague days in the forms.

``tests/day_resolution.yml`` holds our own phrases at fixed reference times
with the day, time, part of the day, past flag and vague days they must read
as; `make bench-dates` reports the share read right. The form tests run the
real validators on a real SQLite store.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.availability import free_starts
from actions.booking.forms import ValidateAppointmentForm, ValidateManageBookingForm
from bench.dates import DayCase, day_resolution, load_day_cases, read_as
from clinic_core.profile import ClinicProfile, load_profile
from clinic_core.store import AppointmentStore
from clinic_core.time_of_day import PARTS, PARTS_OF_DAY, find_part_of_day
from clinic_core.when import parse_when
from tests.helpers.appointments import new_appointment
from tests.helpers.clock import pin_clinic_and_database
from tests.helpers.responses import render
from tests.helpers.trackers import make_tracker

CASES = load_day_cases()
NOW = "2026-11-25T11:00"  # a Wednesday
PROFILE = load_profile()


def test_the_set_is_big_enough_and_has_every_kind() -> None:
    mid_month = [c for c in CASES if c.now.date() == dt.date(2026, 3, 11)]
    assert len(mid_month) >= 120
    assert len({c.now for c in CASES}) >= 2
    assert sum(c.expected.past for c in CASES) >= 30
    assert sum(c.expected.vague for c in CASES) >= 30
    assert {c.expected.part_of_day for c in CASES} >= set(PARTS_OF_DAY)
    assert len({(c.text.lower(), c.now) for c in CASES}) == len(CASES)  # no duplicates


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.now:%Y-%m-%d}: {c.text}")
def test_phrase_reads_as_expected(case: DayCase) -> None:
    assert read_as(case) == case.expected


def test_the_benchmark_counts_what_the_test_checks(tmp_path: Path) -> None:
    wrong = tmp_path / "cases.yml"
    wrong.write_text(
        'references:\n  - now: "2026-03-11T10:00"\n    cases:\n'
        '      - {text: "yesterday", day: 2026-03-10, past: true}\n'
        '      - {text: "tomorrow", day: 2026-03-20}\n'
    )
    result = day_resolution(wrong)
    assert result["cases"] == 2 and result["accuracy"] == 0.5
    assert [f["text"] for f in result["failures"]] == ["tomorrow"]


# --- one vocabulary for the parts of the day -------------------------------------


def test_every_word_of_a_part_reads_as_that_part() -> None:
    for part in PARTS:
        for word in part.words:
            found = find_part_of_day(f" could i come {word} please ")
            assert found is not None and found[0] == part.name, word


def test_first_thing_is_the_first_hour_the_clinic_is_open() -> None:
    saturday, monday = dt.date(2026, 12, 5), dt.date(2026, 11, 30)
    now = dt.datetime(2026, 11, 25, 11, tzinfo=PROFILE.zone)
    starts = [
        free_starts(PROFILE, day, 45, set(), now, "first_thing") for day in (saturday, monday)
    ]
    assert [f"{s:%H:%M}" for s in starts[0]] == ["10:00", "10:15", "10:30", "10:45"]
    assert [f"{s:%H:%M}" for s in starts[1]] == ["09:00", "09:15", "09:30", "09:45"]


def test_after_work_is_offered_evening_times() -> None:
    wednesday = dt.date(2026, 12, 2)  # open until 20:00
    now = dt.datetime(2026, 11, 25, 11, tzinfo=PROFILE.zone)
    part = parse_when("after work on wednesday", now).part_of_day
    starts = free_starts(PROFILE, wednesday, 45, set(), now, part)
    assert starts and all(s.time() >= dt.time(17) for s in starts)


def test_late_afternoon_is_offered_late_afternoon_times_not_any_afternoon() -> None:
    tuesday = dt.date(2026, 12, 8)
    now = dt.datetime(2026, 11, 25, 11, tzinfo=PROFILE.zone)
    part = parse_when("a week on tuesday, late afternoon", now).part_of_day
    starts = free_starts(PROFILE, tuesday, 45, set(), now, part)
    assert part == "late_afternoon"
    assert starts and all(dt.time(14, 30) <= s.time() < dt.time(17) for s in starts)


# --- the forms: a past day is refused as past, a vague day is answered with free times


@pytest.fixture(autouse=True)
def clinic_time_and_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return pin_clinic_and_database(monkeypatch, NOW, tmp_path)


async def ask_day(
    form: ValidateAppointmentForm, text: str, domain: Dict[str, Any], **slots: Any
) -> tuple[Dict[str, Any], CollectingDispatcher]:
    """The patient answers the day question with ``text``: extraction, then validation."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        intent="inform", text=text, slots={"requested_slot": "appointment_date", **slots}
    )
    extracted = await form.extract_appointment_date(dispatcher, tracker, domain)
    result = dict(extracted)
    if "appointment_date" in extracted:
        result.update(
            await form.validate_appointment_date(
                extracted["appointment_date"], dispatcher, tracker, domain
            )
        )
    return result, dispatcher


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("yesterday", "Tuesday 24 November"),
        ("last monday", "Monday 23 November"),
        ("two days ago", "Monday 23 November"),
        ("the 20th", "Friday 20 November"),
    ],
)
async def test_a_past_day_is_refused_as_past(domain: Dict[str, Any], text: str, day: str) -> None:
    result, dispatcher = await ask_day(ValidateAppointmentForm(), text, domain)
    assert result["appointment_date"] is None
    (message,) = render(dispatcher.messages, domain)
    assert message["text"].startswith(f"{day} has already passed.")
    assert "couldn't read" not in message["text"]


async def test_monday_or_tuesday_is_answered_with_free_times_on_both(
    domain: Dict[str, Any], clinic_time_and_database: str
) -> None:
    # Monday 09:00 is taken: Monday's first free start for a first visit is 10:15.
    AppointmentStore(clinic_time_and_database).book(
        new_appointment(
            start=dt.datetime(2026, 11, 30, 9, tzinfo=PROFILE.zone),
            minutes=75,
            conversation_id="other",
        )
    )
    form = ValidateAppointmentForm()
    result, dispatcher = await ask_day(form, "monday or tuesday", domain, patient_type="new")
    assert result["appointment_date"] is None
    (message,) = render(dispatcher.messages, domain)
    assert message["text"].startswith(
        "The first free times between Monday 30 November and Tuesday 1 December are below"
    )
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert len(payloads) == 6
    assert payloads[0] == "Monday 30 November at 10:15"
    assert payloads[3] == "Tuesday 1 December at 09:00"
    assert payloads[-1] == "Tuesday 1 December at 16:45"  # a 75-minute visit ends at 18:00
    # Tapping a button gives the day and the time at once.
    tapped, _ = await ask_day(form, payloads[3], domain, patient_type="new")
    assert tapped["appointment_date"] == "2026-12-01"
    assert tapped["appointment_time"] == "09:00"


async def test_next_week_after_work_offers_evening_times_on_several_days(
    domain: Dict[str, Any],
) -> None:
    result, dispatcher = await ask_day(
        ValidateAppointmentForm(), "any day next week after work", domain, patient_type="returning"
    )
    assert result["appointment_date"] is None
    starts = [
        dt.datetime.strptime(b["payload"], "%A %d %B at %H:%M")
        for b in dispatcher.messages[0]["buttons"]
    ]
    assert len({s.date() for s in starts}) >= 3
    assert all(s.time() >= dt.time(17) for s in starts)


async def test_next_thursday_said_on_a_wednesday_offers_both_thursdays_by_name(
    domain: Dict[str, Any],
) -> None:
    """Tomorrow to some, the week after to others (audit 6): both, not the days between."""
    result, dispatcher = await ask_day(
        ValidateAppointmentForm(), "next thursday", domain, patient_type="new"
    )
    assert result["appointment_date"] is None
    (message,) = render(dispatcher.messages, domain)
    assert message["text"].startswith(
        "The first free times on Thursday 26 November or Thursday 3 December are below"
    )
    days = {b["payload"].split(" at ")[0] for b in dispatcher.messages[0]["buttons"]}
    assert days == {"Thursday 26 November", "Thursday 3 December"}


async def test_a_time_said_with_a_vague_day_is_offered_on_each_day(
    domain: Dict[str, Any],
) -> None:
    """ "next thursday 11am" on a Wednesday (audit 7): 11:00 on both Thursdays, not any time."""
    result, dispatcher = await ask_day(
        ValidateAppointmentForm(), "next thursday 11am", domain, patient_type="new"
    )
    assert result["appointment_date"] is None
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == ["Thursday 26 November at 11:00", "Thursday 3 December at 11:00"]


class ThreeDaysAhead(ValidateAppointmentForm):
    """The booking form of a clinic that books at most three days ahead."""

    def profile(self) -> ClinicProfile:
        booking = PROFILE.booking.copy(update={"horizon_days": 3})
        return PROFILE.copy(update={"booking": booking})


async def test_a_vague_day_with_no_free_times_says_so(domain: Dict[str, Any]) -> None:
    result, dispatcher = await ask_day(ThreeDaysAhead(), "next week", domain)
    assert result["appointment_date"] is None
    (message,) = render(dispatcher.messages, domain)
    assert message["text"] == (
        "Sorry, there are no free times between Monday 30 November and Saturday 5 December."
        " Which other day would suit you?"
    )


async def test_the_reschedule_form_refuses_past_days_too(domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="last friday",
        slots={"requested_slot": "appointment_date", "booking_task": "reschedule"},
    )
    form = ValidateManageBookingForm()
    extracted = await form.extract_appointment_date(dispatcher, tracker, domain)
    result = await form.validate_appointment_date(
        extracted["appointment_date"], dispatcher, tracker, domain
    )
    # The refused day is kept so that the next question offers the nearest open days.
    assert result == {"appointment_date": None, "rejected_date": "2026-11-20"}
    assert render(dispatcher.messages, domain)[0]["text"].startswith(
        "Friday 20 November has already passed."
    )
