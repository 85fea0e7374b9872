"""Staff reviews and notes on conversations (kept in the console database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import AbstractSet, Callable, Dict, List, Optional, Set

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from staff_console.auth import aware_utc, naive_utc
from staff_console.db import like_pattern, notes, reviews

NOTE_MAX_LENGTH = 4000


@dataclass(frozen=True)
class Review:
    """Who marked a conversation reviewed, and up to which event."""

    sender_id: str
    reviewed_by: str
    reviewed_at: dt.datetime  # aware UTC
    last_event_id: int


@dataclass(frozen=True)
class Note:
    """A staff note on a conversation."""

    id: int
    sender_id: str
    author: str
    created_at: dt.datetime
    body: str


class Reviews:
    """Reviews and notes."""

    def __init__(self, engine: Engine, utc_now: Callable[[], dt.datetime]) -> None:
        """Use the console database behind ``engine``."""
        self.engine = engine
        self.utc_now = utc_now

    def mark(self, sender_id: str, username: str, last_event_id: int) -> Review:
        """Mark the conversation reviewed as of ``last_event_id``."""
        now = naive_utc(self.utc_now())
        with self.engine.begin() as connection:
            connection.execute(reviews.delete().where(reviews.c.sender_id == sender_id))
            connection.execute(
                reviews.insert().values(
                    sender_id=sender_id,
                    reviewed_by=username,
                    reviewed_at=now,
                    last_event_id=last_event_id,
                )
            )
        return Review(sender_id, username, aware_utc(now), last_event_id)

    def unmark(self, sender_id: str) -> None:
        """Mark the conversation as not reviewed."""
        with self.engine.begin() as connection:
            connection.execute(reviews.delete().where(reviews.c.sender_id == sender_id))

    def get(self, sender_id: str) -> Optional[Review]:
        """The review of one conversation, if any."""
        return self.for_senders([sender_id]).get(sender_id)

    def for_senders(self, sender_ids: List[str]) -> Dict[str, Review]:
        """Reviews of these conversations."""
        if not sender_ids:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(reviews).where(reviews.c.sender_id.in_(sender_ids))
            ).all()
        return {row.sender_id: _review(row) for row in rows}

    def reviewed_up_to(self) -> Dict[str, int]:
        """Every reviewed conversation and the newest event its reviewer saw."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(reviews.c.sender_id, reviews.c.last_event_id))
            return {row.sender_id: int(row.last_event_id) for row in rows}

    def add_note(self, sender_id: str, author: str, body: str) -> Note:
        """Add a note; the body must not be blank."""
        text = body.strip()
        if not text:
            raise ValueError("a note cannot be empty")
        if len(text) > NOTE_MAX_LENGTH:
            raise ValueError(f"a note can have at most {NOTE_MAX_LENGTH} characters")
        now = naive_utc(self.utc_now())
        with self.engine.begin() as connection:
            note_id = connection.execute(
                notes.insert().values(sender_id=sender_id, author=author, created_at=now, body=text)
            ).inserted_primary_key[0]
        return Note(int(note_id), sender_id, author, aware_utc(now), text)

    def notes_for(self, sender_id: str) -> List[Note]:
        """Notes on one conversation, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(notes).where(notes.c.sender_id == sender_id).order_by(notes.c.id)
            ).all()
        return [
            Note(int(r.id), r.sender_id, r.author, aware_utc(r.created_at), r.body) for r in rows
        ]

    def note_counts(self, sender_ids: List[str]) -> Dict[str, int]:
        """How many notes each of these conversations has."""
        if not sender_ids:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(notes.c.sender_id, sa.func.count())
                .where(notes.c.sender_id.in_(sender_ids))
                .group_by(notes.c.sender_id)
            ).all()
        return {sender: int(count) for sender, count in rows}

    def senders_with_note_text(self, text: str) -> Set[str]:
        """Conversations with a note containing ``text`` (case-insensitive)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(notes.c.sender_id)
                .where(notes.c.body.ilike(like_pattern(text), escape="\\"))
                .distinct()
            ).all()
        return {row.sender_id for row in rows}

    def forget(self, sender_ids: AbstractSet[str]) -> int:
        """Delete reviews and notes of these conversations (retention); notes deleted."""
        if not sender_ids:
            return 0
        ids = sorted(sender_ids)
        with self.engine.begin() as connection:
            connection.execute(reviews.delete().where(reviews.c.sender_id.in_(ids)))
            deleted = connection.execute(notes.delete().where(notes.c.sender_id.in_(ids)))
            return int(deleted.rowcount)


def _review(row: sa.engine.Row) -> Review:
    return Review(
        row.sender_id, row.reviewed_by, aware_utc(row.reviewed_at), int(row.last_event_id)
    )
