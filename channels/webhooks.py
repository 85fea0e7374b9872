"""What every messaging webhook has: edge limits, numbered replies, a health check."""

from __future__ import annotations

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.guard import edge_guard
from channels.numbered_choices import OnNewMessage, resolve_numbered_replies


def guarded_webhook(
    blueprint: Blueprint, on_new_message: OnNewMessage, channel: str
) -> OnNewMessage:
    """Put the edge limits and a health check (``GET /``) on a messaging channel's ``blueprint``.

    Returns:
        Where the channel passes each incoming message: through the edge
        guard (length and rate limits), a numbered answer resolved to its
        button's payload, then on to ``on_new_message``.

    """
    guard = edge_guard()
    guard.limit_request_size(blueprint)

    @blueprint.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    return guard.wrap(resolve_numbered_replies(blueprint, on_new_message), channel)
