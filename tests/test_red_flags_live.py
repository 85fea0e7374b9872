"""Red flags through the real servers: at every question of both forms, and for staff.

A patient halfway through booking or managing an appointment who describes a
red flag gets the safety reply at once, with no booking button, and the form
ends; staff find the conversation in the console's attention list with what
matched.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any, Dict, Iterator, List, Optional
from zoneinfo import ZoneInfo

import pytest

from clinic_core.profile import load_profile
from clinic_core.red_flags import load_red_flags
from ops.servers import AssistantStack
from staff_console.tracker_queries import ConversationStore
from tests.servers import say, stack_in, texts

pytestmark = pytest.mark.servers

# The answers a patient gives, question by question, until the summary.
BOOKING_ANSWERS = ["my lower back", "Rita Cole", "rita@example.com", "first visit", "friday",
                   "10am", "no"]  # fmt: skip
EMERGENCIES = [
    "since this morning i can't seem to wee at all",
    "both my legs have gone weak and wobbly",
    "my husband's face has dropped on one side and he's slurring",
    "crushing pain in my chest going down my arm",
    "i can't get my breath, my lips look blue",
    "honestly i don't want to be here anymore",
    "cut my arm on glass and it's pouring blood, won't stop",
    "my mum fell over and can't put any weight on her leg",
    "my knee is red hot and swollen and i've got a fever",
]
URGENT = "i had breast cancer a few years ago and now there's new pain in my back"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantStack]:
    with stack_in(tmp_path_factory.mktemp("red-flags")) as servers:
        yield servers


def console_store(stack: AssistantStack) -> ConversationStore:
    """What the staff console reads."""
    return ConversationStore(stack.env_overrides["TRACKER_STORE_URL"], ZoneInfo("Europe/London"))


def tracker_db(stack: AssistantStack) -> str:
    return stack.env_overrides["TRACKER_STORE_URL"].removeprefix("sqlite:///")


def active_loop(stack: AssistantStack, sender: str) -> Optional[str]:
    """The form the stored conversation is in (the conversation id may carry a prefix)."""
    with sqlite3.connect(tracker_db(stack)) as db:
        row = db.execute(
            "SELECT data FROM events WHERE sender_id LIKE ? AND type_name = 'active_loop' "
            "ORDER BY id DESC LIMIT 1",
            (f"%{sender}",),
        ).fetchone()
    return json.loads(row[0]).get("name") if row else None


def assert_safety_reply(replies: List[Dict[str, Any]], level: str) -> None:
    text = texts(replies)
    emergency = load_profile().emergency
    if level == "emergency":
        assert f"call {emergency.number} now" in text, text
    else:
        assert "today" in text and str(emergency.advice_line) in text, text
    assert not any(r.get("buttons") for r in replies), replies
    assert "book" not in text.lower(), text


# A red flag at every question; the last three also name a condition, a day
# or a time, which a form reading them first took as a correction.
RED_FLAGS_AT_QUESTIONS = [
    (question, EMERGENCIES[question % len(EMERGENCIES)])
    for question in range(len(BOOKING_ANSWERS) + 1)
] + [
    (len(BOOKING_ANSWERS), "my sciatica has gone into both legs and i can't feel my bum"),
    (4, "since friday my lower back is agony and i can't pass water"),
    (5, "i fell at 10am and now i can't put any weight on my hip at all"),
]


@pytest.mark.parametrize(("question", "red_flag"), RED_FLAGS_AT_QUESTIONS)
def test_a_red_flag_at_any_booking_question_ends_the_form(
    stack: AssistantStack, question: int, red_flag: str
) -> None:
    patient = f"patient-{uuid.uuid4()}"
    say(stack, patient, "i'd like to book an appointment")
    for answer in BOOKING_ANSWERS[:question]:
        say(stack, patient, answer)
    assert active_loop(stack, patient) == "appointment_form"
    assert_safety_reply(say(stack, patient, red_flag), "emergency")
    assert active_loop(stack, patient) is None


@pytest.mark.parametrize("answers", [[], ["K7RM3D"]], ids=["reference", "contact"])
def test_a_red_flag_at_any_manage_question_ends_the_form(
    stack: AssistantStack, answers: List[str]
) -> None:
    patient = f"patient-{uuid.uuid4()}"
    say(stack, patient, "i need to cancel my appointment")
    for answer in answers:
        say(stack, patient, answer)
    assert active_loop(stack, patient) == "manage_booking_form"
    assert_safety_reply(say(stack, patient, URGENT), "urgent")
    assert active_loop(stack, patient) is None


def test_staff_see_each_flagged_conversation_with_what_matched(stack: AssistantStack) -> None:
    emergency, urgent, negated = (f"patient-{uuid.uuid4()}" for _ in range(3))
    say(stack, emergency, "hi, my back is bad")
    assert_safety_reply(say(stack, emergency, EMERGENCIES[0]), "emergency")
    assert_safety_reply(say(stack, urgent, URGENT), "urgent")
    no_alarm = say(stack, negated, "no numbness or anything, my back is just stiff")
    assert "999" not in texts(no_alarm)

    store = console_store(stack)
    attention = {item.sender_id.rsplit(":", 1)[-1]: item for item in store.attention({})}
    labels = {c.id: c.label for c in load_red_flags().concepts}
    assert attention[emergency].emergency
    assert labels["cauda_equina"] in str(attention[emergency].red_flag)
    assert labels["cancer_history"] in str(attention[urgent].red_flag)
    assert negated not in attention

    transcript = store.transcript(attention[emergency].sender_id)
    assert transcript is not None and transcript.emergency
    (flagged,) = [t for t in transcript.turns if t.kind == "user" and t.flag == "emergency"]
    assert ("red_flag", "cauda_equina") in flagged.entities


def test_a_red_flag_told_in_two_messages_ends_the_form_and_is_flagged(
    stack: AssistantStack,
) -> None:
    """At the booking summary: "my left leg has gone numb", then "now the other leg too"."""
    patient = f"patient-{uuid.uuid4()}"
    say(stack, patient, "i'd like to book an appointment")
    for answer in BOOKING_ANSWERS:
        say(stack, patient, answer)
    assert active_loop(stack, patient) == "appointment_form"
    first = say(stack, patient, "my left leg has gone numb with the sciatica")
    assert "999" not in texts(first)
    assert_safety_reply(say(stack, patient, "now the other leg too"), "emergency")
    assert active_loop(stack, patient) is None

    store = console_store(stack)
    attention = {item.sender_id.rsplit(":", 1)[-1]: item for item in store.attention({})}
    label = next(c.label for c in load_red_flags().concepts if c.id == "leg_weakness")
    assert label in str(attention[patient].red_flag)


@pytest.mark.parametrize(
    ("red_flag", "level", "then"),
    [
        (EMERGENCIES[1], "emergency", "ok. can I still come in on friday though?"),
        (URGENT, "urgent", "ok"),
    ],
)
def test_the_message_after_a_red_flag_reply_gets_the_advice_again_not_a_booking(
    stack: AssistantStack, red_flag: str, level: str, then: str
) -> None:
    patient = f"patient-{uuid.uuid4()}"
    say(stack, patient, "i'd like to book an appointment")
    say(stack, patient, BOOKING_ANSWERS[0])
    assert_safety_reply(say(stack, patient, red_flag), level)
    assert_safety_reply(say(stack, patient, then), level)
    assert active_loop(stack, patient) is None


def test_a_red_flag_asked_about_as_a_what_if_gets_where_to_go(stack: AssistantStack) -> None:
    """Audit 12: "would I need to go to hospital if...?" had got "I'd rather not guess"."""
    patient = f"patient-{uuid.uuid4()}"
    replies = say(
        stack, patient, "if I ever couldn't control my bladder would I need the hospital?"
    )
    text = texts(replies)
    assert "emergency department" in text and "If that ever happens" in text, text
    assert "book" not in text.lower(), text
    # No red flag was answered: the next question is not met with the advice again.
    assert "Please don't wait" not in texts(say(stack, patient, "what are your opening hours?"))


def test_a_patient_under_hospital_care_can_cancel_after_a_red_flag_reply(
    stack: AssistantStack,
) -> None:
    """Audit 12: "i'm in hospital already, i just want to cancel" got "call 999" again."""
    patient = f"patient-{uuid.uuid4()}"
    assert_safety_reply(say(stack, patient, EMERGENCIES[1]), "emergency")
    replies = say(stack, patient, "i'm in hospital already, i just want to cancel my appointment")
    text = texts(replies)
    assert f"call {load_profile().emergency.number}" not in text.lower(), text
    assert "reference" in text.lower(), text


def test_a_what_if_in_a_booking_is_answered_and_the_form_asks_again(
    stack: AssistantStack,
) -> None:
    patient = f"patient-{uuid.uuid4()}"
    say(stack, patient, "i'd like to book an appointment")
    say(stack, patient, BOOKING_ANSWERS[0])
    replies = say(stack, patient, "would i need to go to hospital if i ever couldnt pee?")
    assert "If that ever happens" in texts(replies), replies
    assert "What name" in texts(replies), replies
    assert active_loop(stack, patient) == "appointment_form"


@pytest.mark.parametrize(("red_flag", "level"), [(EMERGENCIES[5], "emergency"), (URGENT, "urgent")])
def test_no_reply_after_a_red_flag_offers_a_booking_button(
    stack: AssistantStack, red_flag: str, level: str
) -> None:
    """Audit 17: the second "ok" after the crisis reply got "Glad to help" with "Book an
    appointment"; audit 18, the prices after "see your GP today" (the response generator
    of the endpoints file leaves it out)."""
    patient = f"patient-{uuid.uuid4()}"
    assert_safety_reply(say(stack, patient, red_flag), level)
    for message in ("ok", "ok", "hello", "how much is it?", "thanks"):
        replies = say(stack, patient, message)
        payloads = [b["payload"] for r in replies for b in r.get("buttons") or []]
        assert not any("book_appointment" in payload for payload in payloads), (message, replies)
