"""Signed session ids for the website's chat widget.

The widget keeps its session id in the browser's session storage and sends
it with every message; the socket.io channel files the conversation under
it. An id the server did not issue would let a page name any conversation,
so ids are issued by the server and signed: ``<random>.<HMAC-SHA256>`` with
``WEB_SESSION_SECRET``. The conversation id is ``web:<random>``, so the
signature never reaches the tracker store or the staff console.

``WEB_SESSION_SECRET`` comes from the environment; `make run`, the tests
and the production profile generate one on first use and keep it in
``var/web_session_secret`` (mode 0600, git-ignored), as the staff console
does with its key (ops/settings.py). Several Rasa processes must share it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Optional

from clinic_core.conversation_ids import conversation_id

SECRET_ENV = "WEB_SESSION_SECRET"  # noqa: S105 (the variable's name)
MIN_SECRET_CHARS = 32
RANDOM_BYTES = 18  # 24 URL-safe characters


class WebSessions:
    """Issues and checks the widget's signed session ids."""

    def __init__(self, secret: str) -> None:
        """``secret``: at least 32 characters, shared by every Rasa process."""
        if len(secret or "") < MIN_SECRET_CHARS:
            raise ValueError(f"{SECRET_ENV} must be at least {MIN_SECRET_CHARS} characters")
        self.key = secret.encode()

    def signature(self, random_part: str) -> str:
        """The HMAC of the random part, URL-safe base64 without padding."""
        digest = hmac.new(self.key, random_part.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self) -> str:
        """A new signed session id for the widget to keep."""
        random_part = secrets.token_urlsafe(RANDOM_BYTES)
        return f"{random_part}.{self.signature(random_part)}"

    def conversation(self, session_id: object) -> Optional[str]:
        """The conversation id (``web:<random>``) of a genuine session id, else None."""
        if not isinstance(session_id, str) or session_id.count(".") != 1:
            return None
        random_part, given = session_id.split(".")
        expected = self.signature(random_part).encode()
        if not random_part or not hmac.compare_digest(given.encode(), expected):
            return None
        return conversation_id("web", random_part)
