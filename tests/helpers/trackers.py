"""Trackers as the action server receives them from Rasa."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterable, Optional

from rasa_sdk import Tracker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def make_tracker(
    intent: Optional[str] = None,
    text: str = "",
    entities: Iterable[Dict[str, Any]] = (),
    slots: Optional[Dict[str, Any]] = None,
    sender_id: str = "test-patient",
) -> Tracker:
    """A tracker whose latest message has ``intent`` and ``entities``."""
    latest_message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.98} if intent else {},
        "entities": list(entities),
    }
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest_message,
        events=[{"event": "user", "text": text, "parse_data": latest_message}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def load_tracker(name: str) -> Tracker:
    """A tracker snapshot stored as JSON under tests/fixtures/."""
    state = json.loads((FIXTURES / f"{name}.json").read_text())
    return Tracker.from_dict(state)


def entity(name: str, value: str) -> Dict[str, Any]:
    """An entity as the NLU pipeline reports it."""
    return {"entity": name, "value": value, "start": 0, "end": len(value)}
