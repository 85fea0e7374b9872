"""The linear text classifier shared by the intent step and the red-flag screen."""

from __future__ import annotations

import fractions
from pathlib import Path

import pytest
import skops.io

from clinic_core.linear_text import LinearTextClassifier, word_and_character_features

TEXTS = [
    "how much is a session",
    "what do you charge",
    "price of a first visit",
    "where are you",
    "what is your address",
    "how do i find the clinic",
    "hello there",
    "hi",
    "good morning",
]
LABELS = ["price"] * 3 + ["location"] * 3 + ["greet"] * 3


@pytest.fixture(scope="module")
def classifier() -> LinearTextClassifier:
    return LinearTextClassifier.fit(TEXTS, LABELS, word_and_character_features(), 100.0)


@pytest.mark.parametrize(
    "text", ["how much is it", "WHERE are you?", "", "zzz qqq", "hi, where is the clinic"]
)
def test_the_fast_scorer_gives_scikit_learns_probabilities(
    classifier: LinearTextClassifier, text: str
) -> None:
    expected = classifier.model.predict_proba([text])[0]
    got = classifier.probabilities(text)
    assert [got[label] for label in classifier.labels] == pytest.approx(list(expected))


def test_two_labels_give_scikit_learns_probabilities_too() -> None:
    two = LinearTextClassifier.fit(TEXTS[:6], LABELS[:6], word_and_character_features(), 10.0)
    for text in ["how much", "where is it", ""]:
        expected = two.model.predict_proba([text])[0]
        got = two.probabilities(text)
        assert [got[label] for label in two.labels] == pytest.approx(list(expected))


def test_the_ranking_is_most_likely_first(classifier: LinearTextClassifier) -> None:
    ranking = classifier.ranking("how much do you charge for a visit", length=2)
    assert [label for label, _ in ranking] == ["price", ranking[1][0]]
    assert len(ranking) == 2 and ranking[0][1] > ranking[1][1]


def test_a_saved_classifier_loads_and_foreign_objects_are_refused(
    classifier: LinearTextClassifier, tmp_path: Path
) -> None:
    classifier.save(tmp_path / "model.skops")
    again = LinearTextClassifier.load(tmp_path / "model.skops")
    assert again.probabilities("where are you") == classifier.probabilities("where are you")
    skops.io.dump({"weights": fractions.Fraction(1, 3)}, tmp_path / "foreign.skops")
    with pytest.raises(ValueError, match="unexpected types"):
        LinearTextClassifier.load(tmp_path / "foreign.skops")


def test_fitting_needs_two_labels() -> None:
    with pytest.raises(ValueError, match="two labels"):
        LinearTextClassifier.fit(TEXTS[:3], LABELS[:3], word_and_character_features(), 1.0)
