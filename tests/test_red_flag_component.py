"""The safety layer as Rasa's last NLU step: it overrides the classifier's intent."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.nlu.training_data.message import Message

from clinic_core.red_flags import RedFlagDetector
from rasa_extensions.red_flags import RedFlagClassifier


@pytest.fixture
def detector(red_flag_detector: RedFlagDetector) -> RedFlagDetector:
    return red_flag_detector


def component(detector: RedFlagDetector, choice: str = "drop") -> RedFlagClassifier:
    config = {**RedFlagClassifier.get_default_config(), "classifier_emergency": choice}
    return RedFlagClassifier(config, detector)


def classified(text: str, intent: str, confidence: float = 0.9) -> Message:
    """A message as DIET leaves it: its intent, a ranking, an entity."""
    ranking = [{"name": intent, "confidence": confidence}, {"name": "greet", "confidence": 0.05}]
    message = Message(data={"text": text})
    message.set("intent", ranking[0], add_to_output=True)
    message.set("intent_ranking", ranking, add_to_output=True)
    entities: List[Dict[str, Any]] = [{"entity": "body_part", "value": "lower back"}]
    message.set("entities", entities, add_to_output=True)
    return message


def intent_of(message: Message) -> Optional[str]:
    return (message.get("intent") or {}).get("name")


def test_a_red_flag_overrides_the_classifier(detector: RedFlagDetector) -> None:
    message = classified(
        "my lower back is killing me and i can't wee since last night", "back_pain"
    )
    component(detector).process([message])
    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert [i["name"] for i in message.get("intent_ranking")][:2] == ["emergency", "back_pain"]
    assert {"body_part", "red_flag"} == {e["entity"] for e in message.get("entities")}
    (flag,) = [e for e in message.get("entities") if e["entity"] == "red_flag"]
    assert flag["value"] == "cauda_equina"
    assert message.get("text")[flag["start"] : flag["end"]] == "can't wee"
    assert message.get("classifier_intent") == {"name": "back_pain", "confidence": 0.9}
    assert message.get("triage")["level"] == "emergency"


def test_urgent_symptoms_get_their_own_intent(detector: RedFlagDetector) -> None:
    message = classified("back pain and a temperature of 38.9 since yesterday", "back_pain")
    component(detector).process([message])
    assert intent_of(message) == "urgent_symptoms"


def test_routine_messages_and_button_payloads_are_left_alone(detector: RedFlagDetector) -> None:
    routine = classified("how much is a first visit", "ask_price")
    payload = classified("/emergency", "emergency", 1.0)
    component(detector).process([routine, payload])
    assert intent_of(routine) == "ask_price" and intent_of(payload) == "emergency"
    assert routine.get("triage") == {"level": "routine", "concepts": [], "set_aside": []}


@pytest.mark.parametrize(
    ("choice", "expected"),
    [("keep", "emergency"), ("unless_set_aside", "greet"), ("drop", "greet")],
)
def test_a_classifier_alarm_on_a_negated_red_flag_follows_the_setting(
    detector: RedFlagDetector, choice: str, expected: str
) -> None:
    message = classified("no numbness down below at all", "emergency")
    component(detector, choice).process([message])
    assert intent_of(message) == expected


@pytest.mark.parametrize(("choice", "expected"), [("keep", "emergency"), ("drop", "greet")])
def test_a_classifier_alarm_the_safety_layer_has_no_words_for_follows_the_setting(
    detector: RedFlagDetector, choice: str, expected: str
) -> None:
    message = classified("something is badly wrong with me", "emergency")
    component(detector, choice).process([message])
    assert intent_of(message) == expected


def test_the_default_is_the_measured_choice() -> None:
    assert RedFlagClassifier.get_default_config()["classifier_emergency"] == "drop"


def test_an_unknown_setting_is_refused(detector: RedFlagDetector) -> None:
    with pytest.raises(ValueError, match="classifier_emergency"):
        component(detector, "sometimes")
