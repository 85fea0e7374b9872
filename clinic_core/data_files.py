"""Load the clinic's editable YAML files, validated and cached by modification time.

The clinic edits ``clinic/*.yml`` without touching code. Each file is parsed
into a pydantic model; a mistake raises :class:`ClinicDataError` naming the
file and the field. Loads are cached and re-read only when the file changes, so
an edit takes effect on the next answer without restarting anything.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple, Type, TypeVar

import pydantic
import yaml
from pydantic.error_wrappers import ErrorWrapper
from pydantic.fields import MAPPING_LIKE_SHAPES, SHAPE_SINGLETON, SHAPE_TUPLE, ModelField

from clinic_core.settings import CoreSettings

Model = TypeVar("Model", bound=pydantic.BaseModel)

_cache: Dict[Tuple[str, Type[Any]], Tuple[int, Any]] = {}


class ClinicDataError(ValueError):
    """A clinic data file is missing, is not valid YAML or breaks its schema."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key said twice in one mapping.

    Plain YAML keeps the last of two ``unless_beside:`` lists silently, so a rule
    added above another with the same key would never be read.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Dict[Any, Any]:
        first_line: Dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            try:
                line = first_line.setdefault(key, key_node.start_mark.line)
            except TypeError:  # an unhashable key: the base loader says so
                continue
            if line != key_node.start_mark.line:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"{key!r} is said twice in one mapping (first on line {line + 1})",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep)  # type: ignore[no-untyped-call,no-any-return]


def clinic_dir() -> Path:
    """Folder holding the clinic's data files (``CLINIC_DATA_DIR`` overrides)."""
    return CoreSettings.load().clinic_data_dir


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
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        raise ClinicDataError(f"{source}: not valid YAML: {error}") from error
    except RecursionError as error:  # PyYAML composes nested lists recursively
        raise ClinicDataError(f"{source}: not valid YAML: nested too deeply") from error
    if not isinstance(raw, dict):
        raise ClinicDataError(f"{source}: expected a mapping at the top level")
    for key in raw:
        if not isinstance(key, str):  # "1:", "yes:" or "null:" at the top level
            raise ClinicDataError(f"{source}: {key!r} is not a field name")
    try:
        return model.parse_obj(raw)
    except pydantic.ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise ClinicDataError(f"{source}: {problems}") from error


def one_of(
    field: str, allowed: Sequence[str], each_item: bool = False
) -> classmethod[Any, Any, Any]:
    """A validator for a model's ``field``: one of the words ``allowed``, which the error lists.

    With ``each_item``, every item of a list field.
    """

    def known(cls: Any, value: str) -> str:
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value

    return pydantic.validator(field, allow_reuse=True, each_item=each_item)(known)


class StrictModel(pydantic.BaseModel):
    """Base model: unknown fields are errors (they are usually typos).

    Values that pydantic would otherwise quietly turn into something else than
    the clinic wrote are errors too; see :func:`reinterpreted`.
    """

    class Config:
        """Reject unknown fields, blank text, infinities and NaN everywhere."""

        extra = pydantic.Extra.forbid
        anystr_strip_whitespace = True
        min_anystr_length = 1
        allow_mutation = False
        allow_inf_nan = False

    @pydantic.validator("*", pre=True)
    def written_as_meant(cls, value: Any, field: ModelField) -> Any:
        """Refuse a YAML value that would load as something else than was written."""
        found = reinterpreted(value, field)
        if found:
            where, problem = found  # where inside the field, such as ("saturday", 0, 0)
            raise pydantic.ValidationError(
                [ErrorWrapper(ValueError(problem), loc=where)], StrictModel
            )
        return value


_NOT_A_MAPPING = "expected a mapping (name: value lines), not a list"
_TIME_TEXT = re.compile(r"\s*\d{1,2}:\d{2}(:\d{2})?\s*")
_DATE_TEXT = re.compile(r"\s*\d{4}-\d{1,2}-\d{1,2}\s*")


def reinterpreted(
    value: Any, field: ModelField, where: Tuple[Any, ...] = ()
) -> Optional[Tuple[Tuple[Any, ...], str]]:
    """Where and why ``value`` would load as something else than was written, if it would.

    pydantic reads YAML's ``yes``/``no``/``on``/``off`` (booleans) as the text
    "True" or the number 1, truncates 7.5 to 7, reads a number as seconds
    since midnight or since 1970 for a time or date (an unquoted ``10:00`` is
    the number 600 in YAML, so 00:10), and turns a list of pairs into a mapping.
    """
    if value is None:
        return None
    if field.shape in MAPPING_LIKE_SHAPES:
        if isinstance(value, list):  # pydantic would read a list of pairs as a mapping
            return where, _NOT_A_MAPPING
        if not isinstance(value, dict) or not field.sub_fields:
            return None  # pydantic reports a wrong shape itself
        items = [(key, item, field.sub_fields[0]) for key, item in value.items()]
    elif field.shape != SHAPE_SINGLETON or field.sub_fields:
        if not isinstance(value, (list, tuple)) or not field.sub_fields:
            return None  # pydantic reports a wrong shape itself
        parts = field.sub_fields if field.shape == SHAPE_TUPLE else field.sub_fields * len(value)
        items = list(zip(range(len(value)), value, parts, strict=False))
    else:
        problem = _reinterpreted_scalar(value, field.type_)
        return (where, problem) if problem else None
    for key, item, inner in items:
        found = reinterpreted(item, inner, (*where, key))
        if found:
            return found
    return None


def _reinterpreted_scalar(value: Any, kind: Any) -> Optional[str]:
    if not isinstance(kind, type):
        return None
    if issubclass(kind, pydantic.BaseModel):  # a section such as ``booking:``
        return _NOT_A_MAPPING if isinstance(value, list) else None
    if isinstance(value, bool) and not issubclass(kind, bool):
        return f"{value} is a yes/no value (YAML reads unquoted yes, no, on, off so): use quotes"
    written_as_text = isinstance(value, str)
    if issubclass(kind, dt.time) and not isinstance(value, dt.time):
        if not (written_as_text and _TIME_TEXT.fullmatch(value)):
            hint = " (YAML reads an unquoted 10:00 as 600)" if isinstance(value, int) else ""
            return f'expected a time in quotes such as "09:00", got {value!r}{hint}'
    elif issubclass(kind, dt.date) and not isinstance(value, dt.date):
        if not (written_as_text and _DATE_TEXT.fullmatch(value)):
            return f"expected a date such as 2026-12-25, got {value!r}"
    elif issubclass(kind, int) and not issubclass(kind, bool) and isinstance(value, float):
        return None if value.is_integer() else f"expected a whole number, got {value!r}"
    return None
