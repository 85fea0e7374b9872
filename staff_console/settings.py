"""The console's settings: the environment's (clinic_core/settings.py) and the clinic profile's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional
from zoneinfo import ZoneInfo

from clinic_core.clock import clinic_now
from clinic_core.profile import load_profile
from clinic_core.settings import ConsoleSettings


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class Settings:
    """Everything the console needs to run; tests build one directly."""

    console_database_url: str
    tracker_store_url: str
    appointments_database_url: str
    secret_key: bytes
    clinic_name: str = "Clinic"
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    retention_days: int = 365
    appointment_retention_days: int = 2920
    slot_grid_minutes: int = 15  # booking.slot_grid_minutes: un-cancelling claims these cells
    host: str = "127.0.0.1"
    port: int = 5100
    secure_cookies: bool = False
    session_idle_minutes: int = 120
    session_max_hours: int = 12
    lockout_failures: int = 5
    lockout_minutes: int = 15
    page_size: int = 25
    # Retention and erasure change the tracker store through this URL (a role
    # that may update and delete events); None: tracker_store_url.
    privacy_tracker_store_url: Optional[str] = None
    # Real time: sessions, lockouts, audit and retention.
    utc_now: Callable[[], dt.datetime] = _utc_now
    # The clinic's "now" (honours CLINIC_REFERENCE_NOW like the assistant does):
    # which day is "today" on the appointments page.
    clinic_now: Optional[Callable[[], dt.datetime]] = None

    @property
    def tracker_writer_url(self) -> str:
        """Where retention and erasure change conversations."""
        return self.privacy_tracker_store_url or self.tracker_store_url

    def today_now(self) -> dt.datetime:
        """The current time in the clinic's timezone."""
        if self.clinic_now is not None:
            return self.clinic_now().astimezone(self.zone)
        return clinic_now(self.zone)

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> Settings:
        """Settings from ``environ`` (default: the process environment).

        Raises:
            SettingsError: a variable holds a value that is not valid.

        """
        env = ConsoleSettings.load(environ)
        profile = load_profile()
        return cls(
            console_database_url=env.database_url,
            tracker_store_url=env.tracker_store_url,
            privacy_tracker_store_url=env.privacy_tracker_store_url,
            appointments_database_url=env.appointments_database_url,
            secret_key=env.secret(),
            clinic_name=profile.name,
            zone=profile.zone,
            retention_days=profile.privacy.conversation_retention_days,
            appointment_retention_days=profile.privacy.appointment_retention_days,
            slot_grid_minutes=profile.booking.slot_grid_minutes,
            host=env.host,
            port=env.port,
            secure_cookies=env.secure_cookies,
        )
