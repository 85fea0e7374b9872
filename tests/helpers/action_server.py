"""Calling the action server's webhook directly, as Rasa does."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict, Tuple


def post(url: str, body: Dict[str, Any], headers: Dict[str, str]) -> Tuple[int, Any]:
    """POST ``body`` as JSON; the status and the decoded reply (also for HTTP errors)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def action_call(action: str, slots: Dict[str, Any]) -> Dict[str, Any]:
    """What Rasa posts to /webhook, with a tracker made up by the caller."""
    return {
        "next_action": action,
        "sender_id": "attacker",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "attacker",
            "slots": slots,
            "latest_message": {"text": "yes", "intent": {"name": "affirm"}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }
