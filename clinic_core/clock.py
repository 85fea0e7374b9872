"""The current time in the clinic's timezone.

Tests, demos and benchmarks pin "now" with ``CLINIC_TEST_CLOCK=1`` and
``CLINIC_REFERENCE_NOW`` (an ISO date-time, for example ``2026-11-24T10:00``)
so that they are deterministic; without ``CLINIC_TEST_CLOCK`` the reference
time is ignored (clinic_core/settings.py). Unit tests pass an explicit
reference time instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Dict
from zoneinfo import ZoneInfo

from clinic_core.settings import CoreSettings

TEST_CLOCK_ENV = "CLINIC_TEST_CLOCK"
REFERENCE_NOW_ENV = "CLINIC_REFERENCE_NOW"


def pinned_env(moment: str) -> Dict[str, str]:
    """The environment that pins the clinic's "now" to ``moment`` (ISO)."""
    return {TEST_CLOCK_ENV: "1", REFERENCE_NOW_ENV: moment}


def clinic_now(zone: ZoneInfo) -> dt.datetime:
    """Timezone-aware current time in ``zone``."""
    pinned = CoreSettings.load().reference_now
    if pinned is not None:
        return pinned.replace(tzinfo=zone) if pinned.tzinfo is None else pinned.astimezone(zone)
    return dt.datetime.now(zone)
