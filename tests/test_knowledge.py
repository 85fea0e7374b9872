"""The condition knowledge and acupuncture answers: real files and broken ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from clinic_core.data_files import ClinicDataError, load_model, parse_model
from clinic_core.knowledge import (
    ACUPUNCTURE_QUESTIONS,
    AcupunctureAnswers,
    ConditionKnowledge,
    load_acupuncture_answers,
    load_conditions,
)

ROOT = Path(__file__).resolve().parent.parent
CONDITION_INTENTS = [
    "hip_arthritis",
    "sciatica",
    "hip_bursitis",
    "lower_back_pain",
    "upper_back_pain",
]


def conditions_yaml() -> dict:
    return yaml.safe_load((ROOT / "clinic" / "conditions.yml").read_text())


def test_every_condition_intent_has_knowledge() -> None:
    knowledge = load_conditions()
    for intent in CONDITION_INTENTS:
        assert knowledge.conditions[intent].specific
    for general in ("hip_pain", "back_pain"):
        assert not knowledge.conditions[general].specific
        assert knowledge.conditions[general].narrowing is not None


def test_points_follow_the_source_article() -> None:
    knowledge = load_conditions()
    lower = " ".join(knowledge.conditions["lower_back_pain"].points).lower()
    for place in ("lower back", "knees", "hip", "foot", "stomach", "hand"):
        assert place in lower
    upper = " ".join(knowledge.conditions["upper_back_pain"].points).lower()
    for place in ("head", "neck", "shoulder", "upper back"):
        assert place in upper


def test_no_text_promises_a_cure() -> None:
    text = (ROOT / "clinic" / "conditions.yml").read_text().lower()
    text += (ROOT / "clinic" / "acupuncture.yml").read_text().lower()
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        assert "will cure" not in line and "guarantee" not in line


def test_disclaimer_says_no_diagnosis() -> None:
    assert "diagnose" in load_conditions().disclaimer


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("sciatica", "sciatica"),
        ("Hip Bursitis", "hip_bursitis"),
        ("hip_arthritis", "hip_arthritis"),
        ("trochanteric bursitis", "hip_bursitis"),
        ("lumbago", "lower_back_pain"),
        ("thoracic back pain", "upper_back_pain"),
        ("a sore knee", None),
        ("", None),
        (None, None),
    ],
)
def test_find_by_key_name_or_alias(name: str | None, key: str | None) -> None:
    assert load_conditions().find(name) == key


def test_every_acupuncture_question_has_an_answer() -> None:
    answers = load_acupuncture_answers().answers
    assert set(ACUPUNCTURE_QUESTIONS.values()) <= set(answers)
    assert "not meant to cause pain" in answers["does_it_hurt"]
    assert "qi" in answers["how_acupuncture_works"]


def broken(mutate) -> str:  # type: ignore[no-untyped-def]
    data = conditions_yaml()
    mutate(data)
    return yaml.safe_dump(data)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["conditions"]["sciatica"].pop("points"), "conditions.sciatica.points"),
        (lambda d: d["conditions"]["sciatica"].update(points=[]), "conditions.sciatica.points"),
        (
            lambda d: d["conditions"]["hip_bursitis"].update(what_it_is="  "),
            "conditions.hip_bursitis.what_it_is",
        ),
        (lambda d: d["conditions"]["hip_pain"].pop("narrowing"), "narrowing is required"),
        (
            lambda d: d["conditions"]["back_pain"]["narrowing"]["options"][0].update(
                condition="kidney_stones"
            ),
            "unknown condition 'kidney_stones'",
        ),
        (lambda d: d["conditions"]["sciatica"].update(famly="back"), "conditions.sciatica.famly"),
        (lambda d: d["conditions"]["sciatica"].update(family="knee"), "conditions.sciatica.family"),
        (lambda d: d.pop("disclaimer"), "disclaimer"),
        (lambda d: d.update(conditions={}), "at least one condition"),
    ],
)
def test_malformed_knowledge_names_the_field(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClinicDataError) as error:
        parse_model(broken(mutate), ConditionKnowledge, source="conditions.yml")
    assert message in str(error.value)
    assert str(error.value).startswith("conditions.yml: ")


def test_invalid_yaml_and_wrong_shape() -> None:
    with pytest.raises(ClinicDataError, match="not valid YAML"):
        parse_model("conditions: [unclosed", ConditionKnowledge)
    with pytest.raises(ClinicDataError, match="mapping at the top level"):
        parse_model("- just\n- a list\n", ConditionKnowledge)


def test_missing_answer_is_named() -> None:
    text = "version: 1\nanswers:\n  what_is_acupuncture: A therapy.\n"
    with pytest.raises(ClinicDataError, match="missing answers: does_it_hurt"):
        parse_model(text, AcupunctureAnswers)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ClinicDataError, match="file not found"):
        load_model(tmp_path / "conditions.yml", ConditionKnowledge)


def test_edits_are_picked_up_without_restart(tmp_path: Path) -> None:
    path = tmp_path / "acupuncture.yml"
    answers = dict.fromkeys(ACUPUNCTURE_QUESTIONS.values(), "First wording.")
    path.write_text(yaml.safe_dump({"version": 1, "answers": answers}))
    assert load_model(path, AcupunctureAnswers).answers["does_it_hurt"] == "First wording."
    answers["does_it_hurt"] = "Second wording."
    path.write_text(yaml.safe_dump({"version": 1, "answers": answers}))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_model(path, AcupunctureAnswers).answers["does_it_hurt"] == "Second wording."
