"""Date and time coverage on real booking phrases (`make bench-dates`).

Reads ../shared/eval/sgd-services/date_time_spans.csv (3,417 user turns from
Google's Schema-Guided Dialogue booking domains, each with the exact date or
time phrase the user typed) and reports the share our parser reads: a date
span must give a day, a time span a time or a part of the day. The SGD
dialogues have no reference date, so "parsed" means "read as a date/time",
not "the same calendar day as in the original dialogue".
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any, Dict
from zoneinfo import ZoneInfo

from actions.booking.when import parse_when
from clinic_core.settings import ROOT

SPANS = ROOT.parent / "shared" / "eval" / "sgd-services" / "date_time_spans.csv"
RESULTS = ROOT / "bench" / "results"
REFERENCE_NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/London"))


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
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dates.json").write_text(json.dumps(result, indent=2))
    print(
        f"Date/time phrases parsed: {result['parsed_share']:.3f} of {result['occurrences']} "
        f"occurrences, {result['distinct_parsed_share']:.3f} of {result['distinct_phrases']} "
        "distinct phrases"
    )
    for phrase, count in result["failures"]:
        print(f"  not parsed: {phrase!r} ({count}x)")


if __name__ == "__main__":
    main()
