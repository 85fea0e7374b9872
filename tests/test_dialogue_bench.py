"""The dialogue benchmark (bench/dialogue.py): its reading of replies, and a smoke run.

The smoke run holds three scripted conversations (one seed each) with the
real servers, started as `make bench-dialogue` starts them, and checks that
each patient reaches their goal. It times nothing: `make bench-dialogue`
measures.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, Iterator

import pytest
import yaml

from bench import dialogue
from ops.servers import AssistantStack

ROOT = dialogue.ROOT
# Scenarios that reach their goal with today's assistant; see the README,
# "Dialogue benchmark", for those that do not yet.
SMOKE = ["step_by_step", "emergency_mid_booking", "reschedule_booking"]


def rendered(template: Dict[str, Any]) -> Dict[str, Any]:
    """A response as the REST channel sends it, every {placeholder} filled."""
    text = re.sub(r"{(\w+)}", lambda m: f"<{m.group(1)} value>", str(template["text"]))
    buttons = [
        {"title": b["title"], "payload": str(b["payload"]).replace("{{", "{").replace("}}", "}")}
        for b in template.get("buttons", [])
    ]
    return {"recipient_id": "rest:patient", "text": text, "buttons": buttons}


def test_every_response_is_recognised_with_its_values() -> None:
    responses = yaml.safe_load(dialogue.DOMAIN.read_text())["responses"]
    known = dialogue.templates()
    for name, variations in responses.items():
        for variation in variations:
            reply = dialogue.recognise(rendered(variation), known)
            assert reply.response == name, (name, reply.response)
            for key, value in reply.values.items():
                assert value == f"<{key} value>", (name, key, value)


def test_free_text_and_other_buttons_are_not_recognised() -> None:
    known = dialogue.templates()
    reply = dialogue.recognise({"text": "Something no response says", "buttons": []}, known)
    assert reply.response == dialogue.UNRECOGNISED


def test_the_responses_and_slots_the_benchmark_names_are_in_the_domain() -> None:
    domain = yaml.safe_load(dialogue.DOMAIN.read_text())
    named = set(dialogue.ASKS) | set(dialogue.GOALS.values()) | dialogue.FALLBACKS
    assert named <= set(domain["responses"])
    assert set(dialogue.ASKS.values()) <= set(domain["slots"])
    for response in dialogue.FORM_REPLIES:
        assert response in domain["responses"]


def test_phrasings_cover_the_clinics_conditions() -> None:
    phrasings = yaml.safe_load(dialogue.PHRASINGS.read_text())
    conditions = yaml.safe_load((ROOT / "clinic" / "conditions.yml").read_text())["conditions"]
    for key in ("conditions", "condition_nouns", "condition_typos", "condition_stories"):
        assert set(phrasings[key]) <= set(conditions), key
        assert set(phrasings[key]) == set(phrasings["conditions"]), key


def test_day_phrases_name_the_day_without_ambiguity() -> None:
    wednesday = dt.date(2026, 11, 25)
    assert "tomorrow" in dialogue.day_phrases(dt.date(2026, 11, 26), wednesday)
    assert "Thursday" in dialogue.day_phrases(dt.date(2026, 11, 26), wednesday)
    later = dialogue.day_phrases(dt.date(2026, 12, 3), wednesday)
    assert "Thursday 3 December" in later and "the 3rd" in later
    assert not any(p.lower() in ("thursday", "this thursday") for p in later)


def test_every_booking_gets_its_own_open_time() -> None:
    diary = dialogue.Diary(dt.date(2026, 11, 25))
    taken = [diary.take() for _ in range(100)] + [diary.take(days_ahead=2) for _ in range(10)]
    assert len(set(taken)) == len(taken)
    assert all(start.weekday() != 6 for start in taken)  # the clinic never opens on Sundays
    assert all(start.date() != dt.date(2026, 12, 25) for start in taken)  # a closure
    assert all((start.date() - dt.date(2026, 11, 25)).days >= 2 for start in taken[100:])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantStack]:
    with dialogue.serve(tmp_path_factory.mktemp("dialogue")) as servers:
        yield servers


@pytest.mark.servers
def test_scripted_patients_reach_their_goals(stack: AssistantStack) -> None:
    scenarios = [dialogue.BY_NAME[name] for name in SMOKE]
    runs = dialogue.run_all(stack.rasa_url, stack.env()["DATABASE_URL"], scenarios, [0])
    for run in runs:
        assert run.reached, (run.scenario, run.failures, run.transcript)
        assert not [f for f in run.failures if f.kind == "error"], run.failures
    table = dialogue.summary(runs)
    assert set(table) == set(SMOKE)
    assert "| step_by_step | book | 1/1 |" in dialogue.markdown(
        {"finished": "now", "machine": "test", "command": "pytest", "seeds": 1,
         "wall_s": 0, "startup_s": 0, "scenarios": table}
    )  # fmt: skip
