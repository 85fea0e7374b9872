"""``python -m website``: serve the demo clinic page."""

from __future__ import annotations

import sys

from clinic_core.settings import SettingsError
from clinic_core.settings import check as check_settings
from website.app import check_widget_libraries, create_app
from website.settings import WebsiteSettings


def main() -> None:
    """Serve the page until interrupted."""
    try:
        check_settings()
    except SettingsError as error:
        sys.exit(f"ALARM website not started: {error}")
    settings = WebsiteSettings.from_env()
    check_widget_libraries(settings.widget_libraries)
    create_app(settings).run(host=settings.host, port=settings.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
