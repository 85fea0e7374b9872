"""Questions asked before the booking summary, for requests that carry details.

``python -m bench.booking_requests`` starts the real servers (as the tests do,
with the test clock: Wednesday 25 November 2026, 11:00) and sends each request
in bench/booking_requests.yml as a new patient, then answers whatever the form
asks with a plain answer until the summary appears. It reports, per request, the questions
asked and how many of them asked for something the request already said.
The requests are our own phrasings (none from ../shared/eval).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from bench.common import local_stack
from ops.servers import AssistantStack
from ops.settings import ROOT

REQUESTS_FILE = Path(__file__).resolve().parent / "booking_requests.yml"
# A plain answer to each question (the date question gets its first button, if any).
ANSWERS = {
    "condition": "sciatica",
    "patient_name": "Ann Lee",
    "contact": "07911 123456",
    "patient_type": "first visit",
    "appointment_date": "Monday 7 December",
    "appointment_time": None,  # the first free time offered
    "notes": "nothing to add",
}
QUESTION_RESPONSES = {
    "condition": [
        "utter_ask_condition",
        "utter_ask_reason_in_words",
        "utter_reason_not_understood",
    ],
    "patient_name": ["utter_ask_patient_name"],
    "contact": ["utter_ask_contact"],
    "patient_type": ["utter_ask_patient_type"],
    "appointment_date": ["utter_ask_appointment_date", "utter_nearest_free_days"],
    "appointment_time": ["utter_time_choices", "utter_nearest_free_times"],
    "notes": ["utter_ask_notes", "utter_ask_notes_told"],
}


def booking_requests(path: Path = REQUESTS_FILE) -> List[Tuple[str, Tuple[str, ...]]]:
    """Each request with the details it carries (slot names of appointment_form)."""
    requests = yaml.safe_load(path.read_text(encoding="utf-8"))["requests"]
    return [(str(row["text"]), tuple(row["carries"])) for row in requests]


def question_texts(root: Path) -> Dict[str, List[str]]:
    """The opening words of each question, from the domain."""
    responses = yaml.safe_load((root / "domain.yml").read_text())["responses"]
    return {
        slot: [
            str(responses[name][0]["text"]).split("{")[0][:24]
            for name in names
            if name in responses
        ]
        for slot, names in QUESTION_RESPONSES.items()
    }


def asked_slot(replies: List[Dict[str, Any]], questions: Dict[str, List[str]]) -> Optional[str]:
    """The slot the last question in ``replies`` asks for (None when none)."""
    said = " ".join(r.get("text", "") for r in replies)
    found = [(said.rfind(w), slot) for slot, words in questions.items() for w in words if w in said]
    return max(found)[1] if found else None


def run(stack: AssistantStack, root: Path, max_turns: int = 12) -> Dict[str, Any]:
    """Each request through the stack; the questions asked before the summary."""
    from ops.servers import send_rest

    questions = question_texts(root)
    results = []
    for request, carried in booking_requests():
        sender = f"bench-{uuid.uuid4()}"
        replies = send_rest(stack.rasa_url, sender, request)
        asked: List[str] = []
        outcome = "no summary"
        for _ in range(max_turns):
            if "Please check:" in " ".join(r.get("text", "") for r in replies):
                outcome = "summary"
                break
            slot = asked_slot(replies, questions)
            if slot is None:
                outcome = (
                    "not a form question: " + " ".join(r.get("text", "") for r in replies)[:80]
                )
                break
            asked.append(slot)
            answer = ANSWERS[slot]
            buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
            if slot in ("appointment_date", "appointment_time") and buttons:
                answer = buttons[0]
            replies = send_rest(stack.rasa_url, sender, str(answer))
        repeated = [slot for slot in asked if slot in carried]
        results.append(
            {"request": request, "asked": asked, "asked_again": repeated, "outcome": outcome}
        )
    reached = [r for r in results if r["outcome"] == "summary"]
    return {
        "requests": len(results),
        "reached_summary": len(reached),
        "questions": sum(len(r["asked"]) for r in reached),
        "questions_per_request": round(
            sum(len(r["asked"]) for r in reached) / max(1, len(reached)), 2
        ),
        "asked_again": sum(len(r["asked_again"]) for r in results),
        "results": results,
    }


def main() -> None:
    """Start the servers, measure, print a summary and write the details as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "booking_requests.json"
    )
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    from ops.training import model_path

    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder)
        # One client sends every request: no per-address limit here.
        stack = local_stack(args.model or model_path(), state, {"RATE_LIMIT_ADDRESS_MESSAGES": "0"})
        with stack:
            report = run(stack, ROOT)
    for result in report["results"]:
        counts = f"{len(result['asked'])} asked, {len(result['asked_again'])} again"
        print(f"{counts}, {result['outcome'][:40]}: {result['request'][:70]} -> {result['asked']}")
    print(
        f"{report['reached_summary']}/{report['requests']} reached the summary; "
        f"{report['questions']} questions ({report['questions_per_request']} per request), "
        f"{report['asked_again']} asked for what the request said"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
