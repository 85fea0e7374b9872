"""`make run` and `make shell`: start the assistant and stop it on Ctrl-C.

``python -m ops.run``          action server + Rasa server (REST, socket.io)
``python -m ops.run --shell``  action server + an interactive chat in the terminal
``python -m ops.run --production``  the production profile locally (`make run-prod`)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from typing import Callable, Union

from ops.production import ProductionStack
from ops.servers import AssistantStack, action_server, free_port, wait_for_http
from ops.settings import LOG_DIR, ROOT, server_env
from ops.training import ensure_model


def serve(rasa_port: int, action_port: int, website_port: int, console_port: int) -> int:
    """Run the embedded profile until Ctrl-C or until a server dies."""
    stack = AssistantStack(
        model=ensure_model(),
        rasa_port=rasa_port,
        action_port=action_port,
        website_port=website_port,
        console_port=console_port,
    )
    print("==> Starting the action server, the Rasa server, the website and the staff console")
    print("    (logs in var/logs/)")
    return run_until_stopped(stack, lambda: banner(stack, stack.website_url, stack.rasa_url))


def serve_production(rasa_processes: int, action_workers: int) -> int:
    """Run the production profile locally (`make run-prod`) until Ctrl-C."""
    stack = ProductionStack(
        model=ensure_model(),
        rasa_ports=[5005 + n for n in range(rasa_processes)],
        action_workers=action_workers,
        website_port=8000,
        console_port=5100,
    )
    print(
        f"==> Starting Redis, PostgreSQL, {rasa_processes} Rasa processes, the action server"
        f" ({action_workers} workers), nginx, the website and the staff console"
    )
    where = f"logs in {stack.log_dir.relative_to(ROOT)}/, data in {stack.folder.relative_to(ROOT)}/"
    print(f"    ({where})")
    # REST is not published through nginx (README, "Security"): scripts use a
    # Rasa process's loopback port.
    return run_until_stopped(
        stack,
        lambda: banner(
            stack.assistant, stack.edge_url, stack.assistant.rasa_url  # type: ignore[arg-type,union-attr]
        ),
    )


def banner(stack: AssistantStack, website_url: str, rasa_url: str) -> str:
    """What is running and where, printed once everything answers."""
    # channels.telegram.ClinicTelegramInput -> Telegram
    names = [c.rpartition(".")[2].removeprefix("Clinic").removesuffix("Input") for c in
             stack.channels_left_out]  # fmt: skip
    channels = ", ".join(names) or "none"
    return f"""
The assistant is running.
  Website:   {website_url}   <- open this to chat in the widget
  Staff:     {stack.console_url}   (create an account first: README, "For clinic staff")
  REST:      curl -s -X POST {rasa_url}/webhooks/rest/webhook \\
               -H 'Content-Type: application/json' \\
               -d '{{"sender": "me", "message": "my lower back hurts"}}'
  terminal:  make shell
  Messaging channels not configured: {channels} (README: "Messaging channels")
Press Ctrl-C to stop."""


def run_until_stopped(
    stack: Union[AssistantStack, ProductionStack], ready: Callable[[], str]
) -> int:
    """Start ``stack``, print ``ready()``, watch it; stop everything on Ctrl-C or a death."""
    # SIGTERM stops us like Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        stack.start()
        print(ready(), flush=True)
        while True:
            dead = stack.first_dead()
            if dead is not None:
                print(f"\n{dead.name} stopped unexpectedly:\n{dead.log_tail()}", file=sys.stderr)
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n==> Stopping")
        return 0
    finally:
        # A second Ctrl-C must not cut the clean-up short and orphan a server.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


def shell(action_port: int) -> int:
    """Start the action server, then chat in the terminal with ``rasa shell``."""
    model = ensure_model()
    env = server_env(action_port=action_port)
    actions = action_server(action_port, env, LOG_DIR)
    actions.start()
    try:
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
            "--port",
            str(free_port()),
        ]
        # Ctrl-C ends rasa shell; we then stop the action server below.
        return subprocess.call(command, cwd=ROOT, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        actions.stop()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shell", action="store_true", help="chat in the terminal")
    parser.add_argument(
        "--production",
        action="store_true",
        help="PostgreSQL, Redis, several Rasa processes and nginx (README, Deployment)",
    )
    parser.add_argument(
        "--rasa-processes", type=int, default=int(os.environ.get("RASA_PROCESSES", 2))
    )
    parser.add_argument(
        "--action-workers",
        type=int,
        default=int(os.environ.get("ACTION_SERVER_SANIC_WORKERS", 2)),
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--action-port", type=int, default=int(os.environ.get("ACTION_PORT", 5055)))
    parser.add_argument(
        "--website-port", type=int, default=int(os.environ.get("WEBSITE_PORT", 8000))
    )
    parser.add_argument(
        "--console-port", type=int, default=int(os.environ.get("CONSOLE_PORT", 5100))
    )
    args = parser.parse_args()
    if args.shell:
        code = shell(args.action_port)
    elif args.production:
        code = serve_production(args.rasa_processes, args.action_workers)
    else:
        code = serve(args.port, args.action_port, args.website_port, args.console_port)
    sys.exit(code)


if __name__ == "__main__":
    main()
