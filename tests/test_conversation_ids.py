"""Conversation ids owned by their channel, signed web sessions, what a new session keeps."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart
from channels.web_session import WebSessions
from clinic_core.conversation_ids import (
    PREFIXES,
    channel_of,
    conversation_id,
    sender_vouched,
    twilio_address,
    twilio_conversation_id,
)
from clinic_core.names import PERSONAL_SLOTS

SECRET = "a-web-session-secret-of-at-least-32-characters"


def test_each_channel_files_under_its_own_prefix() -> None:
    assert conversation_id("rest", "+447911123456") == "rest:+447911123456"
    # a REST client naming another channel's conversation stays in REST
    assert conversation_id("rest", "sms:+447911123456") == "rest:sms:+447911123456"
    assert conversation_id("telegram", "42") == "telegram:42"
    assert twilio_conversation_id("+447911123456") == "sms:+447911123456"
    assert twilio_conversation_id("whatsapp:+447911123456") == "whatsapp:+447911123456"
    assert twilio_address("sms:+447911123456") == "+447911123456"
    assert twilio_address("whatsapp:+447911123456") == "whatsapp:+447911123456"
    assert {channel_of(p + "x") for p in PREFIXES.values()} == set(PREFIXES)
    assert channel_of("+447911123456") is None  # an id from before the prefixes


def test_only_providers_that_sign_their_webhooks_vouch_for_the_sender() -> None:
    assert all(sender_vouched(f"{p}x") for p in ("sms:", "whatsapp:", "telegram:", "messenger:"))
    assert not any(sender_vouched(f"{p}x") for p in ("web:", "rest:", ""))


def test_web_session_ids_are_signed_and_checked() -> None:
    sessions = WebSessions(SECRET)
    issued = sessions.issue()
    conversation = sessions.conversation(issued)
    assert conversation is not None and conversation.startswith("web:")
    assert issued.split(".")[1] not in conversation  # the signature is not stored
    assert sessions.issue() != issued
    random_part = issued.split(".")[0]
    for forged in (
        random_part,  # unsigned
        f"{random_part}.{'A' * 43}",  # wrong signature
        f"other{random_part}.{issued.split('.')[1]}",  # signature of another id
        WebSessions(SECRET[::-1]).issue(),  # signed with another secret
        "sms:+447911123456",  # another channel's conversation
        "web:" + random_part,
        "a.b.c",
        f"{random_part}.é",
        None,
        42,
    ):
        assert sessions.conversation(forged) is None, forged
    with pytest.raises(ValueError, match="at least 32"):
        WebSessions("short")


def tracker(sender_id: str, slots: Dict[str, Any]) -> Tracker:
    return Tracker(sender_id, slots, {}, [], False, None, {}, "action_listen")


OLD_SESSION = {
    "patient_name": "Ann Lee",
    "contact": "ann@example.com",
    "phone": None,
    "email": "ann@example.com",
    "condition": "sciatica",
    "handoff_requested": False,
    "requested_slot": None,
    "session_started_metadata": None,
}


@pytest.mark.parametrize(
    ("sender_id", "keeps_personal"),
    [
        ("sms:+447911123456", True),
        ("whatsapp:+447911123456", True),
        ("telegram:42", True),
        ("messenger:42", True),
        ("web:abc", False),
        ("rest:+447911123456", False),
    ],
)
async def test_a_new_session_keeps_name_and_contact_only_where_the_provider_vouches(
    sender_id: str, keeps_personal: bool
) -> None:
    events = await ActionSessionStart().run(
        CollectingDispatcher(), tracker(sender_id, OLD_SESSION), {}
    )
    assert events[0]["event"] == "session_started"
    assert events[-1] == {**events[-1], "event": "action", "name": "action_listen"}
    carried = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert carried["condition"] == "sciatica"  # not personal: kept everywhere
    personal = {name: OLD_SESSION[name] for name in PERSONAL_SLOTS if OLD_SESSION[name]}
    if keeps_personal:
        assert {k: carried[k] for k in personal} == personal
    else:
        assert not set(PERSONAL_SLOTS) & set(carried)
    assert SlotSet("requested_slot", None) not in events
