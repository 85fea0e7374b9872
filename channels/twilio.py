"""SMS and WhatsApp through Twilio, with signed webhooks and numbered choices.

Differences from Rasa's built-in ``twilio`` channel:

* every webhook must carry a valid ``X-Twilio-Signature`` (HMAC of the public
  URL and the form fields with the account's auth token); others get 403;
* replies go from the number the patient wrote to, so one webhook serves an
  SMS number and a WhatsApp sender alike;
* buttons become numbered options, and a numeric answer picks one;
* Markdown links (the clinic's phone, the map) go out as plain text (channels/plain_links.py);
* sending runs in a thread: Twilio's client is blocking;
* messages pass the edge limits (channels/guard.py) first;
* conversations are ``sms:+44...`` or ``whatsapp:+44...`` (clinic_core/conversation_ids.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from channels.numbered_choices import OnNewMessage, numbered_text
from channels.plain_links import PlainTextLinks
from channels.webhooks import guarded_webhook
from clinic_core.conversation_ids import twilio_address, twilio_conversation_id

logger = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class ClinicTwilioOutput(PlainTextLinks, TwilioOutput):
    """Sends replies through Twilio's Messages API."""

    def __init__(
        self,
        account_sid: Optional[str],
        auth_token: Optional[str],
        twilio_number: Optional[str],
        api_base_url: Optional[str] = None,
    ) -> None:
        """Rasa's settings plus an optional API base URL (a proxy or a test double)."""
        super().__init__(account_sid, auth_token, twilio_number)
        if api_base_url:
            self.api.base_url = api_base_url.rstrip("/")

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Send to the number inside the conversation id (``sms:+44...`` -> ``+44...``)."""
        await super().send_response(twilio_address(recipient_id), message)

    async def _send_message(self, message_data: Dict[str, Any]) -> Any:
        try:
            return await asyncio.to_thread(self.messages.create, **message_data)
        except TwilioRestException as error:
            logger.error("Twilio refused a message: %s", error.msg)
            return None

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """One message: the text, then the choices as numbered lines."""
        await self._send_message(
            {"to": recipient_id, "from_": self.twilio_number, "body": numbered_text(text, buttons)}
        )


class ClinicTwilioInput(TwilioInput):
    """Receives SMS and WhatsApp messages from Twilio's webhook."""

    required_credentials = ("account_sid", "auth_token", "twilio_number")

    @classmethod
    def name(cls) -> str:
        """Same name as Rasa's channel: the webhook is /webhooks/twilio/webhook."""
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Read the settings credentials.yml gives."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        credentials = credentials or {}
        return cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            webhook_url=credentials.get("webhook_url"),
            api_base_url=credentials.get("api_base_url"),
        )

    def __init__(
        self,
        account_sid: Optional[str],
        auth_token: Optional[str],
        twilio_number: Optional[str],
        webhook_url: Optional[str] = None,
        api_base_url: Optional[str] = None,
    ) -> None:
        """Rasa's settings, the public webhook URL Twilio signs, an API base URL."""
        super().__init__(account_sid, auth_token, twilio_number, debug_mode=False)
        self.webhook_url = webhook_url
        self.api_base_url = api_base_url
        self.validator = RequestValidator(auth_token or "")

    def signature_valid(self, request: Request) -> bool:
        """Whether the request was signed by Twilio with our auth token.

        Twilio signs the URL it posted to; behind a proxy that is the public
        URL, which ``webhook_url`` gives.
        """
        signature = request.headers.get("X-Twilio-Signature", "")
        url = self.webhook_url or request.url
        return bool(signature) and bool(self.validator.validate(url, request.form, signature))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The webhook Twilio posts incoming messages to."""
        blueprint = Blueprint("twilio_webhook", __name__)
        handle = guarded_webhook(blueprint, on_new_message, self.name())

        @blueprint.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self.signature_valid(request):
                logger.warning("Twilio webhook refused: missing or wrong signature")
                return response.text("invalid signature", status=403)
            sender = request.form.get("From")
            if not sender:
                return response.text("no sender", status=400)
            reply_from = request.form.get("To") or self.twilio_number
            output = ClinicTwilioOutput(
                self.account_sid, self.auth_token, reply_from, self.api_base_url
            )
            text = (request.form.get("Body") or "").replace("¡", "@")  # carriers mangle @
            await handle(
                UserMessage(
                    text,
                    output,
                    twilio_conversation_id(sender),
                    input_channel=self.name(),
                    metadata=self.get_metadata(request),
                )
            )
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return blueprint

    def get_output_channel(self) -> OutputChannel:
        """For messages the assistant starts (reminders): from the clinic's number."""
        return ClinicTwilioOutput(
            self.account_sid, self.auth_token, self.twilio_number, self.api_base_url
        )
