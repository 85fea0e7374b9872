"""Conversations, read from Rasa's SQL tracker store (read-only).

Rasa's ``SQLTrackerStore`` keeps one row per event in ``events``: the JSON of
the event in ``data``, plus ``intent_name`` for user messages and the action
name (or, for ``slot`` events, the slot name) in ``action_name``. The list
page aggregates these rows per sender in one SQL query, so a page of 25
conversations costs one grouped scan and one small look-up, never loading the
events of every conversation.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import urllib.parse
from dataclasses import dataclass, field, replace
from typing import AbstractSet, Any, Dict, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from clinic_core.red_flags import RED_FLAG_SLOT, load_red_flags
from staff_console.db import tracker_engine

# The table Rasa's SQLTrackerStore creates (rasa/core/tracker_store.py).
tracker_metadata = sa.MetaData()
events = sa.Table(
    "events",
    tracker_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

LOW_CONFIDENCE = 0.5
FALLBACK_INTENT = "nlu_fallback"
EMERGENCY_INTENT = "emergency"
# Red flags (clinic/red_flags.yml): both levels need staff's attention.
RED_FLAG_INTENTS = tuple(load_red_flags().intent_levels())
HANDOFF_INTENT = "human_handoff"
EMERGENCY_SLOT = "emergency_flagged"
HANDOFF_SLOT = "handoff_requested"
# Set by the booking lookups' lockout (actions/booking/lookup_guard.py).
ALARM_SLOT = "security_alarm"
CONDITION_SLOT = "condition"
# Slots worth showing in a transcript; the others are booking-form plumbing.
SHOWN_SLOTS = (
    CONDITION_SLOT, EMERGENCY_SLOT, RED_FLAG_SLOT, HANDOFF_SLOT, ALARM_SLOT,
    "last_booking_reference",
)  # fmt: skip
# Previews skip these: "hello" says less about a conversation than what follows.
SMALL_TALK = ("greet", "goodbye", "thank", "affirm", "deny")
ATTENTION_LIMIT = 200
PREVIEW_LENGTH = 160


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
            emergency=args.get("emergency", "") in ("1", "yes", "on", "true"),
            handoff=args.get("handoff", "") in ("1", "yes", "on", "true"),
            low_confidence=args.get("low_confidence", "") in ("1", "yes", "on", "true"),
            reviewed=_yes_no(args.get("reviewed", ""), "reviewed", errors),
            text=args.get("q", "").strip()[:200],
            page=page,
        ),
        errors,
    )


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


@dataclass(frozen=True)
class Turn:
    """One thing that happened in a conversation, as a transcript shows it."""

    kind: str  # user, bot, slot or session
    at: dt.datetime
    event_id: int
    text: str = ""
    intent: Optional[str] = None
    confidence: Optional[float] = None
    entities: Tuple[Tuple[str, str], ...] = ()
    buttons: Tuple[Tuple[str, str], ...] = ()  # (title, payload)
    attachments: Tuple[str, ...] = ()  # image links, custom payloads: shown as text
    slot: Optional[str] = None
    value: Any = None
    low_confidence: bool = False
    flag: Optional[str] = None  # "emergency", "handoff" or "alarm"

    def as_dict(self) -> Dict[str, Any]:
        """JSON-ready form for the API."""
        base: Dict[str, Any] = {"kind": self.kind, "at": self.at.isoformat()}
        if self.kind == "user":
            base.update(
                text=self.text,
                intent=self.intent,
                confidence=self.confidence,
                entities=[{"entity": name, "value": value} for name, value in self.entities],
                low_confidence=self.low_confidence,
                flag=self.flag,
            )
        elif self.kind == "bot":
            base.update(
                text=self.text,
                buttons=[{"title": t, "payload": p} for t, p in self.buttons],
                attachments=list(self.attachments),
            )
        elif self.kind == "slot":
            base.update(slot=self.slot, value=self.value, flag=self.flag)
        return base


@dataclass(frozen=True)
class Transcript:
    """A whole conversation."""

    sender_id: str
    turns: List[Turn]
    started_at: dt.datetime
    last_at: dt.datetime
    last_event_id: int
    emergency: bool
    handoff: bool
    low_confidence: bool
    condition: Optional[str]
    intents: List[str] = field(default_factory=list)
    red_flag: Optional[str] = None  # what the safety layer matched, newest
    alarm: bool = False


def _aware(timestamp: Optional[float]) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp or 0.0, tz=dt.timezone.utc)


def _epoch(day: dt.date, zone: ZoneInfo) -> float:
    """Start of ``day`` in the clinic's timezone, as a Unix timestamp."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone).timestamp()


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE wildcards in ``text`` escaped with a backslash."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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

    def _slot_true(self, slot: str) -> Any:
        # Nested CASE: the JSON is only looked at on rows of that slot, which
        # PostgreSQL guarantees for CASE branches (it does not for AND).
        return (
            sa.and_(events.c.type_name == "slot", events.c.action_name == slot),
            sa.case((self.json.is_true("value"), 1), else_=0),
        )

    def _is_emergency(self) -> Any:
        """A red flag of either level: the slots the safety actions set, or the intent."""
        return sa.case(
            self._slot_true(EMERGENCY_SLOT),
            (sa.and_(events.c.type_name == "slot", events.c.action_name == RED_FLAG_SLOT), 1),
            (
                sa.and_(events.c.type_name == "user", events.c.intent_name.in_(RED_FLAG_INTENTS)),
                1,
            ),
            else_=0,
        )

    def _is_handoff(self) -> Any:
        return sa.case(
            self._slot_true(HANDOFF_SLOT),
            (sa.and_(events.c.type_name == "user", events.c.intent_name == HANDOFF_INTENT), 1),
            else_=0,
        )

    def _is_alarm(self) -> Any:
        return sa.case(self._slot_true(ALARM_SLOT), else_=0)

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
        emergency = self._is_emergency()
        handoff = self._is_handoff()
        alarm = self._is_alarm()
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
                data[int(event_id)] = _loads(text)
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
                    started_at=_aware(row.started),
                    last_at=_aware(row.last),
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
        if not rows:
            return None
        turns: List[Turn] = []
        intents: List[str] = []
        condition: Optional[str] = None
        for row in rows:
            turn = _turn(int(row.id), row.type_name, row.timestamp, _loads(row.data))
            if turn is None:
                continue
            turns.append(turn)
            if turn.kind == "user" and turn.intent and turn.intent not in intents:
                intents.append(turn.intent)
            if turn.kind == "slot" and turn.slot == CONDITION_SLOT and turn.value:
                condition = str(turn.value)
        return Transcript(
            sender_id=sender_id,
            turns=turns,
            started_at=_aware(min(row.timestamp or 0.0 for row in rows)),
            last_at=_aware(max(row.timestamp or 0.0 for row in rows)),
            last_event_id=max(int(row.id) for row in rows),
            emergency=any(t.flag in ("emergency", "red_flag") for t in turns),
            handoff=any(t.flag == "handoff" for t in turns),
            alarm=any(t.flag == "alarm" for t in turns),
            low_confidence=any(t.low_confidence for t in turns),
            condition=condition,
            intents=intents,
            red_flag=next((str(t.value) for t in reversed(turns) if t.flag == "red_flag"), None),
        )


def _loads(text: Optional[str]) -> Dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _turn(
    event_id: int, kind: str, timestamp: Optional[float], data: Dict[str, Any]
) -> Optional[Turn]:
    """A transcript line for one stored event, or None for bookkeeping events."""
    at = _aware(timestamp)
    if kind == "user":
        parse = data.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        confidence = (parse.get("intent") or {}).get("confidence")
        confidence = float(confidence) if isinstance(confidence, (int, float)) else None
        flag = "emergency" if intent in RED_FLAG_INTENTS else None
        flag = flag or {HANDOFF_INTENT: "handoff"}.get(intent or "")
        return Turn(
            kind="user",
            at=at,
            event_id=event_id,
            text=str(data.get("text") or ""),
            intent=intent,
            confidence=confidence,
            entities=tuple(
                (str(item.get("entity", "")), str(item.get("value", "")))
                for item in parse.get("entities") or []
                if isinstance(item, dict)
            ),
            low_confidence=intent == FALLBACK_INTENT
            or (confidence is not None and confidence < LOW_CONFIDENCE),
            flag=flag,
        )
    if kind == "bot":
        extra = data.get("data") or {}
        buttons = tuple(
            (str(button.get("title", "")), str(button.get("payload", "")))
            for button in extra.get("buttons") or []
            if isinstance(button, dict)
        )
        attachments = []
        if extra.get("image"):
            attachments.append(f"image: {extra['image']}")
        if extra.get("attachment"):
            attachments.append(f"attachment: {json.dumps(extra['attachment'])[:500]}")
        if extra.get("custom"):
            attachments.append(f"custom: {json.dumps(extra['custom'])[:500]}")
        return Turn(
            kind="bot",
            at=at,
            event_id=event_id,
            text=str(data.get("text") or ""),
            buttons=buttons,
            attachments=tuple(attachments),
        )
    if kind == "slot" and data.get("name") in SHOWN_SLOTS:
        name = data.get("name")
        value = data.get("value")
        flag = None
        if value is True:
            flag = {EMERGENCY_SLOT: "emergency", HANDOFF_SLOT: "handoff", ALARM_SLOT: "alarm"}.get(
                str(name)
            )
        if name == RED_FLAG_SLOT and value:
            flag = "red_flag"
        if name in (EMERGENCY_SLOT, HANDOFF_SLOT, ALARM_SLOT) and not value:
            return None  # the initial "false" says nothing worth reading
        return Turn(kind="slot", at=at, event_id=event_id, slot=str(name), value=value, flag=flag)
    if kind == "session_started":
        return Turn(kind="session", at=at, event_id=event_id)
    return None
