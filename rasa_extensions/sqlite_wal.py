"""SQLite databases in write-ahead-log mode.

Rasa's SQL tracker store opens SQLite in its default rollback-journal mode:
two syncs per commit, and every reader blocks the writer and the other way
round, so the staff console reading conversations would stall patients'
replies. In WAL mode a commit is one append and one sync (synchronous stays
FULL: a committed turn survives a power cut), and readers never block the
writer. The mode is stored in the database file, so it is set on connect.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


def use_wal(dbapi_connection: Any, _record: Any) -> None:
    """Switch a new SQLite connection's database to WAL (no-op for other databases)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def install() -> None:
    """Apply to every SQLAlchemy engine this process creates (idempotent)."""
    if not event.contains(Engine, "connect", use_wal):
        event.listen(Engine, "connect", use_wal)
