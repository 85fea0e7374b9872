"""What the acupuncturist must know, said in passing, is kept in mind (clinic_core/cautions.py)."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.booking_actions import ActionAskNotes, ActionInformOutsideForm
from actions.booking.forms import ValidateAppointmentForm
from actions.questions import answer_acupuncture_question
from clinic_core.cautions import cautions_in, sentences_telling
from clinic_core.data_files import ClinicDataError, parse_model
from clinic_core.knowledge import AcupunctureAnswers, load_acupuncture_answers
from tests.helpers.responses import render


@pytest.mark.parametrize(
    ("text", "cautions"),
    [
        ("I'm 24 weeks pregnant", ["pregnancy"]),
        ("im on warfarin and diabetic", ["blood_thinners", "diabetes"]),
        ("I had a pacemaker fitted last year", ["pacemaker"]),
        ("Can I come if I'm breastfeeding?", ["breastfeeding"]),
        # denied, or nothing of the kind
        ("I'm not pregnant", []),
        ("no longer on blood thinners", []),
        ("never had a seizure", []),
        ("can you fit me in on friday", []),
        ("my back is expecting too much of me", []),
    ],
)
def test_cautions_are_found_unless_denied(text: str, cautions: List[str]) -> None:
    assert [said.caution for said in cautions_in(text)] == cautions


def test_only_statements_are_told_and_weeks_after_a_pregnancy_question_count() -> None:
    texts = ["can you have acupuncture when pregnant", "im 10 weeks"]
    assert sentences_telling(texts) == ["im 10 weeks (pregnant)"]
    assert sentences_telling(["book me in", "im 10 weeks"]) == []  # weeks of what?
    told = sentences_telling(["I'm 24 weeks pregnant. Is it safe?", "are there points you avoid?"])
    assert told == ["I'm 24 weeks pregnant"]
    clause = sentences_telling(["hi im 24 weeks pregnant and my back is killing me, can i book?"])
    assert clause == ["hi im 24 weeks pregnant"]
    # The question words are clinic_core/questions.py's: "am i", "where", "which" ask too.
    asked = ["am i ok to have needles on warfarin", "which points are off limits when pregnant"]
    assert sentences_telling(asked) == []


def test_caution_words_must_be_lower_case_and_present() -> None:
    answers = load_acupuncture_answers().answers
    for cautions, message in [({"pregnancy": []}, "no words"), ({"x": ["Warfarin"]}, "lower")]:
        data = {"version": 1, "answers": answers, "cautions": cautions}
        with pytest.raises(ClinicDataError) as error:
            parse_model(yaml.safe_dump(data), AcupunctureAnswers, source="a.yml")
        assert "cautions" in str(error.value) and message in str(error.value)


def conversation(*texts: str, slots: Dict[str, Any], intent: str = "inform") -> Tracker:
    """A tracker whose user messages this session are ``texts``."""
    events = [
        {"event": "user", "text": t, "parse_data": {"intent": {"name": intent}}} for t in texts
    ]
    latest = {"text": texts[-1], "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    return Tracker(
        sender_id="test-patient",
        slots=dict(slots),
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": "appointment_form"},
        latest_action_name="action_listen",
    )


async def test_the_notes_question_quotes_what_was_told_and_passes_it_on(
    domain: Dict[str, Any],
) -> None:
    """Audit 9: a patient 24 weeks pregnant was asked at booking whether she was pregnant."""
    earlier = ("hi, I'm 24 weeks pregnant. is acupuncture safe?", "book please", "Jess Moor")
    dispatcher = CollectingDispatcher()
    await ActionAskNotes().run(dispatcher, conversation(*earlier, slots={}), domain)
    [message] = render(dispatcher.messages, domain)
    assert "You told me: “I'm 24 weeks pregnant”. I'll pass that on" in message["text"]
    asked = {"requested_slot": "notes"}
    for answer, notes in [
        ("nothing to add", "I'm 24 weeks pregnant"),
        ("I'm nervous of needles", "I'm 24 weeks pregnant / I'm nervous of needles"),
    ]:
        events = await ValidateAppointmentForm().run(
            CollectingDispatcher(), conversation(*earlier, answer, slots=asked), domain
        )
        assert {e["name"]: e["value"] for e in events}["notes"] == notes


async def test_without_a_caution_the_notes_question_is_the_usual_one(
    domain: Dict[str, Any],
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskNotes().run(dispatcher, conversation("book please", "Al", slots={}), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_notes"]


async def test_weeks_along_after_a_pregnancy_question_is_acknowledged(
    domain: Dict[str, Any],
) -> None:
    """Audit 9: "im 10 weeks" got "Sorry, I'm not sure how to help with that"."""
    dispatcher = CollectingDispatcher()
    tracker = conversation("can you have acupuncture when pregnant", "im 10 weeks", slots={})
    await ActionInformOutsideForm().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_caution_noted"]
    dispatcher = CollectingDispatcher()
    await ActionInformOutsideForm().run(dispatcher, conversation("im 10 weeks", slots={}), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_default"]


async def test_points_asked_after_a_caution_say_to_check_with_the_clinic_first(
    domain: Dict[str, Any],
) -> None:
    """Audit 9: a pregnant patient asking "are there points you avoid?" got the general list."""
    texts = ("I'm 24 weeks pregnant, is acupuncture safe?", "are there points you avoid?")
    dispatcher = CollectingDispatcher()
    answer_acupuncture_question(dispatcher, conversation(*texts, slots={}), "ask_treatment_points")
    said = [m["response"] for m in dispatcher.messages]
    assert said[-1] == "utter_needles_with_caution"
    dispatcher = CollectingDispatcher()
    tracker = conversation("are there points you avoid?", slots={})
    answer_acupuncture_question(dispatcher, tracker, "ask_treatment_points")
    assert "utter_needles_with_caution" not in [m["response"] for m in dispatcher.messages]


async def test_evenings_asked_about_after_an_explanation_get_the_opening_hours(
    domain: Dict[str, Any],
) -> None:
    """Audit 20: "and evenings?" after the upper-back explanation started the booking form."""
    dispatcher = CollectingDispatcher()
    tracker = conversation("my upper back is stiff", "and evenings?", slots={})
    events = await ActionInformOutsideForm().run(dispatcher, tracker, domain)
    assert events == []
    assert next(m["response"] for m in dispatcher.messages) == "utter_opening_hours"
