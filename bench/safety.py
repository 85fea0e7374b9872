"""`make bench-safety` (also in `make bench-nlu`): are red flags ever missed.

Every message goes through the trained model, so the figures are those of the
whole NLU pipeline: the intent classifier and the safety layer after it
(rasa_extensions/red_flags.py). Each message's stored verdicts let one run
compare the ways of combining them:

* ``classifier``: DIET's intent alone (``emergency`` / ``urgent_symptoms``);
* ``vocabulary``: the red-flag file and ConText alone;
* ``screen``: the learned screen alone (at the configured threshold);
* ``vocabulary + screen``: what config.yml runs (the screen adds flags the
  vocabulary lacks unless ConText set the words aside, and drops a vocabulary
  flag it gives a red flag less than ``screen_veto``);
* ``... without the veto``: the same, with every vocabulary flag kept.

Sets (tests/safety/*.yml, written by people who had seen neither the red-flag
list nor the training data, never trained on and never read while the
vocabulary or the screen were built): red flags with their level and concept,
and look-alikes (negated, past, hypothetical, family history, ordinary pain,
alarming idioms). The clinic's red-flag examples
(clinic/red_flag_examples/) are what the screen trains on and the vocabulary
was written against, so they are not scored here (tests/test_red_flags.py
keeps them as a regression test). Also: the held-out NLU set (tests/nlu_test.yml) and the
public medical-speech phrases, where "Heart hurts" and "Hard to breath" should
be emergencies and labels that may or may not be (wounds, dizziness, low mood)
are reported but not scored.

What it does not show: how patients outside these sets write; the sets are
English, typed, and written by a few people.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import yaml

from bench.common import write_report
from clinic_core.red_flag_screen import SCREEN_CONCEPT
from clinic_core.red_flags import load_red_flags
from clinic_core.settings import ROOT
from ops.nlu_data import held_out_examples, medical_speech
from ops.training import ensure_model

SAFETY_SETS = ROOT / "tests" / "safety"
LEVEL_OF_INTENT = load_red_flags().intent_levels()


def _screen_option(name: str, default: float) -> float:
    """An option config.yml gives the red-flag screen."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    step = next(s for s in pipeline if s["name"].endswith("RedFlagClassifier"))
    return float(step.get(name, default))


SCREEN_THRESHOLD = _screen_option("screen_threshold", 0.7)
WITHOUT_VETO = "... without the veto"


def without_reader(name: str) -> str:
    """The policy of the configured pipeline without learned reader ``name``'s flags."""
    return f"... without the {name} reader"


# One policy per learned reader in clinic/red_flags.yml, so each run shows what it adds.
WITHOUT_READER = {without_reader(name): name for name in load_red_flags().readers}
POLICIES = (
    "classifier",
    "vocabulary",
    "screen",
    "vocabulary + screen",
    WITHOUT_VETO,
    *WITHOUT_READER,
)
CONFIGURED = "vocabulary + screen"
ALL_SEALED = "all sealed sets"
TARGETS = {"emergency": 1.0, "urgent": 0.95, "lookalike_alarms": 0.03, "held_out_alarms": 0.02}
# medical-speech labels whose phrases describe an emergency
EMERGENCY_LABELS = {"Heart hurts", "Hard to breath"}
# labels that may or may not need a doctor today: reported, not scored
UNSCORED_LABELS = {
    "Open wound", "Infected wound", "Emotional pain", "Feeling dizzy", "Body feels weak",
    "Internal pain", "Injury from sports", "Head ache",
}  # fmt: skip


def parse_all(model: Path, texts: Sequence[str]) -> List[Dict[str, Any]]:
    """The full parse result of each text, with the model in-process."""
    from bench.nlu import parse_results

    return parse_results(model, texts)


def level(result: Dict[str, Any], policy: str) -> str:
    """The triage level ``policy`` gives a parsed message."""
    triage = result.get("triage") or {"level": "routine", "set_aside": []}
    if policy == "classifier":
        intent = (result.get("classifier_intent") or {}).get("name", "")
        return LEVEL_OF_INTENT.get(intent, "routine")
    if policy == "vocabulary":
        return str(triage.get("vocabulary_level", triage["level"]))
    if policy == "screen":
        screen = triage.get("screen") or {"routine": 1.0}
        if 1.0 - screen.get("routine", 0.0) < SCREEN_THRESHOLD:
            return "routine"
        return max((k for k in screen if k != "routine"), key=lambda k: screen[k])
    if policy == WITHOUT_VETO and triage.get("vocabulary_level", "routine") != "routine":
        return str(triage["vocabulary_level"])
    # A learned reader reads only what the list and the screen left alone; the
    # record names the reader that raised the flag.
    if policy in WITHOUT_READER and triage.get("read_by") == WITHOUT_READER[policy]:
        return "routine"
    return str(triage["level"])


def score_set(results: List[Dict[str, Any]], data: Dict[str, Any]) -> Dict[str, Any]:
    """Recall per level and concept, false alarms per kind, for every policy."""
    flags, lookalikes = data["red_flags"], data["lookalikes"]
    out: Dict[str, Any] = {"red_flags": len(flags), "lookalikes": len(lookalikes)}
    for policy in POLICIES:
        by_level: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
        by_concept: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
        missed = []
        for item, result in zip(flags, results[: len(flags)], strict=True):
            got = level(result, policy)
            hit = got == item["level"]
            by_level[item["level"]][0] += hit
            by_level[item["level"]][1] += 1
            by_concept[item["concept"]][0] += hit
            by_concept[item["concept"]][1] += 1
            if not hit:
                missed.append((item["text"], item["level"], got))
        alarms: Counter = Counter()
        kinds: Counter = Counter()
        false_alarms = []
        for item, result in zip(lookalikes, results[len(flags) :], strict=True):
            kinds[item["kind"]] += 1
            got = level(result, policy)
            if got != "routine":
                alarms[item["kind"]] += 1
                false_alarms.append((item["text"], item["kind"], got))
        out[policy] = {
            "recall": {k: v[0] / v[1] for k, v in sorted(by_level.items())},
            "recall_by_concept": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_concept.items())},
            "false_alarm_rate": sum(alarms.values()) / max(1, len(lookalikes)),
            "false_alarms_by_kind": {k: f"{alarms[k]}/{n}" for k, n in sorted(kinds.items())},
            "missed": missed,
            "false_alarms": false_alarms,
        }
    return out


def score_naming(results: List[Dict[str, Any]], data: Dict[str, Any]) -> Dict[str, Any]:
    """Flags only the screen raised: how many were named, rightly, and crisis lines lost.

    A named flag gets the reply of its concept: the crisis line only for
    thoughts of self-harm. "Crisis line lost" counts self-harm messages named
    as something else (the target is none).
    """
    crisis = {concept.id for concept in load_red_flags().concepts if concept.crisis_line}
    screened = named = right = lost = 0
    for item, result in zip(data["red_flags"], results[: len(data["red_flags"])], strict=True):
        concepts = (result.get("triage") or {}).get("concepts") or []
        if SCREEN_CONCEPT not in concepts:
            continue
        screened += 1
        others = [c for c in concepts if c != SCREEN_CONCEPT]
        named += bool(others)
        right += item["concept"] in others
        lost += item["concept"] in crisis and bool(others) and not set(others) & crisis
    return {"screen_only": screened, "named": named, "named_right": right, "crisis_lost": lost}


def score_held_out(results: List[Dict[str, Any]], examples: List[Tuple[str, str]]) -> Dict:
    """False alarms on the held-out NLU set's other intents, recall on its red flags."""
    out: Dict[str, Any] = {}
    for policy in POLICIES:
        alarms, others, found, flags = [], 0, 0, 0
        for (text, intent), result in zip(examples, results, strict=True):
            got = level(result, policy)
            if intent in LEVEL_OF_INTENT:
                flags += 1
                found += got == LEVEL_OF_INTENT[intent]
            else:
                others += 1
                if got != "routine":
                    alarms.append((text, intent, got))
        out[policy] = {
            "false_alarm_rate": len(alarms) / others,
            "false_alarms": alarms,
            "recall": found / flags,
            "examples": others + flags,
        }
    return out


def score_medical_speech(results: List[Dict[str, Any]], phrases: List[Tuple[str, str]]) -> Dict:
    """Emergency labels found, unscored labels reported, the rest as false alarms."""
    out: Dict[str, Any] = {}
    for policy in POLICIES:
        levels: Dict[str, Counter] = defaultdict(Counter)
        for (_, label), result in zip(phrases, results, strict=True):
            levels[label][level(result, policy)] += 1
        emergency = [levels[label] for label in EMERGENCY_LABELS]
        scored = [
            c for label, c in levels.items() if label not in EMERGENCY_LABELS | UNSCORED_LABELS
        ]
        out[policy] = {
            "emergency_labels_found": sum(c["emergency"] for c in emergency)
            / sum(sum(c.values()) for c in emergency),
            "false_alarm_rate": sum(sum(c.values()) - c["routine"] for c in scored)
            / sum(sum(c.values()) for c in scored),
            "levels_by_label": {k: dict(v) for k, v in sorted(levels.items())},
        }
    return out


def evaluate(model: Path) -> Dict[str, Any]:
    """Every figure of the safety benchmark for ``model``."""
    sets = {
        path.stem: yaml.safe_load(path.read_text()) for path in sorted(SAFETY_SETS.glob("*.yml"))
    }
    held_out = held_out_examples()
    phrases = medical_speech()
    texts: List[str] = []
    for data in sets.values():
        texts += [item["text"] for item in data["red_flags"] + data["lookalikes"]]
    texts += [t for t, _ in held_out] + [t for t, _ in phrases]
    results = parse_all(model, texts)
    report: Dict[str, Any] = {"model": model.name, "sets": {}}
    position = 0
    combined: Dict[str, Any] = {"red_flags": [], "lookalikes": []}
    flag_results: List[Dict[str, Any]] = []
    lookalike_results: List[Dict[str, Any]] = []
    for name, data in sets.items():
        size = len(data["red_flags"]) + len(data["lookalikes"])
        part = results[position : position + size]
        report["sets"][name] = score_set(part, data)
        combined["red_flags"] += data["red_flags"]
        combined["lookalikes"] += data["lookalikes"]
        flag_results += part[: len(data["red_flags"])]
        lookalike_results += part[len(data["red_flags"]) :]
        position += size
    report["sets"][ALL_SEALED] = score_set(flag_results + lookalike_results, combined)
    report["naming"] = score_naming(flag_results, combined)
    report["held_out"] = score_held_out(results[position : position + len(held_out)], held_out)
    position += len(held_out)
    report["medical_speech"] = score_medical_speech(results[position:], phrases)
    return report


def summary_markdown(report: Dict[str, Any]) -> str:
    """The figures as tables: one row per policy and set."""
    lines = [
        "# Safety: red flags",
        "",
        f"Targets: emergency recall {TARGETS['emergency']:.2f}, urgent recall ≥ "
        f"{TARGETS['urgent']}, false alarms ≤ {TARGETS['lookalike_alarms']} on look-alikes "
        f"and ≤ {TARGETS['held_out_alarms']} on the held-out NLU set. Configured: "
        f"`{CONFIGURED}`.",
        "",
        "| set | policy | emergency recall | urgent recall | false alarms |",
        "|---|---|---|---|---|",
    ]
    for name, scores in report["sets"].items():
        for policy in POLICIES:
            s = scores[policy]
            lines.append(
                f"| {name} ({scores['red_flags']} + {scores['lookalikes']}) | {policy} | "
                f"{s['recall'].get('emergency', 0):.3f} | {s['recall'].get('urgent', 0):.3f} | "
                f"{s['false_alarm_rate']:.3f} |"
            )
    held = report["held_out"]
    med = report["medical_speech"]
    lines += ["", "| other set | policy | red flags found | false alarms |", "|---|---|---|---|"]
    for policy in POLICIES:
        lines.append(
            f"| held-out NLU set ({held[policy]['examples']}) | {policy} | "
            f"{held[policy]['recall']:.3f} | {held[policy]['false_alarm_rate']:.3f} |"
        )
    for policy in POLICIES:
        lines.append(
            f"| medical speech | {policy} | {med[policy]['emergency_labels_found']:.3f} "
            f"(Heart hurts, Hard to breath) | {med[policy]['false_alarm_rate']:.3f} |"
        )
    naming = report["naming"]
    lines += [
        "",
        f"Flags only the screen raised on the sealed sets: {naming['screen_only']}; named as a "
        f"listed concept {naming['named']} ({naming['named_right']} rightly); thoughts of "
        f"self-harm named as something else (the crisis line lost): {naming['crisis_lost']}.",
    ]
    lines += ["", f"Recall by concept (`{CONFIGURED}`):", ""]
    for name, scores in report["sets"].items():
        concepts = ", ".join(f"{k} {v}" for k, v in scores[CONFIGURED]["recall_by_concept"].items())
        alarms = ", ".join(
            f"{k} {v}" for k, v in scores[CONFIGURED]["false_alarms_by_kind"].items()
        )
        lines.append(f"- {name}: {concepts}; false alarms by kind: {alarms}")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the benchmark and write bench/results/safety.{json,md}."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, help="evaluate this model instead of training")
    args = parser.parse_args()
    model = args.model or ensure_model()
    print("==> Safety sets, held-out set and medical-speech phrases through the model", flush=True)
    report = evaluate(model)
    write_report("safety", report, summary_markdown(report), "\nRecall by concept")


if __name__ == "__main__":
    main()
