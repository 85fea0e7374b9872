"""Practical questions (what to wear, paying, side effects) answered from the clinic's file.

``clinic/practical.yml`` holds a topic's answer and a few ways patients ask
it. A question is matched to a topic by meaning as well as words: the
sentence encoder (:mod:`clinic_core.sentence_encoder`) puts "can I pay with
my phone?" close to "can I pay by card", which share one word. A question
that asks no topic, or one the clinic leaves to its team, gets no answer
from here, so the assistant says it cannot answer rather
than giving a neighbouring one (the sixth outside audit: "will I feel sore,
can I drive home" and "is it on the NHS" got the needle text or the
research summary).

``bench/practical.py`` measures it on questions written outside the project.
"""

from __future__ import annotations

import logging
import re
import string
import threading
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import pydantic

from clinic_core.data_files import StrictModel, clinic_dir, load_model
from clinic_core.linear_text import LinearTextClassifier, word_and_character_features
from clinic_core.profile import ANSWER_VALUE_NAMES
from clinic_core.sentence_encoder import SentenceEncoder
from clinic_core.settings import SENTENCE_ENCODER_DIR

logger = logging.getLogger(__name__)

# A topic is read with a small linear classifier (word and character counts
# beside the sentence vector, :mod:`clinic_core.linear_text`), trained on
# the file's phrasings when it is loaded (under a second), with the
# questions left to the team as one more label. It answers when the topic is
# at least this probable. Chosen on half of an outside set of questions and
# measured on the other half (docs/clinic.md, "Practical questions").
THRESHOLD = 0.5
REGULARISATION = 10.0
VECTOR_WEIGHT = 2.0
LEFT_TO_THE_TEAM = "left_to_the_team"
# Words every kind of question uses ("is acupuncture ok for me?"): counted,
# they tie a question to whichever topic's phrasings happen to use them.
_SHARED_WORDS = re.compile(r"\b(acupunct\w*|needl\w*|sessions?|treatments?|appointments?)\b")


def without_shared_words(text: str) -> str:
    """``text`` in lower case without the words every topic's questions share."""
    return _SHARED_WORDS.sub(" ", text.lower())


class PracticalTopic(StrictModel):
    """One practical question: its answer and a few ways patients ask it."""

    answer: str = pydantic.Field(..., min_length=1)
    asked_as: List[str] = pydantic.Field(..., min_items=3)

    @pydantic.validator("answer")
    def fills_only_the_clinics_contact(cls, answer: str) -> str:
        """Only the profile's contact details and where to get help may be filled in."""
        try:
            names = {field for _, field, _, _ in string.Formatter().parse(answer) if field}
        except ValueError as error:  # a lone "{" or "}"
            raise ValueError(f"{error} (write a brace as {{{{ or }}}})") from error
        unknown = sorted(names - set(ANSWER_VALUE_NAMES))
        if unknown:
            known = ", ".join("{" + name + "}" for name in ANSWER_VALUE_NAMES)
            raise ValueError(f"unknown {{{unknown[0]}}}: the answers may use {known}")
        return answer


class PracticalAnswers(StrictModel):
    """Contents of ``clinic/practical.yml``."""

    version: int
    topics: Dict[str, PracticalTopic]
    # Questions the clinic leaves to its team ("do you do home visits?"): near
    # these, no topic answers.
    left_to_the_team: List[str] = pydantic.Field(..., min_items=3)

    @pydantic.validator("topics")
    def no_topic_named_like_the_team_list(
        cls, topics: Dict[str, PracticalTopic]
    ) -> Dict[str, PracticalTopic]:
        """The team's list is a label of its own."""
        if LEFT_TO_THE_TEAM in topics:
            raise ValueError(f"{LEFT_TO_THE_TEAM}: a topic may not have this name")
        if not topics:
            raise ValueError("at least one topic is required")
        return topics


@dataclass(frozen=True)
class TopicMatch:
    """The topic a question asks about, how probable it is, and its answer."""

    topic: str
    score: float
    answer: str


class TopicMatcher:
    """Finds the practical topic a question asks about."""

    def __init__(self, answers: PracticalAnswers, encoder: SentenceEncoder) -> None:
        """Train on the file's phrasings (under a second)."""
        self.answers = answers
        self.encoder = encoder
        texts: List[str] = []
        labels: List[str] = []
        for key, topic in answers.topics.items():
            texts.extend(topic.asked_as)
            labels.extend([key] * len(topic.asked_as))
        texts.extend(answers.left_to_the_team)
        labels.extend([LEFT_TO_THE_TEAM] * len(answers.left_to_the_team))
        self.classifier = LinearTextClassifier.fit(
            texts,
            labels,
            word_and_character_features(
                preprocessor=without_shared_words, character_preprocessor=without_shared_words
            ),
            REGULARISATION,
            vectors=encoder.encode(texts),
            vector_weight=VECTOR_WEIGHT,
        )

    def scores(self, text: str) -> Dict[str, float]:
        """Each topic's probability for ``text`` (and the team's list's)."""
        return self.classifier.probabilities(text, self.encoder.encode([text])[0])

    def match(self, text: str, threshold: float = THRESHOLD) -> Optional[TopicMatch]:
        """The topic ``text`` asks about, if it is probable enough and not the team's."""
        if not text.strip() or text.startswith("/"):
            return None
        topic, score = max(self.scores(text).items(), key=lambda item: item[1])
        if topic == LEFT_TO_THE_TEAM or score < threshold:
            return None
        return TopicMatch(topic, score, self.answers.topics[topic].answer)


# The matcher of the file as last loaded (load_model returns the same object
# until the file changes).
_current: Optional[Tuple[PracticalAnswers, TopicMatcher]] = None
_lock = threading.Lock()


def load_practical_answers() -> PracticalAnswers:
    """Load ``practical.yml`` from the clinic folder."""
    return load_model(clinic_dir() / "practical.yml", PracticalAnswers)


def topic_matcher() -> TopicMatcher:
    """The matcher for the file as it is now (built again only when it changes).

    Raises:
        FileNotFoundError: the sentence encoder was not built (``make embeddings``).

    """
    global _current
    answers = load_practical_answers()
    with _lock:
        if _current is None or _current[0] is not answers:
            _current = (answers, TopicMatcher(answers, SentenceEncoder(SENTENCE_ENCODER_DIR)))
        return _current[1]


def practical_answer(text: str, threshold: float = THRESHOLD) -> Optional[TopicMatch]:
    """The clinic's answer to a practical question, if ``text`` asks one."""
    return topic_matcher().match(text, threshold)


__all__ = [
    "LEFT_TO_THE_TEAM",
    "THRESHOLD",
    "PracticalAnswers",
    "TopicMatch",
    "TopicMatcher",
    "load_practical_answers",
    "practical_answer",
    "topic_matcher",
]
