"""The intent step: which intent a message has, and two things in one message.

The intent comes from a linear text classifier (TF-IDF words and characters,
logistic regression; :mod:`clinic_core.linear_text`) trained with DIET on the
same examples; DIET stays for the entities. The classifier also reads each
message's sentence vector from a pretrained encoder
(:mod:`clinic_core.sentence_encoder`; ``sentence_encoder: false`` leaves it
out), which knows that "fee" is about price though no example says so. On
the clinic's examples the linear classifier generalised better than DIET on
every figure of `make bench-nlu`, and the vector raised all of them again
(docs/performance.md, "NLU quality"). ``intent_model: diet`` gives DIET's
intent back, for comparison.

"my hip is swollen after kneeling in the garden, how much is a first visit?"
carries a condition and a question; "hi, do you do home visits?" a greeting
in front of a question. A classifier gives one intent per message, so this
subclass of the project's DIET (:mod:`rasa_extensions.fast_loading`) also
classifies the two sides of each place where a message can be cut in two:
after a comma or a sentence's end, before "and", "but", "also", and after the
first word or two (a greeting without a comma). The linear classifier reads
each side's text. DIET cannot featurize a side again (a graph component
cannot call the featurizers): its sides' features are the message's own
token features, sliced, and their sentence features are summed from those
(the word and character counts and the regex flags are per token, so the
sum is what the featurizers would give; measured in tests/test_multi_intent.py).

The best cut, if any, decides (docs/developers.md, "Two things in one message"):

* a greeting or thanks on one side and anything else on the other: the other
  side wins when the whole message was read as the greeting;
* a "yes" or "no" in front of a booking request ("yes, please book me in for
  Friday at 2"), when the whole message was read as the yes or no or is
  unsure: the request wins, and the yes or no is kept as ``opener`` in the
  parse data (with nothing in progress it is a request; at a question that
  expects yes or no, the forms read a "yes" opener as the answer);
* a question (``ask_*``) on one side and a different intent on the other:
  the message's intent becomes the other side's (or the first question's),
  and the question is kept as ``second_part`` in the parse data, which
  :class:`SecondPartRulePolicy` and ``action_answer_second_part`` answer.

The safety layer runs after this step and removes ``second_part`` when it
finds a red flag: then the emergency or urgent reply is the only answer.
"""

from __future__ import annotations

import logging
import re
import sys
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    DefinePrevUserUtteredFeaturization,
    Event,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH

from clinic_core.knowledge import load_conditions
from clinic_core.linear_text import LinearTextClassifier, word_and_character_features
from clinic_core.message_parts import (
    MORE_PARTS,
    NOT_AN_ANSWER,
    OPENER,
    SECOND_PART,
    SECOND_PART_ACTION,
    message_part,
)
from clinic_core.names import ANSWER_INTENT, CLINIC_QUESTION_INTENT, OTHER_SYMPTOM_INTENT
from clinic_core.questions import is_question, only_acknowledges
from clinic_core.sentence_encoder import STAMP_FILE, SentenceEncoder
from clinic_core.settings import SENTENCE_ENCODER_DIR
from clinic_core.spelling import SpellingNormaliser
from rasa_extensions import fingerprints
from rasa_extensions.fast_loading import FastLoadingDIETClassifier

logger = logging.getLogger(__name__)

TOKENS = "text_tokens"  # rasa.nlu.constants.TOKENS_NAMES[TEXT]
CUT_AFTER = re.compile(r"[,.?!;:]")
WORD = re.compile(r"\w")
CONJUNCTIONS = {"and", "but", "also", "plus", "&"}
# A day or time said as an answer, alone: "12:15 then", "tues at 3 pls", "half 4".
ANSWER_SHAPED = re.compile(
    r"^\W*(?:(?:on|at|for|then|ok|okay|yes|yeah)\s+)*(?:"
    r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?|(?:half|quarter)\s+(?:past\s+|to\s+)?\w+|noon|midday|"
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?|today|tomorrow"
    r")(?:\s+(?:at\s+)?\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?)?"
    r"(?:\s+(?:then|please|pls|is fine|works|would be good|ok|okay|thanks))*\W*$",
    re.IGNORECASE,
)
INTENT_MODEL_FILE = "intent_model.npz"
SPELLING_FILE = "spelling.json"
LEGACY_INTENT_MODEL_FILE = "intent_model.skops"  # models trained before linear_text.FORMAT
INTENT_MODELS = ("linear", "diet")


@dataclass(frozen=True)
class Cut:
    """A place to cut a message: the left side ends at ``left_end`` (token index)."""

    left_end: int
    right_start: int
    kind: str  # "mark" (comma, sentence end), "conjunction" or "lead" (after a first word)


@dataclass(frozen=True)
class Reading:
    """What one side of a cut was classified as."""

    intent: str
    confidence: float
    start: int  # characters in the message
    end: int
    words: int
    ranking: Tuple[Dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Decision:
    """What a message's cut means: the intent that answers it, and a second part."""

    kind: str  # "lead" (a greeting or thanks in front), "opener" (a yes) or "two"
    first: Reading
    second: Optional[Reading]
    score: float
    opener: Optional[Reading] = None
    more: Tuple[Reading, ...] = ()  # the third and later questions of a message asking several


def cuts(tokens: Sequence[Token], text: str, lead_words: int) -> List[Cut]:
    """Where a message can be cut in two, in token positions."""
    found: Dict[Tuple[int, int], Cut] = {}
    words = [t.text.lower() for t in tokens]
    for index in range(1, len(tokens)):
        between = text[tokens[index - 1].end : tokens[index].start]
        if CUT_AFTER.search(between) or CUT_AFTER.fullmatch(words[index - 1]):
            start = index + 1 if words[index] in CONJUNCTIONS else index
            if start < len(tokens):
                found[(index, start)] = Cut(index, start, "mark")
        elif words[index] in CONJUNCTIONS and index + 1 < len(tokens):
            found[(index, index + 1)] = Cut(index, index + 1, "conjunction")
    for index in range(1, min(lead_words, len(tokens) - 1) + 1):
        found.setdefault((index, index), Cut(index, index, "lead"))
    return list(found.values())


# Words that open a question: "and" before one joins two questions ("how much is it
# and do you do evenings and is there parking": audit 19 answered two of three).
QUESTION_OPENERS = frozenset(
    {"do", "does", "is", "are", "can", "could", "will", "would", "should", "what", "where",
     "when", "how", "who", "which", "have", "has"}
)  # fmt: skip


def _sentences(
    found: Sequence[Cut], length: int, words: Sequence[str] = ()
) -> List[Tuple[int, int]]:
    """The token spans between the commas, sentence ends and "and"s before a question word."""
    spans: List[Tuple[int, int]] = []
    start = 0
    joins_questions = [
        cut
        for cut in found
        if cut.kind == "conjunction"
        and cut.right_start < len(words)
        and words[cut.right_start] in QUESTION_OPENERS
    ]
    marks = [cut for cut in found if cut.kind == "mark"]
    for cut in sorted([*marks, *joins_questions], key=lambda c: c.left_end):
        spans.append((start, cut.left_end))
        start = cut.right_start
    spans.append((start, length))
    return [(begin, end) for begin, end in spans if end > begin]


def _sides(found: Sequence[Cut], length: int) -> List[Tuple[int, int]]:
    """The left and right token spans of each cut of a ``length``-token message."""
    spans: List[Tuple[int, int]] = []
    for cut in found:
        spans += [(0, cut.left_end), (cut.right_start, length)]
    return spans


def _span_text(message: Message, span: Tuple[int, int]) -> str:
    """The text of the tokens ``span`` (first, after last) of ``message``."""
    tokens: List[Token] = message.get(TOKENS)
    return str(message.get(TEXT) or "")[tokens[span[0]].start : tokens[span[1] - 1].end]


def _row(outputs: Dict[str, Any], row: int) -> Dict[str, Any]:
    """One message's part of a batch's output, nested dictionaries included."""

    def part(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: part(inner) for key, inner in value.items()}
        return value[row : row + 1] if isinstance(value, np.ndarray) else value

    return part(outputs)  # type: ignore[no-any-return]


class Slicer:
    """Token spans of one message as messages of their own, with the message's features.

    The message's sparse features are put side by side once, in the order the
    message holds them, which is how DIET combines them: each span then has one
    sequence and one sentence feature, and DIET has nothing left to combine.
    """

    def __init__(self, message: Message) -> None:
        """Prepare the message's text features for slicing (once per message)."""
        self.message = message
        sentences = {
            f.origin: f.features
            for f in message.features
            if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
        }
        self.origins: List[str] = []
        blocks: List[scipy.sparse.csr_matrix] = []
        # Columns of the side-by-side matrix that have a sentence feature, and
        # whether that sentence feature says "some token matched" (regex flags)
        # rather than counting (word and character counts add up over tokens).
        self.sentence_columns: List[Tuple[int, int, bool]] = []
        self.dense: List[Tuple[Any, Any, bool]] = []  # origin, rows, has sentence
        width = 0
        for feature in message.features:
            if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SEQUENCE:
                continue
            sentence = sentences.get(feature.origin)
            if not scipy.sparse.issparse(feature.features):
                self.dense.append(
                    (feature.origin, np.asarray(feature.features), sentence is not None)
                )
                continue
            rows = feature.features.tocsr()
            if sentence is not None:
                total = np.asarray(rows.sum(axis=0)).reshape(1, -1)
                reference = sentence.toarray() if scipy.sparse.issparse(sentence) else sentence
                flags = not np.allclose(total, reference) and np.allclose(
                    np.minimum(total, 1.0), reference
                )
                self.sentence_columns.append((width, width + rows.shape[1], bool(flags)))
            self.origins.append(feature.origin)
            blocks.append(rows)
            width += rows.shape[1]
        self.rows = scipy.sparse.hstack(blocks, format="csr") if blocks else None

    def span(self, start: int, end: int) -> Message:
        """The tokens ``start:end`` as a message, features sliced."""
        tokens: List[Token] = self.message.get(TOKENS)[start:end]
        text = self.message.get(TEXT)[tokens[0].start : tokens[-1].end]
        offset = tokens[0].start
        moved = [
            Token(t.text, t.start - offset, t.end - offset, dict(t.data), t.lemma) for t in tokens
        ]
        features: List[Features] = []
        if self.rows is not None:
            sliced = self.rows[start:end]
            features.append(Features(sliced.tocoo(), FEATURE_TYPE_SEQUENCE, TEXT, self.origins))
            if self.sentence_columns:
                total = np.asarray(sliced.sum(axis=0)).ravel()
                parts = [
                    np.minimum(total[first:last], 1.0) if flags else total[first:last]
                    for first, last, flags in self.sentence_columns
                ]
                sentence = scipy.sparse.coo_matrix(np.concatenate(parts).reshape(1, -1))
                features.append(Features(sentence, FEATURE_TYPE_SENTENCE, TEXT, self.origins))
        for origin, rows, has_sentence in self.dense:
            sliced = rows[start:end]
            features.append(Features(sliced, FEATURE_TYPE_SEQUENCE, TEXT, origin))
            if has_sentence:
                total = sliced.sum(axis=0).reshape(1, -1)
                features.append(Features(total, FEATURE_TYPE_SENTENCE, TEXT, origin))
        return Message(data={TEXT: text, TOKENS: moved}, features=features)


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class ClauseDIETClassifier(FastLoadingDIETClassifier):
    """The project's DIET, which also reads a greeting in front and a second question."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """DIET's options, and how sure each side of a cut must be."""
        return {
            **FastLoadingDIETClassifier.get_default_config(),
            # Which classifier gives the intent: "linear" or DIET's own ("diet").
            "intent_model": "linear",
            # The linear classifier's C: less regularised gives confidences as
            # peaked as DIET's, which the thresholds below were set for.
            "linear_regularisation": 100.0,
            # Read each message's sentence vector beside the word and
            # character counts, and how much it counts against them.
            "sentence_encoder": True,
            "sentence_weight": 1.0,
            # Put misspelt words right before the classifier reads a message
            # (clinic_core/spelling.py); DIET's entities read it as typed.
            "spelling": True,
            # A message the linear classifier is unsure of (its top intent under
            # this, or the next one within ``family_margin``) whose conditions of
            # one family (clinic/conditions.yml) add up to at least this and to
            # more than its top intent: it is that family's pain not yet narrowed
            # down ("burning in my spine when I play sports": some back pain, but
            # which?). The same figures as the fallback step's.
            "family_threshold": 0.3,
            "family_margin": 0.05,
            # Intents that only greet or thank: the rest of the message wins.
            "lead_intents": ["greet", "thank"],
            # A "yes", a "no" or a self-introduction ("Hello, this is Ella
            # Castillo (07911 200005).") in front of one of these requests:
            # the request wins (the booking form reads the name and number).
            "opener_intents": ["affirm", "deny", "inform"],
            # A "yes" made only of words that take in what was said ("right ok")
            # in front of a question: the question alone.
            "acknowledgement_intents": ["affirm"],
            "opener_requests": r"^(book|cancel|reschedule|check)_appointment$",
            # Intents answered as a second part (action_answer_second_part).
            "second_part_intents": r"^ask_",
            # Questions that, after a complaint, are part of it ("i keep getting
            # migraines, can you help"): the complaint's answer covers them.
            "complaint_questions": ["ask_effectiveness"],
            # At a bare "and" (no comma), cut only between two requests.
            "conjunction_parts": r"^(ask_|book_appointment$)",
            # How sure the classifier must be of each side of a cut.
            # (0.6 with word counts alone; the sentence vector reads short sides
            # more surely, and at 0.6 it cut 3 of 62 single requests in two.)
            "part_threshold": 0.8,
            "lead_threshold": 0.8,
            # A greeting without a comma: try cuts after the first words.
            "lead_words": 2,
            # Below this confidence the whole message is unsure ("hello, how
            # much is a session?" split between two questions): a greeting or
            # thanks on one side of a cut is looked for as if it had won.
            "unsure_below": 0.5,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """DIET's set-up; no message read yet."""
        super().__init__(*args, **kwargs)
        if self.component_config["intent_model"] not in INTENT_MODELS:
            raise ValueError(f"ClauseDIETClassifier: intent_model must be one of {INTENT_MODELS}")
        # DIET's output for the message being processed, read in one batch with
        # the sides of its cuts (see :meth:`_predict`).
        self._read_with_cuts: Optional[Tuple[Message, Dict[str, Any]]] = None
        # The linear intent classifier, once trained or loaded, and the
        # sentence encoder it reads.
        self.intent_model: Optional[LinearTextClassifier] = None
        self.encoder: Optional[SentenceEncoder] = None
        self.spelling: Optional[SpellingNormaliser] = None
        # General pains and their families' conditions (clinic/conditions.yml).
        self.families: Dict[str, List[str]] = load_conditions().families() if self._linear else {}

    @property
    def _linear(self) -> bool:
        return self.component_config["intent_model"] == "linear"

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Retrain when this step's code, the classifier's or the encoder's build change."""
        from rasa_extensions import fast_loading

        return fingerprints.digest(
            [sys.modules[__name__], fast_loading, *fingerprints.trained_modules()],
            [SENTENCE_ENCODER_DIR / STAMP_FILE] if config.get("sentence_encoder") else [],
        )

    @property
    def _reads_vectors(self) -> bool:
        return self._linear and bool(self.component_config["sentence_encoder"])

    def train(self, training_data: TrainingData) -> Resource:
        """The linear intent classifier (seconds), then DIET, which saves both."""
        if self._linear and self.component_config.get("intent_classification", True):
            examples = [m for m in training_data.intent_examples if m.get(TEXT)]
            texts = [str(m.get(TEXT)) for m in examples]
            if self.component_config["spelling"]:
                self.spelling = SpellingNormaliser.from_texts(texts)
                texts = [self.spelling.normalise(text) for text in texts]
            vectors = None
            if self._reads_vectors:
                self.encoder = SentenceEncoder(SENTENCE_ENCODER_DIR)
                vectors = self.encoder.encode(texts)
            self.intent_model = LinearTextClassifier.fit(
                texts,
                [str(m.get(INTENT)) for m in examples],
                word_and_character_features(),
                float(self.component_config["linear_regularisation"]),
                vectors=vectors,
                vector_weight=float(self.component_config["sentence_weight"]),
            )
            logger.info("Linear intent classifier trained on %d examples", len(examples))
        return super().train(training_data)  # type: ignore[no-any-return]

    def persist(self) -> None:
        """DIET's files, the linear intent classifier's and the encoder it reads."""
        super().persist()
        if self.intent_model is not None:
            with self._model_storage.write_to(self._resource) as directory:
                self.intent_model.save(directory / INTENT_MODEL_FILE)
                if self.spelling is not None:
                    self.spelling.save(directory / SPELLING_FILE)
                if self.encoder is not None:
                    # The model carries its encoder: it reads as it was trained.
                    self.encoder.copy_to(directory)

    @classmethod
    def _load(  # type: ignore[override]
        cls,
        model_path: Path,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ClauseDIETClassifier:
        """DIET as saved, and the linear intent classifier saved with it.

        Raises:
            RuntimeError: the linear classifier is configured but missing or
                unreadable (DIET's ``load`` would turn a ValueError into an
                untrained component that reads nothing).

        """
        component: ClauseDIETClassifier = super()._load(
            model_path, config, model_storage, resource, execution_context
        )
        if component._linear and component.component_config.get("intent_classification", True):
            path = model_path / INTENT_MODEL_FILE
            if not path.exists() and (model_path / LEGACY_INTENT_MODEL_FILE).exists():
                path = model_path / LEGACY_INTENT_MODEL_FILE
            try:
                component.intent_model = LinearTextClassifier.load(path)
                if component.intent_model.vector_size:
                    component.encoder = SentenceEncoder(model_path)
                if (model_path / SPELLING_FILE).exists():
                    component.spelling = SpellingNormaliser.load(model_path / SPELLING_FILE)
            except (OSError, ValueError) as error:
                raise RuntimeError(f"{path}: retrain the model ({error})") from error
        return component

    def process(self, messages: List[Message]) -> List[Message]:
        """The intent of the whole message and of the sides of its cuts; DIET's entities."""
        if self.model is None or not self.component_config.get("intent_classification", True):
            return super().process(messages)
        for message in messages:
            self._process_one(message)
        return messages

    def _labels(self, texts: List[str]) -> List[Tuple[Dict[str, Any], List[Dict[str, Any]]]]:
        """The linear classifier's intent and ranking for each text, as DIET gives them."""
        if self.intent_model is None:
            raise RuntimeError("the linear intent classifier is not trained")
        if self.spelling is not None:
            texts = [self.spelling.normalise(text) for text in texts]
        if self.encoder is None:
            return [self._label(text, None) for text in texts]
        vectors = self.encoder.encode(texts)
        return [self._label(text, vector) for text, vector in zip(texts, vectors, strict=True)]

    def _label(
        self, text: str, vector: Optional[np.ndarray]
    ) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
        assert self.intent_model is not None  # checked by _labels
        probabilities = self._by_family(self.intent_model.probabilities(text, vector))
        if text.strip() and all(unicodedata.category(ch)[0] in "PZ" for ch in text):
            # "?" or "..." says no intent (audit 19: "?" read as a yes, "Glad to help");
            # with no confidence, the fallback asks what was meant.
            probabilities = {name: 0.0 for name in probabilities}
        ranked = sorted(probabilities.items(), key=lambda item: -item[1])
        ranking = [
            {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
            for name, confidence in ranked[: self.component_config[RANKING_LENGTH]]
        ]
        return dict(ranking[0]), ranking

    def _by_family(self, probabilities: Dict[str, float]) -> Dict[str, float]:
        """``probabilities``, with an unsure message given to its family's general pain."""
        config = self.component_config
        first, second = sorted(probabilities.values(), reverse=True)[:2]
        if first >= config["family_threshold"] and first - second >= config["family_margin"]:
            return probabilities
        totals = {
            general: sum(probabilities.get(member, 0.0) for member in members)
            for general, members in self.families.items()
        }
        general, total = max(totals.items(), key=lambda item: item[1], default=("", 0.0))
        if total < config["family_threshold"] or total <= first:
            return probabilities
        return {**probabilities, general: total}

    def _process_one(self, message: Message) -> None:
        """Read one message, then decide on its best cut."""
        text = message.get(TEXT) or ""
        tokens: List[Token] = message.get(TOKENS) or []
        found = (
            []
            if len(tokens) < 2 or text.startswith("/")
            else cuts(tokens, text, self.component_config["lead_words"])
        )
        # Cuts after a first word matter only when a greeting took the whole
        # message or it is unsure; they are read in a second batch, then only.
        inner = [cut for cut in found if cut.kind != "lead"]
        spans = _sides(inner, len(tokens))
        slicer: Optional[Slicer] = None
        if self.intent_model is not None:
            super().process([message])  # DIET's entities; its intent is replaced
            # The message and the sides of its cuts, encoded in one batch.
            labelled = self._labels([text] + [_span_text(message, span) for span in spans])
            label, ranking = labelled[0]
            message.set(INTENT, label, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            readings = [
                self._reading(tokens, span, *read)
                for span, read in zip(spans, labelled[1:], strict=True)
            ]
        else:
            slicer = Slicer(message) if inner else None
            outputs = self._infer(
                [message] + [slicer.span(*span) for span in spans] if slicer else [message]
            )
            if outputs is None:
                super().process([message])
                return
            self._read_with_cuts = (message, _row(outputs, 0))
            try:
                super().process([message])
            finally:
                self._read_with_cuts = None
            readings = self._readings(message, spans, outputs, first_row=1)
        intent = message.get(INTENT) or {}
        led = intent.get(INTENT_NAME_KEY) in self.component_config["lead_intents"]
        unsure = intent.get(PREDICTED_CONFIDENCE_KEY, 0.0) < self.component_config["unsure_below"]
        opened = intent.get(INTENT_NAME_KEY) in self.component_config["opener_intents"]
        candidates = inner
        leads = [cut for cut in found if cut.kind == "lead"]
        if (led or unsure or opened) and leads:
            readings += self.read_spans(message, _sides(leads, len(tokens)), slicer)
            candidates = inner + leads
        decision = self.decide(
            candidates, readings, led, unsure, opened
        ) or self.answer_then_question(text, inner, readings)
        if (
            decision is not None
            and decision.kind == "two"
            and decision.second is not None
            and decision.first.intent in self.component_config["acknowledgement_intents"]
            and only_acknowledges(text[decision.first.start : decision.first.end])
        ):
            # "right ok. and is the acupuncturist registered?": the question alone, so
            # an offer's "ok" does not start a booking (audit 23) nor confirm a summary.
            decision = Decision("lead", decision.second, None, decision.score)
        several = self.several_questions(message, inner, slicer)
        if several is not None:
            decision = several
        if decision is not None:
            self.apply(message, decision)

    def _predict(self, message: Message) -> Optional[Dict[str, Any]]:
        """DIET's output for ``message``, already read with its cuts when it was."""
        if self._read_with_cuts is not None and self._read_with_cuts[0] is message:
            return self._read_with_cuts[1]
        return super()._predict(message)  # type: ignore[no-any-return]

    def _infer(self, batch: List[Message]) -> Optional[Dict[str, Any]]:
        """DIET's raw output for a batch of messages, or None if nothing to read."""
        if self.model is None or not batch:
            return None
        model_data = self._create_model_data(batch, training=False)
        if model_data.is_empty():
            return None
        return self.model.run_inference(model_data, batch_size=len(batch))  # type: ignore[no-any-return]

    def read_spans(
        self, message: Message, spans: List[Tuple[int, int]], slicer: Optional[Slicer] = None
    ) -> List[Reading]:
        """The intent of each token span of ``message`` (DIET's in one batch)."""
        if not spans:
            return []
        if self.intent_model is not None:
            tokens: List[Token] = message.get(TOKENS)
            labels = self._labels([_span_text(message, span) for span in spans])
            return [
                self._reading(tokens, span, label, ranking)
                for span, (label, ranking) in zip(spans, labels, strict=True)
            ]
        slicer = slicer or Slicer(message)
        outputs = self._infer([slicer.span(*span) for span in spans])
        return [] if outputs is None else self._readings(message, spans, outputs, first_row=0)

    @staticmethod
    def _reading(
        tokens: List[Token],
        span: Tuple[int, int],
        label: Dict[str, Any],
        ranking: List[Dict[str, Any]],
    ) -> Reading:
        """A span's reading from the classifier's label and ranking."""
        start, end = span
        return Reading(
            str(label[INTENT_NAME_KEY]),
            float(label[PREDICTED_CONFIDENCE_KEY]),
            tokens[start].start,
            tokens[end - 1].end,
            sum(1 for t in tokens[start:end] if WORD.search(t.text)),
            tuple(ranking),
        )

    def _readings(
        self,
        message: Message,
        spans: List[Tuple[int, int]],
        outputs: Dict[str, Any],
        first_row: int,
    ) -> List[Reading]:
        """What DIET read on each token span, from rows of a batch's output."""
        tokens: List[Token] = message.get(TOKENS)
        readings = []
        for row, span in enumerate(spans, start=first_row):
            label, ranking = self._predict_label({"i_scores": outputs["i_scores"][row : row + 1]})
            readings.append(self._reading(tokens, span, label, ranking))
        return readings

    def decide(
        self,
        candidates: List[Cut],
        readings: List[Reading],
        led: bool,
        unsure: bool = False,
        opened: bool = False,
    ) -> Optional[Decision]:
        """The best of the cuts (each read as its two sides), or None to leave DIET's reading.

        Args:
            candidates: the cuts, in the order of ``readings`` (two readings each).
            readings: DIET's reading of each cut's left and right side.
            led: whether the whole message was read as a greeting or thanks.
            unsure: whether the whole message's reading is unsure.
            opened: whether the whole message was read as a yes or a no.

        """
        best: Optional[Decision] = None
        for number, cut in enumerate(candidates):
            left, right = readings[2 * number], readings[2 * number + 1]
            if opened:
                # "yes, and how much is it?": a yes and a question are still two parts.
                decision = self._opener(left, right) or self._two(left, right, cut.kind)
            elif led:
                decision = self._lead(left, right)
            else:
                decision = self._two(left, right, cut.kind)
            if decision is None and unsure:
                decision = self._lead(left, right) or self._opener(left, right)
            if decision and (best is None or decision.score > best.score):
                best = decision
        return best

    def answer_then_question(
        self, text: str, candidates: List[Cut], readings: List[Reading]
    ) -> Optional[Decision]:
        """A day or time said as an answer, then a question: two parts.

        "12:15 then. is there somewhere to park?" is read whole as the
        question, and its first sentence, too short to be read surely, as
        nothing: the booking form took the time and the question went
        unanswered (audit 13). The answer is the first part (``inform``, which
        a form reads for itself), the question the second.
        """
        second_kind = re.compile(self.component_config["second_part_intents"])
        for number, cut in enumerate(candidates):
            left, right = readings[2 * number], readings[2 * number + 1]
            if (
                cut.kind == "mark"
                and ANSWER_SHAPED.match(text[left.start : left.end])
                and second_kind.search(right.intent)
                and self._sure(right) >= self.component_config["part_threshold"]
            ):
                answer = {INTENT_NAME_KEY: ANSWER_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                first = Reading(
                    ANSWER_INTENT, 1.0, left.start, left.end, left.words, ranking=(answer,)
                )
                return Decision("two", first, right, self._sure(right))
        return None

    def several_questions(
        self, message: Message, inner: List[Cut], slicer: Optional[Slicer]
    ) -> Optional[Decision]:
        """Several questions, a sentence or a comma apart, each read alone.

        "where abouts are you, do i need a referral from my gp, do you take bupa,
        and can my husband sit in with me?": no cut in two leaves a side that
        asks one thing, so all but two went unanswered (audit 18). Each part is
        read alone. A part is a question when it is read surely as one, or is
        worded as one (then, if it was read as something else, as a question
        about the clinic, which the practical answers or the clinic's number
        answer). With three questions, or a request or complaint and two
        questions, the first is the message's intent, the next its
        ``SECOND_PART`` and the rest ``MORE_PARTS``. A complaint may be told in
        several parts, anywhere among the questions ("... my GP said it's
        mechanical back pain. I've got BUPA, do you take that? Also is there
        parking and do I have to get undressed? I'm a bit shy!": audit 20
        answered one of three). Greetings, thanks, parts of a word or two and
        parts read unsurely that ask nothing are left out; two different
        requests or complaints leave the cut in two to decide.
        """
        config = self.component_config
        tokens: List[Token] = message.get(TOKENS) or []
        spans = _sentences(inner, len(tokens), [token.text.lower() for token in tokens])
        if len(spans) < 3:
            return None
        asks = re.compile(config["second_part_intents"])
        text = message.get(TEXT) or ""
        parts: List[Tuple[bool, Reading]] = []  # (a question, its reading)
        for reading in self._joined_where_unsure(message, spans, slicer):
            sure = self._sure(reading) >= config["part_threshold"]
            if reading.intent in config["lead_intents"] or reading.words <= 2:
                continue
            if asks.search(reading.intent) and sure:
                parts.append((True, reading))
            elif sure:  # a request or a complaint: "can i book for tuesday?" is no clinic question
                parts.append((False, reading))
            elif is_question(text[reading.start : reading.end]) and asks.search(reading.intent):
                # worded as a question and read, unsurely, as one: "do you do evenings"
                # (audit 19 gave it the clinic's number)
                parts.append((True, reading))
            elif is_question(text[reading.start : reading.end]):
                clinic = {INTENT_NAME_KEY: CLINIC_QUESTION_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                asked = replace(reading, intent=CLINIC_QUESTION_INTENT, ranking=(clinic,))
                parts.append((True, asked))
            # else chatter, left out: "long story, bear with me", "I'm a bit shy!"
        statements = [reading for question, reading in parts if not question]
        if any(reading.intent != ANSWER_INTENT for reading in statements):
            # "I'm 52", "I'm a bit shy!" beside a complaint: no answer to a form's question
            statements = [reading for reading in statements if reading.intent != ANSWER_INTENT]
        asked_parts = [reading for question, reading in parts if question]
        if len(asked_parts) < (2 if statements else 3):
            return None
        if statements and not self._one_complaint(statements):
            return None
        if statements:  # the complaint first, told once or more, wherever it was told
            # "My hip has been playing up ... The physio thinks it's arthritis.": the
            # pain named most narrowly
            told = [reading for reading in statements if reading.intent != OTHER_SYMPTOM_INTENT]
            narrow = [reading for reading in told if reading.intent not in self.families]
            first, questions = (narrow or told or statements)[0], asked_parts
        else:
            first, questions = asked_parts[0], asked_parts[1:]
        if statements:
            # "does acupuncture work for it?" after a complaint: its answer covers that.
            covered = set(config["complaint_questions"])
            questions = [reading for reading in questions if reading.intent not in covered]
        if not questions:
            return None
        second, *more = questions
        return Decision("several", first, second, self._sure(first), more=tuple(more))

    def _joined_where_unsure(
        self, message: Message, spans: List[Tuple[int, int]], slicer: Optional[Slicer]
    ) -> List[Reading]:
        """Each span's reading; an unsure question read again with the unsure part before it.

        "I've got BUPA, do you take that?": neither side says alone what is
        asked ("do you take that?" was read as why acupuncture works), together
        they ask about insurance.
        """
        config = self.component_config
        text = message.get(TEXT) or ""
        readings = self.read_spans(message, spans, slicer)

        def unsure(reading: Reading) -> bool:
            return self._sure(reading) < config["part_threshold"]

        pairs = [
            number
            for number in range(1, len(readings))
            if unsure(readings[number])
            and unsure(readings[number - 1])
            and is_question(text[readings[number].start : readings[number].end])
            and not is_question(text[readings[number - 1].start : readings[number - 1].end])
        ]
        if not pairs:
            return readings
        joined = [(spans[number - 1][0], spans[number][1]) for number in pairs]
        dropped = set()
        asks = re.compile(config["second_part_intents"])
        for number, reading in zip(pairs, self.read_spans(message, joined, slicer), strict=True):
            alone = max(self._sure(readings[number]), self._sure(readings[number - 1]))
            if asks.search(reading.intent) and self._sure(reading) > alone:
                readings[number] = reading
                dropped.add(number - 1)
        return [reading for number, reading in enumerate(readings) if number not in dropped]

    def _one_complaint(self, statements: List[Reading]) -> bool:
        """Whether ``statements`` tell one thing: one request, or pains of one family.

        "had lower back trouble since my 30s ... my GP said it's mechanical back
        pain": one complaint told twice (audit 20 dropped the questions after it).
        """
        if len({reading.intent for reading in statements}) == 1:
            return True
        # "...it's worse after long walks." beside the hip: how that pain behaves
        told = [reading for reading in statements if reading.intent != OTHER_SYMPTOM_INTENT]
        return any(
            all(reading.intent in members or reading.intent == general for reading in told)
            for general, members in self.families.items()
        )

    def _lead(self, left: Reading, right: Reading) -> Optional[Decision]:
        """A greeting or thanks on one side of the cut and a request on the other."""
        config = self.component_config
        leads = set(config["lead_intents"])
        if (left.intent in leads) == (right.intent in leads):
            return None
        social, other = (left, right) if left.intent in leads else (right, left)
        if (
            social.confidence < config["lead_threshold"]
            or other.confidence < config["part_threshold"]
            or other.words < 2
        ):
            return None
        return Decision("lead", other, None, min(social.confidence, other.confidence))

    def _opener(self, left: Reading, right: Reading) -> Optional[Decision]:
        """A "yes" on the left of the cut and a booking request on the right."""
        config = self.component_config
        if (
            left.intent not in config["opener_intents"]
            or not re.search(config["opener_requests"], right.intent)
            or left.confidence < config["lead_threshold"]
            or right.confidence < config["part_threshold"]
            or right.words < 2
        ):
            return None
        score = min(left.confidence, right.confidence)
        return Decision("opener", right, None, score, opener=left)

    def _two(self, left: Reading, right: Reading, kind: str) -> Optional[Decision]:
        """Two different things, one of them a question, on the two sides of the cut."""
        config = self.component_config
        if kind == "lead" or left.intent == right.intent:
            return None
        if {left.intent, right.intent} & set(config["lead_intents"]):
            return None
        sure = min(self._sure(left), self._sure(right))
        if sure < config["part_threshold"]:
            return None
        request = re.compile(config["conjunction_parts"])
        # "for the hip and the lower back": at a bare "and", both sides must be requests.
        both_requests = request.search(left.intent) and request.search(right.intent)
        if kind == "conjunction" and not both_requests:
            return None
        second_kind = re.compile(config["second_part_intents"])
        asks = [r for r in (left, right) if second_kind.search(r.intent)]
        if not asks:
            return None
        second = asks[-1]
        first = left if second is right else right
        if second.intent in config["complaint_questions"] and not (
            second_kind.search(first.intent) or request.search(first.intent)
        ):
            return None
        return Decision("two", first, second, sure)

    def _sure(self, reading: Reading) -> float:
        """How sure a side's reading is, a pain's family counted as one.

        "my hip hurts when I climb stairs" may be bursitis or arthritis, but it
        surely is about the hip: as one of two parts, which hip condition does
        not matter (the condition's own reply narrows it down). A question the
        complaint's reply covers counts with it: "lower back pain for months,
        does acupuncture work for it?" is the complaint, however the classifier
        shares it between the two.
        """
        covered = set(self.component_config["complaint_questions"])
        for members in self.families.values():
            if reading.intent in members:
                return sum(
                    float(item[PREDICTED_CONFIDENCE_KEY])
                    for item in reading.ranking
                    if item[INTENT_NAME_KEY] in members or item[INTENT_NAME_KEY] in covered
                )
        return reading.confidence

    def apply(self, message: Message, decision: Decision) -> None:
        """Set the message's intent to the decision's first part, and keep the second."""
        intent = message.get(INTENT) or {}
        first = decision.first
        # The part's reading replaces the message's when it is another intent, or
        # the same one read with more confidence (the greeting made it unsure).
        if intent.get(INTENT_NAME_KEY) != first.intent or first.confidence > intent.get(
            PREDICTED_CONFIDENCE_KEY, 0.0
        ):
            # The part's own reading, ranking included (the fallback step reads it).
            chosen = {INTENT_NAME_KEY: first.intent, PREDICTED_CONFIDENCE_KEY: first.confidence}
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, list(first.ranking), add_to_output=True)
        if decision.opener is not None:
            opener = decision.opener
            message.set(
                OPENER,
                {INTENT_NAME_KEY: opener.intent, PREDICTED_CONFIDENCE_KEY: opener.confidence},
                add_to_output=True,
            )
        text = message.get(TEXT) or ""
        if decision.second is not None:
            message.set(SECOND_PART, _part(decision.second, text), add_to_output=True)
        if decision.more:
            more = [_part(reading, text) for reading in decision.more]
            message.set(MORE_PARTS, more, add_to_output=True)
        logger.debug("Clauses: %s -> %s, %s", decision.kind, first.intent, decision.second)


def _part(reading: Reading, text: str) -> Dict[str, Any]:
    """A part of a message as the parse data keeps it (``SECOND_PART``, ``MORE_PARTS``)."""
    return message_part(reading.intent, reading.confidence, text, reading.start, reading.end)


def _answered_events(tracker: DialogueStateTracker) -> List[Event]:
    """The tracker's events without the second-part answers (and what they uttered).

    An answer given right after a form rejected the message was given instead of
    the rules' "Sorry, I didn't get that", so the rules see that reply there.
    """
    events: List[Event] = []
    hiding = False
    for event in tracker.events:
        if isinstance(event, ActionExecuted):
            hiding = event.action_name == SECOND_PART_ACTION
            if hiding and _just_rejected(events):
                events.append(ActionExecuted(NOT_AN_ANSWER, timestamp=event.timestamp))
        elif isinstance(event, UserUttered):
            hiding = False
        if hiding:
            continue
        events.append(event)
    return events


def _just_rejected(events: Sequence[Event]) -> bool:
    """Whether the latest action in ``events`` was a form rejecting the message."""
    for event in reversed(events):
        if isinstance(event, DefinePrevUserUtteredFeaturization):
            continue  # logged by Rasa between the rejection and the next prediction
        return isinstance(event, ActionExecutionRejected)
    return False


def second_part_pending(tracker: DialogueStateTracker) -> bool:
    """Whether the latest message has a second part not answered yet."""
    latest = tracker.latest_message
    if latest is None or not latest.parse_data.get(SECOND_PART):  # type: ignore[misc]
        return False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted) and event.action_name == SECOND_PART_ACTION:
            return False
    return True


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class SecondPartRulePolicy(RulePolicy):
    """Rasa's RulePolicy that answers a message's second part before listening or asking.

    The rules see the conversation as if the second-part answers were not in
    it, so every existing rule (the booking offer after an explanation, a
    question inside a form, then the form asks again) still applies. The
    second part is answered just before the first step that waits for the
    patient: listening, or a form asking its question (an active form first
    reads the message itself, since it does so only right after listening).
    """

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """The rules' prediction, with the second part answered first when it is due."""
        pending = second_part_pending(tracker)
        seen = _answered_events(tracker)
        view = tracker
        if len(seen) != len(tracker.events):
            view = DialogueStateTracker.from_events(
                tracker.sender_id, seen, domain.slots, sender_source=tracker.sender_source
            )
        prediction = super().predict_action_probabilities(view, domain, rule_only_data, **kwargs)
        actions = domain.action_names_or_texts
        if not pending or SECOND_PART_ACTION not in actions or max(prediction.probabilities) <= 0:
            return prediction
        predicted = actions[int(np.argmax(prediction.probabilities))]
        answers_instead = predicted == NOT_AN_ANSWER and _just_rejected(list(view.events))
        if (
            predicted != ACTION_LISTEN_NAME
            and predicted not in domain.form_names
            and not answers_instead
        ):
            return prediction
        if predicted == view.active_loop_name and view.latest_action_name == ACTION_LISTEN_NAME:
            # An active form reads the fresh message first (only right after
            # listening): it may take it as an answer or reject it to the rules.
            return prediction
        # The rules' own events come again with their action, on the next call.
        probabilities = [0.0] * len(prediction.probabilities)
        probabilities[actions.index(SECOND_PART_ACTION)] = 1.0
        return self._prediction(probabilities)
