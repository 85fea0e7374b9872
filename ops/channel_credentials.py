"""The credentials file the Rasa server starts with: configured channels only.

credentials.yml declares every channel with ``${VAR}`` placeholders. Rasa
fails on any unset variable, so before starting we keep each channel whose
required settings are all set, drop optional settings that are unset, and
leave out channels with nothing set. A channel set up halfway is an error
that names the missing variables. Placeholders stay in the written file
(Rasa expands them), so no secret is written to disk.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Tuple

import yaml

from clinic_core.settings import ROOT, VAR_DIR

SOURCE = ROOT / "credentials.yml"
EFFECTIVE = VAR_DIR / "run" / "credentials.yml"
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ChannelConfigError(ValueError):
    """A channel is only partly configured."""


def variables_in(value: Any) -> List[str]:
    """The ``${VAR}`` names a setting refers to."""
    return VARIABLE.findall(value) if isinstance(value, str) else []


def required_settings(channel: str) -> Sequence[str]:
    """The settings a channel class declares as required (none for built-ins)."""
    if "." not in channel:
        return ()
    module, _, name = channel.rpartition(".")
    return tuple(getattr(importlib.import_module(module), name).required_credentials)


def configured_channels(
    declared: Mapping[str, Any], env: Mapping[str, str]
) -> Tuple[Dict[str, Any], List[str]]:
    """The channels to start, and the names of those left out."""
    enabled: Dict[str, Any] = {}
    left_out: List[str] = []
    for channel, settings in declared.items():
        if not settings:
            enabled[channel] = settings
            continue
        kept = {
            key: value
            for key, value in settings.items()
            if all(env.get(name) for name in variables_in(value))
        }
        missing = [key for key in required_settings(channel) if key not in kept]
        if missing and len(missing) == len(required_settings(channel)):
            left_out.append(channel)
            continue
        if missing:
            names = sorted({n for key in missing for n in variables_in(settings[key])})
            raise ChannelConfigError(
                f"{channel} is partly configured: set {', '.join(names)} or unset its others"
            )
        enabled[channel] = kept
    return enabled, left_out


def write_effective(
    env: Mapping[str, str], source: Path = SOURCE, target: Path = EFFECTIVE
) -> Tuple[Path, List[str]]:
    """Write the credentials for this start; return its path and channels left out."""
    declared = yaml.safe_load(source.read_text()) or {}
    enabled, left_out = configured_channels(declared, env)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "# Written at start from credentials.yml with the configured channels only.\n"
        + yaml.safe_dump(enabled, sort_keys=False)
    )
    return target, left_out
