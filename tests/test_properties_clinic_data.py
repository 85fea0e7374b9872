"""Properties of the clinic's data files (profile, conditions, acupuncture answers).

The clinic edits these YAML files by hand. Whatever the edit, loading either
gives exactly what was written or stops with a :class:`ClinicDataError` that
names the field: never an unrelated exception, never data silently read as
something else (an unquoted 10:00 read as ten past midnight, 7.5 minutes
read as 7, ``yes`` read as the text "True").
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import math
import os
import re
import zoneinfo
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, Type

import pydantic
import pytest
import yaml
from hypothesis import assume, example, given
from hypothesis import strategies as st
from pydantic.fields import SHAPE_SINGLETON, ModelField

from clinic_core.data_files import ClinicDataError, load_model, parse_model
from clinic_core.knowledge import (
    ACUPUNCTURE_QUESTIONS,
    AcupunctureAnswers,
    ConditionKnowledge,
    load_acupuncture_answers,
    load_conditions,
)
from clinic_core.practical import PracticalAnswers
from clinic_core.profile import ClinicProfile, load_profile
from clinic_core.when import WEEKDAYS

CLINIC = Path(__file__).resolve().parent.parent / "clinic"
Path_ = Tuple[Any, ...]
FILES: Dict[str, Tuple[Type[pydantic.BaseModel], Dict[str, Any]]] = {
    name: (model, yaml.safe_load((CLINIC / name).read_text(encoding="utf-8")))
    for name, model in [
        ("profile.yml", ClinicProfile),
        ("conditions.yml", ConditionKnowledge),
        ("acupuncture.yml", AcupunctureAnswers),
        ("practical.yml", PracticalAnswers),
    ]
}
file_names = st.sampled_from(sorted(FILES))


def dump(data: Any) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's is three times faster
    return yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False)


def parse(name: str, data: Any) -> pydantic.BaseModel:
    return parse_model(dump(data), FILES[name][0], source=name)


def get(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def nodes(data: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Every value's path in a YAML tree (mapping keys and list indexes)."""
    if isinstance(data, dict):
        children: Any = data.items()
    else:
        children = enumerate(data) if isinstance(data, list) else ()
    for key, value in children:
        yield (*path, key)
        yield from nodes(value, (*path, key))


def is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, pydantic.BaseModel)


def field_at(model: Type[pydantic.BaseModel], path: Path_) -> Tuple[Path_, Optional[ModelField]]:
    """The part of ``path`` that names model fields, and the last field it reaches.

    ``("conditions", "sciatica", "points", 0)`` gives ``(("conditions",
    "sciatica", "points"), <points>)``: the index is inside a plain list field.
    """
    named: List[Any] = []
    field: Optional[ModelField] = None
    current: Any = model
    rest = list(path)
    while rest and is_model(current):
        field = current.__fields__.get(rest[0])
        if field is None:
            break
        named.append(rest.pop(0))
        current = field.type_
        if is_model(current) and field.shape != SHAPE_SINGLETON and rest:
            named.append(rest.pop(0))  # a list index or a mapping key leading to a model
    if rest:
        field = None if is_model(current) else field
    return tuple(named), field


def model_of(model: Type[pydantic.BaseModel], path: Path_) -> Any:
    """The model class whose instance the YAML value at ``path`` is, or None."""
    current: Any = model
    rest = list(path)
    while rest:
        field = current.__fields__.get(rest.pop(0)) if is_model(current) else None
        if field is None:
            return None
        current = field.type_
        if field.shape != SHAPE_SINGLETON:
            if not rest:
                return None  # the list or mapping itself
            rest.pop(0)
    return current if is_model(current) else None


def names_the_field(message: str, model: Type[pydantic.BaseModel], path: Path_) -> bool:
    """Whether the error message points at ``path``.

    At least its first two field names ("booking.slot_grid_minutes",
    "conditions.sciatica"; a checker of a whole section may stop there), or the
    quoted name when a cross-check refers to it ("unknown condition 'sciatica'").
    """
    named, _ = field_at(model, path)
    dotted = ".".join(str(part) for part in named[:2])
    return dotted in message or f"'{named[-1]}'" in message


# --- the shipped files -------------------------------------------------------------


def test_the_shipped_files_load_and_dump_back_unchanged() -> None:
    assert parse("profile.yml", FILES["profile.yml"][1]) == load_profile()
    assert parse("conditions.yml", FILES["conditions.yml"][1]) == load_conditions()
    assert parse("acupuncture.yml", FILES["acupuncture.yml"][1]) == load_acupuncture_answers()


# --- "the same as written": how a loaded value may differ from the YAML value ------

TIME_TEXT = re.compile(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*")
TRUE_WORDS = {"true", "yes", "on", "1", "y", "t"}
FALSE_WORDS = {"false", "no", "off", "0", "n", "f"}


def same(written: Any, loaded: Any) -> bool:
    """Whether ``loaded`` is what ``written`` (a YAML value) says, without reinterpretation."""
    if written is None or loaded is None:
        return written is loaded
    if isinstance(loaded, bool) or isinstance(written, bool):
        if isinstance(written, str):
            word = written.strip().lower()
            return (loaded and word in TRUE_WORDS) or (not loaded and word in FALSE_WORDS)
        if isinstance(loaded, bool) and not isinstance(written, bool):
            return written in (0, 1) and bool(written) == loaded  # specific: 1
        return type(written) is type(loaded) and written == loaded
    if isinstance(loaded, pydantic.BaseModel):  # fields left out take their defaults
        fields = type(loaded).__fields__
        return (
            isinstance(written, dict)
            and set(written) <= set(fields)
            and all(same(written[k], getattr(loaded, k)) for k in written)
            and all(
                getattr(loaded, k) == f.get_default() for k, f in fields.items() if k not in written
            )
        )
    if isinstance(loaded, dict):
        return (
            isinstance(written, dict)
            and [str(k).strip() for k in written] == list(loaded)
            and all(same(v, loaded[str(k).strip()]) for k, v in written.items())
        )
    if isinstance(loaded, (list, tuple)):
        if not isinstance(written, list) or len(written) != len(loaded):
            return False
        if all(same(w, v) for w, v in zip(written, loaded, strict=True)):
            return True
        # Opening ranges are stored sorted: any order of what was written is the same.
        return len(written) <= 5 and any(
            all(same(w, v) for w, v in zip(order, loaded, strict=True))
            for order in itertools.permutations(written)
        )
    if isinstance(loaded, str):
        if isinstance(written, str):
            return loaded == written.strip()
        return isinstance(written, (int, float)) and loaded == str(written)  # unquoted 999
    if isinstance(loaded, dt.datetime):
        return False
    if isinstance(loaded, dt.date):
        if isinstance(written, str):
            try:
                return dt.date.fromisoformat(written.strip()) == loaded
            except ValueError:
                return False
        return type(written) is dt.date and written == loaded
    if isinstance(loaded, dt.time):
        match = TIME_TEXT.fullmatch(written) if isinstance(written, str) else None
        if match is None or loaded.tzinfo is not None:
            return False
        return dt.time(int(match[1]), int(match[2]), int(match[3] or 0)) == loaded
    if isinstance(loaded, (int, float)):
        if isinstance(written, str):
            try:
                number = float(written.strip())
            except ValueError:
                return False
            return number == loaded and math.isfinite(number)
        return (
            isinstance(written, (int, float))
            and written == loaded
            and math.isfinite(written)
            and (isinstance(loaded, float) or float(written).is_integer())
        )
    return False


def check_loaded_or_refused(name: str, data: Dict[str, Any], path: Path_) -> None:
    """Loads as written (judged at the top-level field that changed) or names the field."""
    model = FILES[name][0]
    try:
        loaded = parse(name, data)
    except ClinicDataError as error:
        message = str(error)
        assert message.startswith(f"{name}: ")
        assert names_the_field(message, model, path), (path, message)
        return
    top = path[0]
    written = data[top]
    assert same(written, getattr(loaded, top)), (path, written, getattr(loaded, top))


# --- dropping keys -----------------------------------------------------------------


def droppable(name: str) -> List[Path_]:
    return [p for p in nodes(FILES[name][1]) if isinstance(p[-1], str)]


@given(data=st.data(), name=file_names)
def test_dropping_any_key_is_refused_by_name_or_falls_back_to_the_default(
    data: st.DataObject, name: str
) -> None:
    model, original = FILES[name]
    path = data.draw(st.sampled_from(droppable(name)), label="path")
    changed = copy.deepcopy(original)
    del get(changed, path[:-1])[path[-1]]
    parent = model_of(model, path[:-1])
    field = parent.__fields__[path[-1]] if parent else None
    try:
        loaded = parse(name, changed)
    except ClinicDataError as error:
        if field is not None and field.required:
            assert f"{'.'.join(map(str, path))}: field required" in str(error)
        else:
            assert names_the_field(str(error), model, path), (path, str(error))
        return
    if field is not None:  # an optional model field: its default is used
        assert not field.required, path
        assert get_loaded(loaded, path) == field.get_default()
    elif path[0] == "opening_hours":  # a weekday left out is a closed day
        assert isinstance(loaded, ClinicProfile)
        assert path[1] not in loaded.opening_hours
    else:  # a key of a plain mapping, such as one condition or one answer
        assert path[-1] not in get_loaded(loaded, path[:-1])


def get_loaded(loaded: Any, path: Path_) -> Any:
    for part in path:
        is_model_ = isinstance(loaded, pydantic.BaseModel)
        loaded = getattr(loaded, part) if is_model_ else loaded[part]
    return loaded


def test_every_required_field_is_named_when_missing() -> None:
    for name, (model, original) in FILES.items():
        for path in droppable(name):
            parent = model_of(model, path[:-1])
            if parent is None or not parent.__fields__[path[-1]].required:
                continue
            changed = copy.deepcopy(original)
            del get(changed, path[:-1])[path[-1]]
            with pytest.raises(ClinicDataError, match=re.escape(f"{'.'.join(map(str, path))}:")):
                parse(name, changed)


@given(data=st.data(), name=file_names, key=st.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True))
def test_an_unknown_key_is_refused_by_name(data: st.DataObject, name: str, key: str) -> None:
    # A misspelt field ("adress:") must not be ignored while the real one keeps its default.
    model, original = FILES[name]
    parents = [p for p in [(), *nodes(original)] if model_of(model, p)]
    parent = data.draw(st.sampled_from(parents), label="parent")
    assume(key not in model_of(model, parent).__fields__)
    changed = copy.deepcopy(original)
    get(changed, parent)[key] = "value"
    with pytest.raises(ClinicDataError) as error:
        parse(name, changed)
    assert ".".join(map(str, (*parent, key))) + ": extra fields not permitted" in str(error.value)


# --- wrong types and random values -------------------------------------------------

yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        ["", " ", "yes", "no", "on", "1", "7.5", "1e3", "inf", "nan", "09:00", "10:00", "9 am",
         "24:00", "2026-12-25", "20261225", "09:00Z", "Europe/London", "GB", "new_patient", "back"]
    ),
    st.dates(min_value=dt.date(1900, 1, 1)),
)  # fmt: skip
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none()),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=6,
)


@given(data=st.data(), name=file_names, value=yaml_values)
@example(data=None, name="profile.yml", value=600).via("saturday: [[10:00, 14:00]] unquoted")
@example(data=None, name="profile.yml", value=7.5).via("slot_grid_minutes: 7.5")
@example(data=None, name="profile.yml", value=True).via("name: yes")
@example(data=None, name="profile.yml", value=20261225).via("date: 20261225")
@example(data=None, name="profile.yml", value=math.inf).via("price: .inf")
@example(data=None, name="profile.yml", value=[]).via("opening_hours: []")
def test_any_value_anywhere_loads_as_written_or_is_refused_by_name(
    data: Optional[st.DataObject], name: str, value: Any
) -> None:
    original = FILES[name][1]
    if data is None:  # the explicit examples: each at the field it was found at
        where = [
            (600, ("opening_hours", "saturday", 0, 0)),
            (7.5, ("booking", "slot_grid_minutes")),
            (True, ("name",)),
            (20261225, ("closures", 0, "date")),
            (math.inf, ("prices", 0, "price")),
        ]
        path = next((p for v, p in where if v == value), ("opening_hours",))
    else:
        path = data.draw(st.sampled_from(list(nodes(original))), label="path")
    changed = copy.deepcopy(original)
    get(changed, path[:-1])[path[-1]] = value
    check_loaded_or_refused(name, changed, path)


@given(
    name=file_names,
    text=st.one_of(
        st.text(max_size=300), st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace"))
    ),
)
@example(name="conditions.yml", text="[" * 1000)  # raised RecursionError
@example(name="profile.yml", text="a: " + "{" * 1000)
@example(name="profile.yml", text="!!python/object:os.system {}")
@example(name="acupuncture.yml", text="1: 2")  # raised TypeError: keywords must be strings
@example(name="profile.yml", text="null: x")
def test_any_text_is_refused_with_a_clinic_data_error(name: str, text: str) -> None:
    with pytest.raises(ClinicDataError) as error:
        parse_model(text, FILES[name][0], source=name)
    assert str(error.value).startswith(f"{name}: ")


@given(name=file_names, document=yaml_values)
def test_any_yaml_document_is_refused_with_a_clinic_data_error(name: str, document: Any) -> None:
    with pytest.raises(ClinicDataError) as error:
        parse(name, document)
    assert str(error.value).startswith(f"{name}: ")


# --- timezone ----------------------------------------------------------------------

IANA = sorted(zoneinfo.available_timezones())


timezones = st.one_of(
    st.text(max_size=40),
    st.sampled_from(IANA),
    st.sampled_from(IANA).map(str.lower),
    st.sampled_from(
        [
            "Europe",
            "Europe/",
            "../etc/passwd",
            "/etc/localtime",
            "Mars/Olympus",
            "Europe/London\x00",
        ]
    ),
    st.just("a" * 300),
)


@given(timezone=timezones)
def test_the_timezone_is_an_iana_name_or_refused(timezone: str) -> None:
    data = copy.deepcopy(FILES["profile.yml"][1])
    data["timezone"] = timezone
    try:
        profile = parse("profile.yml", data)
    except ClinicDataError as error:
        assert "timezone:" in str(error)
        if timezone in IANA:
            raise AssertionError(f"{timezone} is a valid timezone") from error
        return
    assert isinstance(profile, ClinicProfile)
    assert profile.timezone == timezone.strip()
    assert dt.datetime(2026, 11, 24, 10, tzinfo=profile.zone).utcoffset() is not None


# --- opening hours -----------------------------------------------------------------

good_times = st.tuples(st.integers(0, 23), st.integers(0, 59)).flatmap(
    lambda hm: st.sampled_from([f"{hm[0]:02d}:{hm[1]:02d}", f"{hm[0]}:{hm[1]:02d}"])
)
bad_times = st.one_of(
    st.sampled_from(["24:00", "12:60", "9 am", "noon", "", "9", "25:00", "9:5 pm"]),
    st.integers(0, 2000),  # YAML reads an unquoted 10:00 as the number 600
    st.floats(0, 100),
    st.none(),
    st.booleans(),
)
a_range = st.one_of(
    st.lists(good_times, min_size=2, max_size=2),
    st.lists(st.one_of(good_times, bad_times), min_size=0, max_size=3),
)
weekly = st.dictionaries(
    st.one_of(st.sampled_from(WEEKDAYS), st.sampled_from(["Monday", "mon", "funday", ""])),
    st.one_of(st.lists(a_range, max_size=3), st.none(), st.sampled_from(["09:00-17:00", "closed"])),
    max_size=7,
)


def expected_week(hours: Any) -> Optional[Dict[str, List[Tuple[dt.time, dt.time]]]]:
    """The week these hours describe, or None where the file is wrong (an independent reading)."""
    week: Dict[str, List[Tuple[dt.time, dt.time]]] = {}
    for day, ranges in hours.items():
        if day not in WEEKDAYS or not isinstance(ranges, list):
            return None
        read = []
        for pair in ranges:
            if not isinstance(pair, list) or len(pair) != 2:
                return None
            times = [TIME_TEXT.fullmatch(t) if isinstance(t, str) else None for t in pair]
            if not all(times) or any(int(m[1]) > 23 or int(m[2]) > 59 for m in times if m):
                return None
            start, end = (dt.time(int(m[1]), int(m[2])) for m in times if m)
            if start >= end:
                return None
            read.append((start, end))
        read.sort()
        if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(read)):
            return None
        week[day] = read
    return week


@given(hours=weekly)
@example(hours={"saturday": [[600, 840]]})  # unquoted [[10:00, 14:00]]: was 00:10-00:14
@example(hours={"monday": [["09:00", "13:00"], ["13:00", "17:00"]]})  # touching is fine
def test_opening_hours_load_exactly_or_are_refused(hours: Dict[str, Any]) -> None:
    data = copy.deepcopy(FILES["profile.yml"][1])
    data["opening_hours"] = hours
    expected = expected_week(hours)
    try:
        profile = parse("profile.yml", data)
    except ClinicDataError as error:
        assert "opening_hours" in str(error)
        assert expected is None, (hours, str(error))
        return
    assert isinstance(profile, ClinicProfile)
    assert profile.opening_hours == expected
    for day in WEEKDAYS:  # and the booking side sees the same week
        monday = dt.date(2026, 11, 23)
        date = monday + dt.timedelta(days=WEEKDAYS.index(day))
        if profile.closure_on(date) is None:
            assert profile.hours_on(date) == (expected or {}).get(day, [])


# --- knowledge ---------------------------------------------------------------------


@given(data=st.data())
def test_narrowing_options_must_name_known_conditions(data: st.DataObject) -> None:
    original = FILES["conditions.yml"][1]
    changed = copy.deepcopy(original)
    general = [k for k, c in changed["conditions"].items() if c.get("narrowing")]
    key = data.draw(st.sampled_from(general))
    options = changed["conditions"][key]["narrowing"]["options"]
    index = data.draw(st.integers(0, len(options) - 1))
    target = data.draw(
        st.one_of(
            st.sampled_from(sorted(original["conditions"])),
            st.from_regex(r"[a-z_]{1,20}", fullmatch=True),
        )
    )
    options[index]["condition"] = target
    if target in original["conditions"]:
        assert isinstance(parse("conditions.yml", changed), ConditionKnowledge)
    else:
        with pytest.raises(ClinicDataError, match=f"unknown condition '{target}'"):
            parse("conditions.yml", changed)


@given(missing=st.sets(st.sampled_from(sorted(ACUPUNCTURE_QUESTIONS.values())), min_size=1))
def test_every_missing_answer_is_named(missing: set) -> None:
    changed = copy.deepcopy(FILES["acupuncture.yml"][1])
    for key in missing:
        del changed["answers"][key]
    with pytest.raises(ClinicDataError) as error:
        parse("acupuncture.yml", changed)
    assert f"missing answers: {', '.join(sorted(missing))}" in str(error.value)


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    # load_model caches by modification time: a broken edit is noticed, not served stale.
    path = tmp_path / "acupuncture.yml"
    edits = itertools.count(1)

    @given(value=yaml_values)
    def check(value: Any) -> None:
        data = copy.deepcopy(FILES["acupuncture.yml"][1])
        data["answers"]["does_it_hurt"] = value
        path.write_text(dump(data), encoding="utf-8")
        # A distinct modification time per edit, as a person's edits have (two
        # writes within the filesystem's timestamp granularity look like one).
        os.utime(path, ns=(0, next(edits) * 1_000_000_000))
        try:
            loaded = load_model(path, AcupunctureAnswers)
        except ClinicDataError as error:
            assert "answers" in str(error)
            return
        assert same(value, loaded.answers["does_it_hurt"])

    check()
