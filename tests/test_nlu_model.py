"""The trained NLU model on the held-out set and on awkward input.

Accuracy here is a floor that catches regressions; the full quality report
(cross-validation, real patient phrases) is `make bench-nlu`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.agent import Agent

from bench.typos import with_slips
from ops.nlu_data import (
    BOOKING_TURNS,
    MEDICAL_SPEECH,
    booking_turn_kind,
    booking_turns,
    held_out_examples,
    medical_speech,
    training_texts,
)
from tests.helpers.model import parse, trained_agent

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT_ACCURACY_FLOOR = 0.85
CONDITION_INTENTS = {
    "hip_arthritis", "sciatica", "hip_bursitis", "lower_back_pain",
    "upper_back_pain", "hip_pain", "back_pain",
}  # fmt: skip


@pytest.fixture(scope="module")
def agent() -> Agent:
    return trained_agent()


def test_held_out_set_is_not_in_training_data() -> None:
    training = training_texts()
    overlap = [text for text, _ in held_out_examples() if text.lower() in training]
    assert overlap == []


def test_held_out_accuracy_floor(agent: Agent) -> None:
    examples = held_out_examples()
    wrong = []
    for text, intent in examples:
        predicted = parse(agent, text)["intent"]["name"]
        if predicted != intent:
            wrong.append((text, intent, predicted))
    accuracy = 1 - len(wrong) / len(examples)
    report = "\n".join(f"  {t!r}: {i} -> {p}" for t, i, p in wrong[:25])
    assert accuracy >= HELD_OUT_ACCURACY_FLOOR, f"accuracy {accuracy:.3f}\n{report}"


def test_typing_slips_cost_little(agent: Agent) -> None:
    """One slip per held-out message (bench/typos.py): misspelt words are put right first."""
    examples = with_slips(held_out_examples())
    right = sum(parse(agent, text)["intent"]["name"] == intent for text, intent in examples)
    assert right / len(examples) >= HELD_OUT_ACCURACY_FLOOR


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("my sciatia is realy bad", "sciatica"),
        ("hw much dose a frist apointment cost", "ask_price"),
        ("wat are ur opening tiems", "ask_opening_hours"),
        ("does acupunture hurt", "ask_does_it_hurt"),
    ],
)
def test_misspelt_questions_are_understood(agent: Agent, text: str, intent: str) -> None:
    assert parse(agent, text)["intent"]["name"] == intent


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("i was told it's trochanteric bursitis", "condition", "hip_bursitis"),
        ("can acupuncture help sciatica", "condition", "sciatica"),
        ("my lumbar region aches", "body_part", "lower back"),
    ],
)
def test_entities_map_to_canonical_values(agent: Agent, text: str, entity: str, value: str) -> None:
    entities = parse(agent, text)["entities"]
    assert {"entity": entity, "value": value} in [
        {"entity": e["entity"], "value": e["value"]} for e in entities
    ], entities


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😭😭😭", "x" * 10_000, "<script>alert('hi')</script>", "me duele la cadera"],
)
def test_awkward_input_parses_without_error(agent: Agent, text: str) -> None:
    result = parse(agent, text)
    assert "intent" in result


def test_red_flags_are_emergencies_not_conditions(agent: Agent) -> None:
    for text in (
        "i suddenly can't hold my wee and my back is agony",
        "crushing pain in my chest and my left arm feels heavy",
    ):
        assert parse(agent, text)["intent"]["name"] == "emergency", text


@pytest.mark.parametrize("text", ["heart attack", "suicidal", "my heart hurts", "cant breathe"])
def test_a_short_red_flag_of_the_list_is_never_vetoed(agent: Agent, text: str) -> None:
    """A few words are the list's alone: the screen learned "heart attack" from family history."""
    result = parse(agent, text)
    assert result["intent"]["name"] == "emergency", result["triage"]
    assert result["triage"]["vocabulary_level"] == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "alright then, could you book me a slot",
        "Perfect. Pop me in for an appointment.",
        "yep that's fine, let's book it",
        "ok great, I want to make a booking",
        "sounds good, arrange a session for me",
        "fine, get me booked",
    ],
)
def test_an_okay_and_an_order_to_book_is_a_booking_request(agent: Agent, text: str) -> None:
    """With nothing in progress it starts a booking; at the summary the form reads it as yes."""
    assert text.lower() not in training_texts()
    assert parse(agent, text)["intent"]["name"] == "book_appointment"


def test_unrelated_complaints_are_not_hip_or_back(agent: Agent) -> None:
    for text in ("my ear has been aching since yesterday", "i have a rash on my face"):
        assert parse(agent, text)["intent"]["name"] not in CONDITION_INTENTS, text


def test_no_evaluation_phrase_leaked_into_training_data() -> None:
    """The public medical-speech phrases are for measuring only."""
    if not MEDICAL_SPEECH.exists():
        pytest.skip("evaluation data not present beside the project")
    evaluation = {phrase.strip().lower() for phrase, _ in medical_speech()}
    assert training_texts() & evaluation == set()


def test_no_booking_request_leaked_into_training_data() -> None:
    """The SGD booking requests are for measuring only (bare "yes please" replies aside)."""
    if not BOOKING_TURNS.exists():
        pytest.skip("evaluation data not present beside the project")
    requests = {text.lower() for text, kind in booking_turns() if kind == "request"}
    assert training_texts() & requests == set()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Yes, please book an appointment for the 9th of March at 2:30", "request"),
        ("I would like to book", "request"),
        ("Book it for the 3rd at 11.", "request"),
        ("Can you pencil me in?", "request"),
        ("Yes, please book it.", "reply"),
        ("Sure, go ahead.", "reply"),
        ("Yes, on the 13th at 10:30.", "reply"),
    ],
)
def test_booking_turns_are_told_apart_as_documented(text: str, kind: str) -> None:
    assert booking_turn_kind(text) == kind


def test_the_booking_figure_counts_requests_only() -> None:
    from bench.nlu import booking

    turns = [("book me in for friday", "request"), ("can I get a slot", "request"),
             ("yes, book it", "reply")]  # fmt: skip
    result = booking(["book_appointment", "affirm", "affirm"], turns)
    assert result["requests"] == 2 and result["request_share"] == 0.5
    assert result["missed"] == [("can I get a slot", "affirm")]
    assert result["replies_by_intent"] == {"affirm": 1}


@pytest.mark.parametrize(
    ("text", "routed"),
    [
        # Our own wordings of the classes bench-practical found taken for
        # something else: needles in a question about after-effects, a body
        # part in a question about the number of sessions.
        ("can I go back to work straight after the needles", True),
        ("is it normal to bleed a little where the needles went", True),
        ("whats the usual number of visits for a hip like mine", True),
        # A condition described, or an acupuncture question it answers itself.
        ("my lower back is killing me when I bend", False),
        ("how does acupuncture help sciatica", False),
        ("does it hurt when the needle goes in", False),
    ],
)
def test_a_practical_question_taken_for_something_else_is_answered_as_one(
    agent: Agent, text: str, routed: bool
) -> None:
    """rasa_extensions/practical_questions.py: the classifier unsure, the topic matcher sure."""
    result = parse(agent, text)
    assert (result["intent"]["name"] == "ask_clinic_other") is routed, result["intent"]
    assert ("routed_from" in result) is routed, result.get("routed_from")
