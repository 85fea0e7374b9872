"""Emergencies, complaints outside hip and back, and handoff to a person."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conditions import ActionExplainCondition
from actions.safety import (
    ActionEmergency,
    ActionHumanHandoff,
    ActionOtherSymptom,
    ActionRedFlagReminder,
    ActionRedFlagWhatIf,
    ActionUrgentSymptoms,
)
from clinic_core.knowledge import load_conditions
from clinic_core.profile import load_profile
from clinic_core.red_flags import load_red_flags
from clinic_core.safety_replies import REMINDERS, WHAT_IF_REPLIES
from tests.helpers.clock import pin_clinic_now
from tests.helpers.responses import render
from tests.helpers.trackers import make_tracker


def red_flag(concept: str) -> Dict[str, Any]:
    return {"entity": "red_flag", "value": concept, "extractor": "RedFlagClassifier"}


async def test_emergency_sends_to_emergency_services_without_sales(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    text = "i can't control my bladder and my back is agony"
    tracker = make_tracker("emergency", text, entities=[red_flag("cauda_equina")])
    events = await ActionEmergency().run(dispatcher, tracker, domain)
    label = load_red_flags().concept("cauda_equina").label
    assert events == [
        SlotSet("emergency_flagged", True),
        SlotSet("red_flag", f"Emergency (999 now): {label}"),
    ]
    messages = render(dispatcher.messages, domain)
    text = " ".join(m["text"] for m in messages).lower()
    assert f"call {load_profile().emergency.number} now" in text
    assert "book" not in text and "appointment." in text  # "don't wait for an ... appointment."
    assert all(not m["buttons"] for m in messages)
    assert "harming yourself" not in text  # the crisis line is for thoughts of self-harm


async def test_thoughts_of_self_harm_also_get_the_crisis_line(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker("emergency", "...", entities=[red_flag("suicide_self_harm")])
    await ActionEmergency().run(dispatcher, tracker, domain)
    text = " ".join(m["text"] for m in render(dispatcher.messages, domain))
    crisis_line = load_profile().emergency.crisis_line
    assert crisis_line and crisis_line in text


async def test_thoughts_of_self_harm_alone_are_answered_person_to_person_first(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """Audit 9: the self-harm reply opened with the generic emergency line."""
    tracker = make_tracker("emergency", "...", entities=[red_flag("suicide_self_harm")])
    await ActionEmergency().run(dispatcher, tracker, domain)
    emergency = load_profile().emergency
    assert emergency.crisis_line and emergency.mental_health_line
    text = " ".join(m["text"] for m in render(dispatcher.messages, domain))
    assert text.startswith("I'm really sorry")
    assert "can be a sign of something serious" not in text
    assert text.index(emergency.crisis_line) < text.index(f"call {emergency.number}")
    assert emergency.mental_health_line in text


async def test_self_harm_with_a_physical_emergency_gets_the_emergency_line_first(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    entities = [red_flag("suicide_self_harm"), red_flag("severe_bleeding")]
    await ActionEmergency().run(dispatcher, make_tracker("emergency", "...", entities), domain)
    emergency = load_profile().emergency
    text = " ".join(m["text"] for m in render(dispatcher.messages, domain))
    assert emergency.crisis_line
    assert text.index(f"call {emergency.number} now") < text.index(emergency.crisis_line)


async def test_an_emergency_only_the_classifier_saw_is_flagged_as_such(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    events = await ActionEmergency().run(dispatcher, make_tracker("emergency", "help"), domain)
    assert SlotSet("red_flag", "Emergency (999 now): recognised by the intent classifier") in events


async def test_urgent_symptoms_go_to_a_doctor_today_without_a_booking_offer(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker(
        "urgent_symptoms",
        "had breast cancer years ago and now new pain in my back",
        entities=[red_flag("cancer_history")],
    )
    events = await ActionUrgentSymptoms().run(dispatcher, tracker, domain)
    label = load_red_flags().concept("cancer_history").label
    assert events == [SlotSet("red_flag", f"Urgent (same-day GP or NHS 111): {label}")]
    (message,) = render(dispatcher.messages, domain)
    profile = load_profile()
    assert "today" in message["text"] and str(profile.emergency.advice_line) in message["text"]
    assert "book" not in message["text"].lower() and not message["buttons"]


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
    ("text", "condition", "answer"),
    [
        ("is that something you treat", "hip_bursitis", "help"),
        ("can you help with it?", "sciatica", "help"),
        # Nothing under discussion, or a new complaint: the honest answer.
        ("is that something you treat", None, "other"),
        ("my wrist hurts, can you treat that?", None, "other"),
        (
            "I have eczema on my elbows and knees, can acupuncture help with that",
            "sciatica",
            "other",
        ),
        # More about the pain already discussed: taken as that.
        ("it's sore when I run", "hip_bursitis", "more"),
        ("been going on 4 months now", "back_pain", "more"),
        ("my knee hurts too", "sciatica", "other"),
    ],
)
async def test_a_question_about_the_condition_just_explained_is_answered(
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    text: str,
    condition: Optional[str],
    answer: str,
) -> None:
    """ "is that something you treat?" after bursitis was explained is about bursitis."""
    slots = {"condition": condition} if condition else {}
    tracker = make_tracker("other_symptom", text=text, slots=slots)
    await ActionOtherSymptom().run(dispatcher, tracker, domain)
    (message,) = render(dispatcher.messages, domain)
    if answer == "help":
        name = load_conditions().conditions[str(condition)].name.lower()
        assert name in message["text"].lower()
        assert "only covers hip and back pain" not in message["text"]
    elif answer == "more":
        # bursitis was only pointed to (the patient never named it): their pain is "hip pain"
        knowledge = load_conditions()
        key = str(condition)
        if knowledge.conditions[key].is_diagnosis:
            key = str(knowledge.general_of(key))
        name = knowledge.conditions[key].name.lower()
        assert "go through it with you" in message["text"] and name in message["text"]
        assert [b["payload"] for b in message["buttons"]] == [
            "/ask_effectiveness",
            "/book_appointment",
        ]
    else:
        assert "only covers hip and back pain" in message["text"]


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
    pin_clinic_now(monkeypatch, now)
    events = await ActionHumanHandoff().run(dispatcher, make_tracker("human_handoff"), domain)
    assert events == [SlotSet("handoff_requested", True)]
    (message,) = render(dispatcher.messages, domain)
    profile = load_profile()
    # Markdown links: tappable on the website, plain text on SMS (channels/plain_links.py)
    assert f"[{profile.phone}](tel:+442079460123)" in message["text"]
    assert f"[{profile.email}](mailto:{profile.email})" in message["text"]
    assert f"today's opening hours: {hours}" in message["text"]


def after_a_red_flag_reply(
    action: str, uttered: List[str], next_text: str, reminded: int = 0
) -> Tracker:
    """A red-flag message answered by ``action`` (its responses ``uttered``), then ``next_text``.

    With ``reminded``, that many messages got the reminder in between.
    """
    tracker = make_tracker("affirm", next_text)
    answered = [
        {"event": "user", "text": "...", "parse_data": {}},
        {"event": "action", "name": action},
        *({"event": "bot", "text": "...", "metadata": {"utter_action": u}} for u in uttered),
        {"event": "action", "name": "action_listen"},
    ]
    for _ in range(reminded):
        answered += [
            {"event": "user", "text": "can i still book?", "parse_data": {}},
            {"event": "action", "name": "action_red_flag_reminder"},
            {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_after_urgent"}},
            {"event": "action", "name": "action_listen"},
        ]
    tracker.events = answered + tracker.events
    return tracker


@pytest.mark.parametrize(
    ("action", "uttered", "expected", "crisis"),
    [
        ("action_emergency", ["utter_emergency"], "call 999 now", False),
        ("action_emergency", ["utter_emergency", "utter_emergency_crisis_line"], "999", True),
        ("action_emergency", ["utter_self_harm", "utter_mental_health_line"], "999", True),
        ("action_urgent_symptoms", ["utter_urgent_symptoms"], "doctor today", False),
    ],
)
async def test_the_message_after_a_red_flag_reply_gets_the_advice_again_without_a_menu(
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    action: str,
    uttered: List[str],
    expected: str,
    crisis: bool,
) -> None:
    for reminded in (0, 2):
        # Audit 16: the second reminder after "see a doctor today" or the crisis
        # line had become "call 999 now".
        dispatcher.messages.clear()
        tracker = after_a_red_flag_reply(action, uttered, "ok", reminded)
        assert await ActionRedFlagReminder().run(dispatcher, tracker, domain) == []
        messages = render(dispatcher.messages, domain)
        text = " ".join(m["text"] for m in messages)
        assert expected in text.replace(str(load_profile().emergency.number), "999")
        assert all(not m["buttons"] for m in messages)
        assert (str(load_profile().emergency.crisis_line) in text) is crisis
        if uttered[0] == "utter_emergency":
            # audit 21: after an overdose, "lol im not suicidal" got the crisis line alone
            first = messages[0]["text"].replace(str(load_profile().emergency.number), "999")
            assert "999" in first


@pytest.mark.parametrize(
    ("action", "uttered", "intent", "answered"),
    [
        # audit 23: "its fine im not going to do anything. can acupuncture actually help
        # after 6 years though" got the crisis line alone, twice
        ("action_emergency", ["utter_self_harm", "utter_mental_health_line"],
         "ask_effectiveness", True),
        ("action_emergency", ["utter_self_harm", "utter_mental_health_line"], "ask_price", True),
        # "call 999 now" and "see a doctor first" stay alone; "why?" is the reminder's
        ("action_emergency", ["utter_emergency"], "ask_price", False),
        ("action_urgent_symptoms", ["utter_urgent_symptoms"], "ask_price", False),
        ("action_emergency", ["utter_self_harm", "utter_mental_health_line"], "ask_why", False),
    ],
)  # fmt: skip
async def test_a_question_after_the_crisis_line_is_answered_too(
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
    action: str,
    uttered: List[str],
    intent: str,
    answered: bool,
) -> None:
    tracker = after_a_red_flag_reply(action, uttered, "ok. and a question")
    tracker.latest_message["intent"] = {"name": intent, "confidence": 0.9}
    assert await ActionRedFlagReminder().run(dispatcher, tracker, domain) == []
    assert (len(dispatcher.messages) > 1) is answered
    first = render(dispatcher.messages, domain)[0]["text"]
    emergency = load_profile().emergency
    advice = (emergency.number, str(emergency.crisis_line), "doctor today")
    assert any(words in first for words in advice)  # the advice comes first


async def test_help_on_its_way_is_acknowledged_with_the_clinics_number(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """Audit 8: "ambulance is on its way, should I cancel?" got the 999 advice again."""
    text = "the ambulance is on its way now, should i cancel my appointment on friday?"
    tracker = after_a_red_flag_reply("action_emergency", ["utter_emergency"], text)
    assert await ActionRedFlagReminder().run(dispatcher, tracker, domain) == []
    [message] = render(dispatcher.messages, domain)
    assert "glad you're getting help" in message["text"]
    assert load_profile().phone in message["text"]
    assert not message["buttons"]


async def test_a_new_booking_after_help_on_its_way_is_for_after_being_seen(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """Audit 16: a booking was made for a man on his way to hospital."""
    tracker = after_a_red_flag_reply(
        "action_emergency", ["utter_emergency"], "can i book him in for 2 weeks time"
    )
    tracker.events[-1:-1] = [
        {"event": "user", "text": "ok ambulance is coming", "parse_data": {}},
        {"event": "action", "name": "action_red_flag_reminder"},
        {"event": "action", "name": "action_listen"},
    ]
    assert await ActionRedFlagReminder().run(dispatcher, tracker, domain) == []
    [message] = render(dispatcher.messages, domain)
    assert "after a doctor, a nurse or the paramedics have seen you" in message["text"]
    assert load_profile().phone in message["text"]


@pytest.mark.parametrize(
    "text",
    [
        "i HAVE been checked. the doctor saw me today.",
        "i rang and the gp squeezed him in this afternoon",
        "We've taken him to minor injuries and he's been X-rayed - no fracture",
    ],
)
async def test_being_seen_since_is_acknowledged(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], text: str
) -> None:
    """Audit 18: "the doctor saw me today" got "this assistant only covers hip and back pain"."""
    tracker = after_a_red_flag_reply("action_urgent_symptoms", ["utter_urgent_symptoms"], text)
    assert await ActionRedFlagReminder().run(dispatcher, tracker, domain) == []
    [message] = render(dispatcher.messages, domain)
    assert "glad you've been seen" in message["text"]
    assert not message["buttons"]


def test_every_triage_level_has_a_reminder() -> None:
    assert set(REMINDERS) == {level.id for level in load_red_flags().levels}


def test_every_triage_level_has_a_what_if_reply() -> None:
    assert set(WHAT_IF_REPLIES) == {level.id for level in load_red_flags().levels}


@pytest.mark.parametrize(
    ("text", "concept", "says"),
    [
        ("would I need to go to hospital if I ever couldn't pee?", "cauda_equina",
         "emergency department"),
        ("what if I got a fever with my back pain, should I still come?", "spinal_infection",
         "the same day"),
    ],
)  # fmt: skip
async def test_a_red_flag_asked_about_as_a_what_if_gets_where_to_go_if_it_happens(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], text: str, concept: str, says: str
) -> None:
    """Audit 12: "would I need to go to hospital if I couldn't pee?" got "I'd rather not guess"."""
    tracker = make_tracker("ask_clinic_other", text)
    tracker.latest_message["triage"] = {
        "level": "routine",
        "set_aside": [{"concept": concept, "reason": "hypothetical"}],
    }
    assert await ActionRedFlagWhatIf().run(dispatcher, tracker, domain) == []
    [message] = render(dispatcher.messages, domain)
    assert says in message["text"]
    assert "book" not in message["text"].lower() and not message["buttons"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("can you treat my 9 year old son, he has back ache from his school bag", "other_symptom"),
        ("do you treat children or teenagers?", "other_symptom"),
        ("what's the minimum age?", "other_symptom"),
        ("my daughter is 14 and her lower back hurts after netball", "lower_back_pain"),
    ],
)
async def test_children_and_young_people_are_the_teams_to_advise(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], text: str, intent: str
) -> None:
    """Found by a seventh outside audit: "only covers hip and back pain" for a boy's back ache."""
    action = ActionOtherSymptom() if intent == "other_symptom" else ActionExplainCondition()
    await action.run(dispatcher, make_tracker(intent, text=text), domain)
    (message,) = render(dispatcher.messages, domain)
    assert message["text"].startswith("I can't book or advise for children and young people")
    assert str(load_profile().booking.minimum_age) in message["text"]
    assert load_profile().phone in message["text"]
