"""The current time in the clinic's timezone.

``CLINIC_REFERENCE_NOW`` (an ISO date-time, for example ``2026-11-24T10:00``)
pins "now" so that demos and end-to-end tests are deterministic; unit tests
pass an explicit reference time instead.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

REFERENCE_NOW_ENV = "CLINIC_REFERENCE_NOW"


def clinic_now(zone: ZoneInfo) -> dt.datetime:
    """Timezone-aware current time in ``zone``."""
    pinned = os.environ.get(REFERENCE_NOW_ENV)
    if pinned:
        moment = dt.datetime.fromisoformat(pinned)
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    return dt.datetime.now(zone)
