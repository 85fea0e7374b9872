"""Read NLU examples: the training data, the held-out set, the public evaluation phrases."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import List, Set, Tuple

import yaml

from clinic_core.settings import ROOT

HELD_OUT = ROOT / "tests" / "nlu_test.yml"
MEDICAL_SPEECH = ROOT.parent / "shared" / "eval" / "medical-speech" / "phrases.csv"
_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
_BULLET = re.compile(r"^\s*-\s*")


def examples(path: Path) -> List[Tuple[str, str]]:
    """(plain text, intent) pairs of a Rasa NLU file, entity annotations removed."""
    pairs = []
    for block in yaml.safe_load(path.read_text())["nlu"]:
        if "intent" not in block:
            continue  # lookup tables and synonyms
        for line in block["examples"].splitlines():
            text = _BULLET.sub("", _ANNOTATION.sub(r"\1", line)).strip()
            if text:
                pairs.append((text, block["intent"]))
    return pairs


def held_out_examples(path: Path = HELD_OUT) -> List[Tuple[str, str]]:
    """(text, intent) pairs of the held-out set."""
    return examples(path)


def training_texts(data_dir: Path = ROOT / "data") -> Set[str]:
    """Every training example, lower-cased, without annotations."""
    return {text.lower() for path in data_dir.glob("nlu*.yml") for text, _ in examples(path)}


def medical_speech(path: Path = MEDICAL_SPEECH) -> List[Tuple[str, str]]:
    """(phrase, label) pairs of the public medical-speech set."""
    with path.open(newline="") as handle:
        return [(row["phrase"], row["label"]) for row in csv.DictReader(handle)]
