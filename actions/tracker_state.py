"""Read what the patient just said from the tracker."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker


def latest_intent(tracker: Tracker) -> Optional[str]:
    """Name of the intent of the latest user message.

    ``Tracker.get_intent_of_latest_message`` reads ``intent_ranking``, which is
    absent for some messages (for example button payloads on some channels),
    so we read the top intent itself.
    """
    intent = (tracker.latest_message or {}).get("intent") or {}
    name = intent.get("name")
    return str(name) if name else None
