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


BOOKING_TURNS = ROOT.parent / "shared" / "eval" / "sgd-services" / "booking_turns.csv"
# How `make bench-nlu` tells a booking request from a reply in the SGD booking
# turns: a request names what is booked (an appointment, a slot, a visit...),
# or asks to book something other than "it"/"that", or asks to book "it" for a
# day or time. A reply confirms an offer ("Yes, book it.", "Sure, go ahead")
# or answers a question ("Yes, on the 13th at 10:30"): the assistant reads
# those as affirm or inform, which start the booking after its own offer,
# confirm the summary, or answer the form's question.
_BOOKING_NOUN = re.compile(
    r"\b(appoint\w*|appt|booking|reservation|slot|spot|opening|visit|session|consultation)\b", re.I
)
_BOOKING_VERB = re.compile(
    r"\b(book|schedule|reserve|set (?:me )?up|(?:fit|squeeze|slide|pencil|get) me in|"
    r"see (?:a|an|the|that|this|my|someone)\b)(?P<object>\s+(?:it|that|this|them|one)\b)?",
    re.I,
)
_DAY_OR_TIME = re.compile(
    r"\d|\b(today|tonight|tomorrow|(mon|tues|wednes|thurs|fri|satur|sun)day|morning|afternoon|"
    r"evening|noon|o'?clock|january|february|march|april|may|june|july|august|september|"
    r"october|november|december|week|month)\b",
    re.I,
)


def booking_turn_kind(text: str) -> str:
    """Whether one SGD booking turn is a "request" or a "reply" (rules above)."""
    if _BOOKING_NOUN.search(text):
        return "request"
    verbs = list(_BOOKING_VERB.finditer(text))
    if any(not verb.group("object") for verb in verbs):
        return "request"
    if verbs and _DAY_OR_TIME.search(text):
        return "request"
    return "reply"


def booking_turns(path: Path = BOOKING_TURNS) -> List[Tuple[str, str]]:
    """(utterance, kind) for each distinct SGD booking turn, in file order."""
    seen: Set[str] = set()
    turns = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["utterance"].strip()
            if text and text not in seen:
                seen.add(text)
                turns.append((text, booking_turn_kind(text)))
    return turns
