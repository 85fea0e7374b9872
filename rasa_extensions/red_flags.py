"""The red-flag check as the last step of Rasa's NLU pipeline.

Every message, on every channel and inside forms, is parsed by the NLU
pipeline before the dialogue policies act, so this is where the clinic's
safety layer (:mod:`clinic_core.red_flags`) decides. When it finds a red flag
it overrides the intent classifier: the intent becomes the level's intent
(``emergency`` or ``urgent_symptoms``) with confidence 1, and each concept is
added as a ``red_flag`` entity, stored with the message for staff to see.

The classifier still learns ``emergency`` from examples and catches what the
red-flag vocabulary lacks; ``classifier_emergency`` says what to do with its
verdict when the safety layer disagrees (README, "Safety"; measured with
``make bench-nlu``):

* ``keep``: the classifier's emergency stands (the union of both);
* ``unless_set_aside``: it stands unless the safety layer found the same
  words negated, hypothetical or in the past ("no numbness");
* ``drop``: only the safety layer decides.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic_core.message_parts import SECOND_PART
from clinic_core.red_flags import RED_FLAG_ENTITY, Assessment, RedFlagDetector, load_red_flags

logger = logging.getLogger(__name__)

TRIAGE = "triage"  # parse-data key: the safety layer's verdict
CLASSIFIER_INTENT = "classifier_intent"  # parse-data key: the intent before this step
CLASSIFIER_CHOICES = ("keep", "unless_set_aside", "drop")


def triage_record(assessment: Assessment) -> Dict[str, Any]:
    """The safety layer's verdict as stored with the message."""
    return {
        "level": assessment.level,
        "concepts": [finding.concept for finding in assessment.findings],
        "set_aside": [
            {"concept": item.concept, "reason": item.reason} for item in assessment.set_aside
        ],
    }


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RedFlagClassifier(GraphComponent, IntentClassifier):
    """Overrides the intent when a message carries a red flag."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Where the red-flag file and the spaCy pipeline are; how to treat the classifier."""
        return {
            "red_flags": None,  # None: clinic/red_flags.yml (CLINIC_DATA_DIR moves it)
            "spacy_pipeline": ".spacy/en_clinic",
            "classifier_emergency": "drop",
        }

    def __init__(self, config: Dict[str, Any], detector: RedFlagDetector) -> None:
        """Use ``detector`` on every message."""
        if config["classifier_emergency"] not in CLASSIFIER_CHOICES:
            raise ValueError(
                f"RedFlagClassifier: classifier_emergency must be one of {CLASSIFIER_CHOICES}"
            )
        self.component_config = config
        self.detector = detector
        self._levels = {level.intent for level in detector.spec.levels}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagClassifier:
        """Load the red-flag file and build the detector (a few seconds, once)."""
        path = Path(config["red_flags"]) if config.get("red_flags") else None
        return cls(config, RedFlagDetector(load_red_flags(path), config["spacy_pipeline"]))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn: the red flags are the clinic's file."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Check each message and override its intent when it carries a red flag."""
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip() or text.startswith("/"):
                continue  # button payloads say what was chosen, not what was typed
            assessment = self.detector.assess(text)
            # Kept with the message: which layer decided, and what context set aside.
            message.set(CLASSIFIER_INTENT, dict(message.get(INTENT) or {}), add_to_output=True)
            message.set(TRIAGE, triage_record(assessment), add_to_output=True)
            if assessment.flagged:
                self._flag(message, assessment)
            else:
                self._review_classifier(message, assessment)
        return messages

    def _flag(self, message: Message, assessment: Assessment) -> None:
        intent = {INTENT_NAME_KEY: assessment.intent, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [intent] + [
            item
            for item in message.get(INTENT_RANKING_KEY) or []
            if item.get(INTENT_NAME_KEY) != assessment.intent
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        entities = list(message.get(ENTITIES) or [])
        for finding in assessment.findings:
            entities.append(
                {
                    "entity": RED_FLAG_ENTITY,
                    "value": finding.concept,
                    "start": finding.start,
                    "end": finding.end,
                    "confidence_entity": 1.0,
                    "extractor": type(self).__name__,
                }
            )
        message.set(ENTITIES, entities, add_to_output=True)
        # A red flag in any part of the message: the emergency or urgent reply only.
        if message.get(SECOND_PART):
            message.set(SECOND_PART, None, add_to_output=True)
        logger.info(
            "Red flag (%s): %s", assessment.level, ", ".join(f.concept for f in assessment.findings)
        )

    def _review_classifier(self, message: Message, assessment: Assessment) -> None:
        """Apply ``classifier_emergency`` to a classifier's red-flag intent."""
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) not in self._levels:
            return
        choice = self.component_config["classifier_emergency"]
        if choice == "keep" or (choice == "unless_set_aside" and not assessment.set_aside):
            return
        fallback = self._next_intent(message)
        if fallback is not None:
            message.set(INTENT, fallback, add_to_output=True)

    def _next_intent(self, message: Message) -> Optional[Dict[str, Any]]:
        for item in message.get(INTENT_RANKING_KEY) or []:
            if item.get(INTENT_NAME_KEY) not in self._levels:
                return dict(item)
        return None
