"""Whether a message asks something: a question anywhere in it, or only telling."""

from __future__ import annotations

import pytest

from clinic_core.questions import asks_something, has_a_question_sentence, is_question


@pytest.mark.parametrize(
    "text",
    [
        "how many sessions will I need",
        "had 3 sessions for my sciatica, is that normal",
        "my back hurts when I sit. can you do anything about that",
        "should I eat before the appointment or not",
        "ive had it for years but does acupuncture actually work",
        "I'm on blood thinners so is it safe for me",
        "what should I wear",
        "just wondering how long a session takes",
        "tell me about parking",
        "my hip is sore, where do I park",
    ],
)
def test_a_question_anywhere_in_a_message_asks(text: str) -> None:
    assert asks_something(text)


@pytest.mark.parametrize(
    "text",
    [
        "I used a lot of pain killers and I still feel the same back pain",
        "when I sit for long my lower back aches",
        "how it started was lifting a box at work",
        "I stretch every morning and do yoga twice a week",
        "my hip has been stiff for months",
        "what I want is something for the pain",
        "the pain goes down my leg, worse at night",
    ],
)
def test_a_message_that_only_tells_asks_nothing(text: str) -> None:
    assert not asks_something(text)


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("where are you?", True),
        ("how much is it", True),
        ("my back hurts, can you help", False),  # asks, but not as a whole
        ("Jane Smith", False),
        # A given name that is also a question word opens a name, not a question.
        ("Will Price", False),
        ("May Evans-Hart", False),
        ("Will Price?", True),
        ("will it hurt", True),
        ("Will It Hurt", True),
        ("May I park outside", True),
    ],
)
def test_a_whole_question_starts_with_a_question_word_or_ends_with_a_question_mark(
    text: str, whole: bool
) -> None:
    assert is_question(text) is whole


def test_a_question_sentence_after_a_lead_in_is_found() -> None:
    """Audit 13: "couldn't read a day" for a question after "before I pick a day -"."""
    lead_in = "before I pick a day - what happens if someone faints? I fainted once years ago"
    assert has_a_question_sentence(lead_in)
    assert not has_a_question_sentence("tusday please. or wednesdy")
