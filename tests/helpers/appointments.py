"""Appointment requests, as the booking form makes them: the one factory."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from clinic_core.store import NewAppointment

FIRST_OF_DECEMBER_AT_TEN = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
# The changes that make the default new patient a returning one.
RETURNING_PATIENT = dict(
    appointment_type="returning_patient", reason="lower back pain", patient_type="returning"
)


def new_appointment(
    start: dt.datetime = FIRST_OF_DECEMBER_AT_TEN, minutes: int = 45, **changes: object
) -> NewAppointment:
    """An appointment request as the booking form would make it."""
    values = dict(
        starts_at=start,
        minutes=minutes,
        grid_minutes=15,
        appointment_type="new_patient",
        reason="sciatica",
        patient_name="Ann Lee",
        phone="+447911123456",
        email=None,
        patient_type="new",
        notes=None,
        conversation_id="conversation-1",
    )
    values.update(changes)
    return NewAppointment(**values)  # type: ignore[arg-type]
