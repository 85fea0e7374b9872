"""The staff console's Sanic application.

Every route needs a logged-in member of staff (pages) or an API token
(``/api/``) unless it is one of the few public routes listed in
:func:`public_routes`: the check runs in a request middleware, so a route
added later is protected without anyone remembering to protect it.
"""

from __future__ import annotations

import hmac
import logging
import urllib.parse
from typing import Optional, Set

from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import BaseHTTPResponse, HTTPResponse, json, redirect

from staff_console import api, views
from staff_console.service import Console
from staff_console.settings import Settings
from staff_console.web import (
    CONTENT_SECURITY_POLICY,
    CSRF_FIELD,
    SESSION_COOKIE,
    STATIC_DIR,
    form_value,
    render,
    templates,
)

APP_NAME = "staff_console"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_REQUEST_BYTES = 1_000_000

logger = logging.getLogger(__name__)


def public_routes(app: Sanic) -> Set[str]:
    """Names of the routes that answer without a login: login, health check, CSS."""
    return {
        f"{app.name}.pages.login_form",
        f"{app.name}.pages.login",
        f"{app.name}.pages.healthz",
        f"{app.name}.static",
    }


def create_app(settings: Settings, name: str = APP_NAME, configure_logging: bool = True) -> Sanic:
    """The console application for ``settings`` (``name`` must be unique per process)."""
    app = Sanic(name, configure_logging=configure_logging)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.config.ACCESS_LOG = False  # URLs can carry patient search text
    app.config.FALLBACK_ERROR_FORMAT = "text"
    app.ctx.console = Console(settings)
    app.ctx.templates = templates(views.display_names())
    app.ctx.public = public_routes(app)
    app.ctx.topics = views.topic_choices()
    app.static("/static", str(STATIC_DIR), name="static")
    app.blueprint(views.pages)
    app.blueprint(api.api)
    app.register_middleware(guard, "request")
    app.register_middleware(security_headers, "response")
    app.error_handler.add(SanicException, error_page)
    app.error_handler.add(Exception, error_page)
    return app


def _bearer(request: Request) -> Optional[str]:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _same_origin(request: Request) -> bool:
    """A cross-site form post carries a foreign Origin.

    A missing or "null" Origin (privacy settings) proves nothing either way:
    the CSRF token and the SameSite cookie still protect the form.
    """
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    return urllib.parse.urlsplit(origin).netloc == request.headers.get("host", "")


async def guard(request: Request) -> Optional[HTTPResponse]:
    """Refuse unauthenticated requests; check CSRF tokens on every form post."""
    request.ctx.session = None
    request.ctx.api_client = None
    route = request.route
    if route is None or route.name in request.app.ctx.public:
        return None
    console: Console = request.app.ctx.console
    if request.path.startswith("/api/"):
        token = _bearer(request)
        client = console.tokens.verify(token) if token else None
        if client is None:
            return json(
                {"error": "unauthorized"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="staff console"'},
            )
        request.ctx.api_client = client
        return None
    session = console.sessions.load(request.cookies.get(SESSION_COOKIE))
    if session is None:
        target = "/login"
        if request.method in SAFE_METHODS and request.path != "/":
            wanted = request.path + (f"?{request.query_string}" if request.query_string else "")
            target += "?" + urllib.parse.urlencode({"next": wanted})
        return redirect(target, status=303)
    request.ctx.session = session
    if request.method not in SAFE_METHODS:
        token = form_value(request, CSRF_FIELD)
        if not _same_origin(request) or not hmac.compare_digest(
            token.encode(), session.csrf_token.encode()
        ):
            return render(
                request,
                "error.html",
                status=403,
                title="Form expired",
                detail="This form was not accepted. Go back, reload the page and try again.",
            )
    return None


async def security_headers(request: Request, response: BaseHTTPResponse) -> None:
    """Strict headers on everything; patient data is never cached."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    # Same-origin: links out never carry a conversation id, our own forms keep their Origin.
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.app.ctx.console.settings.secure_cookies:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if request.path.startswith("/static/"):
        headers["Cache-Control"] = "private, max-age=3600"
    else:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"


def error_page(request: Request, exception: Exception) -> HTTPResponse:
    """Errors as JSON under /api/, as a page elsewhere; never a traceback."""
    status = getattr(exception, "status_code", 500) or 500
    if status >= 500:
        logger.exception("request failed", exc_info=exception)
    title = {400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Not allowed"}.get(
        status, "Something went wrong"
    )
    if request.path.startswith("/api/"):
        return json({"error": title.lower()}, status=status)
    if not hasattr(request.ctx, "session"):
        request.ctx.session = None
    return render(request, "error.html", status=status, title=title, detail="")
