"""Everything the console's pages, API and commands use, wired from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import AbstractSet, Dict, List, Optional, Set, Tuple

from clinic_core.store import Appointment
from staff_console.appointments import Appointments
from staff_console.audit import AuditLog
from staff_console.auth import Accounts, Sessions, Signer, Throttle, Tokens
from staff_console.conversation_filter import ConversationFilter
from staff_console.db import console_engine
from staff_console.reviews import Review, Reviews
from staff_console.settings import Settings
from staff_console.tracker_queries import ConversationStore, ConversationSummary, Page


@dataclass(frozen=True)
class Listed:
    """A conversation in a list, with what the console knows about it."""

    summary: ConversationSummary
    review: Optional[Review]
    appointments: List[Appointment]
    note_count: int

    @property
    def needs_review(self) -> bool:
        """An emergency or handoff request that nobody has reviewed since it happened."""
        flag = self.summary.flag_event_id
        if flag is None:
            return False
        return self.review is None or flag > self.review.last_event_id


class Console:
    """The console's stores, sharing one console database engine."""

    def __init__(self, settings: Settings) -> None:
        """Connect to the three databases named in ``settings``."""
        self.settings = settings
        now = settings.utc_now
        self.engine = console_engine(settings.console_database_url)
        self.signer = Signer(settings.secret_key)
        self.accounts = Accounts(self.engine, now)
        self.throttle = Throttle(
            self.engine, now, settings.lockout_failures, settings.lockout_minutes
        )
        self.sessions = Sessions(
            self.engine,
            self.signer,
            now,
            settings.session_idle_minutes,
            settings.session_max_hours,
        )
        self.tokens = Tokens(self.engine, now)
        self.audit = AuditLog(self.engine, now)
        self.reviews = Reviews(self.engine, now)
        self.conversations = ConversationStore(settings.tracker_store_url, settings.zone)
        self.appointments = Appointments(
            settings.appointments_database_url, settings.zone, settings.slot_grid_minutes
        )

    def _restrictions(
        self, wanted: ConversationFilter
    ) -> Tuple[Optional[AbstractSet[str]], Set[str], Set[str]]:
        """Senders to include/exclude, and note matches, from the other databases."""
        include: Optional[Set[str]] = None
        exclude: Set[str] = set()
        if wanted.booked is not None:
            booked = self.appointments.conversation_ids()
            if wanted.booked:
                include = booked
            else:
                exclude |= booked
        if wanted.reviewed is not None:
            reviewed = set(self.reviews.reviewed_up_to())
            if wanted.reviewed:
                include = reviewed if include is None else include & reviewed
            else:
                exclude |= reviewed
        text_senders = self.reviews.senders_with_note_text(wanted.text) if wanted.text else set()
        return include, exclude, text_senders

    def conversation_page(
        self, wanted: ConversationFilter, page_size: Optional[int] = None
    ) -> Tuple[Page, List[Listed]]:
        """One page of the conversation list, each with its review, bookings and notes."""
        include, exclude, text_senders = self._restrictions(wanted)
        page = self.conversations.page(
            wanted,
            page_size or self.settings.page_size,
            include=include,
            exclude=exclude,
            text_senders=text_senders,
        )
        return page, self.listed(page.items)

    def attention(self) -> List[Listed]:
        """Unreviewed emergencies first, then unreviewed handoff requests."""
        return self.listed(self.conversations.attention(self.reviews.reviewed_up_to()))

    def listed(self, items: List[ConversationSummary]) -> List[Listed]:
        """Summaries completed with reviews, appointments and note counts."""
        ids = [item.sender_id for item in items]
        reviews = self.reviews.for_senders(ids)
        booked: Dict[str, List[Appointment]] = self.appointments.for_conversations(ids)
        notes = self.reviews.note_counts(ids)
        return [
            Listed(
                summary=item,
                review=reviews.get(item.sender_id),
                appointments=booked.get(item.sender_id, []),
                note_count=notes.get(item.sender_id, 0),
            )
            for item in items
        ]
