"""The domain, the rules and the action server agree with each other."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Dict

import yaml
from rasa_sdk.executor import ActionExecutor

from actions.questions import WHY_RESPONSE_PREFIX
from clinic_core import names

ROOT = Path(__file__).resolve().parent.parent
# Rules and stories; data/rules_forms.yml is generated from clinic/form_interruptions.yml.
FLOW_FILES = [*sorted((ROOT / "data").glob("rules*.yml")), ROOT / "data" / "stories.yml"]


def test_every_custom_action_in_the_domain_is_registered(domain: Dict[str, Any]) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    registered = set(executor.actions)
    # An entry is a name, or {name: {send_domain: true}} for actions that need the domain.
    declared = {a if isinstance(a, str) else next(iter(a)) for a in domain["actions"]}
    assert declared <= registered
    assert registered - declared == set(), "registered but not in the domain"


def test_every_intent_has_a_rule_or_story(domain: Dict[str, Any]) -> None:
    used = set()
    for path in FLOW_FILES:
        data = yaml.safe_load(path.read_text())
        for flow in data.get("rules", []) + data.get("stories", []):
            used.update(step["intent"] for step in flow["steps"] if "intent" in step)
    assert set(domain["intents"]) - used == set()


def test_buttons_only_send_known_intents(domain: Dict[str, Any]) -> None:
    for name, variants in domain["responses"].items():
        for variant in variants:
            for button in variant.get("buttons", []):
                if not button["payload"].startswith("/"):
                    continue  # plain text, read by the NLU like typed text
                intent = button["payload"].lstrip("/").split("{")[0]
                assert intent in domain["intents"], f"{name}: {button}"


def test_every_response_is_used_by_a_flow_or_an_action(domain: Dict[str, Any]) -> None:
    """`rasa data validate` only sees rules and stories; actions utter the rest."""
    used_text = "".join(path.read_text() for path in FLOW_FILES)
    used_text += "".join(
        p.read_text()
        for package in ("actions", "clinic_core", "rasa_extensions", "channels")
        for p in (ROOT / package).rglob("*.py")
    )
    asked_by_forms = {
        f"utter_ask_{slot}"
        for form in domain["forms"].values()
        for slot in form["required_slots"] + ["appointment_date", "notes", "patient_type"]
    }
    # action_explain_question utters utter_why_<slot> for the slot a form asks for.
    explained = {f"{WHY_RESPONSE_PREFIX}{slot}" for slot in [*domain["slots"], "general"]}
    unused = [
        name
        for name in domain["responses"]
        if name not in used_text and name not in asked_by_forms | explained
    ]
    assert unused == [], "responses nobody utters"


def test_the_names_code_shares_are_declared_in_the_domain(domain: Dict[str, Any]) -> None:
    """clinic_core/names.py spells slots, intents and actions once; the domain must declare them."""
    assert set(names.SLOTS) <= set(domain["slots"])
    assert set(names.INTENTS) <= set(domain["intents"])
    declared = {a if isinstance(a, str) else next(iter(a)) for a in domain["actions"]}
    assert set(names.ACTIONS) <= declared


def test_actions_that_read_the_domains_responses_are_sent_the_domain(
    domain: Dict[str, Any]
) -> None:
    """Rasa sends the domain only to actions declared with ``send_domain: true``."""

    executor = ActionExecutor()
    executor.register_package("actions")
    sent = {next(iter(a)) for a in domain["actions"] if isinstance(a, dict)}
    reading = {
        name
        for name, run in executor.actions.items()
        # the action's class calls explain_question, which reads utter_why_<slot>
        if "explain_question(" in inspect.getsource(type(run.__self__))
    }
    assert reading and reading <= sent, reading - sent
