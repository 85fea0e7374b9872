"""Environment defaults shared by `make run`, `make shell`, tests and benchmarks.

endpoints.yml reads ``${...}`` variables from the environment; this module is
the one place that gives them local defaults. A deployment sets its own.
"""

from __future__ import annotations

import os
import sys
from typing import Dict, Mapping, Optional

from clinic_core.settings import (
    DEFAULT_TRACKER_STORE_URL,
    QUIET_ENV,
    ROOT,
    VAR_DIR,
    persisted_secret,
)

MODELS_DIR = ROOT / "models"
SPACY_PIPELINE_DIR = ROOT / ".spacy" / "en_clinic"
# The shared secret Rasa sends on every call to the action server
# (endpoints*.yml); generated once into this file (mode 0600) when unset.
ACTION_SERVER_TOKEN_ENV = "ACTION_SERVER_TOKEN"  # noqa: S105 (a variable name)
ACTION_SERVER_TOKEN_FILE = VAR_DIR / "action_server_token"
WEB_SESSION_SECRET_FILE = VAR_DIR / "web_session_secret"


def server_env(
    rasa_port: int = 5005,
    action_port: int = 5055,
    website_port: int = 8000,
    base: Optional[Mapping[str, str]] = None,
    overrides: Optional[Mapping[str, str]] = None,
) -> Dict[str, str]:
    """Environment for the Rasa server and the action server.

    Values already set in ``base`` (the caller's environment) win over the
    local defaults, so a deployment's settings are never overwritten.
    """
    env = dict(os.environ if base is None else base)
    defaults = {
        **QUIET_ENV,
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_STORE_URL": DEFAULT_TRACKER_STORE_URL,
        # The action server listens on loopback only unless told otherwise
        # (ops/action_server.py; rasa-sdk's own SANIC_HOST is not used).
        "ACTION_SERVER_HOST": "127.0.0.1",
        # Pages allowed to use the REST and socket.io channels from a browser.
        "CORS_ORIGINS": f"http://127.0.0.1:{website_port} http://localhost:{website_port}",
        "ASSISTANT_PUBLIC_URL": f"http://127.0.0.1:{rasa_port}",
        # Sanic's wait for requests in flight when a server is stopped (its
        # default is 15 s): well inside the launcher's STOP_GRACE_S, so that
        # servers end by themselves before any SIGKILL (ops/servers.py).
        "SANIC_GRACEFUL_SHUTDOWN_TIMEOUT": "5",
    }
    for key, value in defaults.items():
        env.setdefault(key, value)
    env.update(overrides or {})
    if not env.get(ACTION_SERVER_TOKEN_ENV):
        env[ACTION_SERVER_TOKEN_ENV] = persisted_secret(ACTION_SERVER_TOKEN_FILE)
    if not env.get("WEB_SESSION_SECRET"):
        # Signs the website widget's session ids (channels/web_session.py).
        env["WEB_SESSION_SECRET"] = persisted_secret(WEB_SESSION_SECRET_FILE)
    return env


def venv_python() -> str:
    """The interpreter running this code (the project's .venv)."""
    return sys.executable
