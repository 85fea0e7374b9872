"""A short follow-up to an answer is read as the same question again.

After the opening hours, "and thursdays?" or "what about saturday" asks
about the hours; after the prices, "and for a follow up?" or "and the block
of five?" about the prices. Read alone, the intent classifier sends them
elsewhere: "what about saturday" started a booking (an outside audit found
eight such turns in 167 conversations, docs/performance.md). When the
assistant's last action answered a question about the clinic or about
acupuncture and the patient's message is a short follow-up (it opens with
"and", "what about", "how about"... and asks for nothing else, or it is a
day asked of alone: "sat?"), this policy runs that answer again. The answering action
(:class:`actions.questions.AnswerLatestIntent`) then answers the question it
answered last: the whole answer, which holds the part asked about.

It leaves the turn alone inside a form (the form's interruptions decide),
when the message is a red flag, when it asks to book, cancel or move an
appointment, and when the classifier reads it as a question at 0.5 or
more ("and how much is it?" is the price; 0.8 when its subject is the
answer's: "and is it free?" after the parking).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, Optional

from rasa.core.constants import POLICY_PRIORITY
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinic_core.questions import DAY_ASKED_OF, FOLLOW_UP, asks_its_own_question
from clinic_core.red_flags import load_red_flags
from rasa_extensions.stateless_policy import StatelessPolicy

logger = logging.getLogger(__name__)

# A follow-up that asks for an appointment is a request, not a question.
ASKS_FOR_A_BOOKING = re.compile(
    r"\b(book|booking|appointment|appt|cancel|reschedule|move|change|slot|come in)\b",
    re.IGNORECASE,
)


CLINIC_ANSWER = "action_answer_clinic_question"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class FollowUpQuestionPolicy(StatelessPolicy):
    """Answers "and thursdays?" after the opening hours with the opening hours."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Above RulePolicy (6), below the red-flag policy (7); which answers it follows."""
        return {
            POLICY_PRIORITY: 6.5,
            "answer_actions": [
                CLINIC_ANSWER,
                "action_answer_acupuncture_question",
            ],
            # A question the classifier reads surely enough is its own ("and is there
            # parking?" after the hours is about parking): clinic_core/questions.py.
            "question_intents": r"^ask_",
            "max_words": 7,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        """The red-flag intents are read from the clinic's file."""
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.red_flag_intents = {level.intent for level in load_red_flags().levels}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """The previous answer again for a follow-up; nothing otherwise."""
        probabilities = self._default_predictions(domain)
        action = self.follows_up(tracker) or self._listen_after_own_answer(tracker)
        if action is not None:
            logger.info("Follow-up question: %s again", action)
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    def _listen_after_own_answer(self, tracker: DialogueStateTracker) -> Optional[str]:
        """Listen once this policy's answer ran.

        No rule follows it: "and on saturdays?" had the hours again, then "Sorry,
        I'm not sure how to help with that" from the fallback.
        """
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                return None
            if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
                own = type(self).__name__ in (event.policy or "")
                return (
                    ACTION_LISTEN_NAME
                    if own and tracker.latest_action_name == event.action_name
                    else None
                )
        return None

    def follows_up(self, tracker: DialogueStateTracker) -> Optional[str]:
        """The answering action to run again, or None to leave the turn to the others."""
        if tracker.active_loop_name or tracker.latest_action_name != ACTION_LISTEN_NAME:
            return None
        message = tracker.latest_message
        text = (message.text or "") if message else ""
        if not (FOLLOW_UP.match(text) or DAY_ASKED_OF.match(text)) or ASKS_FOR_A_BOOKING.search(
            text
        ):
            return None
        if len(text.split()) > int(self.config["max_words"]):
            return None
        intent = (message.intent or {}) if message else {}
        name, confidence = str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)
        if name in self.red_flag_intents:
            return None
        if re.search(self.config["question_intents"], name) and asks_its_own_question(
            text, confidence
        ):
            return None  # "and how much is it?": a question of its own
        previous = self._answer_before(tracker)
        if not FOLLOW_UP.match(text) and previous != CLINIC_ANSWER:
            return None  # "sat?" after what acupuncture is: a day for a booking
        return previous if previous in self.config["answer_actions"] else None

    @staticmethod
    def _answer_before(tracker: DialogueStateTracker) -> Optional[str]:
        """The last action the assistant ran before the latest message (not listening)."""
        listened = 0
        for event in reversed(tracker.events):
            if not isinstance(event, ActionExecuted):
                continue
            if event.action_name == ACTION_LISTEN_NAME:
                listened += 1
                if listened > 1:
                    return None  # nothing ran between the last two messages
                continue
            if listened == 1:
                return event.action_name
        return None
