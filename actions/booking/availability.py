"""When the clinic can see a patient: opening hours, closures, horizon, notice, free cells."""

from __future__ import annotations

import datetime as dt
from typing import List, Optional, Sequence, Set, Tuple

from clinic_core.profile import ClinicProfile
from clinic_core.store import AppointmentStore
from clinic_core.time_of_day import window_on


def appointment_minutes(profile: ClinicProfile, patient_type: Optional[str]) -> int:
    """Length of the appointment: first visits are longer."""
    wanted = "returning_patient" if patient_type == "returning" else "new_patient"
    by_id = {t.id: t.minutes for t in profile.appointment_types}
    return by_id.get(wanted, profile.appointment_types[0].minutes)


def too_late_to_change(profile: ClinicProfile, starts_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether an appointment starting at ``starts_at`` is inside the cancellation notice."""
    return starts_at - now < dt.timedelta(hours=profile.booking.cancellation_notice_hours)


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


def bookable_day(profile: ClinicProfile, day: dt.date, now: dt.datetime) -> bool:
    """Whether the clinic opens on ``day`` and its hours there end after the notice needed."""
    earliest = now.astimezone(profile.zone) + dt.timedelta(hours=profile.booking.min_notice_hours)
    return any(
        dt.datetime.combine(day, end, tzinfo=profile.zone) > earliest
        for _, end in profile.hours_on(day)
    )


def taken_on(
    profile: ClinicProfile,
    day: dt.date,
    store: AppointmentStore,
    except_conversation: Optional[str] = None,
    moving: Optional[str] = None,
) -> Set[dt.datetime]:
    """Grid cells claimed on ``day`` (clinic midnight to midnight).

    Not those of this conversation's appointments, nor of the one being
    ``moving`` (its reference).
    """
    start = dt.datetime.combine(day, dt.time(0), tzinfo=profile.zone)
    return store.taken_cells(start, start + dt.timedelta(days=1), except_conversation, moving)


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
    window = window_on(part_of_day, profile.hours_on(day))
    return [
        start
        for start in candidate_starts(profile, day, minutes)
        if start >= earliest
        and is_free(start, minutes, profile.booking.slot_grid_minutes, taken)
        and (window is None or window[0] <= start.time() < window[1])
    ]


def in_part_of_day(profile: ClinicProfile, part_of_day: str, start: dt.datetime) -> bool:
    """Whether ``start`` falls in ``part_of_day`` on its day."""
    window = window_on(part_of_day, profile.hours_on(start.date()))
    return window is None or window[0] <= start.time() < window[1]


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


def free_on_days(
    profile: ClinicProfile,
    days: Sequence[dt.date],
    minutes: int,
    store: AppointmentStore,
    now: dt.datetime,
    part_of_day: Optional[str] = None,
    except_conversation: Optional[str] = None,
    count: int = 6,
    near: Optional[dt.time] = None,
    moving: Optional[str] = None,
) -> List[dt.datetime]:
    """Free starts for a vague day ("next week", "Monday or Tuesday"), in time order.

    Up to ``count`` starts shared among the bookable days that have free
    times (the earliest days first), spread over each day; when a time was
    said ("next Thursday at 11"), that time on each day where it is free, else
    the two starts nearest to it. Within
    ``part_of_day`` when it has free times on those days, otherwise at any time.
    """
    by_day = []
    for day in days:
        if day_problem(profile, day, now) is None:
            taken = taken_on(profile, day, store, except_conversation, moving)
            by_day.append(free_starts(profile, day, minutes, taken, now, part_of_day))
    by_day = [starts for starts in by_day if starts][:count]
    if part_of_day and not by_day:
        return free_on_days(
            profile, days, minutes, store, now, None, except_conversation, count, near, moving
        )
    chosen: List[dt.datetime] = []
    for index, starts in enumerate(by_day):
        share = -(-(count - len(chosen)) // (len(by_day) - index))  # ceiling division
        if near is None:
            chosen += evenly(starts, share)
        else:  # the time said on each day where it is free, else the two nearest
            wanted = dt.datetime.combine(starts[0].date(), near, tzinfo=starts[0].tzinfo)
            chosen += [wanted] if wanted in starts else nearest(starts, wanted, min(share, 2))
    return chosen


def evenly(items: List[dt.datetime], count: int) -> List[dt.datetime]:
    """Up to ``count`` items spread evenly over the list, first and last included."""
    if len(items) <= count or count < 2:
        return items[:count]
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def nearest_open_days(
    profile: ClinicProfile,
    wanted: dt.date,
    now: dt.datetime,
    minutes: int,
    store: AppointmentStore,
    at: Optional[dt.time] = None,
    count: int = 3,
    moving: Optional[str] = None,
) -> List[Tuple[dt.date, Optional[dt.time]]]:
    """The ``count`` bookable days nearest to ``wanted``, in date order.

    Each comes with ``at`` when that time is free on it, else None (some
    other time is free). A past ``wanted`` day is measured from today, one
    beyond the booking horizon from its last day.
    """
    today = now.date()
    last = today + dt.timedelta(days=profile.booking.horizon_days)
    anchor = min(max(wanted, today), last)
    found: List[Tuple[dt.date, Optional[dt.time]]] = []
    for distance in range(0, profile.booking.horizon_days + 1):
        for day in dict.fromkeys(
            (anchor - dt.timedelta(days=distance), anchor + dt.timedelta(days=distance))
        ):
            if day == wanted or day < today or day > last or day_problem(profile, day, now):
                continue
            taken = taken_on(profile, day, store, moving=moving)
            free = free_starts(profile, day, minutes, taken, now)
            if not free:
                continue
            wanted_start = dt.datetime.combine(day, at, tzinfo=profile.zone) if at else None
            found.append((day, at if wanted_start in free else None))
        if len(found) >= count:
            break
    return sorted(found[:count])
