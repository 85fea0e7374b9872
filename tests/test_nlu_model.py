"""The trained NLU model on the held-out set and on awkward input.

Accuracy here is a floor that catches regressions; the full quality report
(cross-validation, real patient phrases) is `make bench-nlu`.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml
from rasa.core.agent import Agent

from ops.training import model_path

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = ROOT / "tests" / "nlu_test.yml"
HELD_OUT_ACCURACY_FLOOR = 0.85
CONDITION_INTENTS = {
    "hip_arthritis", "sciatica", "hip_bursitis", "lower_back_pain",
    "upper_back_pain", "hip_pain", "back_pain",
}  # fmt: skip


def held_out_examples() -> List[Tuple[str, str]]:
    data = yaml.safe_load(HELD_OUT.read_text())
    examples = []
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            text = re.sub(r"^\s*-\s*", "", line).strip()
            if text:
                examples.append((text, block["intent"]))
    return examples


@pytest.fixture(scope="module")
def agent() -> Agent:
    path = model_path()
    if not path.exists():
        pytest.fail(f"no model at {path}: run `make test`, which trains it first")
    return Agent.load(str(path))


def parse(agent: Agent, text: str) -> Dict[str, Any]:
    return asyncio.run(agent.parse_message(text))


def test_held_out_set_is_not_in_training_data() -> None:
    training = set()
    for path in (ROOT / "data").glob("nlu*.yml"):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            for line in block.get("examples", "").splitlines():
                plain = re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", line)
                training.add(re.sub(r"^\s*-\s*", "", plain).strip().lower())
    overlap = [text for text, _ in held_out_examples() if text.lower() in training]
    assert overlap == []


def test_held_out_accuracy_floor(agent: Agent) -> None:
    examples = held_out_examples()
    wrong = []
    for text, intent in examples:
        predicted = parse(agent, text)["intent"]["name"]
        if predicted != intent:
            wrong.append((text, intent, predicted))
    accuracy = 1 - len(wrong) / len(examples)
    report = "\n".join(f"  {t!r}: {i} -> {p}" for t, i, p in wrong[:25])
    assert accuracy >= HELD_OUT_ACCURACY_FLOOR, f"accuracy {accuracy:.3f}\n{report}"


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("i was told it's trochanteric bursitis", "condition", "hip_bursitis"),
        ("can acupuncture help sciatica", "condition", "sciatica"),
        ("my lumbar region aches", "body_part", "lower back"),
    ],
)
def test_entities_map_to_canonical_values(agent: Agent, text: str, entity: str, value: str) -> None:
    entities = parse(agent, text)["entities"]
    assert {"entity": entity, "value": value} in [
        {"entity": e["entity"], "value": e["value"]} for e in entities
    ], entities


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😭😭😭", "x" * 10_000, "<script>alert('hi')</script>", "me duele la cadera"],
)
def test_awkward_input_parses_without_error(agent: Agent, text: str) -> None:
    result = parse(agent, text)
    assert "intent" in result


def test_red_flags_are_emergencies_not_conditions(agent: Agent) -> None:
    for text in (
        "i suddenly can't hold my wee and my back is agony",
        "crushing pain in my chest and my left arm feels heavy",
    ):
        assert parse(agent, text)["intent"]["name"] == "emergency", text


def test_unrelated_complaints_are_not_hip_or_back(agent: Agent) -> None:
    for text in ("my ear has been aching since yesterday", "i have a rash on my face"):
        assert parse(agent, text)["intent"]["name"] not in CONDITION_INTENTS, text


def test_no_evaluation_phrase_leaked_into_training_data() -> None:
    """The public medical-speech phrases are for measuring only."""
    phrases = ROOT.parent / "shared" / "eval" / "medical-speech" / "phrases.csv"
    if not phrases.exists():
        pytest.skip("evaluation data not present beside the project")
    import csv

    with phrases.open(newline="") as handle:
        evaluation = {row["phrase"].strip().lower() for row in csv.DictReader(handle)}
    training = set()
    for path in (ROOT / "data").glob("nlu*.yml"):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            for line in block.get("examples", "").splitlines():
                plain = re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", line)
                training.add(re.sub(r"^\s*-\s*", "", plain).strip().lower())
    assert training & evaluation == set()
