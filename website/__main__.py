"""``python -m website``: serve the demo clinic page."""

from __future__ import annotations

from website.app import check_widget_libraries, create_app
from website.settings import WebsiteSettings


def main() -> None:
    """Serve the page until interrupted."""
    settings = WebsiteSettings.from_env()
    check_widget_libraries(settings.widget_libraries)
    create_app(settings).run(host=settings.host, port=settings.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
