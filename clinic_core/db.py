"""SQLAlchemy engines for the clinic's databases, set up in one place.

SQLite (the local default) waits for other writers instead of failing with
"database is locked" and enforces foreign keys; PostgreSQL checks a pooled
connection before use. ``read_only`` engines are kept read-only by the
database itself: SQLite opens the file in ``mode=ro``, PostgreSQL starts
every transaction read-only, so a bug in a query can never change the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

SQLITE_PREFIX = "sqlite:///"
SQLITE_BUSY_TIMEOUT_S = 15


def sqlite_path(url: str) -> Optional[Path]:
    """The file behind a ``sqlite:///`` URL, or None for other databases."""
    if url.startswith(SQLITE_PREFIX) and url != "sqlite:///:memory:":
        return Path(url[len(SQLITE_PREFIX) :].split("?", 1)[0])
    return None


def create_engine(url: str, read_only: bool = False) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created when writing."""
    path = sqlite_path(url)
    if path is not None:
        if read_only:
            url = f"sqlite:///file:{path}?mode=ro&uri=true"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, future=True)
        sa.event.listen(engine, "connect", _sqlite_foreign_keys)
        return engine
    connect_args: Dict[str, Any] = {}
    if read_only and url.startswith(("postgresql", "postgres")):
        connect_args["options"] = "-c default_transaction_read_only=on"
    return sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True, future=True)


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
