"""`make run` and `make shell`: start the assistant; stop all of it however we are stopped.

``python -m ops.run``          action server + Rasa server (REST, socket.io)
``python -m ops.run --shell``  action server + an interactive chat in the terminal
``python -m ops.run --production``  the production profile locally (`make run-prod`)

Ctrl-C (SIGINT), SIGTERM (a supervisor, or GNU make passing one on) and
SIGHUP (the terminal closed) all stop every server we started, however many
arrive and in whatever order: the first blocks all three until the clean-up
is over. If we are killed outright, the servers get their stop signal from
the kernel (ops/servers.py, :func:`ops.servers.die_with_parent`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Callable, Dict, List, Optional, Union

from clinic_core.settings import LOG_DIR, ROOT, OpsSettings, SettingsError
from clinic_core.settings import check as check_settings
from ops import ports, production
from ops.channel_credentials import write_effective
from ops.production import ProductionStack
from ops.servers import (
    KILL_WAIT_S,
    STOP_BOUND_S,
    STOP_GRACE_S,
    STOP_SIGNALS,
    AssistantStack,
    action_server,
    die_with_parent,
    free_port,
    wait_for_http,
)
from ops.settings import server_env
from ops.training import ensure_model


class Stopped(BaseException):
    """One of the stop signals arrived (a BaseException, like KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)


def _on_stop_signal(signum: int, frame: Optional[FrameType]) -> None:
    """Block every stop signal, then unwind to the clean-up; later ones are dropped.

    Blocking (rather than setting SIG_IGN in the clean-up) leaves no moment
    in which a second signal can interrupt it. One that the kernel delivered
    before the block still reaches this handler: the old mask says a stop is
    under way, and it is ignored.
    """
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    if any(sig in before for sig in STOP_SIGNALS):
        return
    raise Stopped(signum)


def catch_stop_signals() -> None:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Stopped` (those not ignored, as by nohup)."""
    for sig in STOP_SIGNALS:
        if signal.getsignal(sig) != signal.SIG_IGN:
            signal.signal(sig, _on_stop_signal)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def block_stop_signals() -> None:
    """From here to the exit, no stop signal interrupts us (pending ones die with us)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


def say(text: str, error: bool = False) -> None:
    """Print, unless the terminal has gone (SIGHUP): nothing must stop the clean-up."""
    with contextlib.suppress(OSError):
        print(text, file=sys.stderr if error else sys.stdout, flush=True)


def ports_free(numbers: Dict[int, ports.Port], command: str) -> bool:
    """Whether every port is free; one line on stderr for each that is not."""
    lines = ports.taken(numbers, command)
    for line in lines:
        say(line, error=True)
    return not lines


def serve(rasa_port: int, action_port: int, website_port: int, console_port: int) -> int:
    """Run the embedded profile until stopped or until a server dies."""
    stack = AssistantStack(
        model=ensure_model(),
        rasa_port=rasa_port,
        action_port=action_port,
        website_port=website_port,
        console_port=console_port,
    )
    say("==> Starting the action server, the Rasa server, the website and the staff console")
    say("    (logs in var/logs/)")
    return run_until_stopped(
        stack, lambda: banner(stack, stack.website_url, stack.rasa_url, STOP_BOUND_S)
    )


def serve_production(
    rasa_processes: int, action_workers: int, numbers: Dict[int, ports.Port], folder: Path
) -> int:
    """Run the production profile locally (`make run-prod`) until stopped."""
    by_purpose: Dict[ports.Port, List[int]] = {}
    for number, port in numbers.items():
        by_purpose.setdefault(port, []).append(number)
    stack = ProductionStack(
        model=ensure_model(),
        folder=folder,
        rasa_ports=by_purpose[ports.RASA],
        action_port=by_purpose[ports.ACTIONS][0],
        action_workers=action_workers,
        postgres_port=by_purpose[ports.POSTGRES][0],
        redis_port=by_purpose[ports.REDIS][0],
        edge_port=by_purpose[ports.NGINX][0],
        website_port=by_purpose[ports.WEBSITE][0],
        console_port=by_purpose[ports.CONSOLE][0],
    )
    say(
        f"==> Starting Redis, PostgreSQL, {rasa_processes} Rasa processes, the action server"
        f" ({action_workers} workers), nginx, the website and the staff console"
    )
    say(f"    (logs in {_shown(stack.log_dir)}/, data in {_shown(stack.folder)}/)")
    # REST is not published through nginx (docs/security.md): scripts use a
    # Rasa process's loopback port.
    return run_until_stopped(
        stack,
        lambda: banner(
            stack.assistant,  # type: ignore[arg-type]
            stack.edge_url,  # type: ignore[arg-type]
            stack.assistant.rasa_url,  # type: ignore[union-attr]
            production.STOP_BOUND_S,
        ),
    )


def _shown(path: Path) -> str:
    """``path`` relative to the checkout when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def banner(stack: AssistantStack, website_url: str, rasa_url: str, stop_bound: float) -> str:
    """What is running and where, printed once everything answers."""
    # channels.telegram.ClinicTelegramInput -> Telegram
    names = [c.rpartition(".")[2].removeprefix("Clinic").removesuffix("Input") for c in
             stack.channels_left_out]  # fmt: skip
    channels = ", ".join(names) or "none"
    return f"""
The assistant is running.
  Website:   {website_url}   <- open this to chat in the widget
  Staff:     {stack.console_url}   (create an account first: docs/staff.md)
  REST:      curl -s -X POST {rasa_url}/webhooks/rest/webhook \\
               -H 'Content-Type: application/json' \\
               -d '{{"sender": "me", "message": "my lower back hurts"}}'
  terminal:  make shell
  Messaging channels not configured: {channels} (docs/clinic.md, "Messaging channels")
Press Ctrl-C to stop (every server is gone within {stop_bound:.0f} s)."""


def run_until_stopped(
    stack: Union[AssistantStack, ProductionStack], ready: Callable[[], str]
) -> int:
    """Start ``stack``, print ``ready()``, watch it; stop everything on a stop signal or a death."""
    catch_stop_signals()
    try:
        stack.start()
        say(ready())
        while True:
            dead = stack.first_dead()
            if dead is not None:
                say(f"\n{dead.name} stopped unexpectedly:\n{dead.log_tail()}", error=True)
                return 1
            time.sleep(1)
    except Stopped as stopped:
        say(f"\n==> Stopping ({stopped})")
        return 0
    finally:
        block_stop_signals()
        stack.stop()


def shell(action_port: int) -> int:
    """Start the action server, then chat in the terminal with ``rasa shell``."""
    catch_stop_signals()
    model = ensure_model()
    env = server_env(action_port=action_port)
    actions = action_server(action_port, env, LOG_DIR)
    chat: Optional[subprocess.Popen] = None
    try:
        actions.start()
        wait_for_http(f"http://127.0.0.1:{action_port}/health", actions)
        command = [
            sys.executable,
            "-m",
            "rasa",
            "shell",
            "--model",
            str(model),
            "--endpoints",
            "endpoints.yml",
            # Only the configured channels: Rasa stops at an unset ${...} in
            # credentials.yml (such as TELEGRAM_ACCESS_TOKEN).
            "--credentials",
            str(write_effective(env)[0]),
            "--port",
            str(free_port()),
        ]
        # In our process group, on the terminal: Ctrl-C reaches it directly.
        chat = subprocess.Popen(
            command, cwd=ROOT, env=env, preexec_fn=die_with_parent(signal.SIGTERM)
        )
        return chat.wait()
    except Stopped:
        return 0
    finally:
        block_stop_signals()
        if chat is not None and chat.poll() is None:
            chat.terminate()
            try:
                chat.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                chat.kill()
                chat.wait(KILL_WAIT_S)
        actions.stop()


def main() -> None:
    """Parse arguments and run."""
    try:
        check_settings()
    except SettingsError as error:
        sys.exit(f"Not started: {error}")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shell", action="store_true", help="chat in the terminal")
    parser.add_argument(
        "--production",
        action="store_true",
        help="PostgreSQL, Redis, several Rasa processes and nginx (docs/deployment.md)",
    )
    settings = OpsSettings.load()
    parser.add_argument("--rasa-processes", type=int, default=settings.rasa_processes)
    parser.add_argument("--action-workers", type=int, default=settings.action_workers)
    args = parser.parse_args()
    catch_stop_signals()  # from the start: a stop during training is no traceback
    try:
        code = run(args)
    except Stopped:
        code = 0
    except SettingsError as error:  # a port variable (ops/ports.py)
        sys.exit(f"Not started: {error}")
    sys.exit(code)


def run(args: argparse.Namespace) -> int:
    """Check the ports, then run what ``args`` asks for; its exit status."""
    # Ports come from the environment (ops/ports.py); a taken one stops us here.
    if args.shell:
        numbers = ports.plan([ports.ACTIONS], os.environ)
        command = "make shell"
    elif args.production:
        numbers = ports.plan(ports.PRODUCTION, os.environ, args.rasa_processes)
        command = "make run-prod"
    else:
        numbers = ports.plan(ports.EMBEDDED, os.environ)
        command = "make run"
    if not ports_free(numbers, command):
        return 1
    chosen = {port: number for number, port in reversed(numbers.items())}
    if args.shell:
        code = shell(chosen[ports.ACTIONS])
    elif args.production:
        folder = OpsSettings.load().production_dir.resolve()
        code = serve_production(args.rasa_processes, args.action_workers, numbers, folder)
    else:
        code = serve(
            chosen[ports.RASA], chosen[ports.ACTIONS], chosen[ports.WEBSITE], chosen[ports.CONSOLE]
        )
    return code


if __name__ == "__main__":
    main()
