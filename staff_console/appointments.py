"""Appointments for staff: by day in the clinic's timezone, status changes, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple
from zoneinfo import ZoneInfo

from clinic_core.store import STATUSES, Appointment, AppointmentStore

MAX_DAYS = 92  # one export or listing covers at most about a quarter
DEFAULT_DAYS = 7  # a listing without a range shows a week


def parse_day_range(
    args: Dict[str, str], today: dt.date, default_days: int
) -> Tuple[dt.date, dt.date, List[str]]:
    """``from``/``to`` (or ``days``) of a query: today and ``default_days`` by default.

    Returns the range to use (a default where a value was wrong) and the errors.
    """
    errors: List[str] = []
    try:
        first = dt.date.fromisoformat(args["from"]) if args.get("from") else today
    except ValueError:
        errors.append("'from' must be a date such as 2026-12-01")
        first = today
    days = default_days
    if args.get("days"):
        days = int(args["days"]) if args["days"].isdigit() else 0
        if not 1 <= days <= MAX_DAYS:
            errors.append(f"'days' must be between 1 and {MAX_DAYS}")
            days = default_days
    last = first + dt.timedelta(days=days - 1)
    if args.get("to"):
        try:
            last = dt.date.fromisoformat(args["to"])
        except ValueError:
            errors.append("'to' must be a date such as 2026-12-07")
    if last < first or (last - first).days >= MAX_DAYS:
        errors.append(f"the range must run forwards and cover at most {MAX_DAYS} days")
        last = first + dt.timedelta(days=default_days - 1)
    return first, last, errors


STATUS_LABELS = {
    "booked": "Booked",
    "cancelled": "Cancelled",
    "attended": "Attended",
    "no_show": "No-show",
}
CSV_COLUMNS = (
    "reference",
    "status",
    "date",
    "start",
    "end",
    "appointment_type",
    "reason",
    "patient_name",
    "phone",
    "email",
    "patient_type",
    "notes",
    "conversation_id",
)
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Day:
    """The appointments of one clinic day."""

    date: dt.date
    appointments: List[Appointment]


class Appointments:
    """Read appointments by day; change status through ``AppointmentStore``."""

    def __init__(self, url: str, zone: ZoneInfo, grid_minutes: int = 15) -> None:
        """Use the appointments database at ``url``; days are days in ``zone``."""
        self.store = AppointmentStore(url)
        self.zone = zone
        self.grid_minutes = grid_minutes

    def between(
        self, first: dt.date, last: dt.date, status: Optional[str] = None
    ) -> List[Appointment]:
        """Appointments starting on clinic days ``first`` to ``last`` (inclusive), by time."""
        start = dt.datetime.combine(first, dt.time(0, 0), tzinfo=self.zone)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0, 0), tzinfo=self.zone)
        return self.store.between(start, end, status)

    def by_day(self, first: dt.date, last: dt.date) -> List[Day]:
        """Every day from ``first`` to ``last`` with its appointments (possibly none)."""
        found: Dict[dt.date, List[Appointment]] = {}
        for appointment in self.between(first, last):
            found.setdefault(appointment.starts_at.astimezone(self.zone).date(), []).append(
                appointment
            )
        days = (last - first).days + 1
        return [
            Day(day, found.get(day, []))
            for day in (first + dt.timedelta(days=n) for n in range(days))
        ]

    def get(self, reference: str) -> Optional[Appointment]:
        """The appointment with this reference."""
        return self.store.get(reference)

    def set_status(self, reference: str, status: str) -> Tuple[Appointment, Appointment]:
        """Change the status; returns before and after.

        Cancelling frees the time; leaving "cancelled" claims it again, or
        fails if another appointment holds it now.

        Raises:
            KeyError: no such appointment.
            ValueError: unknown status.
            SlotTakenError: un-cancelling, and the time has been booked since.

        """
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        before = self.store.get(reference)
        if before is None:
            raise KeyError(reference)
        return before, self.store.set_status(reference, status, self.grid_minutes)

    def conversation_ids(self) -> Set[str]:
        """Conversations that made at least one appointment."""
        return self.store.conversation_ids()

    def for_conversations(self, sender_ids: List[str]) -> Dict[str, List[Appointment]]:
        """Appointments made by each of these conversations."""
        return self.store.for_conversations(sender_ids)

    def by_conversation(self, sender_id: str) -> List[Appointment]:
        """Appointments made in one conversation."""
        return self.store.by_conversation(sender_id)


def safe_cell(value: Any) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def appointment_record(appointment: Appointment, zone: ZoneInfo) -> Dict[str, Any]:
    """An appointment as plain values, times in the clinic's timezone (CSV, API)."""
    start = appointment.starts_at.astimezone(zone)
    end = appointment.ends_at.astimezone(zone)
    return {
        "reference": appointment.reference,
        "status": appointment.status,
        "date": start.date().isoformat(),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "starts_at": start.isoformat(),
        "ends_at": end.isoformat(),
        "appointment_type": appointment.appointment_type,
        "reason": appointment.reason,
        "patient_name": appointment.patient_name,
        "phone": appointment.phone,
        "email": appointment.email,
        "patient_type": appointment.patient_type,
        "notes": appointment.notes,
        "conversation_id": appointment.conversation_id,
    }


def to_csv(rows: Iterable[Appointment], zone: ZoneInfo) -> str:
    """CSV of appointments, one per line, safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for appointment in rows:
        record = appointment_record(appointment, zone)
        writer.writerow([safe_cell(record[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()
