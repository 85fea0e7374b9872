"""The console's own tables, and engines for the databases it reads.

The console keeps its accounts, sessions, reviews, notes and audit log in its
own database (``CONSOLE_DATABASE_URL``). It only reads Rasa's tracker store,
through an engine that the database itself keeps read-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

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


def sqlite_path(url: str) -> Optional[Path]:
    """The file behind a ``sqlite:///`` URL, or None for other databases."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url[len("sqlite:///") :].split("?", 1)[0])
    return None


def console_engine(url: str) -> Engine:
    """Engine for the console's own database, tables created if missing."""
    path = sqlite_path(url)
    kwargs: Dict[str, Any] = {"future": True}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 15}
    else:
        kwargs["pool_pre_ping"] = True
    engine = sa.create_engine(url, **kwargs)
    if path is not None:
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    return engine


def tracker_engine(url: str, read_only: bool = True) -> Engine:
    """Engine for Rasa's tracker store; the database enforces ``read_only``.

    SQLite opens the file in ``mode=ro``; PostgreSQL starts every transaction
    read-only. A bug in a query can then never change a conversation.
    """
    path = sqlite_path(url)
    if path is not None:
        if not read_only:
            return sa.create_engine(url, connect_args={"timeout": 15}, future=True)
        return sa.create_engine(
            f"sqlite:///file:{path}?mode=ro&uri=true",
            connect_args={"timeout": 15},
            future=True,
        )
    connect_args: Dict[str, Any] = {}
    if read_only and url.startswith(("postgresql", "postgres")):
        connect_args["options"] = "-c default_transaction_read_only=on"
    return sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True, future=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
