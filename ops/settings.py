"""Environment defaults shared by `make run`, `make shell`, tests and benchmarks.

endpoints.yml reads ``${...}`` variables from the environment; this module is
the one place that gives them local defaults. A deployment sets its own.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Dict, Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"
LOG_DIR = VAR_DIR / "logs"
MODELS_DIR = ROOT / "models"
SPACY_PIPELINE_DIR = ROOT / ".spacy" / "en_clinic"
# The shared secret Rasa sends on every call to the action server
# (endpoints*.yml); generated once into this file (mode 0600) when unset.
ACTION_SERVER_TOKEN_ENV = "ACTION_SERVER_TOKEN"  # noqa: S105 (a variable name)
ACTION_SERVER_TOKEN_FILE = VAR_DIR / "action_server_token"
WEB_SESSION_SECRET_FILE = VAR_DIR / "web_session_secret"

# Quiet, offline-friendly defaults for every Rasa process we start.
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "RASA_TELEMETRY_ENABLED": "false",
    "PYTHONWARNINGS": "ignore",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


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
        "TRACKER_STORE_URL": f"sqlite:///{VAR_DIR / 'tracker.db'}",
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


def persisted_secret(path: Path) -> str:
    """A random secret generated once into ``path`` (mode 0600) and read back later.

    var/ is git-ignored, so the secret is never committed; a deployment sets
    its own from its secret store instead.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()


def venv_python() -> str:
    """The interpreter running this code (the project's .venv)."""
    return sys.executable
