"""The action server: rasa-sdk's Sanic app, answering only callers that know the secret.

    python -m ops.action_server [--port 5055] [--actions actions]

rasa-sdk 3.6 has no authentication of its own (``python -m rasa_sdk`` answers
anyone who reaches its port, and a made-up tracker can ask any action to
run), so this entry point wraps rasa-sdk's app (``rasa_sdk.endpoint.create_app``)
with one request middleware: every request but ``/health`` must carry
``Authorization: Bearer <ACTION_SERVER_TOKEN>``, which Rasa sends from
``headers`` in endpoints.yml. Anything else gets 401 and a warning in the log.

It listens on ``ACTION_SERVER_HOST`` (127.0.0.1 unless set). rasa-sdk's own
``SANIC_HOST`` is ignored, so a value left in the environment for some other
Sanic program can no longer publish the action server silently. Without a
token it refuses to start.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys
from typing import List, Optional

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic_core.settings import ActionSettings, SettingsError
from clinic_core.settings import check as check_settings
from ops.settings import ACTION_SERVER_TOKEN_ENV

logger = logging.getLogger(__name__)

HOST_ENV = "ACTION_SERVER_HOST"
OPEN_PATHS = frozenset({"/health"})  # for load balancers and start-up checks
MIN_TOKEN_CHARS = 32


class MissingTokenError(RuntimeError):
    """ACTION_SERVER_TOKEN is unset or too short."""


def expected_header(token: str) -> str:
    """The ``Authorization`` value Rasa sends (endpoints.yml ``headers``)."""
    return f"Bearer {token}"


def authenticated_app(token: str, actions: str = "actions") -> Sanic:
    """rasa-sdk's app for the ``actions`` package, refusing calls without ``token``."""
    if len(token) < MIN_TOKEN_CHARS:
        raise MissingTokenError(
            f"{ACTION_SERVER_TOKEN_ENV} must be set to a secret of at least "
            f"{MIN_TOKEN_CHARS} characters (the same value Rasa sends)"
        )
    app = create_app(actions, cors_origins=None)
    wanted = expected_header(token).encode()

    @app.on_request
    async def authenticate(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get("authorization", "").encode()
        if hmac.compare_digest(given, wanted):
            return None
        logger.warning(
            f"ALARM action server refused an unauthenticated call to {request.path} "
            f"from {request.ip}"
        )
        return response.json({"error": "unauthorized"}, status=401)

    @app.exception(Exception)
    async def unexpected_error(request: Request, error: Exception) -> HTTPResponse:
        # rasa-sdk's own handler logs a traceback; staff also need an ALARM line
        # (Rasa apologises to the patient, rasa_extensions/resilience.py).
        call = request.json if isinstance(request.json, dict) else {}
        action = call.get("next_action", "?")
        logger.error(f"ALARM action server: {action} failed: {error!r}", exc_info=error)
        return response.json({"error": str(error), "request_body": request.json}, status=500)

    return app


def listen_host(environ: Optional[dict] = None) -> str:
    """``ACTION_SERVER_HOST``, else loopback; ``SANIC_HOST`` never decides."""
    settings = ActionSettings.load(environ)
    host = settings.host
    sanic_host = settings.sanic_host
    if sanic_host and sanic_host != host:
        logger.warning(
            f"SANIC_HOST={sanic_host} is ignored: the action server listens on {host} "
            f"({HOST_ENV})"
        )
    return host


def main(argv: Optional[List[str]] = None) -> int:
    """Start the action server (Sanic workers from ACTION_SERVER_SANIC_WORKERS)."""
    parser = argparse.ArgumentParser(prog="python -m ops.action_server", description=__doc__)
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions", help="package of the actions")
    args = parser.parse_args(argv)
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    try:
        check_settings()
        app = authenticated_app(ActionSettings.load().token, args.actions)
    except (MissingTokenError, SettingsError) as error:
        logger.error(f"ALARM action server not started: {error}")
        return 2
    host = listen_host()
    logger.info(f"Action server on http://{host}:{args.port} (calls need the shared secret)")
    app.run(host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
