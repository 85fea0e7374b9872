"""`make bench-nlu`: how well the assistant understands patients.

Figures (written to bench/results/nlu.json and bench/results/nlu.md):
  * 5-fold cross-validation on the training data: intent accuracy, macro-F1;
  * the held-out set tests/nlu_test.yml: accuracy and macro-F1;
  * real patient phrases (../shared/eval/medical-speech/phrases.csv, never
    trained on): the share of "Back pain" phrases routed to a back-pain
    intent, and the share of clearly unrelated complaints routed to any hip or
    back condition intent;
  * SGD booking turns (../shared/eval/sgd-services/booking_turns.csv, never
    trained on): the share of booking requests classified as
    book_appointment, and what the replies (confirmations, answers) become;
  * parse latency per message (median) on the held-out set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence, Tuple

import yaml

from bench.common import write_report
from bench.typos import with_slips
from clinic_core.settings import QUIET_ENV, ROOT
from ops.nlu_data import booking_turns, held_out_examples, medical_speech
from ops.training import ensure_model

WORK = ROOT / "var" / "bench"

BACK_FAMILY = {"back_pain", "lower_back_pain", "upper_back_pain", "sciatica"}
HIP_BACK_CONDITIONS = BACK_FAMILY | {"hip_pain", "hip_arthritis", "hip_bursitis"}
UNRELATED_LABELS = {
    "Acne", "Cough", "Ear ache", "Blurry vision", "Hair falling out", "Skin issue",
    "Stomach ache", "Feeling cold", "Feeling dizzy", "Hard to breath", "Heart hurts",
    "Open wound", "Infected wound", "Emotional pain", "Head ache",
}  # fmt: skip
TARGETS = {
    "cv_macro_f1": 0.90,
    "held_out_accuracy": 0.90,
    "back_pain_routing": 0.90,
    "wrong_hip_back_routing": 0.05,
    "booking_requests": 0.90,
}


def macro_f1(pairs: Iterable[Tuple[str, str]]) -> float:
    """Macro-averaged F1 over the gold labels of (gold, predicted) pairs."""
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    labels = set()
    for gold, predicted in pairs:
        labels.add(gold)
        if gold == predicted:
            tp[gold] += 1
        else:
            fp[predicted] += 1
            fn[gold] += 1
    scores = []
    for label in labels:
        precision = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        recall = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        total = precision + recall
        scores.append(2 * precision * recall / total if total else 0.0)
    return sum(scores) / len(scores)


def parse_all(model: Path, texts: Sequence[str]) -> Tuple[List[str], List[float]]:
    """Top intent and parse time (s) for each text, with the model in-process."""
    results, seconds = _parse(model, texts)
    return [r["intent"]["name"] for r in results], seconds


def parse_results(model: Path, texts: Sequence[str]) -> List[Dict[str, Any]]:
    """The whole parse result of each text, with the model in-process."""
    return _parse(model, texts)[0]


def _parse(model: Path, texts: Sequence[str]) -> Tuple[List[Dict[str, Any]], List[float]]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa logs every parse at debug level: print progress, not megabytes.
    configure_structlog(logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # checkpoint-restore chatter
    agent = Agent.load(str(model))
    results: List[Dict[str, Any]] = []
    seconds: List[float] = []

    async def run() -> None:
        await agent.parse_message("warm up")
        for text in texts:
            started = time.perf_counter()
            result = await agent.parse_message(text)
            seconds.append(time.perf_counter() - started)
            results.append(result)

    asyncio.run(run())
    return results, seconds


def without_broad_parts(config: Path) -> Path:
    """A copy of ``config`` whose red-flag step has no broad parts (in ``WORK``).

    The broad screen and readers learn 38,000 more examples, about 12 more
    minutes in each fold. So the cross-validated figures are of the layer
    without them; the built model's red-flag figures come from
    ``make bench-safety``.
    """
    settings = yaml.safe_load(config.read_text())
    for step in settings.get("pipeline") or []:
        if "broad_parts" in step:
            step["broad_parts"] = False
    copy = WORK / f"{config.stem}-without-broad-parts.yml"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(yaml.safe_dump(settings, sort_keys=False))
    return copy


def cross_validate(config: Path, folds: int = 5) -> Dict[str, float]:
    """Rasa's own k-fold cross-validation on the training data."""
    out = WORK / f"cv-{config.stem}"
    command = [
        sys.executable, "-m", "rasa", "test", "nlu", "--nlu", str(ROOT / "data"),
        "--config", str(config), "--cross-validation", "--folds", str(folds),
        "--out", str(out), "--no-plot",
    ]  # fmt: skip
    log = WORK / f"cv-{config.stem}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as handle:
        subprocess.run(
            command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, check=True,
            env={**os.environ, **QUIET_ENV},
        )  # fmt: skip
    report = json.loads((out / "intent_report.json").read_text())
    return {
        "accuracy": report["accuracy"],
        "macro_f1": report["macro avg"]["f1-score"],
        "confused_pairs": confused_pairs(out / "intent_errors.json"),
    }


def confused_pairs(errors: Path, top: int = 10) -> List[Tuple[str, int]]:
    """The most frequent "gold → predicted" pairs in Rasa's intent_errors.json."""
    pairs = Counter(
        f"{e['intent']} → {e['intent_prediction']['name']}" for e in json.loads(errors.read_text())
    )
    return pairs.most_common(top)


def routing(predictions: Sequence[str], phrases: Sequence[Tuple[str, str]]) -> Dict[str, Any]:
    """Back-pain routing and wrong hip/back routing on medical-speech phrases."""
    back = [
        (p, t) for p, (t, label) in zip(predictions, phrases, strict=True) if label == "Back pain"
    ]
    unrelated = [
        (p, t, label)
        for p, (t, label) in zip(predictions, phrases, strict=True)
        if label in UNRELATED_LABELS
    ]
    wrong = [(t, label, p) for p, t, label in unrelated if p in HIP_BACK_CONDITIONS]
    missed = [(t, p) for p, t in back if p not in BACK_FAMILY]
    by_label: Dict[str, Counter] = defaultdict(Counter)
    for p, (_, label) in zip(predictions, phrases, strict=True):
        by_label[label][p] += 1
    return {
        "back_pain_phrases": len(back),
        "back_pain_routing": 1 - len(missed) / len(back),
        "back_pain_missed": missed,
        "unrelated_phrases": len(unrelated),
        "wrong_hip_back_routing": len(wrong) / len(unrelated),
        "wrongly_routed": wrong,
        "predictions_by_label": {k: dict(v.most_common(4)) for k, v in sorted(by_label.items())},
    }


def booking(predictions: Sequence[str], turns: Sequence[Tuple[str, str]]) -> Dict[str, Any]:
    """Share of SGD booking requests classified as book_appointment."""
    paired = list(zip(predictions, turns, strict=True))
    requests = [(t, p) for p, (t, kind) in paired if kind == "request"]
    replies = Counter(p for p, (_, kind) in paired if kind == "reply")
    missed = [(t, p) for t, p in requests if p != "book_appointment"]
    return {
        "requests": len(requests),
        "request_share": 1 - len(missed) / len(requests),
        "missed_by_intent": dict(Counter(p for _, p in missed).most_common()),
        "missed": missed,
        "replies": sum(replies.values()),
        "replies_by_intent": dict(replies.most_common()),
    }


def evaluate_model(model: Path) -> Dict[str, Any]:
    """Held-out, medical-speech and booking-turn figures for a trained model."""
    held_out = held_out_examples()
    slipped = with_slips(held_out)
    phrases = medical_speech()
    turns = booking_turns()
    texts = [t for t, _ in held_out] + [t for t, _ in phrases] + [t for t, _ in turns]
    predicted, seconds = parse_all(model, texts + [t for t, _ in slipped])
    slipped_predicted = predicted[len(texts) :]
    slipped_pairs = [(g, p) for (_, g), p in zip(slipped, slipped_predicted, strict=True)]
    held_predicted = predicted[: len(held_out)]
    phrase_predicted = predicted[len(held_out) : len(held_out) + len(phrases)]
    turn_predicted = predicted[len(held_out) + len(phrases) : len(texts)]
    held_seconds = seconds[: len(held_out)]
    pairs = [(gold, p) for (_, gold), p in zip(held_out, held_predicted, strict=True)]
    return {
        "held_out": {
            "examples": len(held_out),
            "accuracy": sum(g == p for g, p in pairs) / len(pairs),
            "macro_f1": macro_f1(pairs),
            "errors": [
                (t, g, p) for (t, g), p in zip(held_out, held_predicted, strict=True) if g != p
            ],
        },
        "held_out_with_slips": {
            "accuracy": sum(g == p for g, p in slipped_pairs) / len(slipped_pairs),
            "macro_f1": macro_f1(slipped_pairs),
        },
        "medical_speech": routing(phrase_predicted, phrases),
        "booking_turns": booking(turn_predicted, turns),
        "parse_ms_median": 1000 * statistics.median(held_seconds),
        "parse_ms_p95": 1000 * sorted(held_seconds)[int(0.95 * len(held_seconds))],
    }


def summary_markdown(result: Dict[str, Any]) -> str:
    """A short human-readable report."""
    cv, held, med = result.get("cross_validation"), result["held_out"], result["medical_speech"]
    turns, slips = result["booking_turns"], result["held_out_with_slips"]
    lines = ["# NLU quality", "", "| figure | value | target |", "|---|---|---|"]
    if cv:
        lines.append(f"| 5-fold CV intent accuracy | {cv['accuracy']:.3f} | |")
        lines.append(f"| 5-fold CV macro-F1 | {cv['macro_f1']:.3f} | ≥ {TARGETS['cv_macro_f1']} |")
    lines += [
        f"| held-out accuracy ({held['examples']} examples) | {held['accuracy']:.3f} "
        f"| ≥ {TARGETS['held_out_accuracy']} |",
        f"| held-out macro-F1 | {held['macro_f1']:.3f} | |",
        "| held-out, one typing slip in each message (bench/typos.py): accuracy / macro-F1 "
        f"| {slips['accuracy']:.3f} / {slips['macro_f1']:.3f} | |",
        f"| medical-speech 'Back pain' routed to a back intent ({med['back_pain_phrases']}) "
        f"| {med['back_pain_routing']:.3f} | ≥ {TARGETS['back_pain_routing']} |",
        f"| unrelated complaints routed to hip/back ({med['unrelated_phrases']}) "
        f"| {med['wrong_hip_back_routing']:.3f} | ≤ {TARGETS['wrong_hip_back_routing']} |",
        f"| SGD booking requests classified book_appointment ({turns['requests']}) "
        f"| {turns['request_share']:.3f} | ≥ {TARGETS['booking_requests']} |",
        f"| parse latency median / p95 (ms) | {result['parse_ms_median']:.1f} / "
        f"{result['parse_ms_p95']:.1f} | |",
        "",
        *(
            ["Cross-validation: most confused pairs (gold → predicted, count):"]
            + [f"- {pair}: {count}" for pair, count in cv["confused_pairs"]]
            + [""]
            if cv
            else []
        ),
        "Back-pain phrases not routed to a back intent:",
        *[f"- {t!r} → {p}" for t, p in med["back_pain_missed"]],
        "",
        "Unrelated complaints routed to hip/back:",
        *[f"- {t!r} ({label}) → {p}" for t, label, p in med["wrongly_routed"]],
        "",
        "Held-out errors:",
        *[f"- {t!r}: {g} → {p}" for t, g, p in held["errors"]],
        "",
        f"SGD booking replies ({turns['replies']}, confirmations and answers) by intent: "
        + ", ".join(f"{k} {v}" for k, v in turns["replies_by_intent"].items()),
        "",
        "SGD booking requests not classified book_appointment: "
        + ", ".join(f"{k} {v}" for k, v in turns["missed_by_intent"].items()),
        *[f"- {t!r} → {p}" for t, p in turns["missed"]],
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the benchmark and write the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-cv", action="store_true", help="skip cross-validation")
    parser.add_argument("--model", type=Path, help="evaluate this model instead of training")
    args = parser.parse_args()
    model = args.model or ensure_model()
    print("==> Evaluating on the held-out set and medical-speech phrases", flush=True)
    result: Dict[str, Any] = {"model": model.name, **evaluate_model(model)}
    if not args.skip_cv:
        print("==> 5-fold cross-validation (trains 5 NLU models)", flush=True)
        started = time.monotonic()
        result["cross_validation"] = cross_validate(without_broad_parts(ROOT / "config.yml"))
        result["cross_validation"]["seconds"] = time.monotonic() - started
    write_report("nlu", result, summary_markdown(result), "\n\nBack-pain")


if __name__ == "__main__":
    main()
