"""With the action server down, red flags still get their advice and new patients a reply.

The real Rasa server runs with its action server stopped after one warm-up
message (the state a crashed or overloaded action server leaves). A red flag's
reply, the reminder after it, a what-if's answer and the reply to another
language are custom actions, so they used to become "part of our system
isn't responding, please try again in a few minutes";
and a new conversation's
custom ``action_session_start`` failed, so every message of it, a greeting
included, got "Sorry, I'm not sure how to help with that"
(rasa_extensions/resilience.py).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from clinic_core.conversation_ids import conversation_id
from clinic_core.names import EMERGENCY_SLOT
from clinic_core.profile import load_profile
from clinic_core.red_flags import RED_FLAG_SLOT, load_red_flags
from ops.servers import AssistantStack
from tests.servers import say, stack_in, texts

pytestmark = pytest.mark.servers

EMERGENCY = load_profile().emergency
TRY_AGAIN = "try again in a few minutes"
IN_THE_FORM = f"patient-in-the-form-{uuid.uuid4().hex[:8]}"
NOT_SURE = "not sure how to help"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantStack]:
    folder = tmp_path_factory.mktemp("servers")
    with stack_in(folder, env={"ACTION_SERVER_TIMEOUT_SECONDS": "3"}) as servers:
        assert "appointment to be about" in texts(say(servers, IN_THE_FORM, "i'd like to book"))
        servers.processes[0].stop()  # the action server
        assert not servers.processes[0].running()
        yield servers


def stored(stack: AssistantStack, sender: str) -> List[Dict[str, Any]]:
    """The conversation's events in the tracker store, in order."""
    database = Path(stack.env()["TRACKER_STORE_URL"][len("sqlite:///") :])
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (conversation_id("rest", sender),),
        ).fetchall()
    return [{**json.loads(data), "event": kind} for kind, data in rows]


def slot(events: List[Dict[str, Any]], name: str) -> Optional[Any]:
    """The slot's last value set in ``events``."""
    values = [e.get("value") for e in events if e["event"] == "slot" and e.get("name") == name]
    return values[-1] if values else None


def new_patient() -> str:
    return f"patient-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    "message",
    ["i cant feel my legs and ive wet myself", "my chest is crushing and im sweating buckets"],
)
def test_an_emergency_as_the_first_message_gets_the_emergency_number(
    stack: AssistantStack, message: str
) -> None:
    patient = new_patient()
    reply = texts(say(stack, patient, message))
    assert f"call {EMERGENCY.number} now" in reply, reply
    assert TRY_AGAIN not in reply and NOT_SURE not in reply
    events = stored(stack, patient)
    assert str(slot(events, RED_FLAG_SLOT)).startswith("Emergency")  # the console lists it
    assert slot(events, EMERGENCY_SLOT) is True
    assert "action_emergency" in [e.get("name") for e in events if e["event"] == "action"]


@pytest.mark.parametrize(
    ("first", "second", "concept"),
    [
        ("I had breast cancer a few years ago", "now I've got this new pain in my lower back",
         "cancer_history"),
        ("I fell down the stairs this morning", "my back is really hurting", "spinal_fracture"),
    ],
)  # fmt: skip
def test_a_red_flag_told_over_two_messages_names_its_concept(
    stack: AssistantStack, first: str, second: str, concept: str
) -> None:
    """Told over two messages, the red flag is named for staff as the action would name it."""
    patient = new_patient()
    say(stack, patient, first)
    reply = texts(say(stack, patient, second))
    assert EMERGENCY.number in reply and TRY_AGAIN not in reply, reply
    note = str(slot(stored(stack, patient), RED_FLAG_SLOT))
    assert load_red_flags().concept(concept).label in note, note


def test_thoughts_of_self_harm_get_the_crisis_line_and_again_after(
    stack: AssistantStack,
) -> None:
    assert EMERGENCY.crisis_line
    patient = new_patient()
    reply = texts(say(stack, patient, "i want to end my life tonight"))
    assert EMERGENCY.crisis_line in reply and EMERGENCY.number in reply, reply
    assert TRY_AGAIN not in reply
    after = texts(say(stack, patient, "ok"))
    assert f"talk to {EMERGENCY.crisis_line} right now" in after and TRY_AGAIN not in after


def test_the_message_after_an_emergency_gets_the_advice_again(stack: AssistantStack) -> None:
    patient = new_patient()
    assert EMERGENCY.number in texts(say(stack, patient, "i cant move my legs at all since i fell"))
    after = texts(say(stack, patient, "ok thanks, can i still book for thursday?"))
    assert f"call {EMERGENCY.number} now" in after and TRY_AGAIN not in after, after
    actions = [e.get("name") for e in stored(stack, patient) if e["event"] == "action"]
    assert "action_red_flag_reminder" in actions


def test_an_urgent_red_flag_gets_a_doctor_today(stack: AssistantStack) -> None:
    patient = new_patient()
    reply = texts(
        say(stack, patient, "ive had a fever and night sweats with my back pain all week")
    )
    assert "doctor today" in reply and str(EMERGENCY.advice_line) in reply, reply
    assert str(slot(stored(stack, patient), RED_FLAG_SLOT)).startswith("Urgent")


def test_a_red_flag_inside_the_booking_form_ends_it_with_the_advice(
    stack: AssistantStack,
) -> None:
    reply = texts(say(stack, IN_THE_FORM, "both my legs went numb and i cant pee"))
    assert f"call {EMERGENCY.number} now" in reply and "Nothing has been arranged" in reply, reply
    events = stored(stack, IN_THE_FORM)
    loops = [e.get("name") for e in events if e["event"] == "active_loop"]
    assert loops[-1] is None, loops
    assert slot(events, "requested_slot") is None


def test_a_red_flag_asked_about_as_a_what_if_gets_where_to_go(stack: AssistantStack) -> None:
    reply = texts(
        say(
            stack, new_patient(), "if I ever couldn't control my bladder would I need the hospital?"
        )
    )
    assert "If that ever happens" in reply and EMERGENCY.number in reply, reply
    assert TRY_AGAIN not in reply


def test_a_message_in_another_language_gets_the_emergency_number(stack: AssistantStack) -> None:
    reply = texts(say(stack, new_patient(), "No siento las piernas desde esta mañana"))
    assert "only read messages in English" in reply and EMERGENCY.number in reply, reply


def test_a_new_patients_greeting_is_answered(stack: AssistantStack) -> None:
    reply = texts(say(stack, new_patient(), "hi there"))
    assert "What's bothering you" in reply and NOT_SURE not in reply, reply


def test_what_needs_the_action_server_gets_the_apology_with_the_phone(
    stack: AssistantStack,
) -> None:
    reply = texts(say(stack, new_patient(), "what are your opening hours?"))
    assert TRY_AGAIN in reply and load_profile().phone in reply, reply
