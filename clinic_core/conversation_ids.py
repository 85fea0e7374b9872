"""Conversation ids owned by the channel that received the message.

Rasa keys conversations by id alone. Every channel here files a message
under ``<prefix><address>``, the prefix being its own, so a client of one
channel can never name another channel's conversation: a REST request with
an SMS patient's number ``+447911123456`` is filed under
``rest:+447911123456``, not under ``sms:+447911123456``.

The prefixes, and which channels' providers vouch for the sender (a signed
webhook from Twilio, Telegram or Meta names the sender; a browser or a REST
client names itself), are listed once, here. Personal slots carry over into
a new session only on vouched channels (actions/session.py).
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional

# Channel key -> the prefix of its conversation ids.
PREFIXES: Dict[str, str] = {
    "sms": "sms:",
    "whatsapp": "whatsapp:",
    "telegram": "telegram:",
    "messenger": "messenger:",
    "web": "web:",
    "rest": "rest:",
}
# Metadata key under which the REST and website channels pass a pseudonym of
# the client's address to the assistant (the booking lookups' lockout).
CLIENT_KEY = "client"
# Channels whose provider authenticates the sender (the webhook is signed).
VOUCHED: FrozenSet[str] = frozenset({"sms", "whatsapp", "telegram", "messenger"})


def conversation_id(channel: str, address: str) -> str:
    """The conversation id of ``address`` (a phone number, chat id, ...) on ``channel``."""
    prefix = PREFIXES[channel]
    return address if address.startswith(prefix) else prefix + address


def channel_of(conversation: str) -> Optional[str]:
    """The channel a conversation id belongs to (None: an id from before prefixes)."""
    return next(
        (name for name, prefix in PREFIXES.items() if conversation.startswith(prefix)), None
    )


def address_of(conversation: str, channel: str) -> str:
    """The provider's address inside a conversation id of ``channel`` (the id without prefix)."""
    prefix = PREFIXES[channel]
    return conversation[len(prefix) :] if conversation.startswith(prefix) else conversation


def sender_vouched(conversation: str) -> bool:
    """Whether the conversation's channel provider authenticates its sender."""
    return channel_of(conversation) in VOUCHED


def twilio_conversation_id(sender: str) -> str:
    """Twilio's ``From``: ``whatsapp:+44...`` stays as it is, a bare number is SMS."""
    if sender.startswith(PREFIXES["whatsapp"]):
        return sender
    return conversation_id("sms", sender)


def twilio_address(conversation: str) -> str:
    """The ``To`` Twilio needs: ``+44...`` for SMS, ``whatsapp:+44...`` for WhatsApp."""
    return address_of(conversation, "sms")
