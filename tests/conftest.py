"""Shared fixtures: the real domain, trackers built like Rasa builds them."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, settings
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from clinic_core.red_flags import RedFlagDetector, load_red_flags
from clinic_core.store import NewAppointment
from ops.settings import SPACY_PIPELINE_DIR

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEMPLATE_VARIABLE = re.compile(r"{([a-z_]+)}")
FIRST_OF_DECEMBER_AT_TEN = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))

# Property-based tests (tests/test_properties_*.py). "ci", the default, is
# reproducible (the same examples on every run, no example database written to
# the checkout) and small enough for the whole set to run in well under a
# minute on two slow cores. HYPOTHESIS_PROFILE=thorough searches far harder
# with fresh random examples each run: use it after changing a parser.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    derandomize=False,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The project's domain.yml as a dict (what the action server receives)."""
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.fixture(scope="session")
def red_flag_detector() -> RedFlagDetector:
    """The safety layer's detector, built once (a few seconds) for every suite."""
    return RedFlagDetector(load_red_flags(), SPACY_PIPELINE_DIR)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """A dispatcher that collects messages."""
    return CollectingDispatcher()


def make_tracker(
    intent: Optional[str] = None,
    text: str = "",
    entities: Iterable[Dict[str, Any]] = (),
    slots: Optional[Dict[str, Any]] = None,
    sender_id: str = "test-patient",
) -> Tracker:
    """A tracker whose latest message has ``intent`` and ``entities``."""
    latest_message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.98} if intent else {},
        "entities": list(entities),
    }
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest_message,
        events=[{"event": "user", "text": text, "parse_data": latest_message}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def load_tracker(name: str) -> Tracker:
    """A tracker snapshot stored as JSON under tests/fixtures/."""
    state = json.loads((FIXTURES / f"{name}.json").read_text())
    return Tracker.from_dict(state)


def entity(name: str, value: str) -> Dict[str, Any]:
    """An entity as the NLU pipeline reports it."""
    return {"entity": name, "value": value, "start": 0, "end": len(value)}


def render(messages: List[Dict[str, Any]], domain: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Fill each dispatched response template the way Rasa's generator does.

    Fails the test when a response is missing from the domain or a template
    variable is not supplied, which would show raw ``{braces}`` to a patient.
    """
    rendered = []
    for message in messages:
        name = message.get("response")
        if not name:
            rendered.append({"text": message.get("text"), "buttons": message.get("buttons", [])})
            continue
        assert name in domain["responses"], f"{name} is not in domain.yml"
        template = domain["responses"][name][0]
        values = {**message, **message.get("kwargs", {})}
        missing = set(TEMPLATE_VARIABLE.findall(template["text"])) - set(values)
        assert not missing, f"{name}: no value for {sorted(missing)}"
        text = TEMPLATE_VARIABLE.sub(lambda m, v=values: str(v[m.group(1)]), template["text"])
        rendered.append({"text": text, "buttons": template.get("buttons", [])})
    return rendered


def new_appointment(
    start: dt.datetime = FIRST_OF_DECEMBER_AT_TEN, minutes: int = 45, **changes: object
) -> NewAppointment:
    """An appointment request as the booking form would make it."""
    values = dict(
        starts_at=start,
        minutes=minutes,
        grid_minutes=15,
        appointment_type="new_patient",
        reason="sciatica",
        patient_name="Ann Lee",
        phone="+447911123456",
        email=None,
        patient_type="new",
        notes=None,
        conversation_id="conversation-1",
    )
    values.update(changes)
    return NewAppointment(**values)  # type: ignore[arg-type]
