"""What the conversation list is narrowed to: the filter and its query string."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass, replace
from typing import Any, List, Mapping, Optional, Tuple

TRUE_WORDS = ("1", "yes", "on", "true")


@dataclass(frozen=True)
class ConversationFilter:
    """What the conversation list is narrowed to (all optional)."""

    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None  # inclusive
    topic: str = ""  # a condition or an intent name
    booked: Optional[bool] = None
    emergency: bool = False
    handoff: bool = False
    low_confidence: bool = False
    reviewed: Optional[bool] = None
    text: str = ""
    page: int = 1

    @property
    def flags(self) -> bool:
        """Whether any of the flag filters is on (they combine with OR)."""
        return self.emergency or self.handoff or self.low_confidence

    def query(self, **changes: Any) -> str:
        """The URL query string for this filter (with ``changes``), defaults left out."""
        wanted = replace(self, **changes)
        params: List[Tuple[str, str]] = []
        if wanted.date_from:
            params.append(("from", wanted.date_from.isoformat()))
        if wanted.date_to:
            params.append(("to", wanted.date_to.isoformat()))
        if wanted.topic:
            params.append(("topic", wanted.topic))
        if wanted.booked is not None:
            params.append(("booked", "yes" if wanted.booked else "no"))
        for name in ("emergency", "handoff", "low_confidence"):
            if getattr(wanted, name):
                params.append((name, "1"))
        if wanted.reviewed is not None:
            params.append(("reviewed", "yes" if wanted.reviewed else "no"))
        if wanted.text:
            params.append(("q", wanted.text))
        if wanted.page > 1:
            params.append(("page", str(wanted.page)))
        return urllib.parse.urlencode(params)


def _yes_no(value: str, name: str, errors: List[str]) -> Optional[bool]:
    if value in ("", "any"):
        return None
    if value in ("yes", "no"):
        return value == "yes"
    errors.append(f"{name} must be yes or no")
    return None


def _date(value: str, name: str, errors: List[str]) -> Optional[dt.date]:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append(f"{name} must be a date such as 2026-12-01")
        return None


def parse_filter(args: Mapping[str, str]) -> Tuple[ConversationFilter, List[str]]:
    """A filter from query parameters, and what was wrong with them (ignored)."""
    errors: List[str] = []
    page_text = args.get("page", "1") or "1"
    page = int(page_text) if page_text.isdigit() and 0 < int(page_text) < 100_000 else 1
    if page_text != "1" and page == 1:
        errors.append("page must be a positive number")
    date_from = _date(args.get("from", ""), "from", errors)
    date_to = _date(args.get("to", ""), "to", errors)
    if date_from and date_to and date_to < date_from:
        errors.append("the 'to' date is before the 'from' date")
        date_to = None
    return (
        ConversationFilter(
            date_from=date_from,
            date_to=date_to,
            topic=args.get("topic", "").strip()[:100],
            booked=_yes_no(args.get("booked", ""), "booked", errors),
            emergency=args.get("emergency", "") in TRUE_WORDS,
            handoff=args.get("handoff", "") in TRUE_WORDS,
            low_confidence=args.get("low_confidence", "") in TRUE_WORDS,
            reviewed=_yes_no(args.get("reviewed", ""), "reviewed", errors),
            text=args.get("q", "").strip()[:200],
            page=page,
        ),
        errors,
    )
