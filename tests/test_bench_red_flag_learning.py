"""The learning benchmark's counting and report (bench/red_flag_learning.py).

The refits themselves take about 45 minutes and are run by
`make bench-red-flag-learning`; its refit check (broad parts refitted on
every measured set must read the sealed sets as the built model does) guards
them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.red_flag_learning import (
    MISSED,
    WAYS,
    CachedEncoder,
    Item,
    set_number,
    summary_markdown,
    tally,
)


def test_tally_counts_each_level_and_the_misses_by_concept() -> None:
    items = [
        Item("set1", "legs gone", "emergency", "leg_weakness"),
        Item("set1", "cant pee", "emergency", "cauda_equina"),
        Item("set1", "fever", "urgent", "spinal_infection"),
        Item("set1", "no numbness", "routine"),
        Item("set1", "my dad had a stroke", "routine"),
    ]
    counts = tally(items, ["emergency", "urgent", "urgent", "emergency", "routine"])
    assert counts["emergencies"] == 2 and counts["emergencies_found"] == 1
    assert counts["urgent"] == 1 and counts["urgent_found"] == 1
    assert counts["lookalikes"] == 2 and counts["alarms"] == 1
    # an emergency read as urgent is missed: the reply would not say call 999 now
    assert counts[f"{MISSED}cauda_equina"] == 1 and f"{MISSED}leg_weakness" not in counts


def test_set_numbers_order_sets_as_written() -> None:
    paths = [Path("set100.yml"), Path("set99.yml"), Path("set264.yml")]
    assert [p.stem for p in sorted(paths, key=set_number)] == ["set99", "set100", "set264"]


def test_the_cached_encoder_asks_the_encoder_only_for_new_texts() -> None:
    class Counting:
        calls = 0

        def encode(self, texts: list) -> np.ndarray:
            Counting.calls += len(texts)
            return np.ones((len(texts), 2), dtype=np.float32)

    cached = CachedEncoder(Counting(), {"known": np.zeros(2, dtype=np.float32)})
    vectors = cached.encode(["known", "new"])
    assert vectors.tolist() == [[0.0, 0.0], [1.0, 1.0]] and Counting.calls == 1


def test_the_report_has_a_row_per_way_and_names_the_sets() -> None:
    counts = {
        "emergencies": 10,
        "emergencies_found": 9,
        "urgent": 2,
        "urgent_found": 2,
        "lookalikes": 20,
        "alarms": 3,
        f"{MISSED}leg_weakness": 1,
    }
    ways = {way: dict(counts) for way in WAYS}
    report = {
        "model": "clinic-test.tar.gz",
        "pool": ["set108", "set263", 156],
        "unread": ["set264", "set287", 24],
        "quarters": ways,
        "each_quarter": [ways] * 4,
        "unread_sets": ways,
        "sealed": ways,
        "refit_check_differ": 0,
        "refit_check_of": 2274,
        "seconds": 1,
    }
    markdown = summary_markdown(report)
    assert "quarters of set108-set263" in markdown and "set264-set287, unread" in markdown
    for way in WAYS:
        assert f"| {way} | 9 / 3 | 9 / 3 | 9 / 3 (urgent 2/2) |" in markdown
    assert "| leg_weakness | 2 | 2 | 2 |" in markdown  # quarters and unread together
    assert "read 0 of 2,274 sealed texts differently" in markdown
