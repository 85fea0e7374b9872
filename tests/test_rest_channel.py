"""End-to-end through the REST channel against the real servers.

Starts the action server and the Rasa server (the same way `make run` does)
on free loopback ports with a temporary SQLite tracker store, then talks to
them like a patient's client would.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from ops.servers import AssistantStack, free_port, send_rest
from ops.training import model_path

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantStack]:
    model = model_path()
    if not model.exists():
        pytest.fail(f"no model at {model}: run `make test`, which trains it first")
    folder = tmp_path_factory.mktemp("servers")
    servers = AssistantStack(
        model=model,
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=folder / "logs",
        env_overrides={
            "TRACKER_STORE_URL": f"sqlite:///{folder / 'tracker.db'}",
            "CLINIC_REFERENCE_NOW": "2026-11-25T11:00",
        },
    )
    with servers:
        yield servers


def say(stack: AssistantStack, sender: str, text: str) -> List[Dict[str, Any]]:
    replies = send_rest(stack.rasa_url, sender, text)
    assert isinstance(replies, list)
    return replies


def texts(replies: List[Dict[str, Any]]) -> str:
    return " ".join(r.get("text", "") for r in replies)


def test_hip_pain_conversation_with_buttons(stack: AssistantStack) -> None:
    patient = f"patient-{uuid.uuid4()}"
    greeting = say(stack, patient, "hello")
    assert "can't diagnose" in texts(greeting)
    assert greeting[-1]["buttons"]

    narrowing = say(stack, patient, "my hip hurts")
    assert len(narrowing[-1]["buttons"]) == 4
    bursitis = next(b for b in narrowing[-1]["buttons"] if "kneeling" in b["title"])

    explanation = say(stack, patient, bursitis["payload"])
    assert "Hip bursitis" in texts(explanation)
    assert "{" not in texts(explanation)  # every template variable was filled
    assert explanation[-1]["buttons"][0]["payload"] == "/affirm"

    booking = say(stack, patient, "yes please")
    assert "+44 20 7946 0123" in texts(booking)


def test_emergency_reply_has_no_booking_offer(stack: AssistantStack) -> None:
    replies = say(
        stack, f"patient-{uuid.uuid4()}", "i've lost control of my bladder and my legs are numb"
    )
    assert "999" in texts(replies)
    assert not any(r.get("buttons") for r in replies)
    assert "book" not in texts(replies).lower()


@pytest.mark.parametrize(
    "awkward",
    [
        "",
        "   ",
        "😭😭😭🙏",
        "x" * 10_000,
        "pain " * 2_000,
        "<script>alert('hi')</script>",
        "<b>my back</b> <img src=x onerror=alert(1)>",
        "Robert'); DROP TABLE events;--",
        "me duele mucho la espalda",
        "腰が痛いです",
        "/not_an_intent",
        '/inform{"condition": ',
    ],
)
def test_bad_input_gets_a_reply_and_the_conversation_goes_on(
    stack: AssistantStack, awkward: str
) -> None:
    patient = f"patient-{uuid.uuid4()}"
    say(stack, patient, "hi")
    replies = say(stack, patient, awkward)
    assert replies, "no reply at all"
    for reply in replies:
        assert "<script>" not in reply.get("text", "")
    follow_up = say(stack, patient, "what are your opening hours")
    assert "Monday" in texts(follow_up)


def test_conversation_is_stored_in_the_sql_tracker_store(stack: AssistantStack) -> None:
    patient = f"patient-{uuid.uuid4()}"
    say(stack, patient, "can i talk to a real person please")
    database = Path(stack.env()["TRACKER_STORE_URL"][len("sqlite:///") :])
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ?", (patient,)
        ).fetchall()
    kinds = [kind for kind, _ in rows]
    assert "user" in kinds and "bot" in kinds
    slots = [json.loads(data) for kind, data in rows if kind == "slot"]
    assert {"name": "handoff_requested", "value": True} in [
        {"name": s["name"], "value": s["value"]} for s in slots
    ]


def test_malformed_request_body_is_a_client_error(stack: AssistantStack) -> None:
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert 400 <= error.value.code < 500
