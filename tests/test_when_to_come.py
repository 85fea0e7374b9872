"""A clause that says when to come, beside the complaint (clinic_core/when_to_come.py).

The router step that reads it (rasa_extensions/time_requests.py) is run here
as Rasa runs it, on a parsed message; the booking it starts is in
tests/test_booking_conversations.py.
"""

from __future__ import annotations

from typing import Optional

import pytest
from rasa.shared.nlu.training_data.message import Message

from clinic_core.knowledge import load_conditions
from clinic_core.message_parts import SECOND_PART
from clinic_core.profile import load_profile
from clinic_core.when_to_come import asks_when_open, clause_saying_when_at
from rasa_extensions.time_requests import TimeRequestRouter


def clause(text: str) -> Optional[str]:
    """The clause of ``text`` that says when to come, read on the test clock."""
    return clause_saying_when_at(text, load_profile(), load_conditions())


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # audit 15, and other ways of putting a day beside the complaint
        ("Monday after lunch pls, hip pain", "Monday after lunch pls,"),
        ("Munday after lunch pls, hip pain", "Munday after lunch pls,"),
        ("got anything tomorrow? my hip is sore", "got anything tomorrow?"),
        ("the 15th first thing, hip arthritis", "the 15th first thing,"),
        # "since monday" tells the past; the second sentence is the day wanted
        (
            "my back's been bad since monday. thurs after work for my hip pls",
            "thurs after work for my hip pls",
        ),
        ("sciatica playing up. is there space on the 14th?", "is there space on the 14th?"),
        ("any evening next week? lower back", "any evening next week?"),
        ("upper back, i can do friday at 10", "i can do friday at 10"),
        # whether another time is any better asks for it (audit 23 got the fallback)
        ("ok. would the friday morning be any better?", "would the friday morning be any better?"),
    ],
)
def test_a_clause_that_says_only_when_to_come_is_found(text: str, said: str) -> None:
    assert clause(text) == said


@pytest.mark.parametrize(
    "text",
    [
        # when the pain comes or came
        "my hip hurts on monday mornings",
        "on tuesday I hurt my back lifting",
        "my back got worse over the weekend",
        "I've had back pain since monday",
        "by evening my lower back is in bits",
        "nausea every morning",
        "swollen ankles in the evenings",
        "my lower back locked up this morning",
        "is my back any better in the mornings after a session?",
        # the patient telling of themselves, the clinic's hours, the price, the weather
        "I'm off work tuesday with my back",
        "she has physio on monday for her hip",
        "are you open on saturday?",
        "how much is it on a saturday",
        "whats the weather like tomorrow",
        # a greeting
        "Morning. my lower back has been aching on and off",
        "Good afternoon, I have sciatica",
    ],
)
def test_a_day_in_a_story_a_symptom_or_a_question_is_not_when_to_come(text: str) -> None:
    assert clause(text) is None


def routed(text: str, intent: str) -> str:
    """The intent the router leaves a message with."""
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.6}})
    (out,) = TimeRequestRouter({}).process([message])
    return str(out.get("intent")["name"])


@pytest.mark.parametrize(
    ("text", "intent", "after"),
    [
        ("Monday after lunch pls, hip pain", "ask_clinic_other", "inform"),
        ("the 15th first thing, hip arthritis", "hip_arthritis", "inform"),
        ("got anything tomorrow? my hip is sore", "hip_pain", "inform"),
        ("anything thursday afternoon? sciatica is playing up", "nlu_fallback", "inform"),
        # audit 16: asked for a booking reference
        ("got anything tomorrow?", "check_appointment", "inform"),
        ("what times have you got on wednesday the 16th at all?", "check_appointment", "inform"),
        # a check of the patient's own booking stays one
        ("when is my appointment on friday?", "check_appointment", "check_appointment"),
        ("am i booked in for tuesday?", "check_appointment", "check_appointment"),
        # whether the clinic is booked up asks for free times, not for a reference
        ("are you fully booked this week", "check_appointment", "book_appointment"),
        ("is friday booked up?", "check_appointment", "book_appointment"),
        ("is my friday one booked?", "check_appointment", "check_appointment"),
        ("are we booked for friday", "check_appointment", "check_appointment"),
        ("what day is it booked for at the moment?", "check_appointment", "check_appointment"),
        # requests, answers and questions about the clinic keep theirs
        ("cancel friday at 10 please", "cancel_appointment", "cancel_appointment"),
        ("are you open on saturday?", "ask_opening_hours", "ask_opening_hours"),
        ("can I book monday, hip pain", "book_appointment", "book_appointment"),
        # a condition without a day to come stays one
        ("my hip hurts on monday mornings", "hip_pain", "hip_pain"),
    ],
)
def test_the_router_makes_a_day_said_beside_the_complaint_inform(
    text: str, intent: str, after: str
) -> None:
    assert routed(text, intent) == after


@pytest.mark.parametrize(
    ("text", "intent", "question"),
    [
        # audit 23: the price question alone dropped Monday, or Monday the question
        ("ok monday is good. how much cost?", "ask_price", "how much cost?"),
        ("does it hurt much? tuesday at 3 works for me", "ask_does_it_hurt", "does it hurt much?"),
        (
            "friday after 5 then - is there parking nearby?",
            "ask_location",
            "is there parking nearby?",
        ),
    ],
)
def test_a_question_beside_when_to_come_is_kept_as_the_second_part(
    text: str, intent: str, question: str
) -> None:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}})
    (out,) = TimeRequestRouter({}).process([message])
    assert out.get("intent")["name"] == "inform"
    part = out.get(SECOND_PART)
    assert (part["name"], part["text"]) == (intent, question)
    assert text[part["start"] : part["end"]] == question


@pytest.mark.parametrize(
    "text", ["how much is it on a saturday?", "are you open on monday?", "monday at 10 please"]
)
def test_a_question_about_a_day_or_a_day_alone_has_no_second_part(text: str) -> None:
    message = Message(data={"text": text, "intent": {"name": "ask_price", "confidence": 0.9}})
    (out,) = TimeRequestRouter({}).process([message])
    assert not out.get(SECOND_PART)


@pytest.mark.parametrize(
    ("text", "asks_hours"),
    [
        # times of any week asked about: the opening hours (audit 20 started a booking)
        ("and evenings?", True),
        ("what about weekends?", True),
        ("do you do sundays", True),
        ("are lunchtimes possible?", True),
        # a time wanted: a booking
        ("any evenings free next week?", False),
        ("I can only do saturdays", False),
        ("could I come evenings?", False),
        ("friday morning?", False),
        ("are mornings worse for the pain?", False),
    ],
)
def test_times_of_any_week_asked_about_are_a_question_of_hours(text: str, asks_hours: bool) -> None:
    assert asks_when_open(text) is asks_hours
