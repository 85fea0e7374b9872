"""A new session: which slots carry over depends on who vouches for the sender.

Rasa's own ``action_session_start`` carries every slot into the next session
(``carry_over_slots_to_new_session``). On SMS, WhatsApp, Telegram and
Messenger the provider authenticates the sender, so the patient's name and
contact carry over and are not asked again. On the website and REST the
client names its own conversation, so personal slots never carry over: a new
session there starts without anyone's name or contact (docs/security.md).
This is the custom ``action_session_start`` Rasa documents for the purpose.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from clinic_core.conversation_ids import sender_vouched
from clinic_core.names import PERSONAL_SLOTS

logger = logging.getLogger(__name__)

# Rasa's own bookkeeping slots: set by Rasa itself, never carried.
RASA_SLOTS = ("session_started_metadata", "requested_slot")


def carried_slots(tracker: Tracker) -> List[EventType]:
    """SlotSet events for the slots the new session keeps."""
    vouched = sender_vouched(tracker.sender_id)
    return [
        SlotSet(name, value)
        for name, value in tracker.slots.items()
        if value is not None and name not in RASA_SLOTS and (vouched or name not in PERSONAL_SLOTS)
    ]


class ActionSessionStart(Action):
    """Start a session, carrying over what the channel allows."""

    def name(self) -> str:
        """The action Rasa runs at the start of every session."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """SessionStarted, the carried slots, then listen (as Rasa's own action does)."""
        events: List[EventType] = [SessionStarted()]
        metadata = tracker.get_slot("session_started_metadata")
        if metadata is not None:
            events.append(SlotSet("session_started_metadata", metadata))
        carried = carried_slots(tracker)
        logger.debug(f"new session: {len(carried)} slots carried over")
        events.extend(carried)
        events.append(ActionExecuted("action_listen"))
        return events
