"""Markdown links as plain text, for channels that show no Markdown.

The assistant's responses (domain.yml) write the clinic's phone as
``[020 7946 0000](tel:+442079460000)`` and the address as a map link, which the
website widget renders as links. SMS, WhatsApp, Telegram and Messenger get
plain text instead: a phone or email link becomes its label (phones make the
number tappable themselves), any other link ``label (url)``.
"""

from __future__ import annotations

import re
from typing import Any, Dict

from rasa.core.channels.channel import OutputChannel

MARKDOWN_LINK = re.compile(r"\[([^\[\]]+)\]\(([^()\s]*)\)")
LABEL_ONLY_SCHEMES = ("tel:", "mailto:")


def _plain_link(match: re.Match) -> str:
    label, url = match.group(1), match.group(2)
    if not url or url.startswith(LABEL_ONLY_SCHEMES) or url == label:
        return label
    return f"{label} ({url})"


def plain_text(text: str) -> str:
    """``text`` with every Markdown link written out as plain text."""
    return MARKDOWN_LINK.sub(_plain_link, text)


class PlainTextLinks(OutputChannel):
    """Output-channel mixin: every text goes out with its links as plain text.

    Put it first among the bases, e.g. ``class Out(PlainTextLinks, TwilioOutput)``.
    """

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Rewrite the links in the text, then send as the channel does."""
        if isinstance(message.get("text"), str):
            message = {**message, "text": plain_text(message["text"])}
        await super().send_response(recipient_id, message)
