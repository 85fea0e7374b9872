"""Load the clinic's editable YAML files, validated and cached by modification time.

The clinic edits ``clinic/*.yml`` without touching code. Each file is parsed
into a pydantic model; a mistake raises :class:`ClinicDataError` naming the
file and the field. Loads are cached and re-read only when the file changes, so
an edit takes effect on the next answer without restarting anything.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Tuple, Type, TypeVar

import pydantic
import yaml

CLINIC_DIR_ENV = "CLINIC_DATA_DIR"
DEFAULT_CLINIC_DIR = Path(__file__).resolve().parent.parent / "clinic"

Model = TypeVar("Model", bound=pydantic.BaseModel)

_cache: Dict[Tuple[str, Type[Any]], Tuple[int, Any]] = {}


class ClinicDataError(ValueError):
    """A clinic data file is missing, is not valid YAML or breaks its schema."""


def clinic_dir() -> Path:
    """Folder holding the clinic's data files (``CLINIC_DATA_DIR`` overrides)."""
    return Path(os.environ.get(CLINIC_DIR_ENV, DEFAULT_CLINIC_DIR))


def load_model(path: Path, model: Type[Model]) -> Model:
    """Parse ``path`` into ``model``, re-reading only when the file changed.

    Raises:
        ClinicDataError: the file is missing, malformed or invalid.

    """
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError as error:
        raise ClinicDataError(f"{path}: file not found") from error
    key = (str(path), model)
    cached = _cache.get(key)
    if cached and cached[0] == mtime:
        return cached[1]  # type: ignore[no-any-return]
    parsed = parse_model(path.read_text(encoding="utf-8"), model, source=str(path))
    _cache[key] = (mtime, parsed)
    return parsed


def parse_model(text: str, model: Type[Model], source: str = "<text>") -> Model:
    """Validate YAML ``text`` against ``model``; errors name the field."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ClinicDataError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ClinicDataError(f"{source}: expected a mapping at the top level")
    try:
        return model.parse_obj(raw)
    except pydantic.ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise ClinicDataError(f"{source}: {problems}") from error


class StrictModel(pydantic.BaseModel):
    """Base model: unknown fields are errors (they are usually typos)."""

    class Config:
        """Reject unknown fields and blank text everywhere."""

        extra = pydantic.Extra.forbid
        anystr_strip_whitespace = True
        min_anystr_length = 1
        allow_mutation = False
