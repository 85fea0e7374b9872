"""When the clinic can see a patient: opening hours, closures, horizon, notice, free cells."""

from __future__ import annotations

import datetime as dt
from typing import List, Optional, Set, Tuple

from clinic_core.profile import ClinicProfile
from clinic_core.store import AppointmentStore

PARTS_OF_DAY = {
    "morning": (dt.time(0, 0), dt.time(12, 0)),
    "lunchtime": (dt.time(11, 30), dt.time(14, 0)),
    "afternoon": (dt.time(12, 0), dt.time(17, 0)),
    "evening": (dt.time(17, 0), dt.time(23, 59)),
}


def appointment_minutes(profile: ClinicProfile, patient_type: Optional[str]) -> int:
    """Length of the appointment: first visits are longer."""
    wanted = "returning_patient" if patient_type == "returning" else "new_patient"
    by_id = {t.id: t.minutes for t in profile.appointment_types}
    return by_id.get(wanted, profile.appointment_types[0].minutes)


def day_problem(
    profile: ClinicProfile, day: dt.date, now: dt.datetime
) -> Optional[Tuple[str, str]]:
    """Why ``day`` cannot be booked, as (response name, detail), or None if it can."""
    if day < now.date():
        return ("utter_date_in_past", "")
    if day > now.date() + dt.timedelta(days=profile.booking.horizon_days):
        return ("utter_date_beyond_horizon", str(profile.booking.horizon_days))
    closure = profile.closure_on(day)
    if closure is not None:
        return ("utter_date_closure", closure.reason)
    if not profile.hours_on(day):
        return ("utter_date_closed_day", f"{day:%A}s")
    return None


def taken_on(
    profile: ClinicProfile,
    day: dt.date,
    store: AppointmentStore,
    except_conversation: Optional[str] = None,
) -> Set[dt.datetime]:
    """Grid cells claimed on ``day`` (clinic midnight to midnight), but not by this conversation."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=profile.zone)
    return store.taken_cells(start, start + dt.timedelta(days=1), except_conversation)


def candidate_starts(profile: ClinicProfile, day: dt.date, minutes: int) -> List[dt.datetime]:
    """Every grid-aligned start on ``day`` whose whole appointment fits in opening hours."""
    grid = dt.timedelta(minutes=profile.booking.slot_grid_minutes)
    length = dt.timedelta(minutes=minutes)
    starts = []
    for opens, closes in profile.hours_on(day):
        start = dt.datetime.combine(day, opens, tzinfo=profile.zone)
        end = dt.datetime.combine(day, closes, tzinfo=profile.zone)
        while start + length <= end:
            starts.append(start)
            start += grid
    return starts


def is_free(start: dt.datetime, minutes: int, grid: int, taken: Set[dt.datetime]) -> bool:
    """Whether no grid cell of the appointment is taken."""
    cell = start
    while cell < start + dt.timedelta(minutes=minutes):
        if cell.astimezone(dt.timezone.utc) in taken:
            return False
        cell += dt.timedelta(minutes=grid)
    return True


def free_starts(
    profile: ClinicProfile,
    day: dt.date,
    minutes: int,
    taken: Set[dt.datetime],
    now: dt.datetime,
    part_of_day: Optional[str] = None,
) -> List[dt.datetime]:
    """Free, bookable starts on ``day`` (respecting minimum notice and part of day)."""
    earliest = now + dt.timedelta(hours=profile.booking.min_notice_hours)
    window = PARTS_OF_DAY.get(part_of_day or "")
    return [
        start
        for start in candidate_starts(profile, day, minutes)
        if start >= earliest
        and is_free(start, minutes, profile.booking.slot_grid_minutes, taken)
        and (window is None or window[0] <= start.time() < window[1])
    ]


def time_problem(
    profile: ClinicProfile,
    wanted: dt.datetime,
    minutes: int,
    taken: Set[dt.datetime],
    now: dt.datetime,
) -> str:
    """Why ``wanted`` cannot be booked, as the name of the response that says so."""
    grid = profile.booking.slot_grid_minutes
    if wanted < now + dt.timedelta(hours=profile.booking.min_notice_hours):
        return "utter_time_too_soon"
    if (wanted.hour * 60 + wanted.minute) % grid:
        return "utter_time_off_grid"
    if wanted not in candidate_starts(profile, wanted.date(), minutes):
        return "utter_time_closed"  # outside the hours, or would end after closing
    return "utter_time_taken"


def nearest(starts: List[dt.datetime], wanted: dt.datetime, count: int = 4) -> List[dt.datetime]:
    """The ``count`` starts closest to ``wanted``, in time order."""
    closest = sorted(starts, key=lambda s: abs((s - wanted).total_seconds()))[:count]
    return sorted(closest)
