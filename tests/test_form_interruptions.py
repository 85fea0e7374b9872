"""The intents that interrupt a booking form are declared once, and the rules follow it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Set

import pytest
import yaml

from actions.booking.interruptions import FormInterruptions, load_interruptions
from clinic_core.data_files import ClinicDataError, parse_model
from clinic_core.red_flags import load_red_flags
from ops.form_rules import RULES_PATH, main, rules_yaml

ROOT = Path(__file__).resolve().parent.parent
RASA_DEFAULT_INTENTS = {"nlu_fallback"}


def test_the_generated_rules_are_current() -> None:
    """data/rules_forms.yml is exactly what `python -m ops.form_rules` writes."""
    assert RULES_PATH.read_text(encoding="utf-8") == rules_yaml(load_interruptions())
    assert main(["--check"]) == 0


def test_no_other_rule_handles_an_intent_during_a_form() -> None:
    """Hand-written rules must not add or contradict what the declaration says."""
    declaration = load_interruptions()
    for path in sorted((ROOT / "data").glob("rules*.yml")):
        if path == RULES_PATH:
            continue
        for rule in yaml.safe_load(path.read_text())["rules"]:
            loops = {c.get("active_loop") for c in rule.get("condition", [])}
            intents = [step["intent"] for step in rule["steps"] if "intent" in step]
            assert not (loops & set(declaration.forms) and intents), f"{path.name}: {rule['rule']}"


def test_every_declared_intent_and_reply_is_in_the_domain(domain: Dict[str, Any]) -> None:
    declaration = load_interruptions()
    actions = {a if isinstance(a, str) else next(iter(a)) for a in domain["actions"]}
    replies = actions | set(domain["responses"]) | {"action_deactivate_loop"}
    for intent, reply, _ in declaration.entries():
        assert intent in set(domain["intents"]) | RASA_DEFAULT_INTENTS, intent
        assert reply in replies, reply
    assert set(declaration.forms) == set(domain["forms"])


def test_the_red_flag_intents_are_the_safety_layers() -> None:
    """What always beats an answer is what clinic/red_flags.yml can set."""
    declaration = load_interruptions()
    assert declaration.red_flags() == set(load_red_flags().intent_levels())
    assert all(
        group.then == "end" for group in declaration.groups.values() if group.overrides == "always"
    )


def test_the_rules_cover_each_form_and_intent() -> None:
    declaration = load_interruptions()
    rules = yaml.safe_load(RULES_PATH.read_text())["rules"]
    covered: Set[tuple] = set()
    for rule in rules:
        (condition,) = rule["condition"]
        covered.add((condition["active_loop"], rule["steps"][0]["intent"]))
    wanted = {
        (form, intent) for form in declaration.forms for intent, _, _ in declaration.entries()
    }
    assert covered == wanted
    # reschedule_appointment drifted out of the validators' old list: now it cannot.
    assert "reschedule_appointment" in declaration.interrupting()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("then: resume", "then: later"),
        ("overrides: never", "overrides: sometimes"),
    ],
)
def test_a_mistake_in_the_declaration_names_the_field(change: str, says: str) -> None:
    text = (ROOT / "clinic" / "form_interruptions.yml").read_text().replace(change, says, 1)
    with pytest.raises(ClinicDataError, match="groups"):
        parse_model(text, FormInterruptions)


def test_an_intent_in_two_groups_is_refused() -> None:
    text = (ROOT / "clinic" / "form_interruptions.yml").read_text()
    text = text.replace(
        "greet: utter_not_an_answer", "greet: utter_not_an_answer\n      deny: x", 1
    )
    with pytest.raises(ClinicDataError, match="deny is in both"):
        parse_model(text, FormInterruptions)
