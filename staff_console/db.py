"""The console's own tables, and engines for the databases it reads.

The console keeps its accounts, sessions, reviews, notes and audit log in its
own database (``CONSOLE_DATABASE_URL``). It only reads Rasa's tracker store,
through an engine that the database itself keeps read-only.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clinic_core.db import create_engine

metadata = sa.MetaData()

users = sa.Table(
    "console_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime, nullable=False),  # UTC
    sa.Column("password_changed_at", sa.DateTime, nullable=False),
)

sessions = sa.Table(
    "console_sessions",
    metadata,
    # SHA-256 of the session token: a copy of this table opens no session.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("console_users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
)

api_tokens = sa.Table(
    "console_api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_used_at", sa.DateTime),
    sa.Column("revoked_at", sa.DateTime),
)

login_attempts = sa.Table(
    "console_login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("remote_addr", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("succeeded", sa.Boolean, nullable=False),
)

reviews = sa.Table(
    "console_reviews",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("reviewed_by", sa.String(64), nullable=False),
    sa.Column("reviewed_at", sa.DateTime, nullable=False),
    # The newest tracker event the reviewer saw: later red flags need a new look.
    sa.Column("last_event_id", sa.Integer, nullable=False),
)

notes = sa.Table(
    "console_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

audit_log = sa.Table(
    "console_audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("actor", sa.String(80), nullable=False),
    sa.Column("action", sa.String(40), nullable=False, index=True),
    sa.Column("target", sa.String(255), nullable=False, default=""),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("remote_addr", sa.String(64), nullable=False, default=""),
)


# The table Rasa's SQLTrackerStore creates (rasa/core/tracker_store.py); the
# console reads it (and retention and erasure change it) without importing Rasa.
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


def event_data(text: Optional[str]) -> Dict[str, Any]:
    """The JSON of a tracker event's ``data`` column ({} if unreadable)."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def event_time(timestamp: Optional[float]) -> dt.datetime:
    """A tracker event's Unix timestamp as an aware UTC time."""
    return dt.datetime.fromtimestamp(timestamp or 0.0, tz=dt.timezone.utc)


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE wildcards in ``text`` escaped with a backslash."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def console_engine(url: str) -> Engine:
    """Engine for the console's own database, tables created if missing."""
    engine = create_engine(url)
    metadata.create_all(engine)
    return engine


def tracker_engine(url: str, read_only: bool = True) -> Engine:
    """Engine for Rasa's tracker store; the database enforces ``read_only``."""
    return create_engine(url, read_only=read_only)
