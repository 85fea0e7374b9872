"""Rendering and request helpers shared by the pages and the API."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from pathlib import Path
from typing import Any, Dict, Mapping, Optional
from zoneinfo import ZoneInfo

import jinja2
from sanic import Request
from sanic.response import HTTPResponse, html

from staff_console.appointments import STATUS_LABELS

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

SESSION_COOKIE = "console_session"
LOGIN_COOKIE = "console_login"
CSRF_FIELD = "csrf_token"

# No script at all: the pages are plain HTML forms and one stylesheet.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def templates(names: Optional[Mapping[str, Mapping[str, str]]] = None) -> jinja2.Environment:
    """The Jinja environment: HTML autoescaped, undefined names are errors.

    ``names`` maps kinds ("condition", "visit") of ids to readable names.
    """
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["percent"] = percent
    environment.globals["STATUS_LABELS"] = STATUS_LABELS
    environment.globals["quote"] = quote
    environment.globals["day_label"] = day_label
    known = names or {}

    def name_of(kind: str, key: Optional[str]) -> str:
        if not key:
            return ""
        return known.get(kind, {}).get(key) or key.replace("_", " ")

    environment.globals["name_of"] = name_of
    return environment


def percent(value: Optional[float]) -> str:
    """0.873 as ``87%``."""
    return "–" if value is None else f"{value * 100:.0f}%"


def quote(value: str) -> str:
    """A sender id as one URL path segment (ids may hold '/', '+' or ':')."""
    return urllib.parse.quote(value, safe="")


def local_time(moment: dt.datetime, zone: ZoneInfo, style: str = "datetime") -> str:
    """A UTC time as the clinic reads it."""
    local = moment.astimezone(zone)
    if style == "time":
        return local.strftime("%H:%M")
    if style == "date":
        return f"{local:%a} {local.day} {local:%b %Y}"
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def day_label(day: dt.date) -> str:
    """``Tuesday 1 December 2026``."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def client_address(request: Request) -> str:
    """The client's address (behind a proxy: as configured in Sanic's proxy settings)."""
    return str(request.remote_addr or request.ip or "")


def safe_next(target: Optional[str], default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urllib.parse.urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return default
    return target


def query_args(request: Request) -> Dict[str, str]:
    """The first value of each query parameter."""
    return {name: values[0] for name, values in request.args.items() if values}


def form_value(request: Request, name: str) -> str:
    """One form field ('' when absent)."""
    form = request.form or {}
    value = form.get(name)
    return str(value) if value is not None else ""


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    """A page, with the logged-in user and CSRF token available to the template."""
    app = request.app
    session = getattr(request.ctx, "session", None)
    values: Dict[str, Any] = {
        "clinic_name": app.ctx.console.settings.clinic_name,
        "session_user": session.user if session else None,
        "csrf_token": session.csrf_token if session else "",
        "path": request.path,
        "zone": app.ctx.console.settings.zone,
        "local_time": lambda moment, style="datetime": local_time(
            moment, app.ctx.console.settings.zone, style
        ),
        "message": MESSAGES.get(request.args.get("msg", ""), ""),
        "nav": "",
    }
    values.update(context)
    return html(app.ctx.templates.get_template(template).render(values), status=status)


# Messages shown after a redirect: fixed texts chosen by a code, never echoed input.
MESSAGES: Mapping[str, str] = {
    "reviewed": "Marked as reviewed.",
    "unreviewed": "Marked as not reviewed.",
    "note": "Note added.",
    "status": "Appointment status saved.",
    "logged_out": "You have logged out.",
}
