"""Passwords, sessions, cookies, lockout, logout and security headers."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Optional

import pytest

from clinic_core.settings import ConsoleSettings
from staff_console.accounts import main as accounts_main
from staff_console.audit import AuditLog
from staff_console.auth import (
    AccountError,
    Accounts,
    Sessions,
    Signer,
    Throttle,
    Tokens,
    validate_password,
)
from staff_console.db import console_engine, users
from tests.helpers.console import PASSWORDS, Client, Console, csrf_token


class FakeClock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def accounts(tmp_path: Path, clock: FakeClock) -> Accounts:
    return Accounts(console_engine(f"sqlite:///{tmp_path / 'console.db'}"), clock)


def test_passwords_are_stored_as_argon2id_hashes(accounts: Accounts) -> None:
    accounts.create_user("carol", "a perfectly long one")
    with accounts.engine.connect() as connection:
        stored = connection.execute(users.select()).one().password_hash
    assert stored.startswith("$argon2id$") and "perfectly" not in stored
    assert accounts.check_password("carol", "a perfectly long one") is not None
    assert accounts.check_password("carol", "a perfectly long two") is None
    assert accounts.check_password("nobody", "a perfectly long one") is None


@pytest.mark.parametrize("password", ["", "short", "carol", "x" * 1025])
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(AccountError):
        validate_password(password, "carol")


def test_usernames_are_unique_and_tidy(accounts: Accounts) -> None:
    accounts.create_user("Carol", "a perfectly long one")
    assert accounts.by_name("carol") is not None
    with pytest.raises(AccountError):
        accounts.create_user("carol", "another long password")
    with pytest.raises(AccountError):
        accounts.create_user("bad name!", "another long password")


def test_a_reset_ends_sessions_and_a_disabled_user_cannot_log_in(
    accounts: Accounts, clock: FakeClock
) -> None:
    user = accounts.create_user("carol", "a perfectly long one")
    sessions = Sessions(accounts.engine, Signer(b"s" * 32), clock, 60, 12)
    cookie = sessions.start(user)
    assert sessions.load(cookie) is not None
    accounts.reset_password("carol", "a brand new password")
    assert sessions.load(cookie) is None
    assert accounts.check_password("carol", "a brand new password") is not None
    cookie = sessions.start(user)
    accounts.set_disabled("carol", True)
    assert sessions.load(cookie) is None
    assert accounts.check_password("carol", "a brand new password") is None


def test_sessions_expire_when_idle_or_old(accounts: Accounts, clock: FakeClock) -> None:
    user = accounts.create_user("carol", "a perfectly long one")
    sessions = Sessions(accounts.engine, Signer(b"s" * 32), clock, 30, 2)
    idle = sessions.start(user)
    clock.advance(minutes=31)
    assert sessions.load(idle) is None
    busy = sessions.start(user)
    for _ in range(4):
        clock.advance(minutes=25)
        assert sessions.load(busy) is not None
    clock.advance(minutes=25)  # 125 minutes after login: past the 2-hour limit
    assert sessions.load(busy) is None


def test_cookies_are_signed(accounts: Accounts, clock: FakeClock) -> None:
    signer = Signer(b"s" * 32)
    user = accounts.create_user("carol", "a perfectly long one")
    cookie = Sessions(accounts.engine, signer, clock, 30, 2).start(user)
    token, signature = cookie.rsplit(".", 1)
    assert signer.unsign(cookie, "session") == token
    assert signer.unsign(f"{token}.{signature[:-1]}x", "session") is None
    assert signer.unsign(cookie, "login") is None  # a signature is bound to its purpose
    other = Sessions(accounts.engine, Signer(b"t" * 32), clock, 30, 2)
    assert other.load(cookie) is None


def test_lockout_after_repeated_failures_then_it_lifts(
    accounts: Accounts, clock: FakeClock
) -> None:
    throttle = Throttle(accounts.engine, clock, failures=3, minutes=15)
    for _ in range(3):
        assert throttle.locked_until("carol", "10.0.0.1") is None
        throttle.record("carol", "10.0.0.1", succeeded=False)
    locked = throttle.locked_until("carol", "10.0.0.2")  # another address: still locked
    assert locked == clock.now + dt.timedelta(minutes=15)
    assert throttle.locked_until("dave", "10.0.0.2") is None
    clock.advance(minutes=16)
    assert throttle.locked_until("carol", "10.0.0.1") is None


def test_many_failures_from_one_address_lock_the_address(
    accounts: Accounts, clock: FakeClock
) -> None:
    throttle = Throttle(accounts.engine, clock, failures=2, minutes=15)
    for number in range(8):
        throttle.record(f"user{number}", "10.0.0.9", succeeded=False)
    assert throttle.locked_until("someone-new", "10.0.0.9") is not None
    assert throttle.locked_until("someone-new", "10.0.0.10") is None


def test_api_tokens_are_stored_hashed_and_can_be_revoked(
    accounts: Accounts, clock: FakeClock
) -> None:
    tokens = Tokens(accounts.engine, clock)
    secret = tokens.create("nightly-report")
    with accounts.engine.connect() as connection:
        dump = str(connection.exec_driver_sql("SELECT * FROM console_api_tokens").all())
    assert secret not in dump
    assert tokens.verify(secret) == "nightly-report"
    assert tokens.verify(secret + "x") is None
    tokens.revoke("nightly-report")
    assert tokens.verify(secret) is None
    with pytest.raises(AccountError):
        tokens.create("nightly-report")


def secret_key(configured: Optional[str], path: Path) -> bytes:
    """The console's secret as ``CONSOLE_SECRET_KEY=configured`` gives it."""
    env = {"CONSOLE_SECRET_KEY": configured} if configured else {}
    return ConsoleSettings.load(env).secret(path)


def test_a_generated_secret_key_is_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "console_secret"
    first = secret_key(None, path)
    assert len(first) >= 32 and path.stat().st_mode & 0o777 == 0o600
    assert secret_key(None, path) == first
    assert secret_key("y" * 40, path) == b"y" * 40
    with pytest.raises(ValueError):
        secret_key("short", path)


# -- over HTTP ---------------------------------------------------------------


@pytest.mark.servers
def test_login_sets_a_strict_http_only_cookie_and_logout_ends_it(console: Console) -> None:
    client = Client(console.url)
    response = client.login("bob")
    assert response.status == 303 and response.header("location") == "/"
    cookie = next(c for c in response.headers["set-cookie"] if c.startswith("console_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # CONSOLE_SECURE_COOKIES is off for http://localhost
    session = client.cookies["console_session"]
    home = client.get("/")
    assert home.status == 200 and "bob" in home.text
    logout = client.post("/logout", {"csrf_token": _token(home.text)})
    assert logout.status == 303 and logout.header("location").startswith("/login")
    assert "console_session" not in client.cookies
    # the old cookie no longer works even if someone kept a copy
    client.cookies["console_session"] = session
    assert client.get("/").status == 303


def _token(html: str) -> str:
    return csrf_token(html)


@pytest.mark.servers
def test_login_redirects_back_to_the_page_asked_for_but_never_off_site(
    console: Console,
) -> None:
    client = Client(console.url)
    first = client.get("/conversations?emergency=1")
    assert first.header("location") == "/login?next=%2Fconversations%3Femergency%3D1"
    page = client.get(first.header("location"))
    assert 'value="/conversations?emergency=1"' in page.text
    for target, expected in (
        ("/conversations?emergency=1", "/conversations?emergency=1"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
    ):
        client = Client(console.url)
        page = client.get("/login")
        response = client.post(
            "/login",
            {
                "csrf_token": _token(page.text),
                "username": "bob",
                "password": PASSWORDS["bob"],
                "next": target,
            },
        )
        assert response.header("location") == expected


@pytest.mark.servers
def test_wrong_passwords_lock_the_account_and_are_audited(console: Console) -> None:
    def accounts_cli(*argv: str, password: str = "") -> int:
        return accounts_main(
            list(argv),
            settings=console.settings,
            stdin=io.StringIO(password + "\n"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    password = "dora-long-password-3"
    assert accounts_cli("create-user", "dora", password=password) == 0
    client = Client(console.url)
    failures = console.settings.lockout_failures
    statuses = [client.login("dora", "not-the-password").status for _ in range(failures + 1)]
    assert statuses == [401] * failures + [429]
    locked = client.login("dora", password)  # the right password does not help while locked
    assert locked.status == 429 and "Too many failed attempts" in locked.text
    entries, _ = AuditLog(
        console_engine(console.settings.console_database_url), console.settings.utc_now
    ).recent(500)
    actions = [(e.actor, e.action) for e in entries]
    assert actions.count(("dora", "login_failed")) == failures
    assert ("dora", "login_locked") in actions
    # an administrator's reset lifts the lockout
    assert accounts_cli("reset-password", "dora", password="dora-new-password-4") == 0
    assert Client(console.url).login("dora", "dora-new-password-4").status == 303
    assert ("dora", "login") in [
        (e.actor, e.action)
        for e in AuditLog(
            console_engine(console.settings.console_database_url), console.settings.utc_now
        ).recent(5)[0]
    ]


@pytest.mark.servers
def test_pages_send_strict_security_headers(console: Console, bob: Client) -> None:
    for path in ("/", "/conversations/patient-booked", "/login", "/nowhere"):
        response = bob.get(path)
        policy = response.header("content-security-policy")
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.header("x-frame-options") == "DENY"
        assert response.header("x-content-type-options") == "nosniff"
        assert response.header("cache-control") == "no-store"
    assert "<script" not in bob.get("/").text  # no script at all, and patient text escaped
