"""Facebook Messenger, with SHA-256 signatures and quick replies.

Differences from Rasa's built-in ``facebook`` channel:

* ``X-Hub-Signature-256`` is checked (SHA-1 ``X-Hub-Signature`` only when the
  former is absent), in constant time; a forged request gets 403, not 200;
* buttons become quick replies (Messenger's button template holds only 3,
  and Rasa's channel drops all buttons beyond that); when titles are too
  long for quick replies, the choices are numbered in the text and the quick
  replies carry the numbers;
* Graph API calls run in a thread: the fbmessenger client is blocking;
* an optional Graph API base URL (a proxy or a test double);
* Markdown links go out as plain text (channels/plain_links.py);
* messages pass the edge limits (channels/guard.py) first;
* conversations are ``messenger:<PSID>`` (clinic_core/conversation_ids.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Dict, List, Optional

from fbmessenger import MessengerClient
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger, MessengerBot
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.numbered_choices import OnNewMessage, numbered_text
from channels.plain_links import PlainTextLinks
from channels.webhooks import guarded_webhook
from clinic_core.conversation_ids import address_of, conversation_id

logger = logging.getLogger(__name__)
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20


def messenger_client(page_access_token: str, graph_url: Optional[str]) -> MessengerClient:
    """A Graph API client, pointed at ``graph_url`` when one is given."""
    client = MessengerClient(page_access_token)
    if graph_url:
        client.graph_url = graph_url.rstrip("/")
    return client


def quick_replies(buttons: List[Dict[str, Any]], numbered: bool) -> List[Dict[str, Any]]:
    """Messenger quick replies for the buttons (their numbers when ``numbered``)."""
    return [
        {
            "content_type": "text",
            "title": str(index) if numbered else button["title"],
            "payload": button["payload"],
        }
        for index, button in enumerate(buttons, 1)
    ]


class ClinicMessengerOutput(PlainTextLinks, MessengerBot):
    """Sends replies through the Send API, off the event loop."""

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Send to the PSID inside the conversation id (``messenger:42`` -> ``42``)."""
        await super().send_response(address_of(recipient_id, "messenger"), message)

    async def _post(self, message: Dict[str, Any], recipient_id: str) -> None:
        await asyncio.to_thread(self.messenger_client.send, message, recipient_id, "RESPONSE")

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Each paragraph as its own message, like Rasa's channel."""
        for part in text.strip().split("\n\n"):
            await self._post({"text": part}, recipient_id)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """Quick replies; numbered text when there are too many or titles are long."""
        if len(buttons) > MAX_QUICK_REPLIES:
            await self.send_text_message(recipient_id, numbered_text(text, buttons))
            return
        numbered = any(len(b.get("title", "")) > MAX_QUICK_REPLY_TITLE for b in buttons)
        message = {
            "text": numbered_text(text, buttons) if numbered else text,
            "quick_replies": quick_replies(buttons, numbered),
        }
        await self._post(message, recipient_id)

    async def send_action(self, recipient_id: str, sender_action: str) -> None:
        """Typing indicators and read receipts."""
        await asyncio.to_thread(self.messenger_client.send_action, sender_action, recipient_id)


class ClinicMessenger(Messenger):
    """Turns one webhook call into messages for the assistant."""

    def __init__(
        self, page_access_token: str, on_new_message: OnNewMessage, graph_url: Optional[str]
    ) -> None:
        """Rasa's handler with our client and output channel."""
        super().__init__(page_access_token, on_new_message)
        self.client = messenger_client(page_access_token, graph_url)

    async def _handle_user_message(
        self, text: str, sender_id: str, metadata: Optional[Dict[str, Any]]
    ) -> None:
        output = ClinicMessengerOutput(self.client)
        await output.send_action(sender_id, "mark_seen")
        await output.send_action(sender_id, "typing_on")
        try:
            await self.on_new_message(
                UserMessage(
                    text,
                    output,
                    conversation_id("messenger", sender_id),
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
        finally:
            await output.send_action(sender_id, "typing_off")


class ClinicFacebookInput(FacebookInput):
    """Receives Messenger events from the app's webhook."""

    required_credentials = ("verify", "secret", "page-access-token")

    @classmethod
    def name(cls) -> str:
        """Same name as Rasa's channel: the webhook is /webhooks/facebook/webhook."""
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Read the settings credentials.yml gives."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        credentials = credentials or {}
        return cls(
            credentials.get("verify", ""),
            credentials.get("secret", ""),
            credentials.get("page-access-token", ""),
            graph_url=credentials.get("graph_url"),
        )

    def __init__(
        self,
        fb_verify: str,
        fb_secret: str,
        fb_access_token: str,
        graph_url: Optional[str] = None,
    ) -> None:
        """Rasa's settings plus an optional Graph API base URL."""
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.graph_url = graph_url

    def signature_valid(self, request: Request) -> bool:
        """Whether Meta signed the body with the app secret."""
        header = request.headers.get("X-Hub-Signature-256")
        digest = hashlib.sha256
        if header is None:
            header, digest = request.headers.get("X-Hub-Signature", ""), hashlib.sha1
        method, _, given = header.partition("=")
        if not self.fb_secret or method != digest().name or not given:
            return False
        expected = hmac.new(self.fb_secret.encode(), request.body, digest).hexdigest()
        return hmac.compare_digest(expected, given)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The verification endpoint and the webhook Messenger posts to."""
        blueprint = Blueprint("fb_webhook", __name__)
        handle = guarded_webhook(blueprint, on_new_message, self.name())

        @blueprint.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token", "")
            if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
                token.encode(), (self.fb_verify or "").encode()
            ):
                return response.text(request.args.get("hub.challenge", ""))
            return response.text("invalid verify token", status=403)

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.signature_valid(request):
                logger.warning("Facebook webhook refused: missing or wrong signature")
                return response.text("invalid signature", status=403)
            if not isinstance(request.json, dict) or not isinstance(
                request.json.get("entry"), list
            ):
                return response.text("bad event", status=400)
            messenger = ClinicMessenger(self.fb_access_token, handle, self.graph_url)
            await messenger.handle(request.json, self.get_metadata(request))
            return response.text("success")

        return blueprint

    def get_output_channel(self) -> OutputChannel:
        """For messages the assistant starts."""
        return ClinicMessengerOutput(messenger_client(self.fb_access_token, self.graph_url))
