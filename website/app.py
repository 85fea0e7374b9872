"""The demo clinic page and the chat widget's files, all served locally.

Nothing is loaded from a CDN: the widget's libraries (socket.io-client,
markdown-it) come from the npm packages installed at set-up time, so the page
works with no internet and no third party learns who visits a clinic's page.
The widget itself is static/chat.js (docs/clinic.md, "The website chat widget").
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, Mapping
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from clinic_core.profile import load_profile
from website.settings import PACKAGE_DIR, WebsiteSettings


@lru_cache(maxsize=8)
def widget_script(path: Path) -> bytes:
    """One of the widget's libraries, read once."""
    if not path.exists():
        raise FileNotFoundError(
            f"chat widget library not installed at {path}: run `make run` (it runs npm ci)"
        )
    return path.read_bytes()


def check_widget_libraries(libraries: Mapping[str, Path]) -> None:
    """Fail at start, not at the first visitor, when a library is missing."""
    for path in libraries.values():
        widget_script(path)


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
            "style-src 'self'",
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

    @app.get("/widget/<name:str>")
    async def widget(_: Request, name: str) -> HTTPResponse:
        path = settings.widget_libraries.get(name)
        if path is None:
            return response.text("not found", status=404)
        return response.raw(
            widget_script(path),
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
