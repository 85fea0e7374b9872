"""Create and manage staff accounts and API tokens (non-interactive).

    python -m staff_console.accounts create-user alice [--admin]   < password
    python -m staff_console.accounts reset-password alice          < password
    python -m staff_console.accounts disable-user alice | enable-user alice
    python -m staff_console.accounts create-token NAME   (prints the token once)
    python -m staff_console.accounts revoke-token NAME
    python -m staff_console.accounts list

Passwords are read from standard input (the first line), so they never appear
in the shell history or the process list. There is no default account.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import List, Optional, TextIO

from staff_console import audit
from staff_console.audit import AuditLog
from staff_console.auth import AccountError, Accounts, Tokens
from staff_console.db import console_engine
from staff_console.settings import Settings


def read_password(stream: TextIO) -> str:
    """The first line of ``stream`` (a prompt when it is a terminal)."""
    if stream.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise AccountError("the passwords differ")
        return first
    return stream.readline().rstrip("\r\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m staff_console.accounts",
        description="Manage staff console accounts and API tokens.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create an account (password on stdin)")
    create.add_argument("username")
    create.add_argument("--admin", action="store_true", help="may read the audit log")
    reset = commands.add_parser("reset-password", help="new password (stdin); ends sessions")
    reset.add_argument("username")
    for name, text in (("disable-user", "stop an account logging in"), ("enable-user", "undo")):
        commands.add_parser(name, help=text).add_argument("username")
    token = commands.add_parser("create-token", help="create an API token; printed once")
    token.add_argument("name")
    revoke = commands.add_parser("revoke-token", help="revoke an API token")
    revoke.add_argument("name")
    commands.add_parser("list", help="list accounts and tokens")
    return parser


def main(
    argv: Optional[List[str]] = None,
    settings: Optional[Settings] = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
) -> int:
    """Run one command; returns the exit status."""
    args = _parser().parse_args(argv)
    settings = settings or Settings.from_env()
    engine = console_engine(settings.console_database_url)
    accounts = Accounts(engine, settings.utc_now)
    tokens = Tokens(engine, settings.utc_now)
    log = AuditLog(engine, settings.utc_now)
    try:
        if args.command == "create-user":
            user = accounts.create_user(args.username, read_password(stdin), args.admin)
            detail = "created admin" if args.admin else "created"
            log.record("cli", audit.ACCOUNT, user.username, detail)
            print(f"created {'admin ' if user.is_admin else ''}user {user.username}", file=stderr)
        elif args.command == "reset-password":
            user = accounts.reset_password(args.username, read_password(stdin))
            log.record("cli", audit.ACCOUNT, user.username, "password reset")
            print(f"password reset for {user.username}; their sessions ended", file=stderr)
        elif args.command in ("disable-user", "enable-user"):
            disabled = args.command == "disable-user"
            user = accounts.set_disabled(args.username, disabled)
            log.record("cli", audit.ACCOUNT, user.username, "disabled" if disabled else "enabled")
            print(f"{user.username} {'disabled' if disabled else 'enabled'}", file=stderr)
        elif args.command == "create-token":
            secret = tokens.create(args.name)
            log.record("cli", audit.ACCOUNT, f"token:{args.name}", "token created")
            print(secret, file=stdout)
            print("store this token now: it is not shown again", file=stderr)
        elif args.command == "revoke-token":
            tokens.revoke(args.name)
            log.record("cli", audit.ACCOUNT, f"token:{args.name}", "token revoked")
            print(f"token {args.name} revoked", file=stderr)
        else:
            for user in accounts.list_users():
                flags = [
                    word
                    for word, on in (("admin", user.is_admin), ("disabled", user.disabled))
                    if on
                ]
                print(f"user  {user.username}  {' '.join(flags)}".rstrip(), file=stdout)
            for token in tokens.list_tokens():
                used = (
                    token.last_used_at.isoformat(timespec="minutes")
                    if token.last_used_at
                    else "never"
                )
                state = "revoked" if token.revoked else f"last used {used}"
                print(f"token {token.name}  {state}", file=stdout)
    except AccountError as error:
        print(f"error: {error}", file=stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
