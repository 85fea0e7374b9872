"""The alternative measured against the clause step: Rasa's own multi-intent labels.

Rasa 3.6 can learn labels such as ``hip_bursitis+ask_price`` when DIET has
``intent_tokenization_flag: true`` and ``intent_split_symbol: "+"``; each
combination needs its own examples (and, in a dialogue, its own rules). This
builds them from the project's training data: for every pair kind of
tests/multi_intent_set.yml (condition, booking, greeting or thanks, then a
question; two questions), ``--per-label`` examples of one intent joined to
one of the other with ", ", ". " or " and ". It trains an NLU-only model with
the project's pipeline (the clause step's extra options off) into
var/bench/multi_intent/ and measures it with ``bench.multi_intent``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from typing import Dict, List

import yaml

from bench.multi_intent import RESULTS, measure
from ops.settings import QUIET_ENV, ROOT

WORK = ROOT / "var" / "bench" / "multi_intent"
CONDITIONS = [
    "hip_arthritis", "sciatica", "hip_bursitis", "lower_back_pain", "upper_back_pain",
    "hip_pain", "back_pain",
]  # fmt: skip
JOINS = [", ", ". ", " and ", "? "]


def examples_by_intent() -> Dict[str, List[str]]:
    """The project's plain training examples (entity annotations removed) by intent."""
    import re

    found: Dict[str, List[str]] = {}
    for path in sorted((ROOT / "data").glob("nlu*.yml")):
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            if "intent" not in block:
                continue
            lines = [line[2:].strip() for line in block["examples"].splitlines() if line.strip()]
            plain = [
                re.sub(r"\[([^\]]+)\]\{[^}]*\}|\[([^\]]+)\]\([^)]*\)", r"\1\2", x) for x in lines
            ]
            found.setdefault(block["intent"], []).extend(plain)
    return found


def composite_data(per_label: int, seed: int = 7) -> str:
    """NLU YAML with ``a+b`` examples for each pair kind."""
    rng = random.Random(seed)
    examples = examples_by_intent()
    questions = sorted(i for i in examples if i.startswith("ask_"))
    pairs = [(c, q) for c in CONDITIONS for q in questions]
    pairs += [(a, b) for a in questions for b in questions if a != b]
    pairs += [("book_appointment", q) for q in questions] + [
        (q, "book_appointment") for q in questions
    ]
    pairs += [(lead, q) for lead in ("greet", "thank") for q in questions]
    blocks = []
    for first, second in pairs:
        lines = []
        for _ in range(per_label):
            left = rng.choice(examples[first]).rstrip("?.! ")
            right = rng.choice(examples[second])
            lines.append(f"    - {left}{rng.choice(JOINS)}{right}")
        blocks.append(f"- intent: {first}+{second}\n  examples: |\n" + "\n".join(lines))
    return 'version: "3.1"\nnlu:\n' + "\n".join(blocks) + "\n"


def multi_intent_config() -> str:
    """The project's config.yml with Rasa's multi-intent options on DIET."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    for step in config["pipeline"]:
        if step["name"].endswith("DIETClassifier"):
            step["name"] = "rasa_extensions.fast_loading.FastLoadingDIETClassifier"
        if step["name"] == "SpacyTokenizer":
            step["intent_tokenization_flag"] = True
            step["intent_split_symbol"] = "+"
    return yaml.safe_dump(config, sort_keys=False)


def main() -> None:
    """Build, train and measure; write bench/results/multi_intent-rasa.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-label", type=int, default=6)
    args = parser.parse_args()
    data = WORK / "data"
    data.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "data").glob("nlu*.yml"):
        (data / path.name).write_text(path.read_text())
    (data / "lookups.yml").write_text((ROOT / "data" / "lookups.yml").read_text())
    (data / "nlu_composite.yml").write_text(composite_data(args.per_label))
    config = WORK / "config.yml"
    config.write_text(multi_intent_config())
    model = WORK / "models" / "multi-intent.tar.gz"
    command = [
        sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config),
        "--nlu", str(data), "--out", str(model.parent), "--fixed-model-name", "multi-intent",
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, **QUIET_ENV})
    figures = measure(model, multi_intent=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "multi_intent-rasa.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps({k: v for k, v in figures.items() if not k.endswith("misses")}, indent=2))


if __name__ == "__main__":
    main()
