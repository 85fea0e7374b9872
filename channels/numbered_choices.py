"""Buttons as numbered text for channels that cannot show buttons (SMS).

The assistant's buttons become ``1. Title`` lines. When the patient answers
with a number, the channel replaces it with that button's payload before the
message reaches the assistant. The buttons are read back from the
conversation's tracker, so any Rasa process can resolve the answer.
"""

from __future__ import annotations

import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, Sanic

Button = Dict[str, Any]
# "2", "2.", " 2 ", "#2", "option 2"
NUMBER_REPLY = re.compile(r"^\s*(?:option\s*|#)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)
PROMPT = "Reply with a number:"


def numbered_text(text: str, buttons: Sequence[Button]) -> str:
    """The message followed by its choices as numbered lines."""
    lines = [f"{index}. {button.get('title', '')}" for index, button in enumerate(buttons, 1)]
    return "\n".join([text.rstrip(), "", PROMPT, *lines])


def chosen_number(text: Optional[str]) -> Optional[int]:
    """The number a reply consists of, if it is only a number."""
    match = NUMBER_REPLY.match(text or "")
    return int(match.group(1)) if match else None


def latest_buttons(events: Sequence[Any]) -> List[Button]:
    """The buttons the assistant offered since the patient last wrote."""
    for event in reversed(events):
        if isinstance(event, UserUttered):
            return []
        if isinstance(event, BotUttered) and event.data.get("buttons"):
            return list(event.data["buttons"])
    return []


def payload_for(text: Optional[str], buttons: Sequence[Button]) -> Optional[str]:
    """The payload of the button a numeric reply picks, if it picks one."""
    number = chosen_number(text)
    if number is None or not 1 <= number <= len(buttons):
        return None
    payload = buttons[number - 1].get("payload")
    return str(payload) if payload else None


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def resolve_numbered_replies(blueprint: Blueprint, on_new_message: OnNewMessage) -> OnNewMessage:
    """Wrap ``on_new_message`` so that "2" becomes the second button's payload.

    The tracker store is reached through the Rasa app the blueprint is
    registered on; the listener captures it when the server starts.
    """
    app_holder: Dict[str, Sanic] = {}

    @blueprint.listener("before_server_start")
    async def remember_app(app: Sanic, _: Any) -> None:
        app_holder["app"] = app

    async def handle(message: UserMessage) -> Any:
        app = app_holder.get("app")
        agent = getattr(app.ctx, "agent", None) if app else None
        if agent is not None and chosen_number(message.text) is not None:
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            if tracker is not None:
                payload = payload_for(message.text, latest_buttons(list(tracker.events)))
                if payload is not None:
                    message.text = payload
        return await on_new_message(message)

    return handle
