"""Learned readers: red flags told in words no list holds.

Some red flags are seldom said in a red-flag word. Thoughts of ending one's
life are told as the last of one's affairs inside an ordinary message ("can
you send the receipt to my sister's email, she'll be dealing with my stuff
from next week"); a failing leg is told through what no longer works ("my
foot scuffs along the pavement because I can't lift it"); a broken spine as
a bruise after a knock. The learned screen (:mod:`clinic_core.red_flag_screen`)
reads these as the ordinary messages they look like, and each new outside
example set finds new words for them (sets 104 to 107 mended the list; sets
108 to 111, written after, were found no better: docs/clinic.md).

A learned reader is a classifier of its own for the concepts that name it
(``reader:`` in ``clinic/red_flags.yml``, whose ``readers:`` give each its
threshold). It reads the sentence encoder's vector
(:mod:`clinic_core.sentence_encoder`: "sorting out my affairs" is near "tying
up loose ends") beside word and character counts, and learns from every
example set, those the screen does not train on included (the screen's reasons
for leaving them out are its veto and its levels, which a reader has neither:
it only ever adds a flag). It flags only a message the vocabulary and the
screen left alone, with no clause saying the trouble is over, of at least the
screen's minimum words; where ConText set words aside it must be surer
(``over_set_aside``: a past fracture beside a new one is still read as past by
ConText). See docs/clinic.md, "The learned readers".
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from clinic_core.linear_text import LinearTextClassifier
from clinic_core.red_flag_screen import (
    _TRUSTED_TYPES,
    ROUTINE,
    ScreenExample,
    ScreenPolicy,
    _features,
    word_count,
)
from clinic_core.red_flags import Assessment, Finding, RedFlagSpec
from clinic_core.sentence_encoder import SentenceEncoder

# The label of every example that is not one of a reader's concepts.
OTHER = "other"
# Fewer words carry too little ("I'm done" at a form's question): the screen's minimum.
MIN_WORDS = ScreenPolicy.min_words
# How much the sentence vector counts beside the word and character counts
# (0.5, 1 and 2 were tried on sets 100 and 101: 1 found most for as few alarms).
VECTOR_WEIGHT = 1.0


def reader_label(name: str) -> str:
    """What staff read after a concept's label when reader ``name`` raised the flag."""
    return f" (read by the {name} reader: the red-flag list does not have the words)"


class LearnedReader:
    """The probability that a message tells of one of a reader's concepts, and which."""

    def __init__(self, name: str, classifier: LinearTextClassifier, encoder: SentenceEncoder):
        """Wrap a fitted classifier and the encoder it reads (use :meth:`fit` or :meth:`load`)."""
        self.name = name
        self.classifier = classifier
        self.encoder = encoder

    @classmethod
    def fit(
        cls,
        name: str,
        examples: Sequence[ScreenExample],
        spec: RedFlagSpec,
        encoder: SentenceEncoder,
        vectors: Optional[np.ndarray] = None,
        regularisation: float = 5.0,
    ) -> LearnedReader:
        """Train reader ``name`` on ``examples``: its concepts against everything else.

        ``vectors`` are the examples' sentence vectors when already read (every
        reader learns from the same examples: reading 36,000 of them takes minutes).

        Raises:
            ValueError: no example names one of the reader's concepts.

        """
        texts = [example.text for example in examples]
        vectors = encoder.encode(texts) if vectors is None else vectors
        return cls(name, cls.fit_classifier(name, examples, spec, vectors, regularisation), encoder)

    @staticmethod
    def fit_classifier(
        name: str,
        examples: Sequence[ScreenExample],
        spec: RedFlagSpec,
        vectors: np.ndarray,
        regularisation: float = 5.0,
    ) -> LinearTextClassifier:
        """The classifier :meth:`fit` wraps, from the examples' ``vectors`` (no encoder).

        It holds nothing of a process's own, so another process may fit it.

        Raises:
            ValueError: no example names one of the reader's concepts.

        """
        concepts = set(spec.reader_concepts(name))
        labels = [
            str(example.concept)
            if example.level != ROUTINE and example.concept in concepts
            else OTHER
            for example in examples
        ]
        if set(labels) <= {OTHER}:
            raise ValueError(
                f"the {name} reader needs examples of its concepts ({', '.join(sorted(concepts))})"
            )
        return LinearTextClassifier.fit(
            [example.text for example in examples],
            labels,
            _features(),
            regularisation,
            balanced=True,
            vectors=vectors,
            vector_weight=VECTOR_WEIGHT,
        )

    def probabilities(self, text: str) -> Dict[str, float]:
        """The probability of each of the reader's concepts (and of :data:`OTHER`) for ``text``."""
        return self.classifier.probabilities(text, self.encoder.encode([text])[0])

    def save(self, path: Path) -> None:
        """Write the classifier to ``path`` (the encoder's files are the caller's to copy)."""
        self.classifier.save(path)

    @classmethod
    def load(cls, name: str, path: Path, encoder: SentenceEncoder) -> LearnedReader:
        """Read a reader written by :meth:`save`, reading vectors with ``encoder``."""
        return cls(name, LinearTextClassifier.load(path, trusted=_TRUSTED_TYPES), encoder)


def read_learned(
    text: str,
    assessment: Assessment,
    readings: Mapping[str, Optional[Dict[str, float]]],
    spec: RedFlagSpec,
) -> Tuple[Assessment, Optional[str]]:
    """``assessment``, or a flag of a reader's likeliest concept when that reader is sure.

    ``readings`` are each reader's probabilities, read in the order of
    ``readers:`` in the red-flag file. Only a message nothing flagged, that
    does not say its trouble is over and that has at least :data:`MIN_WORDS`
    words: the readers add to the list and the screen, they never drop a flag.
    Words ConText set aside are read at the reader's ``over_set_aside``, or
    not at all without one or when they are someone else's. Returns the
    verdict and the name of the reader that raised it (None: no reader did).
    """
    if assessment.flagged or assessment.says_over or word_count(text) < MIN_WORDS:
        return assessment, None
    for name, reader in spec.readers.items():
        probabilities = readings.get(name)
        if probabilities is None:
            continue
        threshold = reader.threshold
        if assessment.set_aside:
            if reader.over_set_aside is None or assessment.someone_elses:
                continue
            threshold = reader.over_set_aside
        concepts = {c: p for c, p in probabilities.items() if c != OTHER}
        if not concepts or sum(concepts.values()) < threshold:
            continue
        concept = spec.concept(max(concepts, key=lambda c: concepts[c]))
        level = spec.level(concept.level)
        label = concept.label + reader_label(name)
        finding = Finding(concept.id, level.id, label, text, 0, len(text))
        return Assessment(level.id, level.intent, (finding,), assessment.set_aside), name
    return assessment, None
