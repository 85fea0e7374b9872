"""One patient's data: export all of it as one JSON file, or erase (or anonymise) it everywhere.

    python -m staff_console.privacy export --phone "07911 123456" [--email ...] [--out FILE]
    python -m staff_console.privacy erase --phone ... [--email ...] [--anonymise]

Administrators do the same on the console's Privacy page. A patient is found
by phone number and/or email address:

- appointments booked with that phone or email;
- conversations: those appointments' conversations, conversations whose id
  is the number (SMS and WhatsApp file them under it, with or without a
  channel prefix), and any conversation where the phone or email is a slot
  value or appears in a message;
- staff notes and reviews of those conversations, and notes that mention the
  phone or email;
- audit log entries naming any of these.

Erasing deletes the conversations, appointments, notes and reviews; with
``--anonymise`` the conversations are kept for statistics under a random id
without any text or personal slot (as retention does) and the appointments
keep their time, type and status without the patient's name, contact, reason
or notes. Either way, audit entries that name the patient are redacted, and
one entry records the erasure itself, with counts and no patient details.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, TextIO

import phonenumbers
import sqlalchemy as sa

from clinic_core.contact_details import find_email, find_phone
from clinic_core.names import CONTACT_SLOTS
from clinic_core.profile import load_profile
from clinic_core.store import Appointment, AppointmentStore
from staff_console import audit
from staff_console.appointments import appointment_record
from staff_console.audit import AuditLog
from staff_console.db import (
    audit_log,
    console_engine,
    events,
    like_pattern,
    notes,
    reviews,
    tracker_engine,
)
from staff_console.retention import REMOVED, _expire
from staff_console.settings import Settings

# Slots where the form stores a contact (actions/booking/forms.py).


@dataclass(frozen=True)
class Patient:
    """Who the request is about: a phone number (E.164) and/or an email address."""

    phone: Optional[str]
    email: Optional[str]

    @classmethod
    def parse(cls, phone: str = "", email: str = "", region: Optional[str] = None) -> Patient:
        """Normalise what staff typed, as the booking form does; ValueError if neither is valid."""
        found_phone = find_phone(phone, region or load_profile().country) if phone else None
        found_email = find_email(email) if email else None
        if phone and not found_phone:
            raise ValueError("that is not a valid phone number")
        if email and not found_email:
            raise ValueError("that is not a valid email address")
        if not found_phone and not found_email:
            raise ValueError("give the patient's phone number or email address")
        return cls(found_phone, found_email.lower() if found_email else None)

    def needles(self) -> List[str]:
        """Lower-case strings that identify the patient in stored text."""
        found: List[str] = []
        if self.phone:
            number = phonenumbers.parse(self.phone, None)
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            found += [self.phone, national, national.replace(" ", "")]
        if self.email:
            found.append(self.email)
        return [needle.lower() for needle in dict.fromkeys(found)]

    def describe(self) -> str:
        """For the export's audit entry (redacted if the patient is later erased)."""
        return ", ".join(part for part in (self.phone, self.email) if part)


@dataclass(frozen=True)
class Found:
    """Everything held about one patient."""

    conversations: List[str]
    appointments: List[Appointment]
    note_ids: List[int]
    needles: List[str]  # lower-case phone and email forms, the bookings' ones included


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure did (counts only: it is written to the audit log)."""

    anonymised: bool
    conversations: int
    events: int
    appointments: int
    notes: int
    audit_entries_redacted: int

    def summary(self) -> str:
        """One line for people and the audit log, without the patient's details."""
        verb = "anonymised" if self.anonymised else "erased"
        return (
            f"{verb} one patient: {self.conversations} conversations ({self.events} events), "
            f"{self.appointments} appointments, {self.notes} staff notes; "
            f"{self.audit_entries_redacted} audit entries redacted"
        )


def _contains(column: Any, needle: str) -> Any:
    return sa.func.lower(column).like(like_pattern(needle), escape="\\")


def find(settings: Settings, patient: Patient) -> Found:
    """The patient's appointments, conversations and staff notes."""
    store = AppointmentStore(settings.appointments_database_url)
    booked = store.for_contact(patient.phone, patient.email)
    store.dispose()
    # A booking ties the patient's phone to their email: both find them.
    needles = list(patient.needles())
    for appointment in booked:
        also = Patient(appointment.phone, (appointment.email or "").lower() or None)
        needles += [n for n in also.needles() if n not in needles and n != REMOVED]
    conversations: Set[str] = {a.conversation_id for a in booked if a.conversation_id}
    tracker = tracker_engine(settings.tracker_store_url)
    if sa.inspect(tracker).has_table("events"):
        wanted = []
        for needle in needles:
            wanted += [
                sa.func.lower(events.c.sender_id) == needle,
                # "whatsapp:+44...": the number behind a channel prefix
                sa.func.lower(events.c.sender_id).like(f"%:{like_pattern(needle)[1:-1]}", "\\"),
                sa.and_(
                    events.c.type_name == "slot",
                    events.c.action_name.in_(CONTACT_SLOTS),
                    _contains(events.c.data, needle),
                ),
                sa.and_(events.c.type_name == "user", _contains(events.c.data, needle)),
            ]
        with tracker.connect() as connection:
            conversations |= {
                row.sender_id
                for row in connection.execute(
                    sa.select(events.c.sender_id).where(sa.or_(*wanted)).distinct()
                )
            }
    tracker.dispose()
    console = console_engine(settings.console_database_url)
    note_match = [_contains(notes.c.body, needle) for needle in needles]
    if conversations:
        note_match.append(notes.c.sender_id.in_(sorted(conversations)))
    with console.connect() as connection:
        note_ids = [
            int(row.id)
            for row in connection.execute(
                sa.select(notes.c.id).where(sa.or_(*note_match)).order_by(notes.c.id)
            )
        ]
    console.dispose()
    return Found(sorted(conversations), booked, note_ids, needles)


def export(
    settings: Settings, patient: Patient, actor: str, remote_addr: str = ""
) -> Dict[str, Any]:
    """Everything held about the patient as one JSON-ready dict; the export is audited."""
    found = find(settings, patient)
    tracker = tracker_engine(settings.tracker_store_url)
    conversations: List[Dict[str, Any]] = []
    if found.conversations:
        with tracker.connect() as connection:
            for sender_id in found.conversations:
                rows = connection.execute(
                    sa.select(events.c.data)
                    .where(events.c.sender_id == sender_id)
                    .order_by(events.c.id)
                ).all()
                conversations.append(
                    {
                        "conversation_id": sender_id,
                        "events": [json.loads(row.data or "{}") for row in rows],
                    }
                )
    tracker.dispose()
    console = console_engine(settings.console_database_url)
    with console.connect() as connection:
        note_rows = connection.execute(
            sa.select(notes).where(notes.c.id.in_(found.note_ids)).order_by(notes.c.id)
        ).all()
    AuditLog(console, settings.utc_now).record(
        actor,
        audit.EXPORT,
        "patient data",
        f"{patient.describe()}: {len(conversations)} conversations, "
        f"{len(found.appointments)} appointments, {len(note_rows)} staff notes",
        remote_addr,
    )
    console.dispose()
    return {
        "exported_at": settings.utc_now().isoformat(),
        "clinic": settings.clinic_name,
        "patient": {"phone": patient.phone, "email": patient.email},
        "appointments": [appointment_record(a, settings.zone) for a in found.appointments],
        "conversations": conversations,
        "staff_notes": [
            {
                "conversation_id": row.sender_id,
                "author": row.author,
                "created_at": row.created_at.isoformat(),
                "body": row.body,
            }
            for row in note_rows
        ],
    }


def erase(
    settings: Settings,
    patient: Patient,
    actor: str,
    anonymise: bool = False,
    remote_addr: str = "",
) -> ErasureReport:
    """Erase (or anonymise) the patient everywhere; audited without their details."""
    found = find(settings, patient)
    tracker = tracker_engine(settings.tracker_writer_url, read_only=False)
    event_count = 0
    for sender_id in found.conversations:  # anonymised: one random id each, as retention does
        with tracker.connect() as connection:
            ids = [
                int(row.id)
                for row in connection.execute(
                    sa.select(events.c.id).where(events.c.sender_id == sender_id)
                )
            ]
        _expire(tracker, ids, anonymise)
        event_count += len(ids)
    tracker.dispose()
    references = [a.reference for a in found.appointments]
    store = AppointmentStore(settings.appointments_database_url)
    if anonymise:
        store.replace_details(references, ANONYMOUS_APPOINTMENT)
    else:
        store.delete(references)
    store.dispose()
    console = console_engine(settings.console_database_url)
    identifiers = [
        *found.conversations,
        *references,
        *found.needles,
        *{a.patient_name for a in found.appointments},
    ]
    with console.begin() as connection:
        if found.note_ids:
            connection.execute(notes.delete().where(notes.c.id.in_(found.note_ids)))
        if found.conversations:
            connection.execute(reviews.delete().where(reviews.c.sender_id.in_(found.conversations)))
        redacted = redact_audit(connection, identifiers)
    report = ErasureReport(
        anonymise,
        len(found.conversations),
        event_count,
        len(references),
        len(found.note_ids),
        redacted,
    )
    AuditLog(console, settings.utc_now).record(
        actor, audit.ERASURE, "", report.summary(), remote_addr
    )
    console.dispose()
    return report


# What an anonymised appointment keeps: time, type, status and patient type.
ANONYMOUS_APPOINTMENT: Dict[str, Any] = {
    "patient_name": REMOVED,
    "phone": None,
    "email": REMOVED,  # the table requires a phone or an email: a placeholder
    "reason": REMOVED,
    "notes": None,
    "conversation_id": None,
}


def redact_audit(connection: sa.engine.Connection, identifiers: Sequence[str]) -> int:
    """Blank the target and detail of audit entries that name any of ``identifiers``."""
    wanted = [i for i in dict.fromkeys(identifiers) if i and i != REMOVED]
    if not wanted:
        return 0
    matches = []
    for identifier in wanted:
        matches += [
            sa.func.lower(audit_log.c.target) == identifier.lower(),
            _contains(audit_log.c.target, identifier.lower()),
            _contains(audit_log.c.detail, identifier.lower()),
        ]
    result = connection.execute(
        audit_log.update().where(sa.or_(*matches)).values(target=REMOVED, detail=REMOVED)
    )
    return int(result.rowcount)


def anonymise_old_appointments(
    settings: Settings, days: int, dry_run: bool = False, now: Optional[dt.datetime] = None
) -> int:
    """Anonymise appointments that started more than ``days`` ago; how many (would) change."""
    if days < 1:
        raise ValueError("the retention period must be at least one day")
    cutoff = (now or settings.utc_now()) - dt.timedelta(days=days)
    store = AppointmentStore(settings.appointments_database_url)
    count = store.replace_details_before(cutoff, ANONYMOUS_APPOINTMENT, REMOVED, dry_run)
    store.dispose()
    return count


def main(
    argv: Optional[List[str]] = None,
    settings: Optional[Settings] = None,
    stdout: TextIO = sys.stdout,
) -> int:
    """Export or erase one patient from the command line (recorded as actor "command")."""
    parser = argparse.ArgumentParser(prog="python -m staff_console.privacy", description=__doc__)
    parser.add_argument("command", choices=("export", "erase"))
    parser.add_argument("--phone", default="")
    parser.add_argument("--email", default="")
    parser.add_argument("--out", type=Path, help="export: write here instead of standard output")
    parser.add_argument("--anonymise", action="store_true", help="erase: keep anonymous records")
    args = parser.parse_args(argv)
    settings = settings or Settings.from_env()
    try:
        patient = Patient.parse(args.phone, args.email)
    except ValueError as error:
        parser.error(str(error))
    if args.command == "export":
        text = json.dumps(export(settings, patient, "command"), indent=2, ensure_ascii=False)
        if args.out:
            args.out.write_text(text + "\n", encoding="utf-8")
            args.out.chmod(0o600)
        else:
            print(text, file=stdout)
        return 0
    print(erase(settings, patient, "command", anonymise=args.anonymise).summary(), file=stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
