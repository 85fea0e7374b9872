"""Every setting the clinic's processes read from the environment, in one place.

One pydantic ``BaseSettings`` section per process: :class:`CoreSettings`
(every process: clinic data, appointments database, test clock),
:class:`ActionSettings` (the action server and Rasa's calls to it),
:class:`ConsoleSettings` (the staff console), :class:`ChannelSettings` (the
website and its widget), :class:`EdgeSettings` (the limits every public
channel applies, channels/guard.py) and :class:`OpsSettings` (the launcher
and the production profile). Each is read with ``load()``, which validates every value
and raises :class:`SettingsError` naming the variable. Local defaults make
``make run`` work with nothing set; a deployment sets its own.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import secrets
from functools import cache
from pathlib import Path
from typing import Any, Dict, Literal, Mapping, Optional, Tuple, Type, TypeVar

import pydantic
from pydantic import BaseSettings, Field
from pydantic.env_settings import SettingsSourceCallable

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"
LOG_DIR = VAR_DIR / "logs"
DEFAULT_CLINIC_DIR = ROOT / "clinic"
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'appointments.db'}"
DEFAULT_TRACKER_STORE_URL = f"sqlite:///{VAR_DIR / 'tracker.db'}"
DEFAULT_CONSOLE_DATABASE_URL = f"sqlite:///{VAR_DIR / 'console.db'}"
CONSOLE_SECRET_FILE = VAR_DIR / "console_secret"
MIN_SECRET_LENGTH = 32
# The intent classifier's sentence encoder, built by `make embeddings`
# (ops/embeddings.py) and copied into each trained model.
SENTENCE_ENCODER_DIR = ROOT / ".embeddings" / "minilm"

# Quiet, offline-friendly defaults for every Rasa process we start.
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "RASA_TELEMETRY_ENABLED": "false",
    "PYTHONWARNINGS": "ignore",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}

Section = TypeVar("Section", bound="_Section")


class SettingsError(ValueError):
    """A setting in the environment is not valid; the message names the variable."""


class _Section(BaseSettings):
    """Each field names its environment variable (``env``)."""

    class Config:
        extra = pydantic.Extra.forbid
        case_sensitive = True
        frozen = True

        @classmethod
        def customise_sources(
            cls,
            init_settings: SettingsSourceCallable,
            env_settings: SettingsSourceCallable,
            file_secret_settings: SettingsSourceCallable,
        ) -> Tuple[SettingsSourceCallable, ...]:
            # ``load`` passes the environment it was given: one source only.
            return (init_settings,)

    @classmethod
    def load(cls: Type[Section], env: Optional[Mapping[str, str]] = None) -> Section:
        """The section from ``env`` (default: the process environment), validated.

        An empty variable counts as unset.

        Raises:
            SettingsError: a value is not valid; the message names its variable.

        """
        source = os.environ if env is None else env
        variables = {name: cls.variable(name) for name in cls.__fields__}
        values: Dict[str, Any] = {
            name: source[variable]
            for name, variable in variables.items()
            if (source.get(variable) or "").strip()
        }
        try:
            return cls(**values)
        except pydantic.ValidationError as error:
            problems = []
            for problem in error.errors():
                name = str(problem["loc"][0])
                shown = name in values and not cls.__fields__[name].field_info.extra.get("secret")
                given = f" (got {values[name]!r})" if shown else ""
                problems.append(f"{variables.get(name, name)}: {problem['msg']}{given}")
            raise SettingsError(f"invalid setting {'; '.join(problems)}") from None

    @classmethod
    def variable(cls, name: str) -> str:
        """The environment variable of field ``name``."""
        return str(cls.__fields__[name].field_info.extra["env"])


class CoreSettings(_Section):
    """What every process reads: the clinic's data, the appointments database, the clock."""

    clinic_data_dir: Path = Field(DEFAULT_CLINIC_DIR, env="CLINIC_DATA_DIR")
    database_url: str = Field(DEFAULT_DATABASE_URL, env="DATABASE_URL")
    # Only tests, demos and benchmarks pin "now", and only when they say so.
    test_clock: bool = Field(False, env="CLINIC_TEST_CLOCK")
    reference_now: Optional[dt.datetime] = Field(None, env="CLINIC_REFERENCE_NOW")

    @pydantic.validator("reference_now")
    def _only_with_test_clock(
        cls, value: Optional[dt.datetime], values: Dict[str, Any]
    ) -> Optional[dt.datetime]:
        if value is not None and not values.get("test_clock"):
            _warn_once("CLINIC_REFERENCE_NOW is ignored: set CLINIC_TEST_CLOCK=1 to pin 'now'")
            return None
        return value


class ActionSettings(_Section):
    """The action server, and the Rasa server's calls to it."""

    token: str = Field("", env="ACTION_SERVER_TOKEN", secret=True)
    host: str = Field("127.0.0.1", env="ACTION_SERVER_HOST")
    sanic_host: Optional[str] = Field(None, env="SANIC_HOST")
    workers: int = Field(2, ge=1, le=64, env="ACTION_SERVER_SANIC_WORKERS")
    timeout_seconds: float = Field(10.0, gt=0, le=300, env="ACTION_SERVER_TIMEOUT_SECONDS")


class ConsoleSettings(_Section):
    """The staff console's databases, secret and address."""

    database_url: str = Field(DEFAULT_CONSOLE_DATABASE_URL, env="CONSOLE_DATABASE_URL")
    tracker_store_url: str = Field(DEFAULT_TRACKER_STORE_URL, env="TRACKER_STORE_URL")
    # Retention and erasure change conversations through this URL (a role
    # that may update and delete events); None: tracker_store_url.
    privacy_tracker_store_url: Optional[str] = Field(None, env="PRIVACY_TRACKER_STORE_URL")
    appointments_database_url: str = Field(DEFAULT_DATABASE_URL, env="DATABASE_URL")
    secret_key: Optional[str] = Field(
        None, min_length=MIN_SECRET_LENGTH, env="CONSOLE_SECRET_KEY", secret=True
    )
    host: str = Field("127.0.0.1", env="CONSOLE_HOST")
    port: int = Field(5100, ge=1, le=65535, env="CONSOLE_PORT")
    secure_cookies: bool = Field(False, env="CONSOLE_SECURE_COOKIES")

    def secret(self, path: Path = CONSOLE_SECRET_FILE) -> bytes:
        """The configured key, or one generated once and kept in ``path`` (mode 0600).

        A persisted key keeps staff logged in across restarts without anyone
        having to invent a secret; var/ is git-ignored so it is never committed.
        """
        return (self.secret_key or persisted_secret(path)).encode()


class ChannelSettings(_Section):
    """The website and the widget's session ids."""

    web_session_secret: str = Field("", env="WEB_SESSION_SECRET", secret=True)
    website_host: str = Field("127.0.0.1", env="WEBSITE_HOST")
    website_port: int = Field(8000, ge=1, le=65535, env="WEBSITE_PORT")
    # The assistant's URL as the visitor's browser reaches it (socket.io).
    assistant_public_url: str = Field("http://127.0.0.1:5005", env="ASSISTANT_PUBLIC_URL")


def trusted_networks(raw: str) -> Tuple[str, ...]:
    """``TRUSTED_PROXIES`` (addresses or networks, space or comma separated) as networks.

    Raises:
        ValueError: an entry is neither an address nor a network.

    """
    networks = []
    for entry in raw.replace(",", " ").split():
        try:
            networks.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError:
            raise ValueError(f"{entry!r} is not an address or network") from None
    return tuple(networks)


class EdgeSettings(_Section):
    """The limits at the edge of every public channel (channels/guard.py)."""

    max_message_chars: int = Field(1000, ge=1, env="MAX_MESSAGE_CHARS")
    # Messages per window and sender, and per window and client address; 0: no limit.
    rate_limit_messages: int = Field(20, ge=0, env="RATE_LIMIT_MESSAGES")
    rate_limit_address_messages: int = Field(120, ge=0, env="RATE_LIMIT_ADDRESS_MESSAGES")
    rate_limit_window_seconds: int = Field(60, ge=1, env="RATE_LIMIT_WINDOW_SECONDS")
    trusted_proxies: Tuple[str, ...] = Field((), env="TRUSTED_PROXIES")
    rate_limit_backend: Literal["memory", "redis"] = Field("memory", env="RATE_LIMIT_BACKEND")
    redis_host: Optional[str] = Field(None, env="REDIS_HOST")
    redis_port: int = Field(6379, ge=1, le=65535, env="REDIS_PORT")
    redis_db: int = Field(0, ge=0, env="REDIS_DB")
    redis_password: Optional[str] = Field(None, env="REDIS_PASSWORD", secret=True)
    max_request_bytes: int = Field(65536, ge=1024, env="MAX_REQUEST_BYTES")

    @pydantic.validator("trusted_proxies", pre=True)
    def _networks(cls, value: Any) -> Any:
        return trusted_networks(value) if isinstance(value, str) else value

    @pydantic.validator("rate_limit_backend", pre=True)
    def _backend(cls, value: Any) -> Any:
        value = value.strip().lower() if isinstance(value, str) else value
        if value not in ("memory", "redis"):
            raise ValueError(f"{value!r}: expected memory or redis")
        return value

    @pydantic.validator("redis_host", always=True)
    def _host_for_redis(cls, value: Optional[str], values: Dict[str, Any]) -> Optional[str]:
        value = (value or "").strip() or None
        if values.get("rate_limit_backend") == "redis" and not value:
            raise ValueError("RATE_LIMIT_BACKEND=redis needs REDIS_HOST (and REDIS_PORT, REDIS_DB)")
        return value


class OpsSettings(_Section):
    """The launcher (`make run`, `make run-prod`) and the production profile."""

    rasa_processes: int = Field(2, ge=1, le=32, env="RASA_PROCESSES")
    action_workers: int = Field(2, ge=1, le=64, env="ACTION_SERVER_SANIC_WORKERS")
    production_dir: Path = Field(VAR_DIR / "production", env="PRODUCTION_DIR")


SECTIONS: Tuple[Type[_Section], ...] = (
    CoreSettings,
    ActionSettings,
    ConsoleSettings,
    ChannelSettings,
    EdgeSettings,
    OpsSettings,
)


def check(env: Optional[Mapping[str, str]] = None) -> None:
    """Validate every section at a process's start.

    Raises:
        SettingsError: naming every variable that is not valid.

    """
    problems = []
    for section in SECTIONS:
        try:
            section.load(env)
        except SettingsError as error:
            problems.append(str(error))
    if problems:
        raise SettingsError("; ".join(problems))


@cache
def _warn_once(message: str) -> None:
    logger.warning(message)


def persisted_secret(path: Path) -> str:
    """A random secret generated once into ``path`` (mode 0600) and read back later.

    var/ is git-ignored, so the secret is never committed; a deployment sets
    its own from its secret store instead.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()
