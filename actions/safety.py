"""Actions for red flags, complaints outside hip and back, and human handoff."""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Set

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conditions import condition_under_discussion
from actions.questions import answer_acupuncture_question
from clinic_core.clock import clinic_now
from clinic_core.knowledge import load_conditions
from clinic_core.names import EMERGENCY_SLOT, HANDOFF_SLOT
from clinic_core.profile import Emergency, load_profile
from clinic_core.red_flag_screen import SCREEN_CONCEPT, SCREEN_LABEL
from clinic_core.red_flags import RED_FLAG_ENTITY, RED_FLAG_SLOT, Concept, load_red_flags

logger = logging.getLogger(__name__)

CRISIS_CONCEPTS = {"suicide_self_harm"}


def red_flag_values(tracker: Tracker) -> Set[str]:
    """The concept ids the safety layer found in the latest message."""
    return {
        str(entity.get("value"))
        for entity in tracker.latest_message.get("entities") or []
        if entity.get("entity") == RED_FLAG_ENTITY
    }


def red_flags_in(tracker: Tracker) -> List[Concept]:
    """The listed red flags the safety layer found in the latest message (file order)."""
    found = red_flag_values(tracker)
    return [concept for concept in load_red_flags().concepts if concept.id in found]


def red_flag_note(level_id: str, concepts: List[Concept], screened: bool = False) -> str:
    """What staff read in the console: the level and what matched.

    ``screened``: the learned screen raised the flag in words the list lacks.
    """
    level = load_red_flags().level(level_id).label
    labels = [concept.label for concept in concepts] + ([SCREEN_LABEL] if screened else [])
    if not labels:
        return f"{level}: recognised by the intent classifier"
    return f"{level}: " + "; ".join(labels)


class RedFlagAction(Action, ABC):
    """Answer a red flag of one level and flag the conversation for staff."""

    level: str  # a level of clinic/red_flags.yml

    def name(self) -> str:
        """Action name used in the domain: ``action_<level intent>``."""
        return load_red_flags().level(self.level).action

    @abstractmethod
    def reply(
        self, dispatcher: CollectingDispatcher, emergency: Emergency, concepts: List[Concept]
    ) -> List[EventType]:
        """Utter the level's advice; the events beyond the staff flag."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Reply, log an ``ALARM`` line and keep what matched in the ``red_flag`` slot."""
        concepts = red_flags_in(tracker)
        events = self.reply(dispatcher, load_profile().emergency, concepts)
        note = red_flag_note(self.level, concepts, SCREEN_CONCEPT in red_flag_values(tracker))
        logger.warning("ALARM red flag in conversation %s: %s", tracker.sender_id, note)
        return [*events, SlotSet(RED_FLAG_SLOT, note)]


class ActionEmergency(RedFlagAction):
    """Send the patient to emergency services; no sales talk, no booking offer."""

    level = "emergency"

    def reply(
        self, dispatcher: CollectingDispatcher, emergency: Emergency, concepts: List[Concept]
    ) -> List[EventType]:
        """Call the emergency number now; the crisis line for thoughts of self-harm."""
        dispatcher.utter_message(response="utter_emergency", emergency_number=emergency.number)
        # Also whenever the safety layer could not say what the emergency is.
        crisis = not concepts or any(c.id in CRISIS_CONCEPTS for c in concepts)
        if emergency.crisis_line and crisis:
            dispatcher.utter_message(
                response="utter_emergency_crisis_line", crisis_line=emergency.crisis_line
            )
        return [SlotSet(EMERGENCY_SLOT, True)]


class ActionUrgentSymptoms(RedFlagAction):
    """Send the patient to a doctor today; no booking offer in this turn."""

    level = "urgent"

    def reply(
        self, dispatcher: CollectingDispatcher, emergency: Emergency, concepts: List[Concept]
    ) -> List[EventType]:
        """See a GP today or call the advice line; the emergency number if it gets worse."""
        dispatcher.utter_message(
            response="utter_urgent_symptoms",
            advice_line=emergency.advice_line or "your GP surgery",
            emergency_number=emergency.number,
        )
        return []


# "is that something you treat", "can you help with it": a question about what was just discussed.
REFERS_BACK = re.compile(
    r"^(?=.*\b(that|it|this|these|those|them)\b)(?=.*\b(treat|treated|help|cover|deal with|"
    r"fix|do anything|work)\b)",
    re.IGNORECASE,
)


class ActionOtherSymptom(Action):
    """Say honestly that the assistant covers hip and back pain; offer a person."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_other_symptom"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Utter the out-of-area answer with the clinic's contact details.

        "is that something you treat?" right after a condition was explained
        asks about that condition, not about something else: it gets how
        acupuncture helps with it.
        """
        text = str((tracker.latest_message or {}).get("text") or "")
        if REFERS_BACK.search(text) and len(text.split()) <= 8:
            knowledge = load_conditions()
            key = condition_under_discussion(tracker, knowledge)
            if key:
                answer_acupuncture_question(dispatcher, tracker, "ask_effectiveness")
                return []
        profile = load_profile()
        dispatcher.utter_message(response="utter_other_symptom", **profile.contact_values())
        return []


class ActionHumanHandoff(Action):
    """Give the clinic's contact details and mark the conversation for staff."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Utter contact details with today's hours and set the handoff flag."""
        profile = load_profile()
        today = clinic_now(profile.zone).date()
        dispatcher.utter_message(
            response="utter_handoff",
            **profile.contact_values(),
            hours_today=profile.hours_text(today),
        )
        return [SlotSet(HANDOFF_SLOT, True)]
