"""Appointment requests, as the booking form makes them (the one factory), and booking races."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Callable, List
from zoneinfo import ZoneInfo

from clinic_core.store import AppointmentStore, NewAppointment

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


def race(url: str, contenders: int, attempt: Callable[[AppointmentStore, int], str]) -> List[str]:
    """Run ``attempt`` in ``contenders`` threads at the same instant, each with its own store.

    Every thread opens its own connection to ``url``, then waits at a barrier
    until all are ready, so that the attempts really overlap.

    Returns:
        Each attempt's outcome, in the order they finished.

    """
    barrier = threading.Barrier(contenders)
    results: List[str] = []

    def contender(index: int) -> None:
        own_store = AppointmentStore(url)
        barrier.wait()
        results.append(attempt(own_store, index))

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
