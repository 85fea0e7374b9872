"""Console settings, read from the environment with local defaults."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Optional
from zoneinfo import ZoneInfo

from clinic_core.store import DATABASE_URL_ENV, DEFAULT_DATABASE
from clinic_core.profile import load_profile
from clinic_core.clock import clinic_now
from ops.settings import VAR_DIR, persisted_secret, server_env

SECRET_FILE = VAR_DIR / "console_secret"
TRUE_WORDS = ("1", "true", "yes", "on")


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
        """Settings from ``environ`` (default: the process environment)."""
        env = dict(os.environ if environ is None else environ)
        profile = load_profile()
        return cls(
            console_database_url=env.get("CONSOLE_DATABASE_URL")
            or f"sqlite:///{VAR_DIR / 'console.db'}",
            # Same default as `make run` gives the Rasa server (ops/settings.py).
            tracker_store_url=server_env(base=env)["TRACKER_STORE_URL"],
            privacy_tracker_store_url=env.get("PRIVACY_TRACKER_STORE_URL") or None,
            appointments_database_url=env.get(DATABASE_URL_ENV) or f"sqlite:///{DEFAULT_DATABASE}",
            secret_key=secret_key(env.get("CONSOLE_SECRET_KEY")),
            clinic_name=profile.name,
            zone=profile.zone,
            retention_days=profile.privacy.conversation_retention_days,
            appointment_retention_days=profile.privacy.appointment_retention_days,
            slot_grid_minutes=profile.booking.slot_grid_minutes,
            host=env.get("CONSOLE_HOST", "127.0.0.1"),
            port=int(env.get("CONSOLE_PORT", "5100")),
            secure_cookies=env.get("CONSOLE_SECURE_COOKIES", "").lower() in TRUE_WORDS,
        )


def secret_key(configured: Optional[str], path: Path = SECRET_FILE) -> bytes:
    """The configured key, or one generated once and kept in ``path`` (mode 0600).

    A persisted key keeps staff logged in across restarts without anyone having
    to invent a secret; var/ is git-ignored so it is never committed.
    """
    if configured:
        if len(configured) < 32:
            raise ValueError("CONSOLE_SECRET_KEY must be at least 32 characters")
        return configured.encode()
    return persisted_secret(path).encode()
