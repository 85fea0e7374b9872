"""``python -m staff_console``: serve the console (one process, loopback by default)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from clinic_core.settings import QUIET_ENV, SettingsError
from clinic_core.settings import check as check_settings
from staff_console.app import create_app
from staff_console.settings import Settings


def main(argv: Optional[List[str]] = None) -> None:
    """Serve until interrupted."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    try:
        check_settings()
        settings = Settings.from_env()
    except SettingsError as error:
        sys.exit(f"ALARM staff console not started: {error}")
    parser = argparse.ArgumentParser(prog="python -m staff_console", description=__doc__)
    parser.add_argument("--host", default=settings.host, help="default: CONSOLE_HOST, 127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=settings.port, help="default: CONSOLE_PORT, 5100"
    )
    args = parser.parse_args(argv)
    app = create_app(settings)
    print(f"Staff console on http://{args.host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
