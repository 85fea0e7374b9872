"""``python -m website``: serve the demo clinic page."""

from __future__ import annotations

from website.app import create_app, widget_script
from website.settings import WebsiteSettings


def main() -> None:
    """Serve the page until interrupted."""
    settings = WebsiteSettings.from_env()
    widget_script(settings.widget_bundle)  # fail at start, not at the first visitor
    create_app(settings).run(host=settings.host, port=settings.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
