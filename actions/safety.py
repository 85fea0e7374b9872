"""Actions for red flags, complaints outside hip and back, and human handoff."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_profile import load_profile
from actions.clock import clinic_now

HANDOFF_SLOT = "handoff_requested"
EMERGENCY_SLOT = "emergency_flagged"


class ActionEmergency(Action):
    """Send the patient to emergency services; no sales talk, no booking offer."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Utter the emergency advice and flag the conversation for staff."""
        emergency = load_profile().emergency
        dispatcher.utter_message(response="utter_emergency", emergency_number=emergency.number)
        if emergency.advice_line:
            dispatcher.utter_message(
                response="utter_emergency_advice_line", advice_line=emergency.advice_line
            )
        if emergency.crisis_line:
            dispatcher.utter_message(
                response="utter_emergency_crisis_line", crisis_line=emergency.crisis_line
            )
        return [SlotSet(EMERGENCY_SLOT, True)]


class ActionOtherSymptom(Action):
    """Say honestly that the assistant covers hip and back pain; offer a person."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_other_symptom"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Utter the out-of-area answer with the clinic's contact details."""
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
