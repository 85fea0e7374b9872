"""Emergencies, complaints outside hip and back, and handoff to a person."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_profile import load_profile
from actions.safety import ActionEmergency, ActionHumanHandoff, ActionOtherSymptom
from tests.conftest import make_tracker, render


async def test_emergency_sends_to_emergency_services_without_sales(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker("emergency", "i can't control my bladder and my back is agony")
    events = await ActionEmergency().run(dispatcher, tracker, domain)
    assert events == [SlotSet("emergency_flagged", True)]
    messages = render(dispatcher.messages, domain)
    text = " ".join(m["text"] for m in messages).lower()
    assert f"call {load_profile().emergency.number} now" in text
    assert "book" not in text and "appointment." in text  # "don't wait for an ... appointment."
    assert all(not m["buttons"] for m in messages)


async def test_other_symptom_is_honest_and_offers_a_person(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    events = await ActionOtherSymptom().run(dispatcher, make_tracker("other_symptom"), domain)
    assert events == []
    (message,) = render(dispatcher.messages, domain)
    assert "only covers hip and back pain" in message["text"]
    assert load_profile().phone in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/human_handoff", "/deny"]


@pytest.mark.parametrize(
    ("now", "hours"),
    [("2026-11-25T11:00", "09:00–13:00, 14:00–20:00"), ("2026-11-29T11:00", "closed")],
)
async def test_handoff_gives_contacts_and_flags_conversation(
    now: str,
    hours: str,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLINIC_REFERENCE_NOW", now)
    events = await ActionHumanHandoff().run(dispatcher, make_tracker("human_handoff"), domain)
    assert events == [SlotSet("handoff_requested", True)]
    (message,) = render(dispatcher.messages, domain)
    profile = load_profile()
    # Markdown links: tappable on the website, plain text on SMS (channels/plain_links.py)
    assert f"[{profile.phone}](tel:+442079460123)" in message["text"]
    assert f"[{profile.email}](mailto:{profile.email})" in message["text"]
    assert f"today's opening hours: {hours}" in message["text"]
