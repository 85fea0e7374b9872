"""Settings of the website server, from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Optional

from clinic_core.settings import ChannelSettings

PACKAGE_DIR = Path(__file__).resolve().parent
NODE_MODULES = PACKAGE_DIR / "node_modules"
# The libraries the chat widget (static/chat.js) uses, as served under
# /widget/<name>; `npm ci` installs them at set-up time (ops/install_widget.sh).
WIDGET_LIBRARIES: Mapping[str, Path] = MappingProxyType(
    {
        "socket.io.min.js": NODE_MODULES / "socket.io-client" / "dist" / "socket.io.min.js",
        "markdown-it.min.js": NODE_MODULES / "markdown-it" / "dist" / "markdown-it.min.js",
    }
)


@dataclass(frozen=True)
class WebsiteSettings:
    """Where the page is served and where the widget finds the assistant."""

    host: str = "127.0.0.1"
    port: int = 8000
    # The assistant's URL as the visitor's browser reaches it (socket.io).
    assistant_url: str = "http://127.0.0.1:5005"
    widget_libraries: Mapping[str, Path] = WIDGET_LIBRARIES

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> WebsiteSettings:
        """Read ``WEBSITE_HOST``, ``WEBSITE_PORT`` and ``ASSISTANT_PUBLIC_URL``."""
        settings = ChannelSettings.load(env)
        return cls(
            host=settings.website_host,
            port=settings.website_port,
            assistant_url=settings.assistant_public_url.rstrip("/"),
        )
