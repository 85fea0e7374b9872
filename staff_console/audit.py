"""The audit log: who logged in (or failed to), exported, reviewed or changed what."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, List, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from staff_console.auth import aware_utc, naive_utc
from staff_console.db import audit_log

LOGIN_SUCCEEDED = "login"
LOGIN_FAILED = "login_failed"
LOGIN_LOCKED = "login_locked"
LOGOUT = "logout"
EXPORT = "export"
STATUS_CHANGE = "status_change"
REVIEW = "review"
UNREVIEW = "unreview"
NOTE = "note"
API_READ = "api_read"
ACCOUNT = "account"
RETENTION = "retention"
ERASURE = "erasure"  # one patient erased or anonymised (staff_console/privacy.py)
VIEW = "view"  # a transcript or the appointments page was shown


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    at: dt.datetime  # aware UTC
    actor: str
    action: str
    target: str
    detail: str
    remote_addr: str


class AuditLog:
    """Append-only record of security-relevant actions."""

    def __init__(self, engine: Engine, utc_now: Callable[[], dt.datetime]) -> None:
        """Write to the console database behind ``engine``."""
        self.engine = engine
        self.utc_now = utc_now

    def record(
        self, actor: str, action: str, target: str = "", detail: str = "", remote_addr: str = ""
    ) -> None:
        """Append one entry (fields are truncated to their column sizes)."""
        with self.engine.begin() as connection:
            connection.execute(
                audit_log.insert().values(
                    at=naive_utc(self.utc_now()),
                    actor=actor[:80],
                    action=action[:40],
                    target=target[:255],
                    detail=detail[:2000],
                    remote_addr=remote_addr[:64],
                )
            )

    def recent(self, limit: int = 100, offset: int = 0) -> Tuple[List[AuditEntry], int]:
        """The newest entries first, and how many there are in all."""
        with self.engine.connect() as connection:
            total = int(
                connection.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()
            )
            rows = connection.execute(
                sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
            ).all()
        return [
            AuditEntry(
                at=aware_utc(row.at),
                actor=row.actor,
                action=row.action,
                target=row.target,
                detail=row.detail,
                remote_addr=row.remote_addr,
            )
            for row in rows
        ], total
