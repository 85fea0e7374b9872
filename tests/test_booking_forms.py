"""Slot validation of the booking forms, one rejection reason at a time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, Optional
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.booking_actions import (
    ActionAskAppointmentDate,
    ActionAskAppointmentTime,
    ActionStopBooking,
)
from actions.booking.forms import NOTES_REMOVED, STOP_WORDS, ValidateAppointmentForm
from actions.booking.offer_choice import picked_position
from clinic_core.profile import load_profile
from clinic_core.store import AppointmentStore
from tests.helpers.appointments import new_appointment
from tests.helpers.clock import pin_clinic_and_database
from tests.helpers.responses import render
from tests.helpers.trackers import make_tracker

NOW = "2026-11-25T11:00"  # a Wednesday


@pytest.fixture(autouse=True)
def clinic_time_and_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return pin_clinic_and_database(monkeypatch, NOW, tmp_path)


@pytest.fixture
def form() -> ValidateAppointmentForm:
    return ValidateAppointmentForm()


def texts(dispatcher: CollectingDispatcher, domain: Dict[str, Any]) -> str:
    return " ".join(m["text"] for m in render(dispatcher.messages, domain))


@pytest.mark.parametrize(
    ("value", "expected", "says"),
    [
        ("my name is ann lee", "Ann Lee", ""),
        ("", None, "didn't get a name"),
        ("x" * 500, None, "60 characters"),
        ("0791123", None, "can't contain numbers"),
        ("i'd like to come in next week for my back please", None, "doesn't look like a name"),
        ("Robert'); DROP TABLE appointments;--", None, "doesn't look like a name"),
        ("🙂", None, "doesn't look like a name"),
    ],
)
async def test_patient_name(
    form: ValidateAppointmentForm,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    value: str,
    expected: str | None,
    says: str,
) -> None:
    result = await form.validate_patient_name(value, dispatcher, make_tracker(), domain)
    assert result == {"patient_name": expected}
    assert says in texts(dispatcher, domain)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("07911 123456", {"contact": "+44 7911 123456", "phone": "+447911123456", "email": None}),
        (
            "Ann@Example.com",
            {"contact": "Ann@example.com", "phone": None, "email": "Ann@example.com"},
        ),
        ("abc", {"contact": None}),
        ("123", {"contact": None}),
    ],
)
async def test_contact(
    form: ValidateAppointmentForm,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    value: str,
    expected: Dict[str, Any],
) -> None:
    assert await form.validate_contact(value, dispatcher, make_tracker(), domain) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        # Ofcom's range for TV and film: a mobile's shape, no phone rings it.
        ("07700 900235", "07700 900235 is from a range kept for TV and film"),
        ("it's a normal UK mobile?? 07700900235", "07700900235 is from a range kept for TV"),
        ("+447700900101", "+447700900101 is from a range kept for TV and film"),
        ("0791 123", "0791 123 doesn't look like a number we could call"),  # digits missing
        ("abc", "couldn't find a valid phone number or email"),
        ("12/15", "couldn't find a valid phone number or email"),  # a date: no phone's shape
    ],
)
async def test_a_number_no_phone_can_ring_is_named_with_the_reason(
    form: ValidateAppointmentForm,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    value: str,
    says: str,
) -> None:
    assert await form.validate_contact(value, dispatcher, make_tracker(), domain) == {
        "contact": None
    }
    assert says in texts(dispatcher, domain)


def test_a_date_in_a_booking_request_is_not_named_as_a_phone(
    form: ValidateAppointmentForm, dispatcher: CollectingDispatcher
) -> None:
    # Audit 12: "12/15 doesn't look like a number we could call".
    assert not form.said_phone_unusable("could i schedule for 12/15 at 2:30pm?", dispatcher)
    assert not form.said_phone_unusable("is the 15.12.26 free", dispatcher)
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("day", "says"),
    [
        ("2026-11-20", "already passed"),
        ("2026-11-29", "closed on Sundays"),
        ("2026-12-25", "Christmas Day"),
        ("2027-06-01", "up to 60 days ahead"),
        ("unparsed", "couldn't read a day"),
    ],
)
async def test_unbookable_days(
    form: ValidateAppointmentForm,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    day: str,
    says: str,
) -> None:
    result = await form.validate_appointment_date(day, dispatcher, make_tracker(), domain)
    assert result["appointment_date"] is None
    assert result.get("rejected_date") == (None if day == "unparsed" else day)
    assert says in texts(dispatcher, domain)


@pytest.mark.parametrize(
    ("time", "says"),
    [
        ("03:00", "outside our opening hours"),
        ("10:10", "every 15 minutes"),
        ("17:30", "outside our opening hours"),  # a 75-minute visit would end after 18:00
        ("unparsed", "couldn't read a time"),
    ],
)
async def test_unbookable_times(
    form: ValidateAppointmentForm,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    time: str,
    says: str,
) -> None:
    tracker = make_tracker(slots={"appointment_date": "2026-12-01", "patient_type": "new"})
    result = await form.validate_appointment_time(time, dispatcher, tracker, domain)
    assert result["appointment_time"] is None
    assert says in texts(dispatcher, domain)


@pytest.mark.parametrize("slot", ["appointment_date", "appointment_time"])
@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("is it ok if i bring my son?", "can't answer that one here"),
        ("can my husband sit in with me", "can't answer that one here"),
        ("whenever really", "couldn't read a"),
    ],
)
async def test_a_question_at_the_day_or_time_is_not_a_mistyped_answer(
    form: ValidateAppointmentForm,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    slot: str,
    text: str,
    says: str,
) -> None:
    """Found by an outside audit: "is it ok if i bring my son?" got "couldn't read a time"."""
    tracker = make_tracker(
        text=text, slots={"appointment_date": "2026-12-01", "patient_type": "new"}
    )
    validate = getattr(form, f"validate_{slot}")
    assert (await validate("unparsed", dispatcher, tracker, domain))[slot] is None
    said = texts(dispatcher, domain)
    assert says in said
    if "answer" in says:
        assert load_profile().phone in said


async def test_taken_time_offers_the_nearest_free_times(
    form: ValidateAppointmentForm,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    clinic_time_and_database: str,
) -> None:
    AppointmentStore(clinic_time_and_database).book(
        new_appointment(minutes=75, conversation_id="other")
    )
    tracker = make_tracker(slots={"appointment_date": "2026-12-01", "patient_type": "new"})
    result = await form.validate_appointment_time("10:30", dispatcher, tracker, domain)
    assert result == {"appointment_time": None, "rejected_time": "10:30"}
    assert "already booked" in texts(dispatcher, domain)
    asked = CollectingDispatcher()
    tracker.slots.update(result)
    events = await ActionAskAppointmentTime().run(asked, tracker, domain)
    assert events == [SlotSet("rejected_time", None)]
    assert asked.messages[0]["response"] == "utter_nearest_free_times"
    buttons = [b["payload"] for b in asked.messages[0]["buttons"]]
    # 09:00 would run into the 10:00 booking (a first visit lasts 75 minutes)
    assert buttons == ["11:15", "11:30", "11:45", "12:00"]


async def test_time_question_offers_free_times_across_the_day(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker(slots={"appointment_date": "2026-12-01", "patient_type": "new"})
    assert await ActionAskAppointmentTime().run(dispatcher, tracker, domain) == []
    (message,) = render(dispatcher.messages, domain)
    assert message["text"] == "What time on Tuesday 1 December? These times are free."
    times = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert times[0] == "09:00" and len(times) == 6 and times == sorted(times)


async def test_afternoon_is_offered_afternoon_times(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker(slots={"appointment_date": "2026-12-01", "part_of_day": "afternoon"})
    await ActionAskAppointmentTime().run(dispatcher, tracker, domain)
    times = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert all("12:00" <= t < "17:00" for t in times)


@pytest.mark.parametrize(
    ("bounds", "earliest", "before"),
    [("17:00-", "17:00", "23:59"), ("-11:00", "00:00", "11:00"), ("14:00-16:00", "14:00", "16:00")],
)
async def test_hours_the_patient_set_are_offered_times_within_them(
    bounds: str,
    earliest: str,
    before: str,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
) -> None:
    """ "I'm free from 5 on Wednesday": the 17:00 to 20:00 evening, not 09:00."""
    tracker = make_tracker(slots={"appointment_date": "2026-12-02", "part_of_day": bounds})
    await ActionAskAppointmentTime().run(dispatcher, tracker, domain)
    times = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert times and all(earliest <= t < before for t in times)


@pytest.mark.parametrize(
    ("bounds", "said"), [("18:00-", "after 18:00"), ("-08:00", "before 08:00")]
)
async def test_hours_with_nothing_free_are_said_not_passed_over(
    bounds: str, said: str, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """Found by an eighth outside audit: "after 4" got earlier times as if they fitted."""
    tracker = make_tracker(slots={"appointment_date": "2026-12-01", "part_of_day": bounds})
    await ActionAskAppointmentTime().run(dispatcher, tracker, domain)
    (message,) = render(dispatcher.messages, domain)
    assert message["text"].startswith(f"Nothing is free {said} on Tuesday 1 December.")
    assert dispatcher.messages[0]["buttons"]  # the other free times that day


async def test_free_time_is_accepted(
    form: ValidateAppointmentForm, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker(slots={"appointment_date": "2026-12-01"})
    result = await form.validate_appointment_time("14:15", dispatcher, tracker, domain)
    assert result == {"appointment_time": "14:15"}
    assert dispatcher.messages == []


async def test_a_fully_booked_day_is_refused_at_the_day_question(
    form: ValidateAppointmentForm,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    clinic_time_and_database: str,
) -> None:
    """Found by an outside audit: a full day was taken, and refused three questions later."""
    store, day = AppointmentStore(clinic_time_and_database), dt.date(2026, 12, 1)
    zone = ZoneInfo("Europe/London")
    for opens, closes in load_profile().hours_on(day):
        start = dt.datetime.combine(day, opens, tzinfo=zone)
        while start + dt.timedelta(minutes=45) <= dt.datetime.combine(day, closes, tzinfo=zone):
            store.book(
                new_appointment(
                    start=start,
                    conversation_id="others",
                    phone=None,
                    email=f"{start:%H%M}@example.com",
                )
            )
            start += dt.timedelta(minutes=45)
    tracker = make_tracker(slots={"patient_type": "returning"})
    result = await form.validate_appointment_date(day.isoformat(), dispatcher, tracker, domain)
    assert result == {"appointment_date": None, "rejected_date": "2026-12-01"}
    assert "no free times left on Tuesday 1 December" in texts(dispatcher, domain)
    # The next day is open.
    free = await form.validate_appointment_date(
        "2026-12-02", CollectingDispatcher(), tracker, domain
    )
    assert free["appointment_date"] == "2026-12-02"


def fill_day(url: str, day: dt.date, until: Optional[dt.time] = None) -> None:
    """Book every 45-minute start of ``day`` (or of its hours before ``until``) for others."""
    store, zone = AppointmentStore(url), ZoneInfo("Europe/London")
    for opens, closes in load_profile().hours_on(day):
        start = dt.datetime.combine(day, opens, tzinfo=zone)
        end = dt.datetime.combine(day, min(closes, until or closes), tzinfo=zone)
        while start + dt.timedelta(minutes=45) <= end:
            store.book(
                new_appointment(
                    start=start, conversation_id="others", phone=None, email=f"{start:%H%M}@x.org"
                )
            )
            start += dt.timedelta(minutes=45)


@pytest.mark.parametrize(
    ("said", "later_weeks"),
    [
        ("tuesday", True),
        ("Tuesday morning?", True),
        ("any good on a tues at 10", True),
        # not a Tuesday of any week: refused, the nearest open days asked for next
        ("next tuesday", False),
        ("tuesday the 1st", False),
        ("this tuesday", False),
    ],
)
async def test_a_full_weekday_said_alone_offers_the_same_weekday_of_the_next_weeks(
    said: str,
    later_weeks: bool,
    form: ValidateAppointmentForm,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    clinic_time_and_database: str,
) -> None:
    """Audit 20: "saturday" with that one full was offered the Friday and Monday beside it."""
    fill_day(clinic_time_and_database, dt.date(2026, 12, 1))
    tracker = make_tracker(text=said, slots={"patient_type": "returning"})
    result = await form.validate_appointment_date("2026-12-01", dispatcher, tracker, domain)
    if not later_weeks:
        assert result == {"appointment_date": None, "rejected_date": "2026-12-01"}
        return
    assert result["appointment_date"] is None
    assert "no free times left on Tuesday 1 December" in texts(dispatcher, domain)
    days = {button["payload"].split(" at ")[0] for button in dispatcher.messages[-1]["buttons"]}
    assert days and all(day.startswith("Tuesday") for day in days), days


@pytest.mark.parametrize(
    ("text", "removed"),
    [
        ("can you take the note off please", True),
        ("thursday at 2pm please, and no notes", True),
        ("the notes shouldn't say first visit", True),
        ("please delete what I put in the notes", True),
        ("nothing to add", False),
        ("I have a pacemaker, please note that", False),
    ],
)
def test_the_notes_taken_back_in_a_patients_words(text: str, removed: bool) -> None:
    """Audit 12: "can you take the note off please" had stopped the booking."""
    assert bool(NOTES_REMOVED.search(text)) is removed


@pytest.mark.parametrize(
    "text",
    [
        "stop",
        "never mind, I'll check with my husband first",
        "ugh. ok forget it, i'll ring you",
        "tbh forget it for now, ill ring you next week",
        "ok leave it as it is then thanks",
        "no thanks bye",
        # audit 18: "let's finish it first", a time, a name
        "no dont book anything",
        "ok forget it, keep it as it is",
        "i'll come back later",
        "hold on i need to check my shifts first, ill come back to you",
        "Actually, I'll discuss it with him first and ring you. Thank you.",
        "on second thoughts we'll wait until after his scan results. thanks anyway",
        "too complicated, we'll just phone you. cheers",
        "ah not to worry, ill leave it for now then",
        # audit 20
        "I didn't ask to book yet. Do you treat neck pain?",
        "no i never asked for a booking",
        # audit 21
        "what? no. forget it, just keep my 6th january appointment as it is",
        "leave her tuesday booking as it is",
    ],
)
def test_leaving_in_the_patients_words_ends_the_form(text: str) -> None:
    assert STOP_WORDS.match(text), text


@pytest.mark.parametrize(
    ("text", "intent", "answered"),
    [
        ("I didn't ask to book yet. How much is a first visit?", "ask_price", "utter_prices"),
        ("actually forget it, not today. does it hurt much?", "ask_does_it_hurt",
         "utter_acupuncture_answer"),
        # no question after the stop, or the stop read as another request: nothing more
        ("no thanks bye", "goodbye", None),
        ("never mind. I'll ring you", "ask_price", None),
    ],
)  # fmt: skip
async def test_a_question_after_leaving_is_answered(
    text: str, intent: str, answered: Optional[str], domain: Dict[str, Any]
) -> None:
    """Audit 20: "I didn't ask to book yet. Do you treat ...?" left, the question unanswered."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent, text=text, slots={"requested_slot": "patient_name"})
    tracker.active_loop = {"name": "appointment_form"}
    events = await ActionStopBooking().run(dispatcher, tracker, domain)
    responses = [message["response"] for message in dispatcher.messages]
    assert responses[0] == "utter_booking_stopped"
    assert responses[1:] == ([answered] if answered else []), responses
    assert events[-1] == FollowupAction("action_listen")


@pytest.mark.parametrize(
    "text",
    [
        "I'll come in on Tuesday",
        "I'll pop in at 10",
        "i'll come in tomorrow afternoon",
        "not booking for me, it's for my dad",
        "keep the time, change the day",
        "wait, can you do thursday instead?",
        "Ringo Starr",
        "cancel my other appointment too",
        "i'll wait for the 14th then",
        "i didnt ask to book on monday, i said tuesday",
    ],
)
def test_answers_are_not_taken_for_leaving(text: str) -> None:
    assert not STOP_WORDS.match(text), text


def test_the_weekday_after_is_read_from_the_day_refused_last(form: ValidateAppointmentForm) -> None:
    """Audit 18: after Tuesday 1 December was refused and the nearest open days offered
    (which clears ``rejected_date``), "what about the tuesday after then" read the 1st again."""
    tracker = make_tracker(
        intent="inform",
        text="what about the tuesday after then",
        slots={"day_talked_of": "2026-12-01"},
    )
    assert form.when(tracker).day == dt.date(2026, 12, 8)


async def test_offering_the_nearest_days_keeps_the_refused_day_talked_of() -> None:
    tracker = make_tracker(slots={"rejected_date": "2026-12-01", "patient_type": "new"})
    events = await ActionAskAppointmentDate().run(CollectingDispatcher(), tracker, {})
    assert SlotSet("rejected_date", None) in events
    assert SlotSet("day_talked_of", "2026-12-01") in events


def test_checking_an_appointment_is_no_leaving() -> None:
    """ "i need to check my appointment time" starts a check; "check my shifts" leaves."""
    assert not STOP_WORDS.match("i need to check my appointment time")
    assert STOP_WORDS.match("i need to check my diary first")


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("the first one", 0),
        ("yes the first one please", 0),
        ("ok first", 0),
        ("the last one", 3),
        # "have you been before?" answered at the times offered (audit 18 took the first time)
        ("yes first time", None),
        ("yeah it's my first time", None),
        ("no, first visit", None),
    ],
)
def test_a_time_offered_is_picked_by_position_but_not_by_a_first_visit(
    text: str, index: Optional[int]
) -> None:
    assert picked_position(text, 4) == index


@pytest.mark.parametrize(
    ("text", "count", "index"),
    [
        ("that'll do", 1, 0),
        ("ok that one then please", 1, 0),
        ("yes please", 1, 0),
        ("that'll do", 3, None),  # which one?
        ("friday instead", 1, None),
    ],
)
def test_the_only_time_offered_is_taken_by_a_yes(
    text: str, count: int, index: Optional[int]
) -> None:
    """Audit 21: "that'll do" under one time offered got "I couldn't read a day in that"."""
    assert picked_position(text, count) == index


@pytest.mark.parametrize(
    ("said", "day", "time"),
    [
        ("16th at 10 is good", dt.date(2027, 1, 16), dt.time(10, 0)),
        ("the 6th, 12:15 please", dt.date(2027, 1, 6), dt.time(12, 15)),
        ("the 16th", dt.date(2027, 1, 16), None),
    ],
)
def test_a_day_of_the_month_under_days_offered_is_the_day_offered(
    said: str,
    day: dt.date,
    time: Optional[dt.time],
    form: ValidateAppointmentForm,
    clinic_time_and_database: str,
) -> None:
    """Audit 21: "16th at 10" under "Sat 16 Jan" was read as Wednesday 16 December."""
    offered = [
        {"title": "Wed 6 Jan 12:15", "payload": "Wednesday 6 January at 12:15"},
        {"title": "Sat 16 Jan 11:00", "payload": "Saturday 16 January at 11:00"},
    ]
    tracker = make_tracker("inform", text=said)
    tracker.events[:0] = [
        {"event": "user", "text": "any day in january"},
        {"event": "bot", "text": "The first free times ...", "data": {"buttons": offered}},
    ]
    when = form.when(tracker)
    assert (when.day, when.time) == (day, time)


@pytest.mark.parametrize(
    ("part", "asked_next"), [("morning", "appointment_time"), ("afternoon", None)]
)
def test_a_day_with_nothing_free_in_the_hours_said_asks_the_time_next(
    part: str,
    asked_next: Optional[str],
    form: ValidateAppointmentForm,
    clinic_time_and_database: str,
) -> None:
    """Audits 20 and 21: "friday 18th morning" was told "nothing free in the morning" only
    after the name and phone number."""
    fill_day(clinic_time_and_database, dt.date(2026, 12, 1), until=dt.time(12, 30))
    tracker = make_tracker(
        "inform", text="tuesday 1st", slots={"appointment_date": "2026-12-01", "part_of_day": part}
    )
    order = form.slot_order(
        ["condition", "patient_name", "appointment_date", "appointment_time"], tracker
    )
    assert (order[0] == "appointment_time") is (asked_next is not None), order
