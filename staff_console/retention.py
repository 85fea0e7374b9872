"""Delete (or anonymise) conversations older than the clinic's retention period.

    python -m staff_console.retention [--days N] [--anonymise] [--dry-run]

The period is ``privacy.conversation_retention_days`` in clinic/profile.yml.
Conversations are cut at Rasa session boundaries: a session whose last event
is older than the period goes, a newer session of the same sender stays (a
patient who comes back every year keeps only their recent conversation).
Appointments that started more than ``privacy.appointment_retention_days``
ago are anonymised: they keep their time, type and status for the clinic's
figures and lose the patient's name, contact, reason and notes. Newer ones
are not touched, and their link to a removed conversation simply no longer
opens. Staff notes and reviews of a
conversation that is removed entirely are deleted with it.

``--anonymise`` keeps the events for statistics instead (intents, confidences,
actions, non-personal slots) under a random sender id, with every text,
personal slot value and free-text slot (the patient's own words as the
reason for the visit, notes) removed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import sys
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clinic_core.knowledge import load_conditions
from clinic_core.names import CONDITION_SLOT, NON_PERSONAL_SLOTS
from staff_console import audit
from staff_console.audit import AuditLog
from staff_console.db import console_engine, events, tracker_engine
from staff_console.reviews import Reviews
from staff_console.settings import Settings

BATCH = 500
SESSION_START_ACTION = "action_session_start"
REMOVED = "[removed]"
# Slots that say nothing about who the patient is: kept when anonymising.
# ``condition`` is kept only when it names one of clinic/conditions.yml's
# conditions: otherwise it is the patient's own words.
SAFE_SLOTS = frozenset(NON_PERSONAL_SLOTS)


@dataclass(frozen=True)
class RetentionReport:
    """What a retention run did (or, in a dry run, would do)."""

    cutoff: dt.datetime
    anonymised: bool
    dry_run: bool
    conversations_removed: int
    conversations_trimmed: int
    events: int
    notes_deleted: int
    appointments_anonymised: int = 0

    def summary(self) -> str:
        """One line for people and the audit log."""
        verb = "anonymised" if self.anonymised else "deleted"
        prefix = "would have " if self.dry_run else ""
        return (
            f"{prefix}{verb} {self.events} events before {self.cutoff:%Y-%m-%d %H:%M} UTC: "
            f"{self.conversations_removed} conversations entirely, "
            f"{self.conversations_trimmed} partly; {self.notes_deleted} staff notes deleted; "
            f"{self.appointments_anonymised} old appointments anonymised"
        )


def _chunks(items: Sequence[int], size: int = BATCH) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def expired_event_ids(engine: Engine, sender_id: str, cutoff: float) -> List[int]:
    """Ids of the sender's events in sessions that ended before ``cutoff``."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(events.c.id, events.c.type_name, events.c.action_name, events.c.timestamp)
            .where(events.c.sender_id == sender_id)
            .order_by(events.c.id)
        ).all()
    sessions: List[List[Any]] = []
    after_start_action = False
    for row in rows:
        # A session opens with the action_session_start action, then session_started.
        start_action = row.type_name == "action" and row.action_name == SESSION_START_ACTION
        opens = start_action or (row.type_name == "session_started" and not after_start_action)
        if opens or not sessions:
            sessions.append([])
        sessions[-1].append(row)
        after_start_action = start_action
    expired: List[int] = []
    for session in sessions:
        # A session whose newest event is old is over: Rasa ends sessions after
        # an hour of silence (session_expiration_time in domain.yml).
        if max((row.timestamp or 0.0) for row in session) < cutoff:
            expired.extend(int(row.id) for row in session)
    return expired


def anonymise_event(data: Dict[str, Any]) -> Dict[str, Any]:
    """The event without anything the patient wrote or that identifies them."""
    kind = data.get("event")
    cleaned = dict(data)
    if kind == "user":
        intent = (data.get("parse_data") or {}).get("intent") or {}
        cleaned["text"] = REMOVED
        cleaned["parse_data"] = {
            "intent": {"name": intent.get("name"), "confidence": intent.get("confidence")},
            "entities": [],
            "text": REMOVED,
        }
        cleaned["metadata"] = {}
    elif kind == "bot":
        # Replies can repeat names, phone numbers and booking details.
        cleaned["text"] = REMOVED
        cleaned["data"] = {}
        utter = (data.get("metadata") or {}).get("utter_action")
        cleaned["metadata"] = {"utter_action": utter} if utter else {}
    elif kind == "slot" and data.get("name") == CONDITION_SLOT:
        if data.get("value") not in load_conditions().conditions:
            cleaned["value"] = None
    elif kind == "slot" and data.get("name") not in SAFE_SLOTS:
        cleaned["value"] = None
    elif kind == "slot":
        pass
    elif "metadata" in cleaned:
        cleaned["metadata"] = {}
    return cleaned


def apply_retention(
    settings: Settings,
    days: Optional[int] = None,
    anonymise: bool = False,
    dry_run: bool = False,
    now: Optional[dt.datetime] = None,
) -> RetentionReport:
    """Delete or anonymise expired conversation sessions; record it in the audit log."""
    keep_days = days if days is not None else settings.retention_days
    if keep_days < 1:
        raise ValueError("the retention period must be at least one day")
    cutoff = (now or settings.utc_now()) - dt.timedelta(days=keep_days)
    cutoff_epoch = cutoff.timestamp()
    from staff_console.privacy import anonymise_old_appointments  # imports this module

    old_appointments = anonymise_old_appointments(
        settings, settings.appointment_retention_days, dry_run, now
    )
    tracker = (
        tracker_engine(settings.tracker_store_url)
        if dry_run
        else tracker_engine(settings.tracker_writer_url, read_only=False)
    )
    console = console_engine(settings.console_database_url)
    if not sa.inspect(tracker).has_table("events"):
        return RetentionReport(cutoff, anonymise, dry_run, 0, 0, 0, 0, old_appointments)
    with tracker.connect() as connection:
        candidates = [
            row.sender_id
            for row in connection.execute(
                sa.select(events.c.sender_id)
                .group_by(events.c.sender_id)
                .having(sa.func.min(events.c.timestamp) < cutoff_epoch)
            )
        ]
    removed: List[str] = []
    trimmed = 0
    total_events = 0
    for sender_id in candidates:
        expired = expired_event_ids(tracker, sender_id, cutoff_epoch)
        if not expired:
            continue
        with tracker.connect() as connection:
            remaining = connection.execute(
                sa.select(sa.func.count()).where(events.c.sender_id == sender_id)
            ).scalar_one()
        if remaining == len(expired):
            removed.append(sender_id)
        else:
            trimmed += 1
        total_events += len(expired)
        if not dry_run:
            _expire(tracker, expired, anonymise)
    notes_deleted = 0
    if removed and not dry_run:
        notes_deleted = Reviews(console, settings.utc_now).forget(set(removed))
    elif removed:
        from staff_console.db import notes  # local: only a dry run needs the count

        with console.connect() as connection:
            notes_deleted = int(
                connection.execute(
                    sa.select(sa.func.count()).where(notes.c.sender_id.in_(removed))
                ).scalar_one()
            )
    report = RetentionReport(
        cutoff,
        anonymise,
        dry_run,
        len(removed),
        trimmed,
        total_events,
        notes_deleted,
        old_appointments,
    )
    if not dry_run:
        AuditLog(console, settings.utc_now).record(
            "retention", audit.RETENTION, f"{keep_days} days", report.summary()
        )
    return report


def _expire(engine: Engine, event_ids: List[int], anonymise: bool) -> None:
    """Delete the events, or move them, anonymised, to a new random sender."""
    with engine.begin() as connection:
        if not anonymise:
            for chunk in _chunks(event_ids):
                connection.execute(events.delete().where(events.c.id.in_(chunk)))
            return
        new_sender = f"anonymised-{secrets.token_hex(8)}"
        for chunk in _chunks(event_ids):
            rows = connection.execute(
                sa.select(events.c.id, events.c.data).where(events.c.id.in_(chunk))
            ).all()
            updates = []
            for row in rows:
                try:
                    data = json.loads(row.data or "{}")
                except ValueError:
                    data = {}
                updates.append(
                    {
                        "event_id": row.id,
                        "new_sender": new_sender,
                        "new_data": json.dumps(anonymise_event(data)),
                    }
                )
            connection.execute(
                events.update()
                .where(events.c.id == sa.bindparam("event_id"))
                .values(sender_id=sa.bindparam("new_sender"), data=sa.bindparam("new_data")),
                updates,
            )


def main(
    argv: Optional[List[str]] = None,
    settings: Optional[Settings] = None,
    stdout: TextIO = sys.stdout,
) -> int:
    """Run retention once (schedule it daily, e.g. from cron or a systemd timer)."""
    parser = argparse.ArgumentParser(prog="python -m staff_console.retention", description=__doc__)
    parser.add_argument("--days", type=int, help="override privacy.conversation_retention_days")
    parser.add_argument("--anonymise", action="store_true", help="anonymise instead of deleting")
    parser.add_argument("--dry-run", action="store_true", help="report only, change nothing")
    args = parser.parse_args(argv)
    report = apply_retention(
        settings or Settings.from_env(),
        days=args.days,
        anonymise=args.anonymise,
        dry_run=args.dry_run,
    )
    print(report.summary(), file=stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
