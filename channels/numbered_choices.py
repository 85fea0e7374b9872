"""Button replies: numbered text for channels that cannot show buttons, and typed titles.

The assistant's buttons become ``1. Title`` lines on SMS. When the patient
answers with a number, the channel replaces it with that button's payload
before the message reaches the assistant. On every channel, a reply that is
a button's title typed out ("I'm not sure" at "which sounds most like your
hip?") is that button's payload too: the classifier read it as "no" and left
the topic. The buttons are read back from the conversation's tracker, so any
Rasa process can resolve the answer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, FrozenSet, List, Optional, Sequence

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.utils.io import read_yaml_file
from sanic import Blueprint, Sanic

from clinic_core.knowledge import load_conditions

Button = Dict[str, Any]
# "2", "2.", " 2 ", "#2", "option 2"
NUMBER_REPLY = re.compile(r"^\s*(?:option\s*|#)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)
PROMPT = "Reply with a number:"
DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"
TYPED_KEY = "typed"  # message metadata: what the patient typed when it picked a button


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


def typed_title(text: Optional[str]) -> str:
    """``text`` as compared with button titles: lower case, words only ("im not sure")."""
    return " ".join(re.sub(r"[^\w\s]", "", (text or "").lower()).split())


def payload_for(
    text: Optional[str], buttons: Sequence[Button], numbered: bool = True
) -> Optional[str]:
    """The payload of the button a reply picks, by its number (``numbered``) or its title."""
    number = chosen_number(text) if numbered else None
    if number is not None:
        if not 1 <= number <= len(buttons):
            return None
        payload = buttons[number - 1].get("payload")
        return str(payload) if payload else None
    typed = typed_title(text)
    for button in buttons:
        payload = button.get("payload")
        if typed and payload and typed_title(str(button.get("title", ""))) == typed:
            return str(payload)
    return None


@lru_cache(maxsize=1)
def known_titles(path: Path = DOMAIN) -> FrozenSet[str]:
    """The titles of the domain's buttons and of the narrowing questions', as typed.

    Only a reply equal to one of them is looked up, so an ordinary message
    costs no tracker read. The booking actions' own buttons (free times and
    days) carry their title, or its words in full, as the payload.
    """
    responses = read_yaml_file(str(path)).get("responses", {})
    titles = [
        str(button.get("title", ""))
        for variants in responses.values()
        for variant in variants
        for button in variant.get("buttons", [])
    ]
    titles += [
        option.title
        for condition in load_conditions().conditions.values()
        for option in (condition.narrowing.options if condition.narrowing else [])
    ]
    return frozenset(typed_title(title) for title in titles)


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class ButtonReplies:
    """Replaces a reply that picks one of the latest buttons with that button's payload.

    The tracker store is reached through the Rasa app the channel's blueprint
    is registered on (:meth:`attach` captures it when the server starts).
    """

    def __init__(self, numbered: bool) -> None:
        """``numbered``: the channel showed the buttons as numbered lines."""
        self.numbered = numbered
        self.app: Optional[Sanic] = None

    def attach(self, blueprint: Blueprint) -> None:
        """Capture the app the blueprint runs in."""

        @blueprint.listener("before_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            self.app = app

    def wrap(self, on_new_message: OnNewMessage) -> OnNewMessage:
        """``on_new_message`` with the reply resolved to its button's payload first."""

        async def handle(message: UserMessage) -> Any:
            agent = getattr(self.app.ctx, "agent", None) if self.app else None
            picks = (self.numbered and chosen_number(message.text) is not None) or (
                typed_title(message.text) in known_titles()
            )
            if agent is not None and picks:
                tracker = await agent.tracker_store.retrieve(message.sender_id)
                if tracker is not None:
                    buttons = latest_buttons(list(tracker.events))
                    payload = payload_for(message.text, buttons, self.numbered)
                    if payload is not None:
                        # kept for staff: the tracker stores the payload, as for a tap
                        message.metadata = {**(message.metadata or {}), TYPED_KEY: message.text}
                        message.text = payload
            return await on_new_message(message)

        return handle


def resolve_numbered_replies(blueprint: Blueprint, on_new_message: OnNewMessage) -> OnNewMessage:
    """Wrap ``on_new_message``: "2" becomes the second button's payload, a title its own."""
    replies = ButtonReplies(numbered=True)
    replies.attach(blueprint)
    return replies.wrap(on_new_message)
