"""A learned reading of thoughts of suicide and self-harm told sideways.

Thoughts of ending one's life are seldom said in a red-flag word. They are
told as the last of one's affairs inside an ordinary message ("can you send
the receipt to my sister's email, she'll be dealing with my stuff from next
week"; "please cancel thursday, I won't need it now, you were one of the
few who were kind"). No word list holds these, and the learned screen
(:mod:`clinic_core.red_flag_screen`) reads them as the appointment messages
they look like: before use, the whole pipeline found 334 of 400 emergencies of
example sets 96 to 99, most of those missed being such farewells.

The crisis reader is a classifier of its own for the concepts whose reply
carries the crisis line (``crisis_line: true`` in ``clinic/red_flags.yml``).
It reads the sentence encoder's vector (:mod:`clinic_core.sentence_encoder`:
"sorting out my affairs" is near "tying up loose ends") beside word and
character counts, and learns from every example set, those the screen does not
train on included (the screen's reasons for leaving them out are its veto and
its levels, which this reader has neither: it only ever adds a flag). It flags
only a message the vocabulary and the screen left alone, with nothing set
aside by ConText, of at least the screen's minimum words (docs/clinic.md,
"The crisis reader").
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence

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

# The label of every example that is not a crisis-line concept.
OTHER = "other"
CRISIS_LABEL_SUFFIX = " (read by the crisis reader: the red-flag list does not have the words)"
# Sure enough to flag (chosen on example sets 100 and 101, docs/clinic.md).
THRESHOLD = 0.7
# Fewer words carry too little ("I'm done" at a form's question): the screen's minimum.
MIN_WORDS = ScreenPolicy.min_words
# How much the sentence vector counts beside the word and character counts
# (0.5, 1 and 2 were tried on sets 100 and 101: 1 found most for as few alarms).
VECTOR_WEIGHT = 1.0


def crisis_concepts(spec: RedFlagSpec) -> List[str]:
    """The ids of the concepts whose reply carries the crisis line."""
    return [concept.id for concept in spec.concepts if concept.crisis_line]


class CrisisReader:
    """The probability that a message tells of a crisis-line concept, and which."""

    def __init__(self, classifier: LinearTextClassifier, encoder: SentenceEncoder) -> None:
        """Wrap a fitted classifier and the encoder it reads (use :meth:`fit` or :meth:`load`)."""
        self.classifier = classifier
        self.encoder = encoder

    @classmethod
    def fit(
        cls,
        examples: Sequence[ScreenExample],
        spec: RedFlagSpec,
        encoder: SentenceEncoder,
        regularisation: float = 5.0,
    ) -> CrisisReader:
        """Train on ``examples``: crisis-line concepts against everything else.

        Raises:
            ValueError: no example names a crisis-line concept.

        """
        crisis = set(crisis_concepts(spec))
        labels = [
            str(example.concept)
            if example.level != ROUTINE and example.concept in crisis
            else OTHER
            for example in examples
        ]
        if set(labels) <= {OTHER}:
            raise ValueError("the crisis reader needs examples of a crisis-line concept")
        texts = [example.text for example in examples]
        classifier = LinearTextClassifier.fit(
            texts,
            labels,
            _features(),
            regularisation,
            balanced=True,
            vectors=encoder.encode(texts),
            vector_weight=VECTOR_WEIGHT,
        )
        return cls(classifier, encoder)

    def probabilities(self, text: str) -> Dict[str, float]:
        """The probability of each crisis-line concept (and of :data:`OTHER`) for ``text``."""
        return self.classifier.probabilities(text, self.encoder.encode([text])[0])

    def save(self, path: Path) -> None:
        """Write the classifier to ``path`` and the encoder's files beside it."""
        self.classifier.save(path)
        self.encoder.copy_to(path.parent)

    @classmethod
    def load(cls, path: Path) -> CrisisReader:
        """Read a reader written by :meth:`save`."""
        return cls(
            LinearTextClassifier.load(path, trusted=_TRUSTED_TYPES), SentenceEncoder(path.parent)
        )


def read_crisis(
    text: str,
    assessment: Assessment,
    probabilities: Optional[Dict[str, float]],
    spec: RedFlagSpec,
    threshold: float = THRESHOLD,
) -> Assessment:
    """``assessment``, or an emergency of the likeliest crisis-line concept when the reader is sure.

    Only a message nothing flagged, nothing set aside, that does not say its
    trouble is over and that has at least :data:`MIN_WORDS` words: the reader
    adds to the list and the screen, it never overrules them.
    """
    if (
        probabilities is None
        or assessment.flagged
        or assessment.set_aside
        or assessment.says_over
        or word_count(text) < MIN_WORDS
    ):
        return assessment
    crisis = {c: p for c, p in probabilities.items() if c != OTHER}
    if not crisis or sum(crisis.values()) < threshold:
        return assessment
    concept = spec.concept(max(crisis, key=lambda c: crisis[c]))
    level = spec.level(concept.level)
    finding = Finding(concept.id, level.id, concept.label + CRISIS_LABEL_SUFFIX, text, 0, len(text))
    return Assessment(level.id, level.intent, (finding,), assessment.set_aside)
