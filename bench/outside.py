"""`make bench-outside`: the built model on outside red-flag sets it has never learned.

Outside writers who read no project file write sets of 60 red flags and 140
look-alikes from a brief (``bench/outside_sets/brief_*.txt``, with ``__OUT__``,
``__N__`` and ``__VOICES__`` filled in: the file, the set number, who writes).
The standard brief spreads the red flags over every emergency concept; the
other asks for thoughts of self-harm hidden or played down. A new set is
kept in ``bench/outside_sets/`` and measured here before anyone reads it; the
report gives counts only. ``--read`` prints the misses and the alarms, after
the counts are recorded. A later session moves the sets into
``clinic/red_flag_examples/measured_only/`` so that the broad parts learn them
(docs/clinic.md, "The broad parts"), and they stop being a measure.

Each figure is the whole pipeline's triage level (``vocabulary + screen``),
and the list alone beside it (``vocabulary``). A text that is already
training data word for word (a short common question: "do you take bupa",
"parking near you?") is left out and counted as such. What it does not show: the
sealed sets' figures (``make bench-safety``), or how a set's writers differ
from patients: each set is one writer's idea of several voices.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Set

import yaml

from bench.common import write_report
from bench.safety import CONFIGURED, level, parse_all
from clinic_core.red_flag_screen import example_files, examples_dir
from clinic_core.settings import ROOT
from ops.nlu_data import training_texts
from ops.training import ensure_model

OUTSIDE_SETS = ROOT / "bench" / "outside_sets"
LIST_ALONE = "vocabulary"


def load_sets(directory: Path = OUTSIDE_SETS) -> Dict[str, Dict[str, Any]]:
    """Every outside set in ``directory`` by name, in set order."""
    paths = sorted(directory.glob("set*.yml"), key=lambda path: int(path.stem[3:]))
    return {path.stem: yaml.safe_load(path.read_text()) for path in paths}


def learned_texts() -> Set[str]:
    """Every text the model learns from: the NLU examples and every red-flag example set."""
    learned = set(training_texts())
    for path in example_files(examples_dir(), with_not_trained=True, with_measured=True):
        data = yaml.safe_load(path.read_text())
        learned |= {_key(item["text"]) for item in data["red_flags"] + data["lookalikes"]}
    return learned


def _key(text: str) -> str:
    return text.strip().lower()


def evaluate(model: Path, sets: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """Per set: red flags found at the right level and look-alikes flagged."""
    learned = learned_texts()
    report: Dict[str, Any] = {"model": model.name, "sets": {}}
    items = []
    for name, data in sets.items():
        report["sets"][name] = _empty()
        for kind in ("red_flags", "lookalikes"):
            for item in data[kind]:
                if _key(item["text"]) in learned:
                    report["sets"][name]["already_learned"] += 1
                else:
                    items.append((name, kind, item))
    results = parse_all(model, [item["text"] for _, _, item in items])
    read: List[Dict[str, str]] = []
    for (name, kind, item), result in zip(items, results, strict=True):
        scores = report["sets"][name]
        for policy in (CONFIGURED, LIST_ALONE):
            got = level(result, policy)
            if kind == "red_flags":
                right = got == item["level"]
                scores[policy]["found"] += right
                if policy == CONFIGURED and not right:
                    scores["missed_by_concept"][item["concept"]] += 1
                    read.append({"set": name, "miss": item["concept"], "got": got, **item})
            elif got != "routine":
                scores[policy]["flagged"] += 1
                if policy == CONFIGURED:
                    scores["flagged_by_kind"][item["kind"]] += 1
                    read.append({"set": name, "alarm": item["kind"], "got": got, **item})
        scores["red_flags"] += kind == "red_flags"
        scores["lookalikes"] += kind == "lookalikes"
    report["all"] = _total(report["sets"].values())
    report["read"] = read
    return report


def _empty() -> Dict[str, Any]:
    return {
        "red_flags": 0,
        "lookalikes": 0,
        "already_learned": 0,
        CONFIGURED: Counter(),
        LIST_ALONE: Counter(),
        "missed_by_concept": Counter(),
        "flagged_by_kind": Counter(),
    }


def _total(scores: Any) -> Dict[str, Any]:
    total = _empty()
    for score in scores:
        for key, value in score.items():
            total[key] += value
    return total


def summary_markdown(report: Dict[str, Any]) -> str:
    """Counts per set and in all; no message text."""
    lines = [
        f"# Outside red-flag sets the model never learned ({report['model']})",
        "",
        "| set | emergencies found | look-alikes flagged | the list alone: found; flagged |",
        "|---|---|---|---|",
    ]
    for name, score in [*report["sets"].items(), ("all", report["all"])]:
        whole, alone = score[CONFIGURED], score[LIST_ALONE]
        lines.append(
            f"| {name} | {whole['found']} of {score['red_flags']} | {whole['flagged']} of "
            f"{score['lookalikes']} ({whole['flagged'] / max(1, score['lookalikes']):.3f}) | "
            f"{alone['found']}; {alone['flagged']} |"
        )
    missed = ", ".join(f"{k} {v}" for k, v in sorted(report["all"]["missed_by_concept"].items()))
    flagged = ", ".join(f"{k} {v}" for k, v in sorted(report["all"]["flagged_by_kind"].items()))
    lines += [
        "",
        f"Missed by concept: {missed or 'none'}.",
        f"Flagged by kind: {flagged}.",
        f"Left out, already training data word for word: {report['all']['already_learned']}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Measure, write bench/results/outside.{json,md}; with --read, print what went wrong."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, help="evaluate this model instead of training")
    parser.add_argument("--read", action="store_true", help="print the misses and alarms")
    parser.add_argument("--sets", nargs="+", metavar="NAME", help="only these sets (set340 ...)")
    args = parser.parse_args()
    sets = load_sets()
    if args.sets:
        sets = {name: data for name, data in sets.items() if name in args.sets}
    if not sets:
        print(f"No outside sets in {OUTSIDE_SETS.relative_to(ROOT)}: nothing to measure.")
        return
    model = args.model or ensure_model()
    report = evaluate(model, sets)
    write_report("outside", report, summary_markdown(report), "\nMissed by concept")
    if args.read:
        for item in report["read"]:
            what = f"MISS {item['miss']}" if "miss" in item else f"ALARM {item['alarm']}"
            print(f"{item['set']} {what} -> {item['got']} | {item['text']}")


if __name__ == "__main__":
    main()
