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
  raises on them);
* session ids are issued by the server and signed (channels/web_session.py):
  a ``session_request`` with an id the server did not sign (forged, or
  another channel's conversation such as ``sms:+44...``) is not joined and
  gets a new id instead; a message must carry the id its socket was given,
  and is filed under the conversation ``web:<random>``;
* socket.io packets are capped at ``MAX_REQUEST_BYTES`` (64 kB, engineio's
  ``max_http_buffer_size``; Rasa keeps python-socketio's 1 MB): a larger
  polling POST is refused and a larger WebSocket message closes the socket;
  ``customData`` over ``MAX_METADATA_BYTES`` or nested deeper than
  ``MAX_METADATA_DEPTH`` is dropped (the message itself goes on);
* each socket's client address (``TRUSTED_PROXIES``, channels/guard.py) is
  held to ``RATE_LIMIT_ADDRESS_MESSAGES``, and its pseudonym goes to the
  assistant as ``metadata.client``.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from channels.guard import edge_guard
from channels.numbered_choices import ButtonReplies
from channels.rest import MAX_METADATA_DEPTH, depth
from channels.web_session import WebSessions
from clinic_core.conversation_ids import CLIENT_KEY

logger = logging.getLogger(__name__)
MAX_SESSION_ID_CHARS = 128
MAX_METADATA_BYTES = 4096


class WebsiteSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel plus an origin check on connect."""

    required_credentials = ("allowed_origins", "session_secret")

    @classmethod
    def name(cls) -> str:
        """Same name as the built-in channel: same paths, same widget set-up."""
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Rasa's settings plus ``allowed_origins`` (space separated) and ``session_secret``."""
        credentials = dict(credentials or {})
        origins = str(credentials.pop("allowed_origins", "") or "").split()
        secret = str(credentials.pop("session_secret", "") or "")
        channel = super().from_credentials(credentials)
        assert isinstance(channel, WebsiteSocketIOInput)
        channel.allowed_origins = origins
        channel.sessions = WebSessions(secret)
        return channel

    def __init__(
        self,
        *args: Any,
        allowed_origins: Sequence[str] = (),
        session_secret: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        """Rasa's arguments plus the origins allowed to connect and the session secret."""
        super().__init__(*args, **kwargs)
        self.allowed_origins: List[str] = list(allowed_origins)
        self.sessions: Optional[WebSessions] = (
            WebSessions(session_secret) if session_secret else None
        )
        # Conversations are always the signed session's (never the socket id).
        self.session_persistence = True
        self.bound: Dict[str, str] = {}  # socket id -> its conversation id
        self.clients: Dict[str, str] = {}  # socket id -> client address pseudonym

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

    @staticmethod
    def metadata_allowed(metadata: Any) -> bool:
        """Whether ``customData`` is an object, small and shallow enough to store."""
        if not isinstance(metadata, dict) or depth(metadata) > MAX_METADATA_DEPTH:
            return False
        try:
            return len(json.dumps(metadata).encode()) <= MAX_METADATA_BYTES
        except (TypeError, ValueError):
            return False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint: origin check on connect, signed sessions, limits on messages."""
        if self.sessions is None:
            raise ValueError("the website channel needs session_secret (WEB_SESSION_SECRET)")
        sessions = self.sessions
        guard = edge_guard()

        def client_of(message: UserMessage) -> Optional[str]:
            return (message.metadata or {}).get(CLIENT_KEY)

        # A button's title typed out is that button's payload.
        replies = ButtonReplies(numbered=False)
        blueprint = super().blueprint(
            guard.wrap(replies.wrap(on_new_message), self.name(), client_of)
        )
        replies.attach(blueprint)
        guard.limit_request_size(blueprint)
        assert self.sio is not None
        sio = self.sio
        sio.eio.max_http_buffer_size = guard.settings.max_request_bytes
        namespace = self.namespace or "/"
        connect = sio.handlers[namespace]["connect"]
        handle_message = sio.handlers[namespace][self.user_message_evt]

        async def checked_connect(sid: str, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not self.origin_allowed(origin):
                logger.warning("socket.io connection refused from origin %s", origin)
                return False
            request = environ.get("sanic.request")
            peer = request.ip if request is not None else None
            address = guard.client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"))
            self.clients[sid] = guard.client_key(address)
            return bool(await connect(sid, environ, auth))

        async def disconnect(sid: str, *reason: Any) -> None:
            self.bound.pop(sid, None)
            self.clients.pop(sid, None)

        async def session_request(sid: str, data: Any) -> None:
            given = data.get("session_id") if isinstance(data, dict) else None
            conversation = sessions.conversation(given)
            session_id = given if conversation is not None else sessions.issue()
            if given and conversation is None:
                logger.warning("socket.io session id refused: not one this server signed")
            conversation = conversation or sessions.conversation(session_id)
            assert conversation is not None
            previous = self.bound.get(sid)
            if previous and previous != conversation:
                await sio.leave_room(sid, previous)
            self.bound[sid] = conversation
            await sio.enter_room(sid, conversation)
            await sio.emit("session_confirm", session_id, room=sid)

        async def checked_message(sid: str, data: Any) -> None:
            if not self.message_valid(data):
                logger.warning("socket.io message dropped: not an object with a text message")
                return
            conversation = sessions.conversation(data.get("session_id"))
            if conversation is None or conversation != self.bound.get(sid):
                logger.warning("socket.io message dropped: not the session this socket was given")
                return
            data = dict(data)
            data["session_id"] = conversation
            metadata = data.get(self.metadata_key)
            if metadata is not None and not self.metadata_allowed(metadata):
                logger.warning(
                    "socket.io metadata dropped: over %d bytes, %d levels, or not an object",
                    MAX_METADATA_BYTES,
                    MAX_METADATA_DEPTH,
                )
                metadata = None
            data[self.metadata_key] = {**(metadata or {}), CLIENT_KEY: self.clients.get(sid)}
            await handle_message(sid, data)

        sio.on("connect", checked_connect, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
        sio.on(self.user_message_evt, checked_message, namespace=self.namespace)
        sio.on("session_request", session_request, namespace=self.namespace)
        return blueprint
