"""A red flag told over two messages: the policy that reads them together.

The NLU step (:mod:`rasa_extensions.red_flags`) reads one message at a time,
so "my left leg has gone numb" and then "now the right one is going too" are
each routine. After every patient message this policy reads the previous
message and the latest one together with the red-flag list; when it finds a
red flag whose words span both (not one message's own words read in new
company), it answers with that level's action (``Level.action``), ends an open form,
and adds the concept to the latest message's entities so the action and
staff see what matched. For that turn it outranks every other policy,
including a form's own next question.

A red flag in one message inside a form is this policy's too. Rasa runs an
active form on every message before any rule, and the form is rejected (so
that the safety rules answer) only when it took nothing from the message: a
red flag that also names a condition, a day or a time ("my sciatica is in
both legs now and I can't pee, since Friday") was read at the summary as a
correction, and the emergency got the summary again. The policy answers
with the level's action before the form reads the message, then ends the
form.

A message the NLU step read as another language (``OTHER_LANGUAGE`` in the
parse data, :mod:`clinic_core.language`) gets ``action_other_language``, the
emergency number in English, in a form too; the form then asks again.

Only the list decides here: the learned screen is fitted on single messages.
The second message must read as the rest of the first: it comes within
``burst_seconds`` (typed in a burst, before the answer was read) or starts as
a continuation ("and...", "now...", "also..."), within ``window_seconds``.
Read over any two messages, the list raised an alarm on about one pair of
ordinary messages in a hundred (docs/clinic.md); these conditions keep it
to reports told in pieces.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from rasa.core.constants import POLICY_PRIORITY
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import (
    ACTION_DEACTIVATE_LOOP_NAME,
    ACTION_LISTEN_NAME,
    REQUESTED_SLOT,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, EntitiesAdded, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinic_core.language import answers_with_a_name
from clinic_core.message_parts import OTHER_LANGUAGE, TRIAGE
from clinic_core.names import (
    ANSWER_INTENT,
    BOOKING_INTENT,
    CANCEL_INTENT,
    CLINIC_QUESTION_INTENT,
    HANDOFF_INTENT,
    OTHER_LANGUAGE_ACTION,
    RED_FLAG_REMINDER_ACTION,
    RED_FLAG_WHAT_IF_ACTION,
    STILL_REMINDED_INTENTS,
)
from clinic_core.red_flag_screen import SCREEN_CONCEPT
from clinic_core.red_flags import RED_FLAG_ENTITY, Finding, RedFlagDetector, shared_detector
from rasa_extensions.stateless_policy import StatelessPolicy

logger = logging.getLogger(__name__)

# Intents of a message saying the patient has been seen that ask nothing else of
# the assistant: a booking, a move or an answer goes ahead instead.
# ("the gp squeezed me in, she said its a chest infection" was a question no topic answers).
SEEN_ACKNOWLEDGED_INTENTS = (
    frozenset(STILL_REMINDED_INTENTS) | {CLINIC_QUESTION_INTENT, "affirm", "deny", "thank"}
) - {BOOKING_INTENT, ANSWER_INTENT, "reschedule_appointment"}
# "please cancel the 19th", not "should I cancel?" (a question about the appointment).
ASKED_TO_CANCEL = re.compile(
    r"^(?!.*(\?|\b(should|shall|do|must) (i|we)\b|\bneed to\b)).*\bcancel", re.I | re.S
)
JOIN = ". "  # the two messages become two clauses: negation and time stay in their own
CONTINUATION = re.compile(
    r"^\W*(and|also|plus|now|update|oh and|but now|as well|too|both|it'?s now|still)\b", re.I
)


@dataclass(frozen=True)
class SinceRedFlag:
    """What the patient's messages since the last red-flag reply say."""

    latest: str
    intent: Optional[str]
    count: int  # patient messages since the reply (1: the latest is the next one)
    recent: bool  # within ``reminder_messages`` and ``reminder_seconds``
    seen: bool  # the latest says a doctor or 111 has seen the patient
    help_coming_before: bool  # an earlier one said help is on its way
    help_coming_now: bool
    safe_now: bool  # the latest says the patient is safe ("the ambulance took him")
    safe_before: bool


# After a red-flag reply, what the patient says -> whether the advice (or, for
# help on its way and being seen, its acknowledgement) comes again. Read top to
# bottom: the first rule that applies decides.
Rule = Tuple[str, Callable[[SinceRedFlag], bool], Callable[[SinceRedFlag], bool]]
REMINDER_RULES: Tuple[Rule, ...] = (
    (
        # "taking him to a&e now. please cancel the 19th" (audit 17 put it off three
        # times); "ok. please just cancel my appointment then so someone else can have
        # it" (audit 19 gave the advice again, then cancelled at the next ask)
        "a cancellation asked for: it goes ahead, freeing the time is harmless",
        lambda said: said.intent == CANCEL_INTENT and bool(ASKED_TO_CANCEL.search(said.latest)),
        lambda said: False,
    ),
    (
        # "i HAVE been checked. the doctor saw me today" (audit 18 said the assistant
        # only covers hip and back pain); a booking or a move goes ahead instead.
        "seen, with nothing else to answer: acknowledged",
        lambda said: said.seen and said.intent in SEEN_ACKNOWLEDGED_INTENTS,
        lambda said: True,
    ),
    (
        "help was on its way and the patient is now safe: the conversation goes on",
        lambda said: said.help_coming_before and (said.safe_now or said.safe_before),
        lambda said: False,
    ),
    (
        # audit 16 booked a man on his way to hospital with tearing pain through to his chest
        "help was on its way: a new booking waits until the patient has been seen",
        lambda said: said.help_coming_before,
        lambda said: said.recent and said.intent in (BOOKING_INTENT, ANSWER_INTENT),
    ),
    (
        # "the ambulance is on its way, should I cancel?" (audit 8)
        "help on its way: acknowledged, without the advice again",
        lambda said: said.help_coming_now and not said.safe_now,
        lambda said: said.count == 1 or said.recent,
    ),
    (
        "safe now: the conversation goes on",
        lambda said: said.safe_now or said.safe_before,
        lambda said: False,
    ),
    ("the next message: always", lambda said: said.count == 1, lambda said: True),
    (
        "a few messages later: a booking, or what the assistant does not answer",
        lambda said: True,
        lambda said: said.recent and said.intent in STILL_REMINDED_INTENTS,
    ),
)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class RedFlagFollowUpPolicy(StatelessPolicy):
    """Answers a red flag spread over the last two messages, or told inside a form."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Above RulePolicy (6); the same files as the NLU step."""
        return {
            POLICY_PRIORITY: 7,
            "red_flags": None,  # None: clinic/red_flags.yml (CLINIC_DATA_DIR moves it)
            "spacy_pipeline": ".spacy/en_clinic",
            "window_seconds": 900,
            "burst_seconds": 60,
            # After a red-flag reply: the next message always gets the advice again;
            # the few after it, within the time, when they ask to book or are not
            # questions the assistant answers (clinic_core.names.STILL_REMINDED_INTENTS).
            "reminder_messages": 4,
            "reminder_seconds": 1800,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        """Build the detector lazily: training does not need it."""
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self._detector: Optional[RedFlagDetector] = None

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RedFlagFollowUpPolicy:
        """Nothing was learned; the detector is built now, not at the first message."""
        policy = super().load(config, model_storage, resource, execution_context)
        _ = policy.detector
        return policy

    @property
    def detector(self) -> RedFlagDetector:
        """The red-flag list and its ConText rules (about 3 s to build)."""
        if self._detector is None:
            self._detector = shared_detector(
                self.config.get("red_flags"), self.config["spacy_pipeline"]
            )
        return self._detector

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """The level's action for a red flag it answers, then the way out of any form."""
        probabilities = self._default_predictions(domain)
        decision = self.decide(tracker)
        if decision is None:
            return self._prediction(probabilities)
        action, events = decision
        probabilities[domain.index_for_action(action)] = 1.0
        # A "no user" prediction: like a form's own next step, it beats the rules.
        return self._prediction(probabilities, optional_events=events, is_no_user_prediction=True)

    def decide(self, tracker: DialogueStateTracker) -> Optional[Tuple[str, List[Event]]]:
        """The action to run and the events to add first, or None to leave it to the others."""
        spec = self.detector.spec
        level_intents = {level.intent for level in spec.levels}
        level_actions = {level.action for level in spec.levels}
        message = tracker.latest_message
        if message is None:
            return None
        intent = (message.intent or {}).get("name")
        in_form = tracker.active_loop_name or (
            tracker.latest_action_name == ACTION_DEACTIVATE_LOOP_NAME
        )
        if _flagged_by(message, type(self).__name__) or (intent in level_intents and in_form):
            # A red flag this policy answers: the level's action first, before
            # an active form reads the message; then end the form and listen.
            if tracker.latest_action_name == ACTION_LISTEN_NAME and intent in level_intents:
                return next(lv.action for lv in spec.levels if lv.intent == intent), []
            if tracker.latest_action_name in level_actions and tracker.active_loop_name:
                return ACTION_DEACTIVATE_LOOP_NAME, []
            if tracker.latest_action_name in level_actions | {ACTION_DEACTIVATE_LOOP_NAME}:
                return ACTION_LISTEN_NAME, []
            return None
        answered_aside = (RED_FLAG_WHAT_IF_ACTION, OTHER_LANGUAGE_ACTION)
        if tracker.latest_action_name in answered_aside and tracker.active_loop_name:
            return tracker.active_loop_name, []  # the form asks its question again
        if tracker.latest_action_name in (RED_FLAG_REMINDER_ACTION, *answered_aside):
            return ACTION_LISTEN_NAME, []
        if tracker.latest_action_name != ACTION_LISTEN_NAME:
            return None
        if intent in level_intents:
            return None  # the message alone was a red flag, outside a form: the rules answer it
        if message.parse_data.get(OTHER_LANGUAGE) and not answers_with_a_name(
            message.text or "", tracker.get_slot(REQUESTED_SLOT)
        ):
            # "Mal de dos, et depuis ce matin je ne sens plus rien...": what the assistant
            # reads and the emergency number, in any form too (audit 19 said "I can't
            # answer that one here").
            return OTHER_LANGUAGE_ACTION, []
        previous = self._previous_message(tracker, message)
        findings: List[Finding] = []
        if previous is not None and not (
            (previous.intent or {}).get("name") in level_intents or _flagged_by(previous)
        ):  # (a flagged previous message was answered, alone or with the one before it)
            findings = self.spanning(previous.text or "", message.text or "")
        if not findings:
            # "ok", "can I still book in?" right after a red-flag reply: the
            # advice again, not a menu with a booking button; a few messages
            # later, "can we carry on booking" or "hello?" gets it too.
            if intent != HANDOFF_INTENT and self._still_reminded(tracker, level_actions, intent):
                return RED_FLAG_REMINDER_ACTION, []
            # "would I need to go to hospital if I couldn't pee?": what to do if it
            # happens, not the answer the words of the question would get; in a
            # form, the form then asks its question again.
            set_aside = (message.parse_data.get(TRIAGE) or {}).get("set_aside") or []
            if spec.what_if_level(message.text or "", set_aside):
                return RED_FLAG_WHAT_IF_ACTION, []
            return None
        order = [level.id for level in spec.levels]
        level = spec.level(min((f.level for f in findings), key=order.index))
        concepts = sorted({f.concept for f in findings})
        logger.info("Red flag over two messages (%s): %s", level.id, ", ".join(concepts))
        entities = [
            {
                "entity": RED_FLAG_ENTITY,
                "value": concept,
                "confidence_entity": 1.0,
                "extractor": type(self).__name__,
            }
            for concept in concepts
        ]
        return level.action, [EntitiesAdded(entities)]

    def _still_reminded(
        self, tracker: DialogueStateTracker, level_actions: Set[str], intent: Optional[str]
    ) -> bool:
        """Whether the latest message gets the red-flag advice (or its acknowledgement) again."""
        since = _messages_since(tracker, level_actions)
        if since is None:
            return False
        spec = self.detector.spec
        latest, *earlier = _texts_since(tracker, level_actions)
        count, seconds = since
        crisis = {concept.id for concept in spec.concepts if concept.crisis_line}
        flagged = _concepts_flagged(tracker, level_actions)
        about_self_harm = flagged <= crisis  # none: the learned screen's, perhaps self-harm
        said = SinceRedFlag(
            latest=latest,
            intent=intent,
            count=count,
            recent=count <= int(self.config["reminder_messages"])
            and seconds <= float(self.config["reminder_seconds"]),
            seen=spec.says_seen(latest),
            help_coming_before=any(spec.says_help_coming(text) for text in earlier),
            help_coming_now=spec.says_help_coming(latest),
            safe_now=spec.says_safe(latest, about_self_harm),
            safe_before=any(spec.says_safe(text, about_self_harm) for text in earlier),
        )
        for _, applies, reminded in REMINDER_RULES:
            if applies(said):
                return reminded(said)
        return False

    def spanning(self, previous: str, latest: str) -> List[Finding]:
        """Red flags in the two messages read together whose words come from both."""
        if not previous.strip() or not latest.strip():
            return []
        if "?" in previous + latest:
            return []  # a question is not a report ("does it help with weight loss?")
        if self.detector.assess(previous).set_aside or self.detector.assess(latest).set_aside:
            return []  # negated, past, what-if or someone else's: not to be carried over
        first = previous.rstrip(" .!?,;:")
        second_starts = len(first) + len(JOIN)
        assessment = self.detector.assess(first + JOIN + latest)
        if not assessment.flagged:
            return []
        return [f for f in assessment.findings if f.start < len(first) and f.end > second_starts]

    def _previous_message(
        self, tracker: DialogueStateTracker, latest: UserUttered
    ) -> Optional[UserUttered]:
        """The patient's message before ``latest``, if typed and recent."""
        messages = [event for event in tracker.events if isinstance(event, UserUttered)]
        if len(messages) < 2:
            return None
        previous = messages[-2]
        text = previous.text or ""
        if not text.strip() or text.startswith("/"):
            return None  # a button says what was chosen, not what was felt
        if (latest.text or "").startswith("/"):
            return None
        apart = latest.timestamp - previous.timestamp
        if apart > float(self.config["window_seconds"]):
            return None
        if apart > float(self.config["burst_seconds"]) and not CONTINUATION.match(
            latest.text or ""
        ):
            return None  # an answer to what the assistant said, not the rest of a report
        return previous


def _flagged_by(message: UserUttered, extractor: Optional[str] = None) -> bool:
    """Whether ``message`` carries a red-flag concept (found by ``extractor``, if given)."""
    return any(
        entity.get("entity") == RED_FLAG_ENTITY
        and (extractor is None or entity.get("extractor") == extractor)
        for entity in message.entities
    )


def _messages_since(
    tracker: DialogueStateTracker, actions: Set[str]
) -> Optional[Tuple[int, float]]:
    """Patient messages since the last of ``actions`` ran, and seconds since it ran.

    1 message: the latest is the next one. The seconds run from that action to
    the latest message. None if none of ``actions`` ran with a message after it.
    """
    users = 0
    latest: Optional[float] = None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            users += 1
            latest = event.timestamp if latest is None else latest
        elif isinstance(event, ActionExecuted) and event.action_name in actions and users:
            return users, (latest or event.timestamp) - event.timestamp
    return None


def _concepts_flagged(tracker: DialogueStateTracker, actions: Set[str]) -> Set[str]:
    """The listed red flags of the message the last of ``actions`` answered (none: the screen's)."""
    answered = False
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted) and event.action_name in actions:
            answered = True
        elif answered and isinstance(event, UserUttered):
            return {
                str(entity.get("value"))
                for entity in event.entities
                if entity.get("entity") == RED_FLAG_ENTITY and entity.get("value") != SCREEN_CONCEPT
            }
    return set()


def _texts_since(tracker: DialogueStateTracker, actions: Set[str]) -> List[str]:
    """The patient's messages since the last of ``actions`` ran."""
    texts: List[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            texts.append(event.text or "")
        elif isinstance(event, ActionExecuted) and event.action_name in actions:
            break
    return texts
