"""Markdown links written out as plain text for SMS, WhatsApp, Telegram and Messenger."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest
from rasa.core.channels.channel import CollectingOutputChannel

from channels.plain_links import PlainTextLinks, plain_text


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("call [+44 20 7946 0123](tel:+442079460123).", "call +44 20 7946 0123."),
        ("email [hello@x.example](mailto:hello@x.example)", "email hello@x.example"),
        (
            "at [12 Mill Lane](https://www.openstreetmap.org/search?query=12+Mill+Lane).",
            "at 12 Mill Lane (https://www.openstreetmap.org/search?query=12+Mill+Lane).",
        ),
        ("[https://a.example](https://a.example)", "https://a.example"),
        ("[the clinic](tel:) or [x]()", "the clinic or x"),
        ("no links [here] (or here)", "no links [here] (or here)"),
    ],
)
def test_links_become_plain_text(markdown: str, plain: str) -> None:
    assert plain_text(markdown) == plain


class Recorder(PlainTextLinks, CollectingOutputChannel):
    """A real output channel with the mixin, as the messaging channels use it."""


async def test_the_mixin_rewrites_text_and_buttons_messages_alike() -> None:
    channel = Recorder()
    await channel.send_response("p1", {"text": "call [01](tel:01)"})
    buttons = [{"title": "Book", "payload": "/book_appointment"}]
    await channel.send_response("p1", {"text": "see [map](https://m.example)", "buttons": buttons})
    sent: List[Tuple[Any, ...]] = [(m["text"], m.get("buttons")) for m in channel.messages]
    expected: List[Tuple[str, Any]] = [
        ("call 01", None),
        ("see map (https://m.example)", buttons),
    ]
    assert sent == expected


def test_every_messaging_output_channel_uses_the_mixin() -> None:
    from channels.facebook import ClinicMessengerOutput
    from channels.telegram import ClinicTelegramOutput
    from channels.twilio import ClinicTwilioOutput

    channels: Dict[str, type] = {
        "twilio": ClinicTwilioOutput,
        "telegram": ClinicTelegramOutput,
        "facebook": ClinicMessengerOutput,
    }
    assert all(issubclass(c, PlainTextLinks) for c in channels.values())
