"""Conversation lists, read from Rasa's SQL tracker store (read-only).

Rasa's ``SQLTrackerStore`` keeps one row per event in ``events``: the JSON of
the event in ``data``, plus ``intent_name`` for user messages and the action
name (or, for ``slot`` events, the slot name) in ``action_name``. The list
page aggregates these rows per sender in one SQL query, so a page of 25
conversations costs one grouped scan and one small look-up, never loading the
events of every conversation.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import AbstractSet, Any, Dict, List, Mapping, Optional, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from clinic_core.names import CONDITION_SLOT, FALLBACK_INTENT
from clinic_core.red_flags import RED_FLAG_SLOT
from staff_console.conversation_filter import ConversationFilter
from staff_console.db import event_data, event_time, events, like_pattern, tracker_engine
from staff_console.flags import ALARM, EMERGENCY, HANDOFF, LOW_CONFIDENCE, Flag
from staff_console.transcript import Transcript, build

# Previews skip these: "hello" says less about a conversation than what follows.
SMALL_TALK = ("greet", "goodbye", "thank", "affirm", "deny")
ATTENTION_LIMIT = 200
PREVIEW_LENGTH = 160


@dataclass(frozen=True)
class ConversationSummary:
    """One row of the conversation list."""

    sender_id: str
    started_at: dt.datetime  # aware UTC
    last_at: dt.datetime
    user_messages: int
    emergency: bool
    handoff: bool
    low_confidence: bool
    condition: Optional[str]
    first_message: str
    last_event_id: int
    flag_event_id: Optional[int]  # the newest emergency, handoff or security alarm event
    red_flag: Optional[str] = None  # what the safety layer matched, newest
    alarm: bool = False  # wrong booking lookups: someone may be guessing (security_alarm)


@dataclass(frozen=True)
class Page:
    """One page of conversations, newest first."""

    items: List[ConversationSummary]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, math.ceil(self.total / self.page_size))


def _epoch(day: dt.date, zone: ZoneInfo) -> float:
    """Start of ``day`` in the clinic's timezone, as a Unix timestamp."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone).timestamp()


class _Json:
    """Fields inside the ``data`` JSON text, in the database's own JSON dialect."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.doc: Any = (
            sa.type_coerce(events.c.data, sa.JSON)
            if dialect == "sqlite"
            else sa.cast(events.c.data, postgresql.JSON if dialect == "postgresql" else sa.JSON)
        )

    def text(self, *path: str) -> Any:
        return self.doc[path if len(path) > 1 else path[0]].as_string()

    def number(self, *path: str) -> Any:
        return self.doc[path if len(path) > 1 else path[0]].as_float()

    def is_true(self, key: str) -> Any:
        if self.dialect == "sqlite":
            # JSON_EXTRACT turns true into 1; json_type tells true from 1.
            return sa.func.json_type(events.c.data, f"$.{key}") == "true"
        return self.text(key) == "true"


class ConversationStore:
    """Queries over the tracker store."""

    def __init__(self, url: str, zone: ZoneInfo, engine: Optional[Engine] = None) -> None:
        """Read the tracker store at ``url``; dates are days in ``zone``."""
        self.url = url
        self.zone = zone
        self.engine = engine or tracker_engine(url, read_only=True)
        self.json = _Json(self.engine.dialect.name)
        self._table_seen = False

    def available(self) -> bool:
        """Whether the tracker store exists yet (Rasa creates it on first start)."""
        if not self._table_seen:
            try:
                self._table_seen = sa.inspect(self.engine).has_table("events")
            except (OperationalError, ProgrammingError):
                return False
        return self._table_seen

    # -- per-row indicators (0/1) ------------------------------------------------

    def _indicator(self, flag: Flag) -> Any:
        """1 on an event row that raises ``flag`` (staff_console/flags.py), else 0."""
        # Nested CASE: the JSON is only looked at on rows of that slot, which
        # PostgreSQL guarantees for CASE branches (it does not for AND).
        slot = events.c.type_name == "slot"
        cases = [
            (
                sa.and_(slot, events.c.action_name == name),
                sa.case((self.json.is_true("value"), 1), else_=0),
            )
            for name in flag.true_slots
        ] + [
            (
                sa.and_(slot, events.c.action_name == name),
                sa.case((sa.func.coalesce(self.json.text("value"), "") != "", 1), else_=0),
            )
            for name in flag.valued_slots
        ]
        if flag.intents:
            cases.append(
                (sa.and_(events.c.type_name == "user", events.c.intent_name.in_(flag.intents)), 1)
            )
        return sa.case(*cases, else_=0)

    def _is_low_confidence(self) -> Any:
        confidence = self.json.number("parse_data", "intent", "confidence")
        return sa.case(
            (
                events.c.type_name == "user",
                sa.case(
                    (
                        sa.or_(
                            events.c.intent_name == FALLBACK_INTENT,
                            confidence < LOW_CONFIDENCE,
                        ),
                        1,
                    ),
                    else_=0,
                ),
            ),
            else_=0,
        )

    def _aggregate(
        self,
        wanted: ConversationFilter,
        include: Optional[AbstractSet[str]],
        exclude: AbstractSet[str],
        text_senders: AbstractSet[str],
    ) -> Any:
        """One row per conversation with its flags, filtered; a subquery."""
        e = events
        user = e.c.type_name == "user"
        emergency = self._indicator(EMERGENCY)
        handoff = self._indicator(HANDOFF)
        alarm = self._indicator(ALARM)
        flagged = sa.or_(emergency == 1, handoff == 1, alarm == 1)
        query = sa.select(
            e.c.sender_id.label("sender_id"),
            sa.func.min(e.c.timestamp).label("started"),
            sa.func.max(e.c.timestamp).label("last"),
            sa.func.sum(sa.case((user, 1), else_=0)).label("user_messages"),
            sa.func.max(emergency).label("emergency"),
            sa.func.max(handoff).label("handoff"),
            sa.func.max(alarm).label("alarm"),
            sa.func.max(self._is_low_confidence()).label("low_confidence"),
            sa.func.max(sa.case((flagged, e.c.id), else_=None)).label("flag_event_id"),
            sa.func.max(e.c.id).label("last_event_id"),
            sa.func.min(sa.case((user, e.c.id), else_=None)).label("first_user_id"),
            sa.func.min(
                sa.case(
                    (
                        sa.and_(user, sa.func.coalesce(e.c.intent_name, "").not_in(SMALL_TALK)),
                        # Button payloads such as "/hip_bursitis" are not what was typed.
                        sa.case((self.json.text("text").not_like("/%"), e.c.id), else_=None),
                    ),
                    else_=None,
                )
            ).label("preview_id"),
            sa.func.max(
                sa.case(
                    (sa.and_(e.c.type_name == "slot", e.c.action_name == CONDITION_SLOT), e.c.id),
                    else_=None,
                )
            ).label("condition_event_id"),
            sa.func.max(
                sa.case(
                    (sa.and_(e.c.type_name == "slot", e.c.action_name == RED_FLAG_SLOT), e.c.id),
                    else_=None,
                )
            ).label("red_flag_event_id"),
        )
        if include is not None:
            query = query.where(e.c.sender_id.in_(sorted(include)))
        if exclude:
            query = query.where(e.c.sender_id.not_in(sorted(exclude)))
        having = [sa.func.sum(sa.case((user, 1), else_=0)) > 0]
        if wanted.date_from or wanted.date_to:
            in_range = [user]
            if wanted.date_from:
                in_range.append(e.c.timestamp >= _epoch(wanted.date_from, self.zone))
            if wanted.date_to:
                end = wanted.date_to + dt.timedelta(days=1)
                in_range.append(e.c.timestamp < _epoch(end, self.zone))
            having.append(sa.func.max(sa.case((sa.and_(*in_range), 1), else_=0)) == 1)
        if wanted.topic:
            having.append(
                sa.func.max(
                    sa.case(
                        (sa.and_(user, e.c.intent_name == wanted.topic), 1),
                        (
                            sa.and_(e.c.type_name == "slot", e.c.action_name == CONDITION_SLOT),
                            sa.case((self.json.text("value") == wanted.topic, 1), else_=0),
                        ),
                        else_=0,
                    )
                )
                == 1
            )
        if wanted.text:
            pattern = like_pattern(wanted.text)
            said = sa.func.max(
                sa.case(
                    (
                        e.c.type_name.in_(("user", "bot")),
                        sa.case((self.json.text("text").ilike(pattern, escape="\\"), 1), else_=0),
                    ),
                    else_=0,
                )
            )
            matches = [said == 1, e.c.sender_id.ilike(pattern, escape="\\")]
            if text_senders:
                matches.append(e.c.sender_id.in_(sorted(text_senders)))
            having.append(sa.or_(*matches))
        return query.group_by(e.c.sender_id).having(sa.and_(*having)).subquery("conversations")

    def page(
        self,
        wanted: ConversationFilter,
        page_size: int,
        include: Optional[AbstractSet[str]] = None,
        exclude: AbstractSet[str] = frozenset(),
        text_senders: AbstractSet[str] = frozenset(),
    ) -> Page:
        """One page of conversations matching ``wanted``, newest first.

        ``include``/``exclude`` restrict the senders (conversations that booked,
        or were reviewed, live in other databases); ``text_senders`` also match
        the free-text search (staff notes that contain the text).
        """
        if not self.available():
            return Page(items=[], total=0, page=wanted.page, page_size=page_size)
        aggregate = self._aggregate(wanted, include, exclude, text_senders)
        where = []
        if wanted.flags:
            chosen = [
                column == 1
                for column, on in (
                    (aggregate.c.emergency, wanted.emergency),
                    (aggregate.c.handoff, wanted.handoff),
                    (aggregate.c.low_confidence, wanted.low_confidence),
                )
                if on
            ]
            where.append(sa.or_(*chosen))
        with self.engine.connect() as connection:
            total = int(
                connection.execute(
                    sa.select(sa.func.count()).select_from(aggregate).where(*where)
                ).scalar_one()
            )
            rows = connection.execute(
                sa.select(aggregate)
                .where(*where)
                .order_by(aggregate.c.last.desc(), aggregate.c.sender_id)
                .limit(page_size)
                .offset((wanted.page - 1) * page_size)
            ).all()
            items = self._summaries(connection, rows)
        return Page(items=items, total=total, page=wanted.page, page_size=page_size)

    def attention(self, reviewed_up_to: Mapping[str, int]) -> List[ConversationSummary]:
        """Emergencies, then security alarms and handoff requests, not reviewed since.

        ``reviewed_up_to`` maps a sender to the newest event id its reviewer saw.
        """
        if not self.available():
            return []
        flagged = self._aggregate(ConversationFilter(), None, frozenset(), frozenset())
        with self.engine.connect() as connection:
            # Every flagged conversation, but only three small columns each: the
            # reviews live in another database, so "unreviewed" is decided here.
            rows = connection.execute(
                sa.select(flagged.c.sender_id, flagged.c.flag_event_id).where(
                    sa.or_(flagged.c.emergency == 1, flagged.c.handoff == 1, flagged.c.alarm == 1)
                )
            ).all()
            unseen = {
                row.sender_id
                for row in rows
                if row.flag_event_id is not None
                and row.flag_event_id > reviewed_up_to.get(row.sender_id, -1)
            }
            if not unseen:
                return []
            details = self._aggregate(ConversationFilter(), unseen, frozenset(), frozenset())
            chosen = connection.execute(
                sa.select(details)
                .order_by(details.c.emergency.desc(), details.c.alarm.desc(), details.c.last.desc())
                .limit(ATTENTION_LIMIT)
            ).all()
            return self._summaries(connection, chosen)

    def _summaries(
        self, connection: sa.engine.Connection, rows: Sequence[Any]
    ) -> List[ConversationSummary]:
        """Rows of the aggregate, completed with their first message and condition."""
        wanted_ids = [
            row_id
            for row in rows
            for row_id in (
                row.preview_id or row.first_user_id,
                row.condition_event_id,
                row.red_flag_event_id,
            )
            if row_id is not None
        ]
        data: Dict[int, Dict[str, Any]] = {}
        if wanted_ids:
            for event_id, text in connection.execute(
                sa.select(events.c.id, events.c.data).where(events.c.id.in_(wanted_ids))
            ):
                data[int(event_id)] = event_data(text)
        summaries = []
        for row in rows:
            preview_id = row.preview_id or row.first_user_id
            first = data.get(preview_id, {}) if preview_id else {}
            condition = data.get(row.condition_event_id, {}) if row.condition_event_id else {}
            condition_value = condition.get("value")
            red_flag = data.get(row.red_flag_event_id, {}) if row.red_flag_event_id else {}
            summaries.append(
                ConversationSummary(
                    sender_id=row.sender_id,
                    started_at=event_time(row.started),
                    last_at=event_time(row.last),
                    user_messages=int(row.user_messages or 0),
                    emergency=bool(row.emergency),
                    handoff=bool(row.handoff),
                    alarm=bool(row.alarm),
                    low_confidence=bool(row.low_confidence),
                    condition=str(condition_value) if condition_value else None,
                    first_message=str(first.get("text") or "")[:PREVIEW_LENGTH],
                    last_event_id=int(row.last_event_id),
                    flag_event_id=(
                        int(row.flag_event_id) if row.flag_event_id is not None else None
                    ),
                    red_flag=str(red_flag["value"]) if red_flag.get("value") else None,
                )
            )
        return summaries

    def last_event_id(self, sender_id: str) -> Optional[int]:
        """The newest event id of a conversation (what a review covers)."""
        if not self.available():
            return None
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(sa.func.max(events.c.id)).where(events.c.sender_id == sender_id)
            ).scalar()
        return int(value) if value is not None else None

    def transcript(self, sender_id: str) -> Optional[Transcript]:
        """Every event of one conversation, as turns; None if there is none."""
        if not self.available():
            return None
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(events.c.id, events.c.type_name, events.c.timestamp, events.c.data)
                .where(events.c.sender_id == sender_id)
                .order_by(events.c.id)
            ).all()
        return build(sender_id, rows)
