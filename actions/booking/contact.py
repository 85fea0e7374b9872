"""Booking entry point until the appointment form is in place."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_profile import load_profile


class ActionBookingContact(Action):
    """Tell the patient how to book, change or cancel with the clinic directly."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_booking_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Utter the clinic's phone and email."""
        profile = load_profile()
        dispatcher.utter_message(
            response="utter_booking_contact", phone=profile.phone, email=profile.email
        )
        return []
