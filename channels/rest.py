"""The REST channel, with the edge limits and strict request checks.

Same URL and replies as Rasa's built-in ``rest`` channel
(``POST /webhooks/rest/webhook`` with ``{"sender": ..., "message": ...}``,
answered by a JSON list of replies). Differences:

* a request that is not a JSON object with a string ``sender`` and a string
  ``message`` gets 400 with ``{"error": ...}`` (Rasa's answers 500 for a JSON
  array, and files a message without a sender under a shared "default"
  conversation); a body that is not JSON gets 415 or 400;
* the message goes through the edge limits (channels/guard.py): too long, and
  the reply says so (200); too many, and the reply asks to slow down, with
  status 429 and ``Retry-After``;
* the conversation is always filed under the ``rest`` channel: a client can
  no longer name another channel with ``input_channel``, and the
  conversation id is ``rest:<sender>``, so no REST client can reach an SMS,
  WhatsApp, Telegram, Messenger or website conversation
  (clinic_core/conversation_ids.py);
* the client's address (channels/guard.py, ``TRUSTED_PROXIES``) is held to
  ``RATE_LIMIT_ADDRESS_MESSAGES`` whatever senders it names, and its
  pseudonym goes to the assistant as ``metadata.client`` (the booking
  lookups' lockout, actions/booking/lookup_guard.py).

The production profile's nginx site does not publish this channel
(docs/security.md); under `make run` it listens on loopback.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Optional, Tuple, Union

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from channels.guard import OnNewMessage, clean_text, edge_guard
from channels.numbered_choices import ButtonReplies
from clinic_core.conversation_ids import CLIENT_KEY, conversation_id

logger = logging.getLogger(__name__)
MAX_SENDER_CHARS = 128  # Rasa's SQL tracker store keeps 255
MAX_METADATA_DEPTH = 8
USAGE = 'expected a JSON object: {"sender": "<conversation id>", "message": "<text>"}'


def json_type(content_type: str) -> bool:
    """Whether a Content-Type header names JSON (or is absent)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("", "application/json") or media.endswith("+json")


def depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


def parse_request(request: Request) -> Tuple[Optional[Dict[str, Any]], Optional[HTTPResponse]]:
    """The sender, message and metadata, or the error response to send instead."""

    def error(message: str, status: int = 400) -> Tuple[None, HTTPResponse]:
        return None, response.json({"error": message}, status=status)

    if not json_type(request.headers.get("content-type", "")):
        return error(f"Content-Type must be application/json; {USAGE}", 415)
    try:
        body = request.json
    except InvalidUsage:
        return error(f"the body is not valid JSON; {USAGE}")
    if not isinstance(body, dict):
        return error(USAGE)
    sender, message = body.get("sender"), body.get("message")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip() or clean_text(sender) != sender:
        return error(f'"sender" must be a non-empty string without control characters; {USAGE}')
    if len(sender) > MAX_SENDER_CHARS:
        return error(f'"sender" must be at most {MAX_SENDER_CHARS} characters')
    if not isinstance(message, str):
        return error(f'"message" must be a string; {USAGE}')
    metadata = body.get("metadata")
    if metadata is not None and (
        not isinstance(metadata, dict) or depth(metadata) > MAX_METADATA_DEPTH
    ):
        return error(f'"metadata" must be a JSON object nested at most {MAX_METADATA_DEPTH} deep')
    return {"sender": sender, "text": clean_text(message), "metadata": metadata}, None


class ClinicRestInput(RestInput):
    """Rasa's REST channel behind the edge limits."""

    @classmethod
    def name(cls) -> str:
        """Same name as Rasa's channel: the webhook is /webhooks/rest/webhook."""
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The health check and the webhook."""
        guard = edge_guard()
        blueprint = Blueprint("custom_webhook_ClinicRestInput", __name__)
        guard.limit_request_size(blueprint)
        # A button's title typed out is that button's payload.
        replies = ButtonReplies(numbered=False)
        replies.attach(blueprint)
        on_new_message = replies.wrap(on_new_message)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            parsed, refused = parse_request(request)
            if parsed is None:
                assert refused is not None
                return refused
            text, metadata = parsed["text"], parsed["metadata"]
            sender = conversation_id("rest", parsed["sender"])
            address = guard.client_address(request.ip, request.headers.get("x-forwarded-for"))
            metadata = {**(metadata or {}), CLIENT_KEY: guard.client_key(address)}
            refusal = await guard.check(self.name(), sender, text, address)
            if refusal is not None:
                limited = refusal.reason == "rate_limited"
                return response.json(
                    [{"recipient_id": sender, "text": refusal.text}],
                    status=429 if limited else 200,
                    headers={"Retry-After": str(refusal.retry_after)} if limited else None,
                )
            if bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender, self.name(), metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text, collector, sender, input_channel=self.name(), metadata=metadata
                    )
                )
            except asyncio.CancelledError:
                logger.error("REST message from %s timed out", sender)
            except Exception:
                # As Rasa's channel does: the replies so far, the error in the log.
                logger.exception("REST message from %s failed", sender)
            return response.json(collector.messages)

        return blueprint
