"""Practical questions (what to wear, paying, side effects) through the real servers.

``python -m bench.practical`` starts the servers (`make run`'s embedded
profile, the test clock) and sends each question of
bench/practical_questions.yml as the first message of a new conversation.
The questions were written outside the project. It reports, for the 168
asking one of clinic/practical.yml's topics, how many got that topic's
answer, another topic's (the failure that matters most: a confident wrong
answer), the clinic's number ("I can't answer that one here") or something
else; and for the 150 asking something else, how many got a practical
topic's answer they did not ask for.

The questions are split in two halves by position (even and odd): the
matcher's settings (clinic_core/practical.py) were chosen looking at the
first half, so the second is the fairer figure. Common questions are often
worded the same by everyone ("Do you sell gift vouchers?"): a third column
counts only the questions that equal no training example and no phrasing
of clinic/practical.yml. What it does not show: questions asked in the
middle of a booking (the form's rules answer them with the same action), or
a second question in the same message.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Set, Tuple

import yaml

from bench.common import local_stack, write_report
from clinic_core.practical import load_practical_answers
from clinic_core.profile import load_profile
from ops.nlu_data import training_texts
from ops.servers import AssistantStack

QUESTIONS_FILE = Path(__file__).resolve().parent / "practical_questions.yml"
NOT_COVERED_START = "I'm sorry, I can't answer that one here"
# Enough of an answer to know it (its first words hold no placeholder).
ANSWER_PREFIX = 40


def answer_starts() -> Dict[str, str]:
    """The opening words of each topic's answer, as the assistant says it."""
    values = load_profile().answer_values()
    return {
        key: topic.answer.format(**values)[:ANSWER_PREFIX]
        for key, topic in load_practical_answers().topics.items()
    }


def outcome(replies: List[Dict[str, Any]], starts: Dict[str, str]) -> str:
    """A topic's name, "team" (the clinic's number) or "other"."""
    said = " ".join(str(reply.get("text") or "") for reply in replies)
    for key, start in starts.items():
        if start in said:
            return key
    return "team" if NOT_COVERED_START in said else "other"


def _normalised(text: str) -> str:
    """Lower case, with runs of anything but letters and digits as one space."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def known_texts() -> Set[str]:
    """Training examples and the practical file's phrasings, normalised."""
    answers = load_practical_answers()
    phrasings = [p for topic in answers.topics.values() for p in topic.asked_as]
    return {_normalised(t) for t in [*training_texts(), *phrasings, *answers.left_to_the_team]}


def run(stack: AssistantStack) -> Dict[str, Any]:
    """Every question as a new patient's first message; outcomes per half."""
    from ops.servers import send_rest

    data = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
    starts = answer_starts()
    asked: List[Tuple[str, str]] = [
        (topic, text) for topic, texts in data["topics"].items() for text in texts
    ] + [("", text) for text in data["other"]]
    known = known_texts()
    rows = []
    for index, (topic, text) in enumerate(asked):
        replies = send_rest(stack.rasa_url, f"bench-{uuid.uuid4()}", text)
        got = outcome(replies, starts)
        seen = _normalised(text) in known
        rows.append({"text": text, "topic": topic, "got": got, "half": index % 2, "seen": seen})
    report: Dict[str, Any] = {"halves": {}, "rows": rows}
    columns: List[Tuple[str, Callable[[Dict[str, Any]], bool]]] = [
        ("first half (settings chosen on it)", lambda r: r["half"] == 0),
        ("second half", lambda r: r["half"] == 1),
        ("all, worded as no training example", lambda r: not r["seen"]),
    ]
    for name, chosen in columns:
        topical = [r for r in rows if chosen(r) and r["topic"]]
        others = [r for r in rows if chosen(r) and not r["topic"]]
        counts = Counter(
            "right"
            if r["got"] == r["topic"]
            else r["got"]
            if r["got"] in ("team", "other")
            else "wrong topic"
            for r in topical
        )
        report["halves"][name] = {
            "topic questions": len(topical),
            "right answer": counts["right"],
            "another topic's answer": counts["wrong topic"],
            "the clinic's number": counts["team"],
            "another reply": counts["other"],
            "other questions": len(others),
            "other questions given a topic's answer": sum(
                1 for r in others if r["got"] not in ("team", "other")
            ),
        }
    return report


def markdown(report: Dict[str, Any]) -> str:
    """The summary table and the questions that went wrong."""
    lines = ["# Practical questions", "", "| | " + " | ".join(report["halves"]) + " |"]
    lines.append("|---|" + "---|" * len(report["halves"]))
    keys = list(next(iter(report["halves"].values())))
    for key in keys:
        lines.append(
            f"| {key} | " + " | ".join(str(h[key]) for h in report["halves"].values()) + " |"
        )
    lines += ["", "## Wrong or missed", ""]
    for row in report["rows"]:
        handed_on = not row["topic"] and row["got"] in ("team", "other")
        if row["got"] != row["topic"] and not handed_on:
            asked = row["topic"] or "something else"
            lines.append(f"- asked {asked}, got {row['got']}: {row['text']}")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Start the servers, measure, write bench/results/practical.{json,md}."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    from ops.training import model_path

    with tempfile.TemporaryDirectory() as folder:
        # One client sends every question: no per-address limit here.
        stack = local_stack(
            args.model or model_path(), Path(folder), {"RATE_LIMIT_ADDRESS_MESSAGES": "0"}
        )
        with stack:
            report = run(stack)
    write_report("practical", report, markdown(report), "## Wrong or missed")


if __name__ == "__main__":
    main()
