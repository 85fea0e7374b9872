"""The JSON API under /api/, for scripts; authenticated with a bearer token."""

from __future__ import annotations

import urllib.parse
from typing import Any, Dict, List, Optional

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from clinic_core.store import STATUSES
from staff_console import audit
from staff_console.appointments import DEFAULT_DAYS, appointment_record, parse_day_range
from staff_console.conversation_filter import parse_filter
from staff_console.reviews import Review
from staff_console.service import Console, Listed
from staff_console.web import client_address, query_args

api = Blueprint("api", url_prefix="/api")

MAX_PAGE_SIZE = 100


def _console(request: Request) -> Console:
    return request.app.ctx.console  # type: ignore[no-any-return]


def _audit(request: Request) -> None:
    """API reads are exports of patient data: each one is logged."""
    _console(request).audit.record(
        f"token:{request.ctx.api_client}",
        audit.API_READ,
        request.path,
        request.query_string[:500],
        client_address(request),
    )


def _bad_request(errors: List[str]) -> HTTPResponse:
    return json({"error": "bad request", "details": errors}, status=400)


def _review(review: Optional[Review]) -> Optional[Dict[str, Any]]:
    if review is None:
        return None
    return {
        "reviewed_by": review.reviewed_by,
        "reviewed_at": review.reviewed_at.isoformat(),
        "last_event_id": review.last_event_id,
    }


def _listed(item: Listed) -> Dict[str, Any]:
    summary = item.summary
    return {
        "id": summary.sender_id,
        "started_at": summary.started_at.isoformat(),
        "last_at": summary.last_at.isoformat(),
        "user_messages": summary.user_messages,
        "emergency": summary.emergency,
        "red_flag": summary.red_flag,
        "handoff": summary.handoff,
        "alarm": summary.alarm,
        "low_confidence": summary.low_confidence,
        "condition": summary.condition,
        "first_message": summary.first_message,
        "booked": [a.reference for a in item.appointments],
        "reviewed": _review(item.review),
        "needs_review": item.needs_review,
        "notes": item.note_count,
    }


@api.get("/appointments")
async def appointments(request: Request) -> HTTPResponse:
    """Appointments from ``from`` to ``to`` (clinic days, inclusive; default a week)."""
    console = _console(request)
    args = query_args(request)
    today = console.settings.today_now().date()
    first, last, errors = parse_day_range(args, today, DEFAULT_DAYS)
    status = args.get("status") or None
    if status is not None and status not in STATUSES:
        errors.append(f"status must be one of {', '.join(STATUSES)}")
    if errors:
        return _bad_request(errors)
    _audit(request)
    rows = console.appointments.between(first, last, status)
    return json(
        {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "timezone": console.settings.zone.key,
            "appointments": [appointment_record(a, console.settings.zone) for a in rows],
        }
    )


@api.get("/conversations")
async def conversations(request: Request) -> HTTPResponse:
    """Conversations, newest first; the same filters as the page, plus ``page_size``."""
    console = _console(request)
    args = query_args(request)
    wanted, errors = parse_filter(args)
    size_text = args.get("page_size", str(console.settings.page_size))
    size = int(size_text) if size_text.isdigit() else 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        errors.append(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    if errors:
        return _bad_request(errors)
    _audit(request)
    page, listed = console.conversation_page(wanted, page_size=size)
    return json(
        {
            "page": page.page,
            "pages": page.pages,
            "page_size": page.page_size,
            "total": page.total,
            "conversations": [_listed(item) for item in listed],
        }
    )


@api.get("/conversations/<sender_id:path>")
async def conversation(request: Request, sender_id: str) -> HTTPResponse:
    """One conversation: its turns, appointments, review and notes."""
    console = _console(request)
    sender_id = urllib.parse.unquote(sender_id)
    transcript = console.conversations.transcript(sender_id)
    if transcript is None:
        return json({"error": "not found"}, status=404)
    _audit(request)
    zone = console.settings.zone
    return json(
        {
            "id": transcript.sender_id,
            "started_at": transcript.started_at.isoformat(),
            "last_at": transcript.last_at.isoformat(),
            "emergency": transcript.emergency,
            "red_flag": transcript.red_flag,
            "handoff": transcript.handoff,
            "low_confidence": transcript.low_confidence,
            "condition": transcript.condition,
            "intents": transcript.intents,
            "turns": [turn.as_dict() for turn in transcript.turns],
            "appointments": [
                appointment_record(a, zone) for a in console.appointments.by_conversation(sender_id)
            ],
            "reviewed": _review(console.reviews.get(sender_id)),
            "notes": [
                {"author": n.author, "created_at": n.created_at.isoformat(), "body": n.body}
                for n in console.reviews.notes_for(sender_id)
            ],
        }
    )
