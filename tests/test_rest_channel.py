"""End-to-end through the REST channel against the real servers.

Starts the action server and the Rasa server (the same way `make run` does)
on free loopback ports with a temporary SQLite tracker store, then talks to
them like a patient's client would.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Iterator, List

import pytest

from clinic_core.store import Appointment, AppointmentStore
from ops.servers import AssistantStack
from tests.servers import say, stack_in, texts

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantStack]:
    with stack_in(tmp_path_factory.mktemp("servers")) as servers:
        yield servers


def test_hip_pain_conversation_with_buttons(stack: AssistantStack) -> None:
    patient = f"patient-{uuid.uuid4()}"
    greeting = say(stack, patient, "hello")
    assert "can't diagnose" in texts(greeting)
    assert greeting[-1]["buttons"]

    narrowing = say(stack, patient, "my hip hurts")
    assert len(narrowing[-1]["buttons"]) == 4
    bursitis = next(b for b in narrowing[-1]["buttons"] if "kneeling" in b["title"])

    explanation = say(stack, patient, bursitis["payload"])
    assert "among the signs of hip bursitis" in texts(explanation)  # a button: no diagnosis
    assert "{" not in texts(explanation)  # every template variable was filled
    assert [b["payload"] for b in explanation[-1]["buttons"]] == [
        "/ask_effectiveness",
        "/ask_treatment_points",
        "/book_appointment",
    ]

    booking = say(stack, patient, "yes please")
    assert "name" in texts(booking)  # the booking form starts, the condition already known


@pytest.mark.parametrize("typed", ["I'm not sure", "Swollen or red, worse after kneeling or sport"])
def test_a_button_title_typed_out_is_the_button(stack: AssistantStack, typed: str) -> None:
    """Found by an outside audit: "I'm not sure" typed at the hip question was read as "no"."""
    tapped, typing = f"patient-{uuid.uuid4()}", f"patient-{uuid.uuid4()}"
    narrowing = say(stack, tapped, "my hip hurts")
    say(stack, typing, "my hip hurts")
    button = next(b for b in narrowing[-1]["buttons"] if b["title"] == typed)
    assert texts(say(stack, typing, typed)) == texts(say(stack, tapped, button["payload"]))


def test_emergency_reply_has_no_booking_offer(stack: AssistantStack) -> None:
    replies = say(
        stack, f"patient-{uuid.uuid4()}", "i've lost control of my bladder and my legs are numb"
    )
    assert "999" in texts(replies)
    assert not any(r.get("buttons") for r in replies)
    assert "book" not in texts(replies).lower()


@pytest.mark.parametrize(
    "awkward",
    [
        "",
        "   ",
        "😭😭😭🙏",
        "x" * 10_000,
        "pain " * 2_000,
        "<script>alert('hi')</script>",
        "<b>my back</b> <img src=x onerror=alert(1)>",
        "Robert'); DROP TABLE events;--",
        "me duele mucho la espalda",
        "腰が痛いです",
        "/not_an_intent",
        '/inform{"condition": ',
    ],
    ids=lambda text: repr(text[:20]),
)
def test_bad_input_gets_a_reply_and_the_conversation_goes_on(
    stack: AssistantStack, awkward: str
) -> None:
    patient = f"patient-{uuid.uuid4()}"
    say(stack, patient, "hi")
    replies = say(stack, patient, awkward)
    assert replies, "no reply at all"
    for reply in replies:
        assert "<script>" not in reply.get("text", "")
    follow_up = say(stack, patient, "what are your opening hours")
    assert "Monday" in texts(follow_up)


def test_conversation_is_stored_in_the_sql_tracker_store(stack: AssistantStack) -> None:
    patient = f"patient-{uuid.uuid4()}"
    say(stack, patient, "can i talk to a real person please")
    database = Path(stack.env()["TRACKER_STORE_URL"][len("sqlite:///") :])
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ?", (f"rest:{patient}",)
        ).fetchall()
    kinds = [kind for kind, _ in rows]
    assert "user" in kinds and "bot" in kinds
    slots = [json.loads(data) for kind, data in rows if kind == "slot"]
    assert {"name": "handoff_requested", "value": True} in [
        {"name": s["name"], "value": s["value"]} for s in slots
    ]


def test_malformed_request_body_is_a_client_error(stack: AssistantStack) -> None:
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert 400 <= error.value.code < 500


def appointment_rows(stack: AssistantStack, sender: str) -> List[Appointment]:
    """The appointments booked by the REST client ``sender`` (conversation ``rest:<sender>``)."""
    return AppointmentStore(stack.env()["DATABASE_URL"]).by_conversation(f"rest:{sender}")


def test_book_check_and_cancel_through_rest(stack: AssistantStack) -> None:
    """The whole booking in natural language, then exactly one row in the database."""
    patient = f"patient-{uuid.uuid4()}"
    opening = say(stack, patient, "i'd like to book an appointment")
    assert "appointment to be about" in texts(opening)
    # a question in the middle is answered and the form asks again
    digression = texts(say(stack, patient, "does acupuncture hurt?"))
    assert "not meant to cause pain" in digression and "appointment to be about" in digression
    assert "name" in texts(say(stack, patient, '/inform{"condition": "sciatica"}'))
    assert "can't contain numbers" in texts(say(stack, patient, "12345"))
    assert "phone number or email" in texts(say(stack, patient, "Ann O'Neil"))
    assert "couldn't find a valid phone" in texts(say(stack, patient, "abc"))
    assert "been to the clinic before" in texts(say(stack, patient, "07911 123456"))
    assert "Which day" in texts(say(stack, patient, "first visit"))
    assert "closed on Sundays" in texts(say(stack, patient, "sunday"))
    times = say(stack, patient, "next tuesday")
    assert "What time on Tuesday 1 December" in texts(times)
    assert times[-1]["buttons"]
    assert "outside our opening hours" in texts(say(stack, patient, "3am"))
    assert "anything the acupuncturist should know" in texts(say(stack, patient, "10am")).lower()
    summary = say(stack, patient, "nothing to add")
    assert "Tuesday 1 December at 10:00" in texts(summary) and "Ann O'Neil" in texts(summary)
    # a correction at the summary changes the day and shows the summary again
    corrected = say(stack, patient, "actually make it wednesday")
    assert "Wednesday 2 December at 10:00" in texts(corrected)
    assert appointment_rows(stack, patient) == []  # nothing stored before confirmation
    booked = texts(say(stack, patient, "yes"))
    assert "You're booked: Wednesday 2 December at 10:00" in booked
    reference = booked.split("reference is ")[1][:6]
    rows = appointment_rows(stack, patient)
    assert len(rows) == 1
    assert rows[0].reference == reference and rows[0].phone == "+447911123456"
    assert rows[0].patient_name == "Ann O'Neil" and rows[0].reason == "sciatica"

    other = f"patient-{uuid.uuid4()}"
    assert "booking reference" in texts(say(stack, other, "when is my appointment"))
    assert "phone number or email" in texts(say(stack, other, reference))
    # A number no phone can ring is named, once, and asked for again; a wrong one is not found.
    unusable = texts(say(stack, other, "07911 999999"))
    assert "doesn't look like a number we could call" in unusable and "didn't get" not in unusable
    assert "couldn't find" in texts(say(stack, other, "07911 123457"))  # wrong contact
    say(stack, other, reference)
    assert "Wednesday 2 December at 10:00" in texts(say(stack, other, "07911 123456"))

    # Looked up in this conversation a moment ago: a change needs neither again.
    asked = texts(say(stack, other, "i need to cancel my appointment"))
    assert "Cancel your appointment" in asked and "booking reference" not in asked
    assert "stays as it is" in texts(say(stack, other, "no"))
    third = f"patient-{uuid.uuid4()}"
    assert "booking reference" in texts(say(stack, third, "i need to cancel my appointment"))
    say(stack, third, reference.lower())
    assert "Cancel your appointment" in texts(say(stack, third, "07911 123456"))
    assert "is cancelled" in texts(say(stack, third, "yes"))
    assert appointment_rows(stack, patient)[0].status == "cancelled"


def test_stop_leaves_the_form_and_books_nothing(stack: AssistantStack) -> None:
    patient = f"patient-{uuid.uuid4()}"
    say(stack, patient, "book me in please")
    say(stack, patient, '/inform{"condition": "hip_pain"}')
    stopped = texts(say(stack, patient, "never mind"))
    assert "Nothing has been booked" in stopped
    assert "Monday" in texts(say(stack, patient, "when are you open"))
    assert appointment_rows(stack, patient) == []


def test_a_new_rest_session_forgets_the_patients_name_and_contact(stack: AssistantStack) -> None:
    """REST clients name their own conversation: name and contact never carry over."""
    patient = f"patient-{uuid.uuid4()}"
    say(stack, patient, "i'd like to book an appointment")
    say(stack, patient, '/inform{"condition": "sciatica"}')
    say(stack, patient, "Ann O'Neil")
    assert "been to the clinic before" in texts(say(stack, patient, "ann.oneil@example.com"))
    say(stack, patient, "never mind")
    say(stack, patient, "/session_start")  # what an expired session does
    # the condition is not personal and carries over; the name is asked again
    asked = texts(say(stack, patient, "i'd like to book an appointment"))
    assert "What name" in asked and "Ann" not in asked


def test_a_follow_up_question_gets_the_answer_again(stack: AssistantStack) -> None:
    """ "what about saturday" after the opening hours is about the hours, not a booking."""
    sender = f"follow-up-{uuid.uuid4()}"
    hours = texts(say(stack, sender, "what are your opening hours?"))
    assert "Saturday" in hours
    again = texts(say(stack, sender, "what about saturday"))
    assert "Saturday" in again and "What would you like the appointment to be about" not in again
    prices = texts(say(stack, sender, "how much is it?"))
    assert "Follow-up" in prices
    assert "Follow-up" in texts(say(stack, sender, "and for a follow up?"))
