"""Questions asked before the booking summary, for requests that carry details.

``python -m bench.booking_requests`` starts the real servers (as the tests do,
with the test clock: Wednesday 25 November 2026, 11:00) and sends each request
below as a new patient, then answers whatever the form asks with a plain
answer until the summary appears. It reports, per request, the questions
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

from clinic_core.clock import pinned_env
from ops.servers import AssistantStack
from ops.settings import ROOT

# (request, the details it carries: slot names of appointment_form)
REQUESTS: List[Tuple[str, Tuple[str, ...]]] = [
    (
        "Hi, I'm Rita Cole, rita@example.com, can I book a first visit for my sciatica next "
        "Thursday at 4pm?",
        ("condition", "patient_name", "contact", "patient_type", "appointment_date",
         "appointment_time"),
    ),
    ("can I book for this Sunday at 11am?", ("appointment_time",)),
    (
        "can I book a follow-up for Monday at 10am? it's for my lower back",
        ("patient_type", "appointment_date", "appointment_time", "condition"),
    ),
    (
        "I'd like to book a first appointment for hip pain on Friday afternoon",
        ("patient_type", "condition", "appointment_date"),
    ),
    (
        "my name is Dev Patel, could I come in on Tuesday 1 December at 9:30 for my sciatica?",
        ("patient_name", "appointment_date", "appointment_time", "condition"),
    ),
    (
        "book me in for Saturday at 11 please, my number is 07911 123456",
        ("appointment_date", "appointment_time", "contact"),
    ),
    (
        "can I have a follow-up next Wednesday at 3pm? I'm Jo Baxter",
        ("patient_type", "appointment_date", "appointment_time", "patient_name"),
    ),
    (
        "this is Sam Reed, I've been before, can I book Thursday 3 December at 10:30?",
        ("patient_name", "patient_type", "appointment_date", "appointment_time"),
    ),
    (
        "I need an appointment for my trochanteric bursitis, first time, any time Monday",
        ("condition", "patient_type", "appointment_date"),
    ),
    (
        "could I book a session for lower back pain tomorrow at 2pm?",
        ("condition", "appointment_date", "appointment_time"),
    ),
    (
        "hello, I want to book acupuncture for my hip arthritis on the 4th at 11am, email "
        "kim@example.com",
        ("condition", "appointment_date", "appointment_time", "contact"),
    ),
    (
        "please book a first visit on Monday 30 November at 3pm for Lena Ford, 07911 765432",
        ("patient_type", "appointment_date", "appointment_time", "patient_name", "contact"),
    ),
    (
        "can I get an appointment this Friday morning? it's a follow-up for my upper back pain",
        ("appointment_date", "patient_type", "condition"),
    ),
    (
        "I'm Omar Haddad and I'd like to book a consultation for sciatica on Tuesday",
        ("patient_name", "condition", "appointment_date"),
    ),
    (
        "new patient here, can I come on Thursday at 11 about my back pain?",
        ("patient_type", "appointment_date", "appointment_time", "condition"),
    ),
    (
        "book me for the 2nd of December at half past 2, I haven't been before",
        ("appointment_date", "appointment_time", "patient_type"),
    ),
    (
        "can I book for 10am on Saturday? my email is priya.n@example.com and I've been before",
        ("appointment_time", "appointment_date", "contact", "patient_type"),
    ),
    (
        "I'd like an appointment for my sciatica please, I'm a returning patient",
        ("condition", "patient_type"),
    ),
    (
        "can you fit me in on Monday at 4pm for a follow-up? name's Gus Webb",
        ("appointment_date", "appointment_time", "patient_type", "patient_name"),
    ),
    ("can I book for 25 December at 10?", ("appointment_time",)),
    (
        "can I book a first visit for my lower back on Friday 27 November at 9am? call me Bea "
        "Ross, 07911 555123",
        ("patient_type", "condition", "appointment_date", "appointment_time", "patient_name",
         "contact"),
    ),
    (
        "hi, could I book an appointment for hip bursitis next Tuesday at 1pm",
        ("condition", "appointment_date", "appointment_time"),
    ),
    (
        "I'd like to come in for my sciatica on Wednesday 2 December in the afternoon",
        ("condition", "appointment_date"),
    ),
    ("can I book yesterday at 3pm", ("appointment_time",)),
]  # fmt: skip
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
    "condition": ["utter_ask_condition"],
    "patient_name": ["utter_ask_patient_name"],
    "contact": ["utter_ask_contact"],
    "patient_type": ["utter_ask_patient_type"],
    "appointment_date": ["utter_ask_appointment_date", "utter_nearest_free_days"],
    "appointment_time": ["utter_time_choices", "utter_nearest_free_times"],
    "notes": ["utter_ask_notes"],
}
REFERENCE_NOW = "2026-11-25T11:00"


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
    for request, carried in REQUESTS:
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
    from ops.servers import free_port
    from ops.training import model_path

    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder)
        stack = AssistantStack(
            model=args.model or model_path(),
            rasa_port=free_port(),
            action_port=free_port(),
            log_dir=state / "logs",
            env_overrides={
                "TRACKER_STORE_URL": f"sqlite:///{state / 'tracker.db'}",
                "DATABASE_URL": f"sqlite:///{state / 'appointments.db'}",
                **pinned_env(REFERENCE_NOW),
                # One client sends every request: no per-address limit here.
                "RATE_LIMIT_ADDRESS_MESSAGES": "0",
            },
        )
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
