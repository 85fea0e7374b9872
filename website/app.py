"""The demo clinic page and the chat widget's files, all served locally.

Nothing is loaded from a CDN: the widget bundle comes from the npm package
installed at set-up time, so the page works with no internet and no third
party learns who visits a clinic's page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.clinic_profile import load_profile
from website.settings import PACKAGE_DIR, WebsiteSettings

# The bundle's stylesheets @import a Google Fonts URL. Offline it only fails,
# online it would tell Google about every visitor to a clinic's page: drop it
# and let the widget use the page's own font.
FONT_IMPORT = re.compile(rb"@import url\(https://fonts\.googleapis\.com/[^)]*\);")


@lru_cache(maxsize=4)
def widget_script(bundle: Path) -> bytes:
    """The widget bundle without its third-party font import."""
    if not bundle.exists():
        raise FileNotFoundError(
            f"chat widget not installed at {bundle}: run `make run` (it runs npm ci)"
        )
    return FONT_IMPORT.sub(b"", bundle.read_bytes())


def websocket_origin(url: str) -> str:
    """``http://host:port`` as the ``ws://host:port`` origin socket.io upgrades to."""
    parts = urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def security_headers(settings: WebsiteSettings) -> Dict[str, str]:
    """Headers for every response: no inline script, no framing, no sniffing."""
    assistant = f"{settings.assistant_url} {websocket_origin(settings.assistant_url)}"
    policy = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # The widget injects its own <style> elements at run time.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src 'self' {assistant}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


def create_app(settings: WebsiteSettings) -> Sanic:
    """The website application."""
    app = Sanic("clinic_website")
    templates = Environment(
        loader=FileSystemLoader(PACKAGE_DIR / "templates"),
        autoescape=select_autoescape(["html"]),
    )
    headers = security_headers(settings)
    app.static("/static", str(PACKAGE_DIR / "static"), name="static")

    @app.get("/")
    async def home(_: Request) -> HTTPResponse:
        profile = load_profile()  # cached until clinic/profile.yml changes
        page = templates.get_template("index.html").render(
            clinic=profile,
            hours=profile.weekly_hours_lines(),
            assistant_url=settings.assistant_url,
        )
        return response.html(page)

    @app.get("/widget/webchat.js")
    async def widget(_: Request) -> HTTPResponse:
        return response.raw(
            widget_script(settings.widget_bundle),
            content_type="application/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @app.get("/healthz")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.on_response
    async def add_security_headers(_: Request, resp: HTTPResponse) -> None:
        for name, value in headers.items():
            resp.headers.setdefault(name, value)

    return app
