"""The website widget's socket.io channel.

Two changes to Rasa's ``socketio`` channel:

* only the clinic's own pages may connect: browsers apply CORS to HTTP
  requests but not to WebSockets, so the origin is checked on connect;
* with ``session_persistence`` Rasa 3.6 calls python-socketio's coroutine
  ``enter_room`` without awaiting it (RasaHQ/rasa#13027), so the socket never
  joins its session's room and the visitor never sees a reply. The session
  handler here awaits it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

logger = logging.getLogger(__name__)


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

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint, with the connect handler wrapped by the origin check."""
        blueprint = super().blueprint(on_new_message)
        assert self.sio is not None
        namespace = self.namespace or "/"
        connect = self.sio.handlers[namespace]["connect"]

        async def checked_connect(sid: str, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not self.origin_allowed(origin):
                logger.warning("socket.io connection refused from origin %s", origin)
                return False
            return bool(await connect(sid, environ, auth))

        sio = self.sio

        async def session_request(sid: str, data: Optional[Dict]) -> None:
            data = dict(data or {})
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"])
            await sio.emit("session_confirm", data["session_id"], room=sid)

        self.sio.on("connect", checked_connect, namespace=self.namespace)
        self.sio.on("session_request", session_request, namespace=self.namespace)
        return blueprint
