"""The JSON API: bearer tokens, appointments, conversations."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from staff_console.auth import Tokens
from staff_console.db import console_engine
from tests.helpers.console import Client, Console, Response

pytestmark = pytest.mark.servers


def api(console: Console, path: str, token: str = "") -> Response:
    headers: Dict[str, Any] = {"Authorization": f"Bearer {token or console.token}"}
    return Client(console.url).get(path, headers=headers)


def test_a_wrong_or_revoked_token_is_refused(console: Console) -> None:
    assert api(console, "/api/appointments", "sc_wrong").status == 401
    assert (
        Client(console.url)
        .get("/api/appointments", headers={"Authorization": f"Basic {console.token}"})
        .status
        == 401
    )
    tokens = Tokens(console_engine(console.settings.console_database_url), console.settings.utc_now)
    temporary = tokens.create("temporary")
    assert api(console, "/api/appointments", temporary).status == 200
    tokens.revoke("temporary")
    assert api(console, "/api/appointments", temporary).status == 401


def test_appointments(console: Console) -> None:
    body = api(console, "/api/appointments").json()
    assert body["from"] == "2026-12-01" and body["to"] == "2026-12-07"
    assert body["timezone"] == "Europe/London"
    names = [a["patient_name"] for a in body["appointments"]]
    assert names[:2] == ["Ann Lee", "Bob Stone"]
    ann = body["appointments"][0]
    assert (
        ann["starts_at"] == "2026-12-01T10:00:00+00:00"
        and ann["conversation_id"] == "patient-booked"
    )
    assert ann["notes"] is None  # raw values in JSON: no spreadsheet quoting
    cancelled = api(console, "/api/appointments?from=2026-12-02&to=2026-12-02&status=cancelled")
    assert [a["patient_name"] for a in cancelled.json()["appointments"]] == ["Cara Diaz"]
    assert api(console, "/api/appointments?from=soon").status == 400
    assert api(console, "/api/appointments?status=lost").status == 400


def test_conversations(console: Console) -> None:
    body = api(console, "/api/conversations?page_size=10").json()
    assert body["total"] == 39 and body["pages"] == 4 and len(body["conversations"]) == 10
    first = body["conversations"][0]
    assert first["id"] == "patient-emergency" and first["emergency"] is True
    assert first["first_message"].startswith("I've lost control")
    handoffs = api(console, "/api/conversations?handoff=1").json()["conversations"]
    assert [c["id"] for c in handoffs] == ["whatsapp:+447700900123"]
    assert handoffs[0]["booked"] and handoffs[0]["handoff"] is True
    assert api(console, "/api/conversations?page_size=1000").status == 400
    assert api(console, "/api/conversations?booked=perhaps").json()["details"]


def test_one_conversation(console: Console) -> None:
    body = api(console, "/api/conversations/patient-booked").json()
    assert body["condition"] == "hip_bursitis"
    user_turns = [t for t in body["turns"] if t["kind"] == "user"]
    assert user_turns[1] == {
        "kind": "user",
        "at": user_turns[1]["at"],
        "text": "my hip hurts when I kneel",
        "intent": "hip_pain",
        "confidence": 0.88,
        "entities": [{"entity": "body_part", "value": "hip"}],
        "low_confidence": False,
        "flag": None,
    }
    bot_turn = next(t for t in body["turns"] if t["kind"] == "bot")
    assert bot_turn["buttons"][0] == {"title": "My hip hurts", "payload": "/hip_pain"}
    assert [a["patient_name"] for a in body["appointments"]] == ["Ann Lee"]
    quoted = api(console, "/api/conversations/whatsapp%3A%2B447700900123").json()
    assert quoted["id"] == "whatsapp:+447700900123" and quoted["handoff"] is True
    assert api(console, "/api/conversations/nobody").status == 404


def test_api_answers_are_not_cached(console: Console) -> None:
    response = api(console, "/api/conversations")
    assert response.header("cache-control") == "no-store"
    assert response.header("content-type").startswith("application/json")
