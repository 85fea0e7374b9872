"""The website widget's socket.io channel.

Changes to Rasa's ``socketio`` channel:

* only the clinic's own pages may connect: browsers apply CORS to HTTP
  requests but not to WebSockets, so the origin is checked on connect;
* with ``session_persistence`` Rasa 3.6 calls python-socketio's coroutine
  ``enter_room`` without awaiting it (RasaHQ/rasa#13027), so the socket never
  joins its session's room and the visitor never sees a reply. The session
  handler here awaits it;
* messages pass the edge limits (channels/guard.py) first, and events that
  are not an object with a text ``message`` are dropped (Rasa's handler
  raises on them).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from channels.guard import edge_guard

logger = logging.getLogger(__name__)
MAX_SESSION_ID_CHARS = 128


class WebsiteSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel plus an origin check on connect."""

    required_credentials = ("allowed_origins",)

    @classmethod
    def name(cls) -> str:
        """Same name as the built-in channel: same paths, same widget set-up."""
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Rasa's socket.io settings plus ``allowed_origins`` (space separated)."""
        credentials = dict(credentials or {})
        origins = str(credentials.pop("allowed_origins", "") or "").split()
        channel = super().from_credentials(credentials)
        assert isinstance(channel, WebsiteSocketIOInput)
        channel.allowed_origins = origins
        return channel

    def __init__(self, *args: Any, allowed_origins: Sequence[str] = (), **kwargs: Any) -> None:
        """Rasa's arguments plus the origins allowed to connect."""
        super().__init__(*args, **kwargs)
        self.allowed_origins: List[str] = list(allowed_origins)

    def origin_allowed(self, origin: Optional[str]) -> bool:
        """Whether a browser page at ``origin`` may connect.

        Clients that send no Origin (not browsers) are let through: the check
        protects visitors' browsers from other sites, as CORS does.
        """
        return origin is None or origin in self.allowed_origins

    @staticmethod
    def message_valid(data: Any) -> bool:
        """Whether a socket.io message event has the shape Rasa's handler reads."""
        if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
            return False
        session_id = data.get("session_id")
        return session_id is None or (
            isinstance(session_id, str) and len(session_id) <= MAX_SESSION_ID_CHARS
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint: origin check on connect, limits and checks on messages."""
        guard = edge_guard()
        blueprint = super().blueprint(guard.wrap(on_new_message, self.name()))
        guard.limit_request_size(blueprint)
        assert self.sio is not None
        namespace = self.namespace or "/"
        connect = self.sio.handlers[namespace]["connect"]
        handle_message = self.sio.handlers[namespace][self.user_message_evt]

        async def checked_connect(sid: str, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not self.origin_allowed(origin):
                logger.warning("socket.io connection refused from origin %s", origin)
                return False
            return bool(await connect(sid, environ, auth))

        sio = self.sio

        async def session_request(sid: str, data: Any) -> None:
            data = dict(data) if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not 0 < len(session_id) <= MAX_SESSION_ID_CHARS:
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"])
            await sio.emit("session_confirm", data["session_id"], room=sid)

        async def checked_message(sid: str, data: Any) -> None:
            if not self.message_valid(data):
                logger.warning("socket.io message dropped: not an object with a text message")
                return
            data = dict(data)
            if not isinstance(data.get(self.metadata_key), (dict, type(None))):
                data.pop(self.metadata_key)
            await handle_message(sid, data)

        self.sio.on("connect", checked_connect, namespace=self.namespace)
        self.sio.on(self.user_message_evt, checked_message, namespace=self.namespace)
        self.sio.on("session_request", session_request, namespace=self.namespace)
        return blueprint
