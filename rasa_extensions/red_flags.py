"""The red-flag check as the last step of Rasa's NLU pipeline.

Every message, on every channel and inside forms, is parsed by the NLU
pipeline before the dialogue policies act, so this is where the clinic's
safety layer (:mod:`clinic_core.red_flags`) decides. When it finds a red flag
it overrides the intent classifier: the intent becomes the level's intent
(``emergency`` or ``urgent_symptoms``) with confidence 1, and each concept is
added as a ``red_flag`` entity, stored with the message for staff to see.

What the vocabulary lacks, a learned screen (:mod:`clinic_core.red_flag_screen`)
trained here on the clinic's red-flag examples and the NLU examples may still
catch: it flags a message the vocabulary passed, unless ConText set the words
aside, when its probability of a red flag is at least ``screen_threshold``
(``screen_over_set_aside`` when they were set aside); ``screen_veto`` > 0 lets
it overrule a vocabulary flag it finds very unlikely.

With ``broad_parts`` a second screen and a second set of readers learn
every example set, the measured ones too (``measured_only/``): their
verdict replaces the first screen's on a message the list flagged (only the
broad screen, which has seen the most look-alikes, vetoes a listed flag), and
on a message the list passed the more severe of the first pair's verdict and
the broad readers' stands (the broad screen adds no flag: docs/clinic.md,
"The broad parts").

The intent classifier also learns ``emergency`` from examples; ``classifier_emergency`` says
what to do with its verdict when the safety layer disagrees (docs/clinic.md, "Safety";
measured with ``make bench-nlu``):

* ``keep``: the classifier's emergency stands (the union of both);
* ``unless_set_aside``: it stands unless the safety layer found the same
  words negated, hypothetical or in the past ("no numbness");
* ``drop``: only the safety layer decides.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import numpy as np
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

from clinic_core.language import reads_as_other_language
from clinic_core.language import warm_up as warm_up_language
from clinic_core.learned_reader import LearnedReader, read_learned
from clinic_core.message_parts import MORE_PARTS, OTHER_LANGUAGE, SECOND_PART, TRIAGE
from clinic_core.processes import worker_pool
from clinic_core.red_flag_screen import (
    ROUTINE,
    RedFlagScreen,
    ScreenExample,
    ScreenPolicy,
    example_files,
    examples_dir,
    load_examples,
    name_screened,
)
from clinic_core.red_flags import (
    RED_FLAG_ENTITY,
    Assessment,
    RedFlagDetector,
    load_red_flags,
    shared_detector,
)
from clinic_core.sentence_encoder import STAMP_FILE as ENCODER_STAMP_FILE
from clinic_core.sentence_encoder import SentenceEncoder
from clinic_core.settings import SENTENCE_ENCODER_DIR
from rasa_extensions import fingerprints

logger = logging.getLogger(__name__)


class LearnedParts(NamedTuple):
    """A learned screen and the readers fitted on the same example sets."""

    screen: RedFlagScreen
    readers: Dict[str, LearnedReader]


CLASSIFIER_INTENT = "classifier_intent"  # parse-data key: the intent before this step
CLASSIFIER_CHOICES = ("keep", "unless_set_aside", "drop")
SCREEN_FILE = "red_flag_screen.npz"
LEGACY_SCREEN_FILE = "red_flag_screen.skops"  # models trained before linear_text.FORMAT
# Each learned reader's file, by its name, with the sentence encoder's files beside them.
READER_FILE = "reader_{name}.npz"
BROAD_SCREEN_FILE = "red_flag_screen_broad.npz"
BROAD_READER_FILE = "reader_{name}_broad.npz"


def triage_record(
    assessment: Assessment,
    vocabulary: Optional[Assessment] = None,
    screen: Optional[Dict[str, float]] = None,
    readings: Optional[Dict[str, Dict[str, float]]] = None,
    read_by: Optional[str] = None,
) -> Dict[str, Any]:
    """The safety layer's verdict as stored with the message.

    ``vocabulary`` is the red-flag list's own verdict, ``screen`` the learned
    screen's probabilities, ``readings`` each learned reader's and ``read_by``
    the reader that raised the flag, kept so that staff and the benchmark can
    see which part decided.
    """
    record: Dict[str, Any] = {
        "level": assessment.level,
        "concepts": [finding.concept for finding in assessment.findings],
        "set_aside": [
            {"concept": item.concept, "reason": item.reason, "words": item.words}
            for item in assessment.set_aside
        ],
    }
    if vocabulary is not None:
        record["vocabulary_level"] = vocabulary.level
    if screen is not None:
        record["screen"] = {level: round(p, 4) for level, p in screen.items()}
    if readings:
        record["readers"] = {
            name: {concept: round(p, 4) for concept, p in probabilities.items()}
            for name, probabilities in readings.items()
        }
    if read_by is not None:
        record["read_by"] = read_by
    return record


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RedFlagClassifier(GraphComponent, IntentClassifier):
    """Overrides the intent when a message carries a red flag."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Where the red-flag files and the spaCy pipeline are; how to combine the verdicts."""
        return {
            "red_flags": None,  # None: clinic/red_flags.yml (CLINIC_DATA_DIR moves it)
            "examples": None,  # None: clinic/red_flag_examples/
            "spacy_pipeline": ".spacy/en_clinic",
            "classifier_emergency": "drop",
            "screen_threshold": 0.7,
            "screen_veto": 0.0,
            "screen_over_set_aside": None,
            "broad_parts": False,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        detector: RedFlagDetector,
        model_storage: Optional[ModelStorage] = None,
        resource: Optional[Resource] = None,
        screen: Optional[RedFlagScreen] = None,
        readers: Optional[Dict[str, LearnedReader]] = None,
        broad: Optional[LearnedParts] = None,
    ) -> None:
        """Use ``detector`` (and ``screen``, the learned ``readers`` and ``broad`` once trained)."""
        if config["classifier_emergency"] not in CLASSIFIER_CHOICES:
            raise ValueError(
                f"RedFlagClassifier: classifier_emergency must be one of {CLASSIFIER_CHOICES}"
            )
        self.component_config = config
        self.detector = detector
        self.screen = screen
        self.readers: Dict[str, LearnedReader] = dict(readers or {})
        self.broad = broad
        over_set_aside = config["screen_over_set_aside"]
        self.policy = ScreenPolicy(
            threshold=float(config["screen_threshold"]),
            veto=float(config["screen_veto"]),
            over_set_aside=None if over_set_aside is None else float(over_set_aside),
        )
        self._model_storage = model_storage
        self._resource = resource
        self._levels = {level.intent for level in detector.spec.levels}
        self._severity = {level.id: rank for rank, level in enumerate(detector.spec.levels)}

    @classmethod
    def _detector(cls, config: Dict[str, Any]) -> RedFlagDetector:
        return shared_detector(config.get("red_flags"), config["spacy_pipeline"])

    @staticmethod
    def _examples_dir(config: Dict[str, Any]) -> Path:
        return Path(config["examples"]) if config.get("examples") else examples_dir()

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Retrain when what the graph does not see changes.

        That is the example files, the code, the encoder and which concepts each
        learned reader reads.
        """
        return fingerprints.digest(
            [sys.modules[__name__], *fingerprints.trained_modules()],
            [
                *example_files(
                    cls._examples_dir(config),
                    with_not_trained=True,
                    with_measured=bool(config.get("broad_parts")),
                ),
                SENTENCE_ENCODER_DIR / ENCODER_STAMP_FILE,
            ],
            [load_red_flags(config.get("red_flags")).reader_assignment()],
        )

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagClassifier:
        """Load the red-flag file and build the detector (a few seconds, once)."""
        return cls(config, cls._detector(config), model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RedFlagClassifier:
        """The detector and the screen trained with the model."""
        with model_storage.read_from(resource) as directory:
            path = directory / SCREEN_FILE
            if not path.exists() and (directory / LEGACY_SCREEN_FILE).exists():
                path = directory / LEGACY_SCREEN_FILE
            screen = RedFlagScreen.load(path)
            detector = cls._detector(config)
            # One encoder for every reader; a reader the model has no file for is left out.
            paths = {
                name: directory / READER_FILE.format(name=name) for name in detector.spec.readers
            }
            present = {name: path for name, path in paths.items() if path.exists()}
            readers: Dict[str, LearnedReader] = {}
            broad: Optional[LearnedParts] = None
            if present:
                encoder = SentenceEncoder(directory)
                readers = {
                    name: LearnedReader.load(name, path, encoder) for name, path in present.items()
                }
                if (directory / BROAD_SCREEN_FILE).exists():
                    broad = LearnedParts(
                        RedFlagScreen.load(directory / BROAD_SCREEN_FILE),
                        {
                            name: LearnedReader.load(
                                name, directory / BROAD_READER_FILE.format(name=name), encoder
                            )
                            for name in present
                        },
                    )
        warm_up_language()  # not at the first message (about 1 s)
        return cls(config, detector, model_storage, resource, screen, readers, broad)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the screen and the readers on the clinic's red-flag examples and the NLU examples.

        With ``broad_parts``, fit them a second time on the measured example sets too.
        """
        levels = {level.intent: level.id for level in self.detector.spec.levels}
        intent_examples = [
            ScreenExample(message.get(TEXT), levels.get(message.get(INTENT), ROUTINE))
            for message in training_data.intent_examples
        ]
        folder = self._examples_dir(self.component_config)
        broad = bool(self.component_config["broad_parts"])
        # The learned readers learn from every example set (clinic_core/learned_reader.py)
        # and from the NLU examples that are no red flag: the red-flag intents' examples
        # name no concept, so they could teach a reader only that its concepts are "other".
        routine = [example for example in intent_examples if example.level == ROUTINE]
        sets = load_examples(folder, with_not_trained=True)
        broad_sets = load_examples(folder, with_not_trained=True, with_measured=True)
        if broad_sets[: len(sets)] != sets:
            raise RuntimeError("the measured example sets must come after the others")
        encoder = SentenceEncoder(SENTENCE_ENCODER_DIR)
        # Encoded once: the broad readers' examples hold every narrow one.
        known = broad_sets if broad else sets
        vectors = encoder.encode([example.text for example in [*known, *routine]])
        narrow_vectors = np.concatenate([vectors[: len(sets)], vectors[len(known) :]])
        wanted = {
            "first": (load_examples(folder) + intent_examples, [*sets, *routine], narrow_vectors)
        }
        if broad:
            wanted["broad"] = (
                load_examples(folder, with_measured=True) + intent_examples,
                [*broad_sets, *routine],
                vectors,
            )
        fitted = self._fit_parts(wanted, encoder)
        self.screen, self.readers = fitted["first"]
        self.broad = fitted.get("broad")
        if self._model_storage is None or self._resource is None:
            raise RuntimeError("RedFlagClassifier was built without model storage")
        with self._model_storage.write_to(self._resource) as directory:
            self.screen.save(directory / SCREEN_FILE)
            for name, reader in self.readers.items():
                reader.save(directory / READER_FILE.format(name=name))
            if self.broad is not None:
                self.broad.screen.save(directory / BROAD_SCREEN_FILE)
                for name, reader in self.broad.readers.items():
                    reader.save(directory / BROAD_READER_FILE.format(name=name))
            if self.readers:  # one copy of the encoder, which every reader loads
                encoder.copy_to(directory)
        return self._resource

    def _fit_parts(
        self,
        wanted: Dict[str, Tuple[List[ScreenExample], List[ScreenExample], np.ndarray]],
        encoder: SentenceEncoder,
    ) -> Dict[str, LearnedParts]:
        """A screen and readers for each ``wanted`` (screen examples, reader examples, vectors).

        The fits (each a logistic regression on one core, minutes for tens of
        thousands of examples) run side by side, one process per core; each is
        the same fit it would be here.
        """
        spec = self.detector.spec
        with worker_pool() as pool:
            # The screens take longest: first, so the readers fill in beside them.
            screens = {key: pool.submit(RedFlagScreen.fit, job[0]) for key, job in wanted.items()}
            readers = {
                (key, name): pool.submit(LearnedReader.fit_classifier, name, job[1], spec, job[2])
                for key, job in wanted.items()
                for name in spec.readers
            }
            fitted: Dict[str, LearnedParts] = {}
            for key, (screen_examples, reader_examples, _) in wanted.items():
                screen = screens[key].result()
                logger.info(
                    "Red-flag screen (%s) trained on %d examples", key, len(screen_examples)
                )
                parts = LearnedParts(screen, {})
                for name in spec.readers:
                    try:
                        parts.readers[name] = LearnedReader(
                            name, readers[key, name].result(), encoder
                        )
                    except ValueError as error:  # example files that name none of its concepts
                        logger.warning("No %s reader: %s", name, error)
                        continue
                    logger.info(
                        "The %s reader (%s) trained on %d examples", name, key, len(reader_examples)
                    )
                fitted[key] = parts
        return fitted

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data

    def assess(self, text: str) -> Dict[str, Any]:
        """The final verdict on ``text``, with the vocabulary's and the screen's parts."""
        vocabulary = self.detector.assess(text)
        if self.screen is None:
            return {"assessment": vocabulary, "record": triage_record(vocabulary)}
        verdict = self._read(text, vocabulary, LearnedParts(self.screen, self.readers))
        if self.broad is not None:
            # The broad screen alone vetoes a listed flag; on a message the list passed,
            # the broad readers may add a flag but the broad screen may not: it learned
            # the outside writers' one-sided numbness as an emergency ("my left leg has
            # gone numb with the sciatica"), which the clinic's own examples do not.
            broad = self._read(text, vocabulary, self.broad, screen_adds=False)
            if vocabulary.flagged or (
                self._severity.get(broad["assessment"].level, len(self._severity))
                < self._severity.get(verdict["assessment"].level, len(self._severity))
            ):
                # (The broad screen read only a listed flag; otherwise the record
                # keeps the first screen's probabilities.)
                if "screen" in verdict["record"]:
                    broad["record"].setdefault("screen", verdict["record"]["screen"])
                verdict = broad
                verdict["record"]["broad"] = True
        return verdict

    def _read(
        self, text: str, vocabulary: Assessment, parts: LearnedParts, screen_adds: bool = True
    ) -> Dict[str, Any]:
        """The verdict of the list's ``vocabulary`` read with one screen and its readers.

        With ``screen_adds`` False the screen may veto a listed flag but adds none,
        so it is not read on a message the list passed.
        """
        probabilities = None
        final = vocabulary
        if vocabulary.flagged or screen_adds:
            probabilities = parts.screen.probabilities(text)
            # Only a message the list left alone can be flagged by the screen.
            loudest = (
                None
                if vocabulary.flagged
                else parts.screen.flag_probabilities(text, probabilities, vocabulary.denied)
            )
            final = self.policy.decide(
                text, vocabulary, probabilities, self.detector.spec, flag_probabilities=loudest
            )
            final = name_screened(parts.screen, text, final, self.detector.spec)
        # What neither the list nor the screen flagged, the learned readers read.
        readings = (
            {}
            if final.flagged
            else {name: reader.probabilities(text) for name, reader in parts.readers.items()}
        )
        final, read_by = read_learned(text, final, readings, self.detector.spec)
        return {
            "assessment": final,
            "record": triage_record(final, vocabulary, probabilities, readings, read_by),
        }

    def process(self, messages: List[Message]) -> List[Message]:
        """Check each message and override its intent when it carries a red flag."""
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip() or text.startswith("/"):
                continue  # button payloads say what was chosen, not what was typed
            verdict = self.assess(text)
            assessment: Assessment = verdict["assessment"]
            # Kept with the message: which layer decided, and what context set aside.
            message.set(CLASSIFIER_INTENT, dict(message.get(INTENT) or {}), add_to_output=True)
            message.set(TRIAGE, verdict["record"], add_to_output=True)
            if assessment.flagged:
                self._flag(message, assessment)
            else:
                self._review_classifier(message, assessment)
                if reads_as_other_language(text):
                    # No red flag the list can read: the reply gives the emergency number.
                    message.set(OTHER_LANGUAGE, True, add_to_output=True)
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
        for part in (SECOND_PART, MORE_PARTS):
            if message.get(part):
                message.set(part, None, add_to_output=True)
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
