"""What the intent routers share: a step after the classifier that may replace its intent.

A router (:mod:`rasa_extensions.practical_questions`,
:mod:`rasa_extensions.time_requests`) reads each message after the intent
classifier and before the safety layer; when it replaces the intent it keeps
the classifier's as ``routed_from`` and puts the new one first in the ranking.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

ROUTED_FROM = "routed_from"  # parse-data key: the classifier's intent a router replaced


class IntentRouter(GraphComponent, IntentClassifier):
    """A step that may replace the classifier's intent of each message."""

    def __init__(self, config: Dict[str, Any]) -> None:
        """Keep the settings."""
        self.config = config

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentRouter:
        """Nothing to train: a router reads the clinic's files when it runs."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Route each message."""
        for message in messages:
            self.route(message)
        return messages

    @abstractmethod
    def route(self, message: Message) -> None:
        """Replace ``message``'s intent (with :func:`replace_intent`) when it should be."""


def replace_intent(message: Message, name: str, confidence: float) -> None:
    """Make ``name`` the intent of ``message``, keeping the classifier's as ``routed_from``."""
    message.set(ROUTED_FROM, dict(message.get(INTENT) or {}), add_to_output=True)
    routed = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    message.set(INTENT, routed, add_to_output=True)
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
    message.set(INTENT_RANKING_KEY, [routed, *ranking], add_to_output=True)
