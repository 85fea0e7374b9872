"""Practical questions the intent classifier half took for something else.

"how many sessions for lower back pain typically" reads as ``lower_back_pain``,
"Who will be treating me?" as ``out_of_scope`` and "do people get dizzy after
needles" as ``ask_does_it_hurt``: the rules then explain the condition or
the needles instead of answering. The clinic's practical answers
(:mod:`clinic_core.practical`, ``clinic/practical.yml``) are reached only
through ``ask_clinic_other``, so this step, after the intent classifier and
before the safety layer, makes a message ``ask_clinic_other`` when the
classifier is not sure of a condition or a question about acupuncture and
the message asks something and the practical matcher finds one of its
topics (not the team's list) at least as probable as it needs to answer.

Settings chosen on the first half of bench/practical_questions.yml and
measured on the second (docs/clinic.md, "Practical questions").
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from clinic_core.data_files import ClinicDataError
from clinic_core.knowledge import ACUPUNCTURE_QUESTIONS, load_conditions
from clinic_core.message_parts import SECOND_PART, message_part
from clinic_core.names import BOOKING_INTENT, CLINIC_QUESTION_INTENT, OTHER_SYMPTOM_INTENT
from clinic_core.practical import TopicMatch, practical_answer
from clinic_core.questions import SENTENCE_END, asks_something
from rasa_extensions.intent_routing import IntentRouter, replace_intent

logger = logging.getLogger(__name__)

PRACTICAL_INTENT = CLINIC_QUESTION_INTENT  # its action answers clinic/practical.yml
# Intents whose answer is about the body or acupuncture in general, besides
# the conditions of clinic/conditions.yml: a practical question is often
# taken for one of them. Booking, safety and conversation intents never are
# replaced: their messages are answers and requests, not questions.
OTHER_ROUTABLE_INTENTS = (OTHER_SYMPTOM_INTENT, "ask_insurance", "out_of_scope")
CLOSING_QUESTION_MIN_WORDS = 3


def routable_intents() -> List[str]:
    """The intents a practical question may be taken for."""
    return [*load_conditions().conditions, *ACUPUNCTURE_QUESTIONS, *OTHER_ROUTABLE_INTENTS]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PracticalQuestionRouter(IntentRouter):
    """Sends a practical question the classifier was unsure of to the practical answers."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Below this confidence of the classifier, a practical topic may win."""
        return {"classifier_below": 0.8}

    def __init__(self, config: Dict[str, Any]) -> None:
        """Keep the settings; the routable intents are read once."""
        super().__init__(config)
        self.classifier_below = float(config["classifier_below"])
        self.routable = set(routable_intents())
        # A complaint: a condition of clinic/conditions.yml, or pain elsewhere.
        self.complaints = {*load_conditions().conditions, OTHER_SYMPTOM_INTENT}

    def route(self, message: Message) -> None:
        """Make a practical question the classifier was unsure of ``ask_clinic_other``."""
        intent = message.get(INTENT) or {}
        name = intent.get(INTENT_NAME_KEY)
        confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        text = str(message.get(TEXT) or "")
        # Two things in one message are answered part by part (rasa_extensions/clauses.py).
        if message.get(SECOND_PART):
            return
        if name in self.complaints and self._closing_question(message, text):
            return
        if not self._routable(message) or confidence >= self.classifier_below:
            return
        # "I used a lot of pain killers and still feel the same back pain" tells
        # about the pain: only a message that asks something is a practical question.
        if not asks_something(text):
            return
        match = self._topic(text)
        if match is None:
            return
        logger.info(
            "a practical question read as %s (%.2f) asks %s (%.2f)",
            name,
            confidence,
            match.topic,
            match.score,
        )
        replace_intent(message, PRACTICAL_INTENT, match.score)

    def _closing_question(self, message: Message, text: str) -> bool:
        """Keep a practical question closing a complaint as its second part.

        "My lower back has been aching for months, my right hip clicks [...].
        Could one appointment deal with all of it?" got the condition's answer
        alone: the question, short and read apart by the clause step at 0.55,
        was too unsure to be cut off (audit 23).

        Returns:
            whether the message's last sentence was kept as its second part.

        """
        ends = list(SENTENCE_END.finditer(text.rstrip()))
        if not ends:
            return False
        cut = ends[-1]
        question = text[cut.end() :].rstrip()
        if len(question.split()) < CLOSING_QUESTION_MIN_WORDS or not asks_something(question):
            return False
        match = self._topic(question)
        if match is None:
            return False
        logger.info("a complaint closes with a practical question: %s", match.topic)
        end = cut.end() + len(question)
        part = message_part(PRACTICAL_INTENT, match.score, text, cut.end(), end)
        message.set(SECOND_PART, part, add_to_output=True)
        return True

    def _routable(self, message: Message) -> bool:
        """Whether the message's intent may be a practical question's.

        A booking request only when the classifier's next guess is a clinic
        question: "can my husband sit in with me" read as book_appointment
        (0.56) and started the booking form.
        """
        ranking = message.get(INTENT_RANKING_KEY) or []
        name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if name in self.routable:
            return True
        runner_up = ranking[1].get(INTENT_NAME_KEY) if len(ranking) > 1 else None
        return name == BOOKING_INTENT and runner_up == PRACTICAL_INTENT

    @staticmethod
    def _topic(text: str) -> Optional[TopicMatch]:
        """The practical topic ``text`` asks, if any; nothing when the matcher cannot run."""
        try:
            return practical_answer(text)
        except (FileNotFoundError, ClinicDataError, ValueError) as error:
            logger.error(
                "ALARM practical questions not routed: %s: %s", type(error).__name__, error
            )
            return None
