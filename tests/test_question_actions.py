"""Answers about acupuncture (from the knowledge) and the clinic (from the profile)."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import (
    ActionAnswerAcupunctureQuestion,
    ActionAnswerClinicQuestion,
    ActionExplainQuestion,
)
from clinic_core.knowledge import ACUPUNCTURE_QUESTIONS, load_acupuncture_answers, load_conditions
from clinic_core.profile import load_profile
from tests.helpers.clock import pin_clinic_now
from tests.helpers.responses import render
from tests.helpers.trackers import entity, make_tracker


@pytest.mark.parametrize(("intent", "key"), sorted(ACUPUNCTURE_QUESTIONS.items()))
async def test_acupuncture_answers_come_from_the_knowledge_file(
    intent: str, key: str, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    events = await ActionAnswerAcupunctureQuestion().run(dispatcher, make_tracker(intent), domain)
    assert events == []
    (message,) = render(dispatcher.messages, domain)
    assert message["text"].startswith(load_acupuncture_answers().answers[key])
    assert any(b["payload"] == "/book_appointment" for b in message["buttons"])


@pytest.mark.parametrize(
    ("text", "intent", "the_team_answers"),
    [
        # Audit 21: another therapy, read as a question about acupuncture.
        ("do you do cupping as well?", "ask_what_is_acupuncture", True),
        ("what about dry needling?", "ask_what_is_acupuncture", True),
        ("is moxibustion any good for hips", "ask_effectiveness", True),
        # ...but asked of acupuncture, acupuncture is answered.
        ("I had cupping years ago, will acupuncture help my back?", "ask_effectiveness", False),
    ],
)
async def test_a_therapy_the_clinic_text_does_not_speak_of_is_the_teams_to_answer(
    text: str, intent: str, the_team_answers: bool, dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
) -> None:  # fmt: skip
    await ActionAnswerAcupunctureQuestion().run(dispatcher, make_tracker(intent, text), domain)
    (message,) = render(dispatcher.messages, domain)
    assert ("can't answer that one here" in message["text"]) == the_team_answers


@pytest.mark.parametrize(
    ("text", "reduction"),
    [
        ("is there a discount for pensioners?", True),
        ("do you do concessions for students", True),
        ("how much is a first visit?", False),
    ],
)
async def test_a_reduction_asked_about_is_said_to_be_unlisted(
    text: str, reduction: bool, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """Found over REST: "is there a discount for pensioners?" got the price list alone."""
    await ActionAnswerClinicQuestion().run(dispatcher, make_tracker("ask_price", text), domain)
    said = [m.get("response") for m in dispatcher.messages]
    assert said[0] == "utter_prices"
    assert ("utter_no_reductions_listed" in said) == reduction


async def test_what_acupuncture_is_says_how_long_a_visit_takes(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """ "How long does a session last" is asked as what acupuncture involves."""
    await ActionAnswerAcupunctureQuestion().run(
        dispatcher, make_tracker("ask_what_is_acupuncture"), domain
    )
    (message,) = render(dispatcher.messages, domain)
    lengths = {kind.name.lower(): kind.minutes for kind in load_profile().appointment_types}
    assert lengths == {"first visit": 75, "follow-up treatment": 45}
    assert message["text"].endswith(
        "A visit takes 75 minutes for a first visit or 45 minutes for a follow-up treatment."
    )


@pytest.mark.parametrize(
    ("text", "length_first"),
    [
        ("how long is a first session", True),
        ("how long will I be there for", True),
        ("what happens at a session and how long is it", False),
        ("how long will i need treatment for", False),
    ],
)
async def test_how_long_a_visit_takes_is_answered_first(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], text: str, length_first: bool
) -> None:
    """Tried over REST: the length came last, after what acupuncture is."""
    await ActionAnswerAcupunctureQuestion().run(
        dispatcher, make_tracker("ask_what_is_acupuncture", text), domain
    )
    (message,) = render(dispatcher.messages, domain)
    length = "A visit takes 75 minutes for a first visit or 45 minutes for a follow-up treatment."
    assert (message["text"] == length) is length_first
    assert message["text"].endswith(length)


async def test_points_for_the_condition_under_discussion(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker("ask_treatment_points", slots={"condition": "upper_back_pain"})
    await ActionAnswerAcupunctureQuestion().run(dispatcher, tracker, domain)
    (message,) = render(dispatcher.messages, domain)
    assert message["text"].startswith("For upper back pain, points often used are: head points")


async def test_points_for_a_condition_named_in_the_question(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker(
        "ask_treatment_points", entities=[entity("condition", "lower_back_pain")]
    )
    await ActionAnswerAcupunctureQuestion().run(dispatcher, tracker, domain)
    assert "stomach points" in render(dispatcher.messages, domain)[0]["text"]


async def test_general_points_when_pain_not_narrowed(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker("ask_treatment_points", slots={"condition": "back_pain"})
    await ActionAnswerAcupunctureQuestion().run(dispatcher, tracker, domain)
    (message,) = render(dispatcher.messages, domain)
    assert message["text"] == load_acupuncture_answers().answers["treatment_points"]


async def test_how_acupuncture_helps_the_condition_under_discussion(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """The "How can acupuncture help?" button under a condition's short explanation."""
    tracker = make_tracker(
        "ask_effectiveness", "/ask_effectiveness", slots={"condition": "sciatica"}
    )
    await ActionAnswerAcupunctureQuestion().run(dispatcher, tracker, domain)
    (message,) = render(dispatcher.messages, domain)
    knowledge = load_conditions()
    sciatica = knowledge.conditions["sciatica"]
    assert message["text"].startswith(sciatica.how_acupuncture_helps)
    assert "Common signs of sciatica are pain along the path" in message["text"]
    assert message["text"].endswith(knowledge.disclaimer)  # no promise of a cure
    assert [b["payload"] for b in message["buttons"]] == [
        "/ask_treatment_points",
        "/ask_does_it_hurt",
        "/book_appointment",
    ]


async def test_asked_again_after_the_conditions_help_the_general_answer_follows(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """Audit 9: "is there actual evidence?" after the condition's help got the same text again."""
    tracker = make_tracker(
        "ask_effectiveness",
        "is there real evidence or is it placebo",
        slots={"condition": "sciatica"},
    )
    tracker.events = [
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_condition_help"}},
        *tracker.events,
    ]
    await ActionAnswerAcupunctureQuestion().run(dispatcher, tracker, domain)
    (message,) = render(dispatcher.messages, domain)
    assert message["text"] == load_acupuncture_answers().answers["effectiveness"]


async def test_general_effectiveness_when_pain_not_narrowed(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker("ask_effectiveness", slots={"condition": "hip_pain"})
    await ActionAnswerAcupunctureQuestion().run(dispatcher, tracker, domain)
    (message,) = render(dispatcher.messages, domain)
    assert message["text"] == load_acupuncture_answers().answers["effectiveness"]


async def test_opening_hours_with_upcoming_closures(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_clinic_now(monkeypatch, "2026-12-01T10:00")
    await ActionAnswerClinicQuestion().run(dispatcher, make_tracker("ask_opening_hours"), domain)
    hours, closures = render(dispatcher.messages, domain)
    assert "• Sunday: closed" in hours["text"]
    assert "• Wednesday: 09:00–13:00, 14:00–20:00" in hours["text"]
    assert "Friday 25 December (Christmas Day)" in closures["text"]


async def test_opening_hours_without_closures_ahead(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_clinic_now(monkeypatch, "2027-03-01T10:00")
    await ActionAnswerClinicQuestion().run(dispatcher, make_tracker("ask_opening_hours"), domain)
    assert len(dispatcher.messages) == 1


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("ask_location", "12 Mill Lane"),
        ("ask_price", "Follow-up treatment (45 min): £55"),
        ("ask_insurance", "receipt"),
        ("ask_cancellation_policy", "up to 24 hours before it"),
        ("ask_cancellation_policy", "we may charge half the fee"),
        ("ask_privacy", "kept for 365 days, appointment records for 8 years"),
        (
            "ask_privacy",
            "[hello@willow-acupuncture.example](mailto:hello@willow-acupuncture.example)",
        ),
    ],
)
async def test_clinic_answers_come_from_the_profile(
    intent: str, expected: str, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    await ActionAnswerClinicQuestion().run(dispatcher, make_tracker(intent), domain)
    (message,) = render(dispatcher.messages, domain)
    assert expected in message["text"]
    if intent == "ask_location":
        assert load_profile().name in message["text"]
        map_link = "https://www.openstreetmap.org/search?query=12+Mill+Lane%2C+Riverside%2C+RV1+2AB"
        assert f"[12 Mill Lane, Riverside, RV1 2AB]({map_link})" in message["text"]


@pytest.mark.parametrize(
    ("text", "medicines"),
    [
        ("how much ibuprofen can i take for my back, i've had 6 today", True),
        ("how many paracetamol can i take a day for hip pain", True),
        ("how much is a follow-up?", False),
        ("how much do I have to pay for the first visit", False),
    ],
)
async def test_an_amount_to_take_is_no_price_question(
    text: str, medicines: bool, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """Audit 20: "how much ibuprofen can i take" read as ask_price got the price list."""
    await ActionAnswerClinicQuestion().run(dispatcher, make_tracker("ask_price", text), domain)
    said = " ".join(m["text"] for m in render(dispatcher.messages, domain))
    assert ("pharmacist" in said) is medicines
    assert ("£55" in said) is not medicines


async def test_without_a_stated_charge_the_cancellation_answer_points_to_the_clinic(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = load_profile()
    booking = profile.booking.copy(update={"late_cancellation": None})
    monkeypatch.setattr(
        "actions.questions.load_profile", lambda: profile.copy(update={"booking": booking})
    )
    await ActionAnswerClinicQuestion().run(
        dispatcher, make_tracker("ask_cancellation_policy"), domain
    )
    (message,) = render(dispatcher.messages, domain)
    assert "to ask about any charge, please call us" in message["text"]
    assert "half the fee" not in message["text"]


@pytest.mark.parametrize(
    ("form", "asking", "reason"),
    [
        ("appointment_form", "contact", "So the clinic can reach you"),
        ("appointment_form", "patient_type", "75 minutes for a first visit and 45 minutes"),
        ("appointment_form", "notes", "a pacemaker or blood thinners"),
        ("manage_booking_form", "booking_reference", "show that it's yours"),
        ("manage_booking_form", "booking_contact", "show that it's yours"),
        ("manage_booking_form", "manage_confirmed", "I only ask what I need"),
        (None, None, "I only ask what I need"),
    ],
)
async def test_why_gets_the_reason_for_the_question_being_asked(
    form: str, asking: str, reason: str, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker("ask_why", "why?", slots={"requested_slot": asking})
    tracker.active_loop = {"name": form} if form else {}
    await ActionExplainQuestion().run(dispatcher, tracker, domain)
    (message,) = render(dispatcher.messages, domain)
    assert reason in message["text"]
