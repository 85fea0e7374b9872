"""Settings of the website server, from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

PACKAGE_DIR = Path(__file__).resolve().parent
# `npm ci` installs the widget here at set-up time (ops/website_assets.sh).
WIDGET_BUNDLE = PACKAGE_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"


@dataclass(frozen=True)
class WebsiteSettings:
    """Where the page is served and where the widget finds the assistant."""

    host: str = "127.0.0.1"
    port: int = 8000
    # The assistant's URL as the visitor's browser reaches it (socket.io).
    assistant_url: str = "http://127.0.0.1:5005"
    widget_bundle: Path = WIDGET_BUNDLE

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> WebsiteSettings:
        """Read ``WEBSITE_HOST``, ``WEBSITE_PORT`` and ``ASSISTANT_PUBLIC_URL``."""
        env = os.environ if env is None else env
        return cls(
            host=env.get("WEBSITE_HOST", cls.host),
            port=int(env.get("WEBSITE_PORT", cls.port)),
            assistant_url=env.get("ASSISTANT_PUBLIC_URL", cls.assistant_url).rstrip("/"),
        )
