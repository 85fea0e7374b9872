"""The linear text classifier shared by the intent step and the red-flag screen."""

from __future__ import annotations

import fractions
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
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


def _vectors(count: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(count, 8))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_with_sentence_vectors_the_fast_scorer_gives_scikit_learns_probabilities() -> None:
    vectors = _vectors(len(TEXTS))
    with_vectors = LinearTextClassifier.fit(
        TEXTS, LABELS, word_and_character_features(), 100.0, vectors=vectors, vector_weight=2.0
    )
    assert with_vectors.vector_size == 8
    union, logistic = with_vectors.model.steps[0][1], with_vectors.model.steps[-1][1]
    for text, vector in zip(["how much is it", "", "hi there"], _vectors(3, seed=1), strict=True):
        # The weight is folded into the coefficients: the vector goes in as it is.
        row = scipy.sparse.hstack([union.transform([text]), vector[None, :]])
        expected = logistic.predict_proba(row)[0]
        got = with_vectors.probabilities(text, vector)
        assert [got[label] for label in with_vectors.labels] == pytest.approx(list(expected))


def test_the_vectors_carry_what_the_words_do_not() -> None:
    # Two labels with the same words: only the vectors tell them apart.
    texts = ["my back", "my back", "my back", "my back"]
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    model = LinearTextClassifier.fit(
        texts, ["x", "x", "y", "y"], word_and_character_features(), 100.0, vectors=vectors
    )
    assert model.probabilities("my back", np.array([1.0, 0.0]))["x"] > 0.9
    assert model.probabilities("my back", np.array([0.0, 1.0]))["y"] > 0.9


def test_a_vector_is_needed_exactly_when_trained_with_one(
    classifier: LinearTextClassifier,
) -> None:
    assert classifier.vector_size == 0
    with pytest.raises(ValueError, match="sentence vector of 0"):
        classifier.probabilities("hi", np.ones(8))
    with_vectors = LinearTextClassifier.fit(
        TEXTS, LABELS, word_and_character_features(), 100.0, vectors=_vectors(len(TEXTS))
    )
    with pytest.raises(ValueError, match="sentence vector of 8"):
        with_vectors.probabilities("hi")
    with pytest.raises(ValueError, match="3 vectors for 9 texts"):
        LinearTextClassifier.fit(
            TEXTS, LABELS, word_and_character_features(), 100.0, vectors=_vectors(3)
        )


def test_a_saved_classifier_loads_and_foreign_objects_are_refused(
    classifier: LinearTextClassifier, tmp_path: Path
) -> None:
    classifier.save(tmp_path / "model.npz")
    again = LinearTextClassifier.load(tmp_path / "model.npz")
    for text in [*TEXTS, "where are you", "", "zzz"]:
        assert again.probabilities(text) == classifier.probabilities(text)
    # The rebuilt scikit-learn pipeline is the same model, bit for bit.
    assert np.array_equal(again.model.predict_proba(TEXTS), classifier.model.predict_proba(TEXTS))
    assert again.labels == classifier.labels
    skops.io.dump({"weights": fractions.Fraction(1, 3)}, tmp_path / "foreign.skops")
    with pytest.raises(ValueError, match="unexpected types"):
        LinearTextClassifier.load(tmp_path / "foreign.skops")


def test_a_model_saved_with_skops_still_loads(
    classifier: LinearTextClassifier, tmp_path: Path
) -> None:
    skops.io.dump(classifier.model, tmp_path / "model.skops")
    again = LinearTextClassifier.load(tmp_path / "model.skops")
    assert again.probabilities("where are you") == classifier.probabilities("where are you")


def _shout(text: str) -> str:
    return text.upper()


def test_a_preprocessor_loads_only_when_trusted(tmp_path: Path) -> None:
    features = word_and_character_features(preprocessor=_shout)
    model = LinearTextClassifier.fit(TEXTS, LABELS, features, 10.0)
    model.save(tmp_path / "model.npz")
    with pytest.raises(ValueError, match="unexpected types"):
        LinearTextClassifier.load(tmp_path / "model.npz")
    again = LinearTextClassifier.load(tmp_path / "model.npz", trusted=[f"{__name__}._shout"])
    assert again.probabilities("Where ARE you") == model.probabilities("Where ARE you")


def test_a_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "other.npz", weights=np.ones(3))
    with pytest.raises(ValueError, match="not a linear text classifier"):
        LinearTextClassifier.load(tmp_path / "other.npz")
    (tmp_path / "text.npz").write_text("not numpy")
    with pytest.raises(ValueError, match="not a linear text classifier"):
        LinearTextClassifier.load(tmp_path / "text.npz")


def test_fitting_needs_two_labels() -> None:
    with pytest.raises(ValueError, match="two labels"):
        LinearTextClassifier.fit(TEXTS[:3], LABELS[:3], word_and_character_features(), 1.0)


def test_a_classifier_with_vectors_saves_and_loads(tmp_path: Path) -> None:
    vectors = _vectors(len(TEXTS))
    model = LinearTextClassifier.fit(
        TEXTS, LABELS, word_and_character_features(), 100.0, vectors=vectors
    )
    model.save(tmp_path / "model.npz")
    again = LinearTextClassifier.load(tmp_path / "model.npz")
    assert again.vector_size == 8
    assert again.probabilities("hi", vectors[0]) == model.probabilities("hi", vectors[0])
