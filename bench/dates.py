"""Date and time reading: coverage on real phrases, accuracy on our own (`make bench-dates`).

1. Coverage: reads ../shared/eval/sgd-services/date_time_spans.csv (3,417
   user turns from Google's Schema-Guided Dialogue booking domains, each with
   the exact date or time phrase the user typed) and reports the share our
   parser reads: a date span must give a day, a time span a time or a part of
   the day. The SGD dialogues have no reference date, so "parsed" means "read
   as a date/time", not "the same calendar day as in the original dialogue".
2. Day resolution: tests/day_resolution.yml (our own phrases at fixed
   reference times) and the share read exactly as expected: the day, the
   time, the part of the day, the past flag and a vague phrase's days.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import yaml

from bench.common import RESULTS
from clinic_core.settings import ROOT
from clinic_core.when import When, parse_when

SPANS = ROOT.parent / "shared" / "eval" / "sgd-services" / "date_time_spans.csv"
DAY_CASES = ROOT / "tests" / "day_resolution.yml"
ZONE = ZoneInfo("Europe/London")
REFERENCE_NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZONE)


@dataclass(frozen=True)
class DayCase:
    """A phrase of the day-resolution set, when it is said, and what it must read as."""

    text: str
    now: dt.datetime
    expected: When


def _days(value: Any) -> Tuple[dt.date, ...]:
    """A vague phrase's days: a list of dates, or "first..last"."""
    if value is None:
        return ()
    if isinstance(value, str):
        first, last = (dt.date.fromisoformat(part) for part in value.split(".."))
        return tuple(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return tuple(sorted(value))


def _time(value: Optional[str]) -> Optional[dt.time]:
    return None if value is None else dt.time.fromisoformat(value)


def load_day_cases(path: Path = DAY_CASES) -> List[DayCase]:
    """Every case of the day-resolution set, with its reference time."""
    cases = []
    for reference in yaml.safe_load(path.read_text())["references"]:
        now = dt.datetime.fromisoformat(reference["now"]).replace(tzinfo=ZONE)
        for case in reference["cases"]:
            days = _days(case.get("days"))
            expected = When(
                day=case.get("day", days[0] if days else None),
                time=_time(case.get("time")),
                part_of_day=case.get("part"),
                past=bool(case.get("past", False)),
                days=days,
            )
            cases.append(DayCase(str(case["text"]), now, expected))
    return cases


def read_as(case: DayCase) -> When:
    """What the parser makes of the case's phrase at the case's reference time."""
    return parse_when(case.text, case.now)


def day_resolution(path: Path = DAY_CASES) -> Dict[str, Any]:
    """Share of the day-resolution set read exactly as expected, per reference time."""
    cases = load_day_cases(path)
    by_reference: Dict[str, List[bool]] = {}
    failures = []
    for case in cases:
        got = read_as(case)
        ok = got == case.expected
        by_reference.setdefault(case.now.isoformat(), []).append(ok)
        if not ok:
            failures.append({"text": case.text, "now": case.now.isoformat(), "got": repr(got)})
    right = sum(sum(oks) for oks in by_reference.values())
    return {
        "cases": len(cases),
        "accuracy": right / len(cases),
        "by_reference": {now: sum(oks) / len(oks) for now, oks in by_reference.items()},
        "cases_by_reference": {now: len(oks) for now, oks in by_reference.items()},
        "failures": failures,
    }


def coverage(path: Path = SPANS) -> Dict[str, Any]:
    """Share of spans (all occurrences and distinct phrases) that parse."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    parsed, failures = 0, Counter[str]()
    distinct: Dict[str, bool] = {}
    for row in rows:
        when = parse_when(row["span"], REFERENCE_NOW)
        ok = (
            when.day is not None
            if row["slot"] == "appointment_date"
            else (when.time is not None or when.part_of_day is not None)
        )
        parsed += ok
        distinct[row["span"].lower()] = ok
        if not ok:
            failures[row["span"]] += 1
    return {
        "occurrences": len(rows),
        "parsed_share": parsed / len(rows),
        "distinct_phrases": len(distinct),
        "distinct_parsed_share": sum(distinct.values()) / len(distinct),
        "failures": failures.most_common(25),
    }


def main() -> None:
    """Print and save the coverage report."""
    result = coverage()
    resolution = day_resolution()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dates.json").write_text(
        json.dumps({**result, "day_resolution": resolution}, indent=2)
    )
    print(
        f"Date/time phrases parsed: {result['parsed_share']:.3f} of {result['occurrences']} "
        f"occurrences, {result['distinct_parsed_share']:.3f} of {result['distinct_phrases']} "
        "distinct phrases"
    )
    for phrase, count in result["failures"]:
        print(f"  not parsed: {phrase!r} ({count}x)")
    print(
        f"Day resolution (tests/day_resolution.yml): {resolution['accuracy']:.3f} of "
        f"{resolution['cases']} phrases read exactly as expected"
    )
    for now, share in resolution["by_reference"].items():
        print(f"  said at {now}: {share:.3f} of {resolution['cases_by_reference'][now]}")
    for failure in resolution["failures"]:
        print(f"  wrong: {failure['text']!r} at {failure['now']}: {failure['got']}")


if __name__ == "__main__":
    main()
