"""Telegram, with a webhook secret and one button per row.

Differences from Rasa's built-in ``telegram`` channel:

* the webhook is registered with a secret token when one is configured, and
  updates without it are refused (403); Rasa's channel instead asks Telegram
  who the bot is on every message, which authenticates nothing;
* the webhook is registered once the server runs, in its event loop;
* buttons are stacked one per row (long titles stay readable on a phone),
  tapping one is acknowledged, and a typed number also picks one;
* an optional API base URL, for a self-hosted Bot API server;
* Markdown links go out as plain text (channels/plain_links.py);
* messages pass the edge limits (channels/guard.py) first;
* conversations are ``telegram:<chat id>`` (clinic_core/conversation_ids.py).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any, Dict, List, Optional

from aiogram import Bot
from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer
from aiogram.types import Update
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.numbered_choices import OnNewMessage
from channels.plain_links import PlainTextLinks
from channels.webhooks import guarded_webhook
from clinic_core.conversation_ids import address_of, conversation_id

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


class ClinicTelegramOutput(PlainTextLinks, TelegramOutput):
    """Sends replies through the Bot API."""

    def __init__(self, access_token: Optional[str], api_base_url: Optional[str] = None) -> None:
        """The bot token and an optional Bot API server URL."""
        server = TelegramAPIServer.from_base(api_base_url) if api_base_url else TELEGRAM_PRODUCTION
        Bot.__init__(self, access_token, server=server)

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Send to the chat inside the conversation id (``telegram:42`` -> ``42``)."""
        await super().send_response(address_of(recipient_id, "telegram"), message)

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: List[Dict[str, Any]],
        button_type: Optional[str] = "vertical",
        **kwargs: Any,
    ) -> None:
        """Inline buttons, one per row unless a response asks otherwise."""
        await super().send_text_with_buttons(recipient_id, text, buttons, button_type, **kwargs)


class ClinicTelegramInput(TelegramInput):
    """Receives updates from Telegram's webhook."""

    # The webhook secret is required: without it anyone who guesses the URL
    # could post updates in any Telegram user's name.
    required_credentials = ("access_token", "verify", "webhook_url", "secret_token")

    @classmethod
    def name(cls) -> str:
        """Same name as Rasa's channel: the webhook is /webhooks/telegram/webhook."""
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Read the settings credentials.yml gives."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        credentials = credentials or {}
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            secret_token=credentials.get("secret_token"),
            api_base_url=credentials.get("api_base_url"),
        )

    def __init__(
        self,
        access_token: Optional[str],
        verify: Optional[str],
        webhook_url: Optional[str],
        secret_token: Optional[str] = None,
        api_base_url: Optional[str] = None,
    ) -> None:
        """Rasa's settings plus the webhook secret and an API base URL."""
        super().__init__(access_token, verify, webhook_url, debug_mode=False)
        self.secret_token = secret_token
        self.api_base_url = api_base_url

    def get_output_channel(self) -> ClinicTelegramOutput:
        """A bot client; its HTTP session opens in the server's event loop."""
        return ClinicTelegramOutput(self.access_token, self.api_base_url)

    def secret_valid(self, request: Request) -> bool:
        """Whether the update carries the webhook secret (never without one)."""
        if not self.secret_token:
            return False
        given = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(given.encode(), self.secret_token.encode())

    async def register_webhook(self, bot: ClinicTelegramOutput) -> None:
        """Check the token belongs to the configured bot and register the webhook."""
        try:
            me = await bot.get_me()
            if me.username != self.verify:
                logger.error(
                    "Telegram token is for @%s, not @%s (TELEGRAM_BOT_USERNAME)",
                    me.username,
                    self.verify,
                )
            payload: Dict[str, Any] = {"url": self.webhook_url}
            if self.secret_token:
                payload["secret_token"] = self.secret_token
            await bot.request("setWebhook", payload)
            logger.info("Telegram webhook registered at %s", self.webhook_url)
        except (TelegramAPIError, OSError) as error:
            # The website and other channels keep working; staff see this in the log.
            logger.error("Telegram webhook registration failed: %s", error)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The webhook Telegram posts updates to."""
        blueprint = Blueprint("telegram_webhook", __name__)
        handle = guarded_webhook(blueprint, on_new_message, self.name())
        bot = self.get_output_channel()

        @blueprint.listener("after_server_start")
        async def start(_: Sanic, __: Any) -> None:
            await self.register_webhook(bot)

        @blueprint.listener("before_server_stop")
        async def stop(_: Sanic, __: Any) -> None:
            await bot.session.close()

        @blueprint.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self.secret_valid(request):
                logger.warning("Telegram webhook refused: wrong secret token")
                return response.text("forbidden", status=403)
            if not isinstance(request.json, dict):
                return response.text("bad update", status=400)
            update = Update(**request.json)
            if update.callback_query is not None:  # a button was tapped
                chat = update.callback_query.message.chat
                text = update.callback_query.data
                await bot.answer_callback_query(update.callback_query.id)
            else:
                incoming = update.message or update.edited_message
                if incoming is None or incoming.text is None:
                    return response.text("success")  # stickers, photos: nothing to read
                chat, text = incoming.chat, incoming.text
            await handle(
                UserMessage(
                    text,
                    bot,
                    conversation_id("telegram", str(chat.id)),
                    input_channel=self.name(),
                    metadata=self.get_metadata(request),
                )
            )
            return response.text("success")

        return blueprint
