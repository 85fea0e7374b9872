"""Telegram, Twilio and Meta's Graph API, faked on loopback.

The channels' outgoing clients are pointed here (each channel accepts an API
base URL), so tests see exactly what the assistant would send to a patient's
phone. Answers follow each provider's documented response shapes closely
enough for the real client libraries (aiogram, twilio, fbmessenger) to parse.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Tuple
from urllib.parse import parse_qsl, urlsplit

TELEGRAM_BOT = {"id": 7001, "is_bot": True, "first_name": "Willow", "username": "willow_clinic_bot"}


@dataclass
class Sent:
    """One call the assistant made to a provider."""

    provider: str  # telegram | twilio | facebook
    method: str  # sendMessage, Messages, me/messages, ...
    fields: Dict[str, Any]


@dataclass
class FakeProviders:
    """A loopback HTTP server recording every call to the three APIs."""

    calls: List[Sent] = field(default_factory=list)
    webhooks: List[Dict[str, Any]] = field(default_factory=list)  # Telegram setWebhook calls
    rejected: List[str] = field(default_factory=list)  # calls a real provider would refuse
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeProviders:
        providers = self
        ids = itertools.count(1)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fields = parse_body(self.headers.get("Content-Type", ""), body)
                status, answer = providers.answer(urlsplit(self.path).path, fields, next(ids))
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def record(self, provider: str, method: str, fields: Dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(Sent(provider, method, fields))

    def answer(self, path: str, fields: Dict[str, Any], number: int) -> Tuple[int, Any]:
        """Record the call and answer it as the provider would."""
        problem = malformed(path, fields)
        if problem:
            with self.lock:
                self.rejected.append(f"{path}: {problem}")
            return 400, {"error": problem}
        parts = path.strip("/").split("/")
        if parts[0] == "telegram":  # /telegram/bot<token>/<method>
            method = parts[-1]
            self.record("telegram", method, fields)
            if method == "setWebhook":
                self.webhooks.append(fields)
            if method == "getMe":
                return 200, {"ok": True, "result": TELEGRAM_BOT}
            if method == "sendMessage":
                chat = {"id": int(fields["chat_id"]), "type": "private"}
                message = {"message_id": number, "date": int(time.time()), "chat": chat}
                return 200, {"ok": True, "result": {**message, "text": fields.get("text", "")}}
            return 200, {"ok": True, "result": True}
        if parts[0] == "twilio":  # /twilio/2010-04-01/Accounts/<sid>/Messages.json
            self.record("twilio", "Messages", fields)
            sid = f"SM{number:032d}"
            return 201, {
                "sid": sid,
                "account_sid": parts[3],
                "to": fields.get("To"),
                "from": fields.get("From"),
                "body": fields.get("Body"),
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "uri": f"/2010-04-01/Accounts/{parts[3]}/Messages/{sid}.json",
            }
        if parts[0] == "graph":  # /graph/v<version>/me/messages
            self.record("facebook", "/".join(parts[2:]), fields)
            recipient = fields.get("recipient", {}).get("id")
            return 200, {"recipient_id": recipient, "message_id": f"m_{number}"}
        return 404, {"error": f"unknown path {path}"}

    def sent(self, provider: str, method: str) -> List[Sent]:
        with self.lock:
            return [c for c in self.calls if c.provider == provider and c.method == method]

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()


def malformed(path: str, fields: Dict[str, Any]) -> str:
    """Why the real provider would refuse this call ("" if it would accept it).

    Checks the documented limits that matter for this assistant's messages.
    """
    if path.endswith("/sendMessage"):
        if not fields.get("chat_id") or not 1 <= len(fields.get("text", "")) <= 4096:
            return "sendMessage needs chat_id and 1-4096 characters of text"
        if "reply_markup" in fields and "inline_keyboard" not in json.loads(fields["reply_markup"]):
            return "unexpected reply_markup"
    if path.endswith("/Messages.json"):
        if not fields.get("To") or not fields.get("From"):
            return "a message needs To and From"
        if not 1 <= len(fields.get("Body", "")) <= 1600:
            return "Body must be 1-1600 characters"
    if path.endswith("/me/messages"):
        if not fields.get("recipient", {}).get("id"):
            return "recipient.id is required"
        action, message = fields.get("sender_action"), fields.get("message")
        if (action is None) == (message is None):
            return "exactly one of message and sender_action"
        if action is not None and action not in ("mark_seen", "typing_on", "typing_off"):
            return f"unknown sender_action {action!r}"
        if message is not None:
            if not 1 <= len(message.get("text", "")) <= 2000:
                return "text must be 1-2000 characters"
            replies = message.get("quick_replies", [])
            if len(replies) > 13 or any(len(r.get("title", "")) > 20 for r in replies):
                return "at most 13 quick replies with titles of at most 20 characters"
    return ""


def parse_body(content_type: str, body: bytes) -> Dict[str, Any]:
    """JSON, URL-encoded or multipart form fields as a dict."""
    if content_type.startswith("application/json"):
        return dict(json.loads(body or b"{}"))
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        return {
            part.get_param("name", header="content-disposition"): part.get_content()
            for part in message.iter_parts()
        }
    return dict(parse_qsl(body.decode()))
