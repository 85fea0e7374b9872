"""Accounts, passwords, sessions, CSRF tokens, login lockout and API tokens.

Passwords are hashed with argon2id. A session is a random token: the browser
holds it in an HttpOnly, SameSite cookie signed with the console's secret key,
the database holds only its SHA-256, so logging out (or a password reset)
really ends it. Every session has its own CSRF token, which every form sends
back. API tokens are random too and stored only as a SHA-256.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Callable, List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from staff_console.db import api_tokens, login_attempts, sessions, users

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1024
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
TOKEN_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Many failures from one address (several usernames tried) also lock it out.
ADDRESS_FAILURE_FACTOR = 4

Clock = Callable[[], dt.datetime]

_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
_dummy_hash: Optional[str] = None


class AccountError(ValueError):
    """A username, password or token name is not acceptable, or already taken."""


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as naive UTC, the way the console's tables store times."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def aware_utc(moment: dt.datetime) -> dt.datetime:
    """A stored naive UTC time made timezone-aware."""
    return moment.replace(tzinfo=dt.timezone.utc)


def digest(token: str) -> str:
    """SHA-256 of a high-entropy token (sessions, API tokens), hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def validate_username(username: str) -> str:
    """Usernames are lowercase letters, digits, dot, dash and underscore."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AccountError(
            "username must be 2-64 characters: lowercase letters, digits, '.', '-' or '_'"
        )
    return name


def validate_password(password: str, username: str) -> str:
    """Long enough, not absurdly long, and not the username."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(f"password must have at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AccountError(f"password must have at most {PASSWORD_MAX_LENGTH} characters")
    if password.strip().lower() == username.lower():
        raise AccountError("password must not be the username")
    return password


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(stored_hash: Optional[str], password: str) -> bool:
    """Whether ``password`` matches; an unknown user costs the same time."""
    global _dummy_hash
    if stored_hash is None:
        # Hash anyway so that response time does not reveal which usernames exist.
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
        stored_hash = _dummy_hash  # of a random password nobody knows
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class User:
    """A staff account."""

    id: int
    username: str
    is_admin: bool
    disabled: bool = False


def _user(row: sa.engine.Row) -> User:
    return User(
        id=int(row.id),
        username=row.username,
        is_admin=bool(row.is_admin),
        disabled=bool(row.disabled),
    )


class Accounts:
    """Staff accounts in the console database."""

    def __init__(self, engine: Engine, utc_now: Clock) -> None:
        """Use ``engine`` (console database) and ``utc_now`` for timestamps."""
        self.engine = engine
        self.utc_now = utc_now

    def create_user(self, username: str, password: str, is_admin: bool = False) -> User:
        """Create an account; the username must be new."""
        name = validate_username(username)
        validate_password(password, name)
        now = naive_utc(self.utc_now())
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    users.insert().values(
                        username=name,
                        password_hash=hash_password(password),
                        is_admin=is_admin,
                        disabled=False,
                        created_at=now,
                        password_changed_at=now,
                    )
                )
        except IntegrityError as error:
            raise AccountError(f"user {name!r} already exists") from error
        found = self.by_name(name)
        assert found is not None
        return found

    def reset_password(self, username: str, password: str) -> User:
        """Set a new password, end the user's sessions and lift any lockout."""
        name = validate_username(username)
        validate_password(password, name)
        with self.engine.begin() as connection:
            updated = connection.execute(
                users.update()
                .where(users.c.username == name)
                .values(
                    password_hash=hash_password(password),
                    password_changed_at=naive_utc(self.utc_now()),
                )
            ).rowcount
            if not updated:
                raise AccountError(f"no user {name!r}")
            self._end_sessions(connection, name)
            connection.execute(
                login_attempts.delete().where(
                    login_attempts.c.username == name, login_attempts.c.succeeded.is_(False)
                )
            )
        found = self.by_name(name)
        assert found is not None
        return found

    def set_disabled(self, username: str, disabled: bool) -> User:
        """Disable (or re-enable) an account; disabling ends its sessions."""
        name = validate_username(username)
        with self.engine.begin() as connection:
            updated = connection.execute(
                users.update().where(users.c.username == name).values(disabled=disabled)
            ).rowcount
            if not updated:
                raise AccountError(f"no user {name!r}")
            if disabled:
                self._end_sessions(connection, name)
        found = self.by_name(name)
        assert found is not None
        return found

    @staticmethod
    def _end_sessions(connection: sa.engine.Connection, name: str) -> None:
        user_ids = sa.select(users.c.id).where(users.c.username == name).scalar_subquery()
        connection.execute(sessions.delete().where(sessions.c.user_id == user_ids))

    def by_name(self, username: str) -> Optional[User]:
        """The account called ``username``, if any."""
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(users).where(users.c.username == username.strip().lower())
            ).first()
        return _user(row) if row else None

    def list_users(self) -> List[User]:
        """Every account, by username."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(users).order_by(users.c.username)).all()
        return [_user(row) for row in rows]

    def check_password(self, username: str, password: str) -> Optional[User]:
        """The enabled account if the password matches, else None (slow: argon2)."""
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(users).where(users.c.username == username.strip().lower())
            ).first()
        if not verify_password(row.password_hash if row else None, password):
            return None
        if row is None or row.disabled:
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            # The library's recommended costs went up since this hash was made.
            with self.engine.begin() as connection:
                connection.execute(
                    users.update()
                    .where(users.c.id == row.id)
                    .values(password_hash=hash_password(password))
                )
        return _user(row)


class Throttle:
    """Locks a username (or an address) out for a while after repeated failures."""

    def __init__(self, engine: Engine, utc_now: Clock, failures: int, minutes: int) -> None:
        """Lock after ``failures`` failed logins within ``minutes``, for ``minutes``."""
        self.engine = engine
        self.utc_now = utc_now
        self.failures = failures
        self.window = dt.timedelta(minutes=minutes)

    def locked_until(self, username: str, remote_addr: str) -> Optional[dt.datetime]:
        """When the lockout ends (aware UTC), or None if logging in is allowed."""
        now = naive_utc(self.utc_now())
        since = now - self.window
        name = username.strip().lower()[:64]
        with self.engine.connect() as connection:
            last_success = connection.execute(
                sa.select(sa.func.max(login_attempts.c.at)).where(
                    login_attempts.c.username == name, login_attempts.c.succeeded.is_(True)
                )
            ).scalar()
            since_user = max(since, last_success) if last_success else since
            checks = (
                (login_attempts.c.username == name, since_user, self.failures),
                (
                    login_attempts.c.remote_addr == remote_addr[:64],
                    since,
                    self.failures * ADDRESS_FAILURE_FACTOR,
                ),
            )
            for who, start, limit in checks:
                count, latest = connection.execute(
                    sa.select(sa.func.count(), sa.func.max(login_attempts.c.at)).where(
                        who, login_attempts.c.succeeded.is_(False), login_attempts.c.at > start
                    )
                ).one()
                if count >= limit and latest is not None:
                    return aware_utc(latest + self.window)
        return None

    def record(self, username: str, remote_addr: str, succeeded: bool) -> None:
        """Remember one login attempt."""
        with self.engine.begin() as connection:
            connection.execute(
                login_attempts.insert().values(
                    username=username.strip().lower()[:64],
                    remote_addr=remote_addr[:64],
                    at=naive_utc(self.utc_now()),
                    succeeded=succeeded,
                )
            )


class Signer:
    """HMAC-SHA256 signatures for cookie values."""

    def __init__(self, secret_key: bytes) -> None:
        """Sign with ``secret_key``."""
        self.key = secret_key

    def mac(self, purpose: str, value: str) -> str:
        """A URL-safe MAC of ``value`` for one ``purpose`` (keys are not reused across uses)."""
        raw = hmac.new(self.key, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def sign(self, value: str, purpose: str = "cookie") -> str:
        """``value.signature``."""
        return f"{value}.{self.mac(purpose, value)}"

    def unsign(self, signed: Optional[str], purpose: str = "cookie") -> Optional[str]:
        """The value if the signature is right, else None."""
        if not signed or "." not in signed:
            return None
        value, signature = signed.rsplit(".", 1)
        if hmac.compare_digest(signature, self.mac(purpose, value)):
            return value
        return None

    def login_form_token(self, nonce: str) -> str:
        """The CSRF token the login form carries for the nonce in its cookie."""
        return self.mac("login-csrf", nonce)


@dataclass(frozen=True)
class Session:
    """A logged-in staff member's session."""

    token_hash: str
    user: User
    csrf_token: str


class Sessions:
    """Server-side sessions, identified by a signed random token in a cookie."""

    def __init__(
        self, engine: Engine, signer: Signer, utc_now: Clock, idle_minutes: int, max_hours: int
    ) -> None:
        """Sessions end after ``idle_minutes`` unused or ``max_hours`` in all."""
        self.engine = engine
        self.signer = signer
        self.utc_now = utc_now
        self.idle = dt.timedelta(minutes=idle_minutes)
        self.lifetime = dt.timedelta(hours=max_hours)

    def start(self, user: User) -> str:
        """A new session for ``user``; returns the signed cookie value."""
        token = secrets.token_urlsafe(32)
        now = naive_utc(self.utc_now())
        with self.engine.begin() as connection:
            # Expired sessions are swept here rather than by a separate job.
            connection.execute(sessions.delete().where(sessions.c.created_at < now - self.lifetime))
            connection.execute(
                sessions.insert().values(
                    token_hash=digest(token),
                    user_id=user.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    last_seen_at=now,
                )
            )
        return self.signer.sign(token, "session")

    def load(self, cookie: Optional[str]) -> Optional[Session]:
        """The live session the cookie names, or None."""
        token = self.signer.unsign(cookie, "session")
        if token is None:
            return None
        token_hash = digest(token)
        now = naive_utc(self.utc_now())
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(
                    sessions.c.csrf_token,
                    sessions.c.created_at,
                    sessions.c.last_seen_at,
                    users.c.id,
                    users.c.username,
                    users.c.is_admin,
                    users.c.disabled,
                )
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.token_hash == token_hash)
            ).first()
        if row is None or row.disabled:
            return None
        if now - row.last_seen_at > self.idle or now - row.created_at > self.lifetime:
            self.end(token_hash)
            return None
        if now - row.last_seen_at > dt.timedelta(minutes=1):
            # At most one write a minute per session, not one per request.
            with self.engine.begin() as connection:
                connection.execute(
                    sessions.update()
                    .where(sessions.c.token_hash == token_hash)
                    .values(last_seen_at=now)
                )
        return Session(token_hash=token_hash, user=_user(row), csrf_token=row.csrf_token)

    def end(self, token_hash: str) -> None:
        """Forget the session (logout)."""
        with self.engine.begin() as connection:
            connection.execute(sessions.delete().where(sessions.c.token_hash == token_hash))


@dataclass(frozen=True)
class ApiToken:
    """A named API token (its secret is never stored)."""

    name: str
    created_at: dt.datetime
    last_used_at: Optional[dt.datetime]
    revoked: bool


class Tokens:
    """Bearer tokens for the JSON API."""

    def __init__(self, engine: Engine, utc_now: Clock) -> None:
        """Use ``engine`` (console database)."""
        self.engine = engine
        self.utc_now = utc_now

    def create(self, name: str) -> str:
        """A new token called ``name``; the returned secret is shown only once."""
        if not TOKEN_NAME_PATTERN.match(name):
            raise AccountError(
                "token name must be 1-64 characters: letters, digits, '.', '-' or '_'"
            )
        token = f"sc_{secrets.token_urlsafe(32)}"
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    api_tokens.insert().values(
                        name=name, token_hash=digest(token), created_at=naive_utc(self.utc_now())
                    )
                )
        except IntegrityError as error:
            raise AccountError(f"a token called {name!r} already exists") from error
        return token

    def revoke(self, name: str) -> None:
        """Stop the token called ``name`` from working."""
        with self.engine.begin() as connection:
            updated = connection.execute(
                api_tokens.update()
                .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=naive_utc(self.utc_now()))
            ).rowcount
        if not updated:
            raise AccountError(f"no active token called {name!r}")

    def verify(self, token: str) -> Optional[str]:
        """The name of the live token, or None."""
        now = naive_utc(self.utc_now())
        with self.engine.begin() as connection:
            row = connection.execute(
                sa.select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.last_used_at).where(
                    api_tokens.c.token_hash == digest(token), api_tokens.c.revoked_at.is_(None)
                )
            ).first()
            if row is None:
                return None
            if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
                connection.execute(
                    api_tokens.update().where(api_tokens.c.id == row.id).values(last_used_at=now)
                )
        return str(row.name)

    def list_tokens(self) -> List[ApiToken]:
        """Every token, by name."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(api_tokens).order_by(api_tokens.c.name)).all()
        return [
            ApiToken(
                name=row.name,
                created_at=aware_utc(row.created_at),
                last_used_at=aware_utc(row.last_used_at) if row.last_used_at else None,
                revoked=row.revoked_at is not None,
            )
            for row in rows
        ]
