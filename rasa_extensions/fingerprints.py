"""What Rasa's training cache must know about our components' own code and files.

Rasa reuses a trained component when its configuration and training data are
unchanged; it does not look at the component's code or at files it reads
itself. ``fingerprint_addon`` returns :func:`digest` of those, so a change to
how a component trains retrains it (a cached component would otherwise
silently keep the old behaviour in a model with a new name).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from pathlib import Path
from types import ModuleType
from typing import Iterable, List

from clinic_core import TRAINED_MODULES


def digest(
    modules: Iterable[ModuleType], files: Iterable[Path] = (), texts: Iterable[str] = ()
) -> str:
    """SHA-256 of the modules' source, ``files`` (a missing one counts as empty) and ``texts``."""
    sha = hashlib.sha256()
    for text in texts:
        sha.update(text.encode() + b"\0")
    paths = [Path(inspect.getfile(module)) for module in modules] + list(files)
    for path in paths:
        content = path.read_bytes() if path.is_file() else b""
        sha.update(path.name.encode() + b"\0" + content + b"\0")
    return sha.hexdigest()


def trained_modules() -> List[ModuleType]:
    """The clinic_core modules whose code a trained model carries."""
    return [importlib.import_module(f"clinic_core.{name}") for name in TRAINED_MODULES]
