"""Explaining conditions and narrowing down general hip or back pain."""

from __future__ import annotations

from typing import Any, Dict

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conditions import ActionExplainCondition, ActionNarrowPain
from actions.knowledge import load_conditions
from tests.conftest import entity, load_tracker, make_tracker, render


async def test_explains_condition_from_intent(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker("sciatica", "pain shooting down the back of my leg")
    events = await ActionExplainCondition().run(dispatcher, tracker, domain)
    assert events == [SlotSet("condition", "sciatica")]
    messages = render(dispatcher.messages, domain)
    assert len(messages) == 3
    text = " ".join(m["text"] for m in messages)
    knowledge = load_conditions().conditions["sciatica"]
    assert knowledge.what_it_is in text and knowledge.how_acupuncture_helps in text
    assert "can't diagnose" in messages[-1]["text"]
    assert [b["payload"] for b in messages[-1]["buttons"]][:2] == ["/affirm", "/deny"]


async def test_explains_lower_back_points(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    await ActionExplainCondition().run(dispatcher, make_tracker("lower_back_pain"), domain)
    treatment = render(dispatcher.messages, domain)[1]["text"]
    assert "points at the back of the knees" in treatment and "hand points" in treatment


async def test_explains_condition_from_entity_alias(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker(
        "inform", "trochanteric bursitis", [entity("condition", "trochanteric bursitis")]
    )
    events = await ActionExplainCondition().run(dispatcher, tracker, domain)
    assert events == [SlotSet("condition", "hip_bursitis")]


async def test_explains_condition_from_slot_when_message_has_none(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker("affirm", "yes", slots={"condition": "upper_back_pain"})
    events = await ActionExplainCondition().run(dispatcher, tracker, domain)
    assert events == [SlotSet("condition", "upper_back_pain")]
    assert "Upper back pain" in render(dispatcher.messages, domain)[0]["text"]


async def test_asks_which_condition_when_unknown(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    events = await ActionExplainCondition().run(dispatcher, make_tracker("affirm"), domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_which_condition"]


async def test_not_sure_explains_general_pain(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker("inform", "/inform", [entity("condition", "hip_pain")])
    events = await ActionExplainCondition().run(dispatcher, tracker, domain)
    assert events == [SlotSet("condition", "hip_pain")]
    assert "many possible sources" in render(dispatcher.messages, domain)[0]["text"]


async def test_narrowing_hip_pain_offers_buttons(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    events = await ActionNarrowPain().run(
        dispatcher, make_tracker("hip_pain", "my hip hurts"), domain
    )
    assert events == [SlotSet("condition", "hip_pain")]
    (message,) = render(dispatcher.messages, domain)
    assert message["text"] == load_conditions().conditions["hip_pain"].narrowing.question  # type: ignore[union-attr]
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == [
        '/inform{"condition": "hip_arthritis"}',
        '/inform{"condition": "hip_bursitis"}',
        '/inform{"condition": "sciatica"}',
        '/inform{"condition": "hip_pain"}',
    ]


async def test_narrowing_back_pain_asks_upper_or_lower(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    await ActionNarrowPain().run(dispatcher, make_tracker("back_pain", "bad back"), domain)
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert "Lower back" in titles and any("Upper back" in t for t in titles)


async def test_narrowing_skipped_when_patient_named_the_condition(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker(
        "hip_pain", "my hip hurts, i think it's bursitis", [entity("condition", "hip_bursitis")]
    )
    events = await ActionNarrowPain().run(dispatcher, tracker, domain)
    assert events == [SlotSet("condition", "hip_bursitis")]
    assert dispatcher.messages[0]["response"] == "utter_condition_overview"


async def test_snapshot_of_a_real_conversation(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """A tracker as the Rasa server sends it after 'hip hurts' and a button."""
    tracker = load_tracker("narrowed_to_bursitis")
    events = await ActionExplainCondition().run(dispatcher, tracker, domain)
    assert events == [SlotSet("condition", "hip_bursitis")]
