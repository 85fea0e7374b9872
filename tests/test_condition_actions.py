"""Explaining conditions and narrowing down general hip or back pain."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Tuple

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conditions import (
    ActionExplainCondition,
    ActionNarrowPain,
    asks_or_objects,
    reason_for_booking,
)
from clinic_core.knowledge import load_conditions
from tests.helpers.responses import render
from tests.helpers.trackers import entity, load_tracker, make_tracker


def _conversation(*texts: str, condition: str, intent: str = "", session: bool = False) -> Tracker:
    """The patient's messages; after the first, the condition was set and explained."""
    events: List[Dict[str, Any]] = [{"event": "session_started"}] if session else []
    for number, text in enumerate(texts):
        events.append({"event": "user", "text": text, "parse_data": {"text": text}})
        if number == 0:
            events.append({"event": "slot", "name": "condition", "value": condition})
            events.append(
                {"event": "bot", "metadata": {"utter_action": "utter_condition_overview"}}
            )
    latest = {"text": texts[-1], "intent": {"name": intent, "confidence": 0.9}}
    return Tracker("p", {"condition": condition}, latest, events, False, None, {}, "")


async def test_explains_condition_from_intent_in_a_few_sentences_with_more_behind_buttons(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker("sciatica", "my sciatica is shooting down the back of my leg")
    events = await ActionExplainCondition().run(dispatcher, tracker, domain)
    assert events == [SlotSet("condition", "sciatica")]
    (message,) = render(dispatcher.messages, domain)  # one reply, not a wall of text
    knowledge = load_conditions().conditions["sciatica"]
    assert message["text"].startswith(f"About sciatica: {knowledge.what_it_is}")
    assert knowledge.how_acupuncture_helps not in message["text"]
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("How can acupuncture help?", "/ask_effectiveness"),
        ("Which points are used?", "/ask_treatment_points"),
        ("Book", "/book_appointment"),
    ]


async def test_every_condition_leads_with_at_most_three_sentences(domain: Dict[str, Any]) -> None:
    for key in load_conditions().conditions:
        dispatcher = CollectingDispatcher()
        await ActionExplainCondition().run(dispatcher, make_tracker(key), domain)
        (message,) = render(dispatcher.messages, domain)
        sentences = re.findall(r"[.?!](?:\s|$)", message["text"])
        assert len(sentences) <= 3, (key, message["text"])
        assert len(message["text"].split()) <= 60, (key, message["text"])


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


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        # Audit 18: "Where is your back pain?" after the patient had said where.
        ("I have a stiff lower back, no numbness, legs are fine. Is acupuncture suitable?",
         "lower_back_pain"),
        ("aching right between my shoulder blades from the desk", "upper_back_pain"),
    ],
)  # fmt: skip
async def test_narrowing_skipped_when_patient_said_where_it_hurts(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], text: str, condition: str
) -> None:
    events = await ActionNarrowPain().run(dispatcher, make_tracker("back_pain", text), domain)
    assert events == [SlotSet("condition", condition)]
    assert dispatcher.messages[0]["response"] == "utter_condition_overview"


async def test_snapshot_of_a_real_conversation(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """A tracker as the Rasa server sends it after 'hip hurts' and a button."""
    tracker = load_tracker("narrowed_to_bursitis")
    events = await ActionExplainCondition().run(dispatcher, tracker, domain)
    assert events == [SlotSet("condition", "hip_bursitis")]


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("hip_arthritis", "Will acupuncture cure my hip arthritis?"),
        ("sciatica", "does it help the leg pain you get with sciatica"),
        ("lower_back_pain", "my lower back has been bad for years, is acupuncture worth it?"),
        # audit 13: "do anything for" asks the same
        (
            "hip_arthritis",
            "my hip is stiff and grinding, wear and tear. could needles do anything for that?",
        ),
    ],
)
async def test_asked_whether_it_helps_the_answer_is_how_it_helps_and_no_cure_promised(
    domain: Dict[str, Any], intent: str, text: str
) -> None:
    """Found by an outside audit: "Will it cure my hip arthritis?" got what arthritis is."""
    dispatcher = CollectingDispatcher()
    events = await ActionExplainCondition().run(dispatcher, make_tracker(intent, text), domain)
    assert events == [SlotSet("condition", intent)]
    (message,) = render(dispatcher.messages, domain)
    knowledge = load_conditions()
    assert message["text"].startswith(knowledge.conditions[intent].how_acupuncture_helps)
    assert "no one can promise a cure" in message["text"]


@pytest.mark.parametrize(
    ("intent", "words"), [("sciatica", "call 999"), ("hip_bursitis", "go to A&E or call 999")]
)
async def test_signs_that_can_be_a_red_flag_come_with_when_to_get_help(
    domain: Dict[str, Any], intent: str, words: str
) -> None:
    """Found by an eighth outside audit: "weakness in the legs" listed as a common sign, bare."""
    dispatcher = CollectingDispatcher()
    text = "does acupuncture work for it?"
    await ActionExplainCondition().run(dispatcher, make_tracker(intent, text), domain)
    (message,) = render(dispatcher.messages, domain)
    assert "Common signs" in message["text"] and words in message["text"]


async def test_a_description_without_a_question_gets_what_the_condition_is(
    domain: Dict[str, Any],
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionExplainCondition().run(
        dispatcher,
        make_tracker("sciatica", "the sciatica helps me know when to rest, it shoots down my leg"),
        domain,
    )
    assert render(dispatcher.messages, domain)[0]["text"].startswith("About sciatica:")


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("hip_arthritis", "my hip clicks and aches when I go up stairs"),
        ("hip_bursitis", "it hurts on the outside of my hip when I lie on that side"),
        ("sciatica", "pain shooting down the back of my leg"),
        ("hip_arthritis", '/inform{"condition": "hip_arthritis"}'),  # a narrowing button
    ],
)
async def test_a_diagnosis_the_patient_did_not_name_is_never_said_back_as_theirs(
    intent: str, text: str, domain: Dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionExplainCondition().run(dispatcher, make_tracker(intent, text), domain)
    assert events == [SlotSet("condition", intent)]  # its information stays one tap away
    (message,) = render(dispatcher.messages, domain)
    name = load_conditions().conditions[intent].name.lower()
    assert not message["text"].startswith("About")
    assert message["text"].startswith("Only an examination can tell")
    assert f"among the signs of {name}" in message["text"]


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("sciatica", "burning pain from my buttock down the back of my leg. is it sciatica?"),
        ("hip_bursitis", "sore on the outside of my hip at night, could it be bursitis?"),
    ],
)
async def test_asked_which_it_is_it_says_it_cannot_tell_then_gives_general_information(
    intent: str, text: str, domain: Dict[str, Any]
) -> None:
    """Found by a seventh outside audit: "is it sciatica?" got "among the signs of sciatica"."""
    dispatcher = CollectingDispatcher()
    events = await ActionExplainCondition().run(dispatcher, make_tracker(intent, text), domain)
    assert events == [SlotSet("condition", intent)]
    first, second = render(dispatcher.messages, domain)
    assert first["text"].startswith("I can't tell you which it is")
    assert second["text"].startswith("About ")
    assert "among the signs" not in second["text"]


@pytest.mark.parametrize(
    "text",
    [
        "my arthritic hip is bad on the stairs",
        "osteoarthritis in both hips",
        "I've had sciatia for years",  # one slip
        "the bursits is back",
        "wear and tear, the GP said",
    ],
)
async def test_a_condition_the_patient_named_is_explained_as_such(
    text: str, domain: Dict[str, Any]
) -> None:
    knowledge = load_conditions()
    key = next(k for k, c in knowledge.conditions.items() if c.is_diagnosis and c.named_in(text))
    dispatcher = CollectingDispatcher()
    await ActionExplainCondition().run(dispatcher, make_tracker(key, text), domain)
    assert render(dispatcher.messages, domain)[0]["text"].startswith("About ")


@pytest.mark.parametrize(
    "text",
    [
        "I never said arthritis?? nobody's told me that",
        "is that what I have then? arthritis?",
        "so I've got arthritis?",
        "who said anything about arthritis",
    ],
)
async def test_asked_again_whether_it_is_theirs_it_says_it_cannot_tell_and_does_not_repeat(
    text: str, domain: Dict[str, Any]
) -> None:
    tracker = _conversation(
        "my hip clicks on the stairs", text, condition="hip_arthritis", intent="hip_arthritis"
    )
    dispatcher = CollectingDispatcher()
    events = await ActionExplainCondition().run(dispatcher, tracker, domain)
    assert events == []
    (message,) = render(dispatcher.messages, domain)
    assert message["text"].startswith("I can't tell you whether you have hip arthritis")
    assert "Cartilage" not in message["text"]


@pytest.mark.parametrize(
    ("texts", "condition", "recorded"),
    [
        (("my hip clicks on the stairs", "book please"), "hip_arthritis", "hip_pain"),
        (("aches on the outside of my hip", "/book_appointment"), "hip_bursitis", "hip_pain"),
        (("pain shoots down my leg", "yes"), "sciatica", "back_pain"),
        (("my hip arthritis is bad", "book please"), "hip_arthritis", "hip_arthritis"),
        (("hip hurts", "the GP said it's bursitis", "book"), "hip_bursitis", "hip_bursitis"),
        (("my lower back hurts", "book"), "lower_back_pain", "lower_back_pain"),  # no diagnosis
        (("just a check-up",), "a check-up for my hip", "a check-up for my hip"),  # own words
    ],
)
def test_a_booking_records_a_diagnosis_only_if_the_patient_named_it(
    texts: Tuple[str, ...], condition: str, recorded: str
) -> None:
    assert reason_for_booking(_conversation(*texts, condition=condition)) == recorded


@pytest.mark.parametrize(
    ("texts", "condition", "recorded"),
    [
        # asking or objecting names nothing
        (
            ("my hip hurts on the outside", "is that what I have then? bursitis?"),
            "hip_bursitis",
            "hip_pain",
        ),
        (("my hip clicks", "I never said arthritis??"), "hip_arthritis", "hip_pain"),
    ],
)
def test_a_question_or_an_objection_about_a_condition_does_not_name_it(
    texts: Tuple[str, ...], condition: str, recorded: str
) -> None:
    assert reason_for_booking(_conversation(*texts, condition=condition)) == recorded


def test_a_condition_button_at_the_reason_question_names_it_a_description_button_does_not() -> (
    None
):
    def tapped(question: str) -> Tracker:
        payload = '/inform{"condition": "sciatica"}'
        events = [
            {"event": "bot", "metadata": {"utter_action": question}},
            {"event": "user", "text": payload, "parse_data": {"text": payload}},
        ]
        return Tracker(
            "p", {"condition": "sciatica"}, {"text": payload}, events, False, None, {}, ""
        )

    assert reason_for_booking(tapped("utter_ask_condition")) == "sciatica"
    assert reason_for_booking(tapped("utter_narrowing")) == "back_pain"


def test_a_diagnosis_named_in_an_earlier_session_is_not_this_ones() -> None:
    tracker = _conversation("my sciatica is back", "book please", condition="sciatica")
    tracker.events[2:2] = [{"event": "session_started"}]  # after the first message
    assert reason_for_booking(tracker) == "back_pain"


@pytest.mark.parametrize(
    ("text", "objects"),
    [
        ("nobody\u2019s told me that", True),  # a phone's apostrophe
        ("so I\u2019ve got bursitis?", True),
        ("I have never been diagnosed with anything", True),
        ("is that what I have to do?", False),
        ("so I have to book to find out?", False),
        # Audit 9: which of two it is, asked as "how do I know".
        ("how do i know if i have bursitis or arthritis", True),
        ("how can I tell which one it is?", True),
        ("how do I know if it is working?", False),
    ],
)
def test_objections_are_read_however_the_apostrophe_is_typed(text: str, objects: bool) -> None:
    assert asks_or_objects(text) is objects
