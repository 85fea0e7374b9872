"""A yes to a yes-or-no question, however it is typed."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from actions.tracker_state import says_yes


def tracker_with(text: str, intent: str) -> Tracker:
    """A tracker whose latest message is ``text``, read as ``intent``."""
    message = {"text": text, "intent": {"name": intent, "confidence": 0.3}}
    return Tracker("yes-test", {}, message, [], False, None, {}, "action_listen")


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "yep thanks",
        # pleased words around the yes, a request to go on after it (audit 12)
        "lovely, yes please book",
        "perfect yes go ahead",
        "great, yes, book it",
        "thanks yes that's right",
    ],
)
def test_a_yes_with_pleased_words_around_it_is_a_yes(text: str) -> None:
    assert says_yes(tracker_with(text, "nlu_fallback"))


@pytest.mark.parametrize("text", ["lovely", "no", "yes cancel it", "yes but on Friday"])
def test_pleased_words_alone_or_a_yes_with_another_request_are_no_yes(text: str) -> None:
    assert not says_yes(tracker_with(text, "nlu_fallback"))


@pytest.mark.parametrize(
    "text",
    [
        # audit 19 booked on this one
        "before I say yes, is the acupuncturist a woman? I'd prefer a female practitioner",
        "not yet, I need to check with my wife",
        "hang on, does it hurt?",
        "is there parking? yes book it",
    ],
)
def test_a_yes_put_off_or_after_a_question_is_no_yes(text: str) -> None:
    assert not says_yes(tracker_with(text, "affirm"))


@pytest.mark.parametrize(
    "text", ["yes please, is there parking?", "sounds good, is there parking?", "yes"]
)
def test_a_yes_before_a_question_is_a_yes(text: str) -> None:
    assert says_yes(tracker_with(text, "affirm"))
