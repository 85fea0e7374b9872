"""The console's HTML pages."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import secrets
import urllib.parse
from typing import Dict, List, Optional, Tuple, Union

import yaml
from sanic import Blueprint, Request
from sanic.exceptions import NotFound
from sanic.response import HTTPResponse, raw, redirect, text

from clinic_core.knowledge import load_conditions
from clinic_core.profile import load_profile
from clinic_core.settings import ROOT
from clinic_core.store import STATUSES, SlotTakenError
from staff_console import audit, privacy
from staff_console.appointments import DEFAULT_DAYS, parse_day_range, to_csv
from staff_console.conversation_filter import ConversationFilter, parse_filter
from staff_console.privacy import Patient
from staff_console.service import Console
from staff_console.web import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    client_address,
    form_value,
    query_args,
    quote,
    render,
    safe_next,
)

pages = Blueprint("pages")

LOGIN_COOKIE_SECONDS = 3600
AUDIT_PAGE_SIZE = 100


def _console(request: Request) -> Console:
    return request.app.ctx.console  # type: ignore[no-any-return]


def _actor(request: Request) -> str:
    return str(request.ctx.session.user.username)


def _set_cookie(
    response: HTTPResponse, request: Request, name: str, value: str, max_age: int, path: str = "/"
) -> None:
    """HttpOnly, SameSite=Strict, Secure when configured."""
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = path
    cookie["max-age"] = max_age
    if _console(request).settings.secure_cookies:
        cookie["secure"] = True


def topic_choices() -> Tuple[List[Tuple[str, str]], List[str]]:
    """Conditions (id, name) and the remaining intents, for the topic filter."""
    try:
        conditions = [(key, c.name) for key, c in load_conditions().conditions.items()]
    except ValueError:  # the clinic's file is broken: the action server says why
        conditions = []
    try:
        domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8")) or {}
        intents = [str(i) for i in domain.get("intents", []) if isinstance(i, str)]
    except (OSError, yaml.YAMLError):
        intents = []
    known = {key for key, _ in conditions}
    return conditions, sorted({*intents, "nlu_fallback"} - known)


def display_names() -> Dict[str, Dict[str, str]]:
    """Readable names of conditions and appointment types, from the clinic's files."""
    names: Dict[str, Dict[str, str]] = {"condition": {}, "visit": {}}
    try:
        names["condition"] = {key: c.name for key, c in load_conditions().conditions.items()}
        names["visit"] = {t.id: t.name for t in load_profile().appointment_types}
    except ValueError:  # a broken clinic file: ids are shown instead of names
        pass
    return names


# -- login ---------------------------------------------------------------------


def _login_page(
    request: Request, error: str = "", status: int = 200, nonce: Optional[str] = None
) -> HTTPResponse:
    """The login form, bound to a nonce in its own short-lived cookie (login CSRF)."""
    console = _console(request)
    fresh = nonce is None
    nonce = nonce or secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status=status,
        error=error,
        login_token=console.signer.login_form_token(nonce),
        next=safe_next(request.args.get("next") or form_value(request, "next") or "/"),
        username=form_value(request, "username")[:64] if request.method == "POST" else "",
    )
    if fresh:
        _set_cookie(
            response,
            request,
            LOGIN_COOKIE,
            console.signer.sign(nonce, "login"),
            LOGIN_COOKIE_SECONDS,
            path="/login",
        )
    return response


@pages.get("/login")
async def login_form(request: Request) -> HTTPResponse:
    """The login page (public)."""
    if _console(request).sessions.load(request.cookies.get(SESSION_COOKIE)):
        return redirect("/", status=303)
    request.ctx.session = None
    return _login_page(request)


@pages.post("/login")
async def login(request: Request) -> HTTPResponse:
    """Check the password; lock the username out after repeated failures (public)."""
    console = _console(request)
    request.ctx.session = None
    nonce = console.signer.unsign(request.cookies.get(LOGIN_COOKIE), "login")
    sent = form_value(request, CSRF_FIELD)
    if nonce is None or not hmac.compare_digest(
        sent.encode(), console.signer.login_form_token(nonce).encode()
    ):
        return _login_page(request, "The login form expired. Please try again.", 403)
    username = form_value(request, "username").strip().lower()[:64]
    password = form_value(request, "password")
    address = client_address(request)
    if not username or not password:
        return _login_page(request, "Enter your username and password.", 400, nonce)
    locked_until = console.throttle.locked_until(username, address)
    if locked_until is not None:
        console.audit.record(username, audit.LOGIN_LOCKED, username, "", address)
        minutes = max(1, int((locked_until - console.settings.utc_now()).total_seconds() // 60) + 1)
        return _login_page(
            request,
            f"Too many failed attempts. Try again in {minutes} minute"
            f"{'' if minutes == 1 else 's'}, or ask an administrator to reset your password.",
            429,
            nonce,
        )
    # argon2 is deliberately slow: keep it off the event loop.
    user = await asyncio.get_running_loop().run_in_executor(
        None, console.accounts.check_password, username, password
    )
    console.throttle.record(username, address, user is not None)
    if user is None:
        console.audit.record(username, audit.LOGIN_FAILED, username, "", address)
        return _login_page(request, "Wrong username or password.", 401, nonce)
    console.audit.record(user.username, audit.LOGIN_SUCCEEDED, user.username, "", address)
    response = redirect(safe_next(form_value(request, "next")), status=303)
    _set_cookie(
        response,
        request,
        SESSION_COOKIE,
        console.sessions.start(user),
        console.settings.session_max_hours * 3600,
    )
    _set_cookie(response, request, LOGIN_COOKIE, "", 0, path="/login")
    return response


@pages.post("/logout")
async def logout(request: Request) -> HTTPResponse:
    """End the session."""
    console = _console(request)
    session = request.ctx.session
    console.sessions.end(session.token_hash)
    console.audit.record(session.user.username, audit.LOGOUT, "", "", client_address(request))
    response = redirect("/login?msg=logged_out", status=303)
    _set_cookie(response, request, SESSION_COOKIE, "", 0)
    return response


@pages.get("/healthz")
async def healthz(request: Request) -> HTTPResponse:
    """Liveness check for process supervisors (public, says nothing else)."""
    return text("ok")


# -- home ----------------------------------------------------------------------


@pages.get("/")
async def home(request: Request) -> HTTPResponse:
    """Unreviewed emergencies and handoffs first, then today's appointments."""
    console = _console(request)
    today = console.settings.today_now().date()
    _, recent = console.conversation_page(ConversationFilter(), page_size=6)
    return render(
        request,
        "home.html",
        attention=console.attention(),
        today=console.appointments.by_day(today, today)[0],
        recent=recent,
        nav="home",
    )


# -- conversations -------------------------------------------------------------


@pages.get("/conversations")
async def conversation_list(request: Request) -> HTTPResponse:
    """Conversations, newest first, with filters and pages."""
    console = _console(request)
    wanted, errors = parse_filter(query_args(request))
    page, listed = console.conversation_page(wanted)
    conditions, intents = request.app.ctx.topics
    return render(
        request,
        "conversations.html",
        wanted=wanted,
        errors=errors,
        page=page,
        listed=listed,
        conditions=conditions,
        intents=intents,
        nav="conversations",
    )


def _transcript_page(
    request: Request, sender_id: str, error: str = "", status: int = 200
) -> HTTPResponse:
    console = _console(request)
    transcript = console.conversations.transcript(sender_id)
    if transcript is None:
        raise NotFound("no such conversation")
    return render(
        request,
        "transcript.html",
        status=status,
        transcript=transcript,
        review=console.reviews.get(sender_id),
        notes=console.reviews.notes_for(sender_id),
        appointments=console.appointments.by_conversation(sender_id),
        error=error,
        nav="conversations",
    )


@pages.get("/conversations/<sender_id:path>")
async def conversation(request: Request, sender_id: str) -> HTTPResponse:
    """One conversation: every message with its intent and confidence, and the replies."""
    wanted = urllib.parse.unquote(sender_id)
    page = _transcript_page(request, wanted)
    _console(request).audit.record(
        _actor(request), audit.VIEW, wanted, "transcript", client_address(request)
    )
    return page


def _back_to(sender_id: str, message: str) -> HTTPResponse:
    return redirect(f"/conversations/{quote(sender_id)}?msg={message}", status=303)


@pages.post("/reviews")
async def review(request: Request) -> HTTPResponse:
    """Mark a conversation reviewed (or not reviewed)."""
    console = _console(request)
    sender_id = form_value(request, "sender_id")
    last_event = console.conversations.last_event_id(sender_id)
    if last_event is None:
        raise NotFound("no such conversation")
    if form_value(request, "action") == "unreview":
        console.reviews.unmark(sender_id)
        action, message = audit.UNREVIEW, "unreviewed"
    else:
        console.reviews.mark(sender_id, _actor(request), last_event)
        action, message = audit.REVIEW, "reviewed"
    console.audit.record(_actor(request), action, sender_id, "", client_address(request))
    return _back_to(sender_id, message)


@pages.post("/notes")
async def add_note(request: Request) -> HTTPResponse:
    """Add a staff note to a conversation."""
    console = _console(request)
    sender_id = form_value(request, "sender_id")
    if console.conversations.last_event_id(sender_id) is None:
        raise NotFound("no such conversation")
    try:
        note = console.reviews.add_note(sender_id, _actor(request), form_value(request, "body"))
    except ValueError as error:
        return _transcript_page(request, sender_id, str(error).capitalize() + ".", 400)
    console.audit.record(
        _actor(request), audit.NOTE, sender_id, f"note {note.id}", client_address(request)
    )
    return _back_to(sender_id, "note")


# -- appointments --------------------------------------------------------------


def _day_range(request: Request, default_days: int) -> Tuple[dt.date, dt.date, List[str]]:
    """The query's day range, in the clinic's days."""
    today = _console(request).settings.today_now().date()
    return parse_day_range(query_args(request), today, default_days)


@pages.get("/appointments")
async def appointment_days(request: Request) -> HTTPResponse:
    """Today and the following days, appointment by appointment."""
    console = _console(request)
    first, last, errors = _day_range(request, DEFAULT_DAYS)
    span = (last - first).days + 1
    today = console.settings.today_now().date()
    console.audit.record(
        _actor(request),
        audit.VIEW,
        "appointments",
        f"{first.isoformat()}..{last.isoformat()}",
        client_address(request),
    )
    return render(
        request,
        "appointments.html",
        days=console.appointments.by_day(first, last),
        first=first,
        last=last,
        span=span,
        today=today,
        previous=(first - dt.timedelta(days=span)).isoformat(),
        following=(first + dt.timedelta(days=span)).isoformat(),
        statuses=STATUSES,
        errors=errors,
        return_to=request.path + (f"?{request.query_string}" if request.query_string else ""),
        nav="appointments",
    )


@pages.post("/appointments/<reference:str>/status")
async def appointment_status(request: Request, reference: str) -> HTTPResponse:
    """Change an appointment's status (booked, cancelled, attended, no-show)."""
    console = _console(request)
    status = form_value(request, "status")
    if status not in STATUSES:
        return render(request, "error.html", status=400, title="Unknown status", detail=status[:40])
    try:
        before, after = console.appointments.set_status(reference, status)
    except KeyError as error:
        raise NotFound("no such appointment") from error
    except SlotTakenError:
        return render(
            request,
            "error.html",
            status=409,
            title="That time has been booked again",
            detail=(
                f"Appointment {reference.upper()} stays cancelled: another appointment now "
                "holds its time. Book the patient a new time instead."
            ),
        )
    console.audit.record(
        _actor(request),
        audit.STATUS_CHANGE,
        after.reference,
        f"{before.status} -> {after.status}",
        client_address(request),
    )
    target = safe_next(form_value(request, "return_to"), "/appointments")
    separator = "&" if "?" in target else "?"
    return redirect(f"{target}{separator}msg=status", status=303)


@pages.get("/appointments/export.csv")
async def export_csv(request: Request) -> HTTPResponse:
    """Appointments of a day or a date range as CSV (one day by default)."""
    console = _console(request)
    first, last, errors = _day_range(request, 1)
    if errors:
        return render(
            request, "error.html", status=400, title="Bad export range", detail="; ".join(errors)
        )
    rows = console.appointments.between(first, last)
    console.audit.record(
        _actor(request),
        audit.EXPORT,
        "appointments.csv",
        f"{first.isoformat()}..{last.isoformat()} ({len(rows)} rows)",
        client_address(request),
    )
    name = f"appointments-{first.isoformat()}"
    if last != first:
        name += f"-to-{last.isoformat()}"
    return raw(
        to_csv(rows, console.settings.zone).encode("utf-8-sig"),  # BOM: Excel reads UTF-8
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


# -- privacy -------------------------------------------------------------------


def _not_admin(request: Request, what: str) -> Optional[HTTPResponse]:
    """A 403 page for staff who are not administrators, else None."""
    if request.ctx.session.user.is_admin:
        return None
    return render(
        request,
        "error.html",
        status=403,
        title="Administrators only",
        detail=f"Ask an administrator if you need {what}.",
    )


def _patient(request: Request) -> Tuple[Optional[Patient], str]:
    try:
        return Patient.parse(form_value(request, "phone"), form_value(request, "email")), ""
    except ValueError as error:
        return None, str(error).capitalize() + "."


def _privacy_patient(request: Request, what: str) -> Union[Patient, HTTPResponse]:
    """The patient a privacy form names, or the page refusing ``what`` to this request."""
    refused = _not_admin(request, what)
    if refused:
        return refused
    patient, error = _patient(request)
    if patient is None:
        return render(request, "privacy.html", status=400, error=error, nav="privacy")
    return patient


@pages.get("/privacy")
async def privacy_page(request: Request) -> HTTPResponse:
    """Export or erase everything held about one patient (administrators only)."""
    return _not_admin(request, "a patient's data exported or erased") or render(
        request, "privacy.html", nav="privacy"
    )


@pages.post("/privacy/export")
async def privacy_export(request: Request) -> HTTPResponse:
    """One patient's conversations, appointments and notes as one JSON file."""
    patient = _privacy_patient(request, "a patient's data exported")
    if isinstance(patient, HTTPResponse):
        return patient
    console = _console(request)
    data = await asyncio.to_thread(
        privacy.export, console.settings, patient, _actor(request), client_address(request)
    )
    day = console.settings.utc_now().date().isoformat()
    return raw(
        json.dumps(data, indent=2, ensure_ascii=False).encode(),
        content_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="patient-data-{day}.json"',
            "Cache-Control": "no-store",
        },
    )


@pages.post("/privacy/erase")
async def privacy_erase(request: Request) -> HTTPResponse:
    """Erase (or anonymise) one patient everywhere, after a typed confirmation."""
    patient = _privacy_patient(request, "a patient's data erased")
    if isinstance(patient, HTTPResponse):
        return patient
    if form_value(request, "confirm") != "ERASE":
        return render(
            request,
            "privacy.html",
            status=400,
            error="Type ERASE to confirm: this cannot be undone.",
            nav="privacy",
        )
    console = _console(request)
    report = await asyncio.to_thread(
        privacy.erase,
        console.settings,
        patient,
        _actor(request),
        form_value(request, "mode") == "anonymise",
        client_address(request),
    )
    return render(request, "privacy.html", done=report.summary(), nav="privacy")


# -- audit ---------------------------------------------------------------------


@pages.get("/audit")
async def audit_log(request: Request) -> HTTPResponse:
    """The audit log, newest first (administrators only)."""
    refused = _not_admin(request, "to see the audit log")
    if refused:
        return refused
    page_text = request.args.get("page", "1")
    page = int(page_text) if page_text.isdigit() and int(page_text) > 0 else 1
    entries, total = _console(request).audit.recent(AUDIT_PAGE_SIZE, (page - 1) * AUDIT_PAGE_SIZE)
    return render(
        request,
        "audit.html",
        entries=entries,
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE_SIZE)),
        total=total,
        nav="audit",
    )
