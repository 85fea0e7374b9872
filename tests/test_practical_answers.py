"""Practical questions answered from clinic/practical.yml, by meaning, or handed to the team."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.booking_actions import ActionFallbackOutsideForm
from actions.questions import ActionAnswerClinicQuestion
from clinic_core.data_files import ClinicDataError, parse_model
from clinic_core.practical import LEFT_TO_THE_TEAM, PracticalAnswers, practical_answer
from tests.helpers.responses import render
from tests.helpers.trackers import make_tracker


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        # Audit 6's questions, and our own wordings of the same classes.
        ("what clothes should I wear to acupuncture", "what_to_wear"),
        ("will I have to take my top off?", "what_to_wear"),
        ("can I eat before?", "before_visit"),
        ("is it ok to have lunch first", "before_visit"),
        ("can I drive myself home after the session", "after_treatment"),
        ("will I be sore afterwards", "side_effects"),
        ("Are there any side effects I should know about?", "side_effects"),
        ("I have a pacemaker, is that a problem?", "health_conditions"),
        ("is it on the NHS at all?", "nhs"),
        ("can I pay with my phone", "payment"),
        ("do you sell gift vouchers", "gift_vouchers"),
        ("can my partner sit with me during it", "companion"),
        ("can I ask for a woman to treat me", "practitioners"),
        ("does my GP need to send me", "referral"),
        ("how many sessions would I need for a bad back?", "sessions_needed"),
        # Audit 13: "how soon could I be seen?" got the number of sessions.
        ("how soon can you see me?", "how_soon_seen"),
        ("what's the earliest appointment you have", "how_soon_seen"),
        ("how soon will I feel any better", "sessions_needed"),
        # Audit 9: "do i need a scan before coming?" got what to eat beforehand.
        ("do i need a scan before coming?", "referral"),
        ("would an xray tell what's wrong?", "referral"),
        ("is an MRI needed first", "referral"),
        # Audit 20: "what do I do for the pain meanwhile" got "I can't answer that one here".
        ("what do you suggest for the pain until I can get in?", "medicines"),
        ("what should I do about the pain in the meantime", "medicines"),
    ],
)
def test_a_practical_question_gets_its_topic(question: str, topic: str) -> None:
    match = practical_answer(question)
    assert match is not None and match.topic == topic, (question, match)


@pytest.mark.parametrize(
    "question",
    ["do you do home visits", "is there anyone who speaks Polish", "do you do cupping too"],
)
def test_a_question_left_to_the_team_gets_no_topic(question: str) -> None:
    assert practical_answer(question) is None


def test_a_button_payload_or_nothing_is_no_question() -> None:
    assert practical_answer("/ask_clinic_other") is None
    assert practical_answer("   ") is None


async def test_the_clinic_question_action_answers_a_topic_with_the_clinics_contact(
    domain: Dict[str, Any],
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("ask_clinic_other", "I'm on warfarin, is acupuncture ok for me?")
    await ActionAnswerClinicQuestion().run(dispatcher, tracker, domain)
    (message,) = render(dispatcher.messages, domain)
    assert message["text"].startswith("Some health conditions and medicines need care")
    assert "{phone}" not in message["text"] and "+44 20 7946 0123" in message["text"]
    assert "I can't tell you whether it is right for you" in message["text"]


async def test_a_clinic_question_no_topic_answers_gets_the_clinics_number(
    domain: Dict[str, Any],
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("ask_clinic_other", "do you do home visits? I can't drive")
    await ActionAnswerClinicQuestion().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_clinic_question_not_covered"


def _fallback(text: str, ranking: list) -> Any:
    tracker = make_tracker("nlu_fallback", text)
    tracker.latest_message["intent_ranking"] = [
        {"name": name, "confidence": confidence} for name, confidence in ranking
    ]
    return tracker


async def test_a_fallback_the_classifier_half_took_for_a_clinic_question_is_answered(
    domain: Dict[str, Any],
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = _fallback("can I eat before?", [("nlu_fallback", 0.3), ("ask_clinic_other", 0.28)])
    await ActionFallbackOutsideForm().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_practical_answer"


async def test_any_other_fallback_is_not_matched_to_a_topic(domain: Dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = _fallback("what's acupuncture, roughly", [("nlu_fallback", 0.3), ("greet", 0.2)])
    await ActionFallbackOutsideForm().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_fallback_help"


def test_the_file_is_checked_with_errors_that_name_the_field() -> None:
    text = "version: 1\ntopics:\n  nhs:\n    answer: No.\n    asked_as: [is it nhs]\n"
    with pytest.raises(ClinicDataError, match="asked_as"):
        parse_model(text + "left_to_the_team: [a, b, c]\n", PracticalAnswers)
    named = f"version: 1\ntopics:\n  {LEFT_TO_THE_TEAM}:\n    answer: x\n    asked_as: [a, b, c]\n"
    with pytest.raises(ClinicDataError, match=LEFT_TO_THE_TEAM):
        parse_model(named + "left_to_the_team: [a, b, c]\n", PracticalAnswers)


def test_the_benchmark_tells_a_topics_answer_from_the_clinics_number() -> None:
    from bench.practical import NOT_COVERED_START, answer_starts, outcome

    starts = answer_starts()
    assert outcome([{"text": "x " + starts["nhs"] + " y"}], starts) == "nhs"
    assert outcome([{"text": NOT_COVERED_START + ", and I'd rather not guess."}], starts) == "team"
    assert outcome([{"text": "Sorry, I didn't quite get that."}], starts) == "other"
    # every question of the benchmark file asks a topic the clinic's file has
    import yaml

    from bench.practical import QUESTIONS_FILE

    assert set(yaml.safe_load(QUESTIONS_FILE.read_text())["topics"]) <= set(starts)


@pytest.mark.parametrize(
    ("answer", "error"),
    [("call {fone}", r"unknown \{fone\}"), ("a { b", "write a brace as")],
)
def test_an_answer_fills_in_only_the_clinics_contact(answer: str, error: str) -> None:
    text = f'version: 1\ntopics:\n  nhs:\n    answer: "{answer}"\n    asked_as: [a, b, c]\n'
    with pytest.raises(ClinicDataError, match=r"topics\.nhs\.answer"):
        parse_model(text + "left_to_the_team: [a, b, c]\n", PracticalAnswers)
    with pytest.raises(ClinicDataError, match=error):
        parse_model(text + "left_to_the_team: [a, b, c]\n", PracticalAnswers)


async def test_a_practical_question_asked_second_is_answered_from_its_own_words(
    domain: Dict[str, Any],
) -> None:
    from actions.questions import ActionAnswerSecondPart

    text = "when are you open, and can I eat before?"
    tracker = make_tracker("ask_opening_hours", text)
    tracker.latest_message["second_part"] = {
        "name": "ask_clinic_other",
        "confidence": 0.9,
        "text": "can I eat before?",
        "start": 19,
        "end": len(text),
    }
    dispatcher = CollectingDispatcher()
    await ActionAnswerSecondPart().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_practical_answer"
    assert "light meal" in render(dispatcher.messages, domain)[0]["text"]


async def test_a_fallback_with_the_clinic_question_second_after_another_intent_is_matched(
    domain: Dict[str, Any],
) -> None:
    # Rasa's FallbackClassifier puts nlu_fallback first; the intents follow.
    ranking = [("nlu_fallback", 0.3), ("greet", 0.29), ("ask_clinic_other", 0.28)]
    dispatcher = CollectingDispatcher()
    await ActionFallbackOutsideForm().run(
        dispatcher, _fallback("can I eat before?", ranking), domain
    )
    assert dispatcher.messages[0]["response"] == "utter_practical_answer"


def routed(text: str, intent: str, confidence: float, **parts: Any) -> str:
    """The intent PracticalQuestionRouter leaves a message with."""
    from rasa.shared.nlu.training_data.message import Message

    from rasa_extensions.practical_questions import PracticalQuestionRouter

    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence}})
    for key, value in parts.items():
        message.set(key, value)
    router = PracticalQuestionRouter(PracticalQuestionRouter.get_default_config())
    (out,) = router.process([message])
    return str(out.get("intent")["name"])


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "after"),
    [
        # unsure of a condition or an acupuncture question, sure of a topic
        ("how many sessions for my lower back usually", "lower_back_pain", 0.6, "ask_clinic_other"),
        ("do people get dizzy after the needles", "ask_does_it_hurt", 0.6, "ask_clinic_other"),
        # the classifier sure; a booking, safety or conversation intent; no topic
        ("how many sessions for my lower back usually", "lower_back_pain", 0.9, "lower_back_pain"),
        ("how many sessions for my back", "book_appointment", 0.5, "book_appointment"),
        ("do people get dizzy after the needles", "emergency", 0.5, "emergency"),
        ("my lower back is killing me when I bend", "lower_back_pain", 0.6, "lower_back_pain"),
        ("do you do home visits", "out_of_scope", 0.5, "out_of_scope"),  # the team's
        # a topic's words in a message that asks nothing: it tells about the pain
        ("I'm on warfarin and my lower back is sore", "lower_back_pain", 0.6, "lower_back_pain"),
        ("im on warfarin, is acupuncture ok for my lower back", "lower_back_pain", 0.6,
         "ask_clinic_other"),
    ],
)  # fmt: skip
def test_a_practical_question_the_classifier_was_unsure_of_goes_to_its_answer(
    text: str, intent: str, confidence: float, after: str
) -> None:
    assert routed(text, intent, confidence) == after


@pytest.mark.parametrize(
    ("text", "runner_up", "after"),
    [
        ("can my husband sit in with me", "ask_clinic_other", "ask_clinic_other"),
        ("can my husband sit in with me", "inform", "book_appointment"),
        ("can I come on tuesday at 2 for my hip", "ask_clinic_other", "book_appointment"),
    ],
)
def test_a_booking_request_is_a_practical_question_only_when_the_classifier_half_thought_so(
    text: str, runner_up: str, after: str
) -> None:
    """Tried over REST: "can my husband sit in with me" (booking, 0.56) started the form."""
    ranking = [
        {"name": "book_appointment", "confidence": 0.56},
        {"name": runner_up, "confidence": 0.32},
    ]
    assert routed(text, "book_appointment", 0.56, intent_ranking=ranking) == after


def test_a_two_part_message_is_left_to_the_parts() -> None:
    second = {"name": "ask_price", "start": 10, "text": "how much?"}
    assert routed("do people get dizzy after the needles", "ask_does_it_hurt", 0.6,
                  second_part=second) == "ask_does_it_hurt"  # fmt: skip


def second_part_after_routing(text: str, intent: str, confidence: float) -> Any:
    """The second part PracticalQuestionRouter leaves a message with, if any."""
    from rasa.shared.nlu.training_data.message import Message

    from rasa_extensions.practical_questions import PracticalQuestionRouter

    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence}})
    router = PracticalQuestionRouter(PracticalQuestionRouter.get_default_config())
    (out,) = router.process([message])
    return out.get("second_part")


@pytest.mark.parametrize("confidence", [0.45, 0.95])
def test_a_practical_question_closing_a_complaint_is_its_second_part(confidence: float) -> None:
    """Audit 23: "... tingling down my left leg. Could one appointment deal with all of it?"."""
    complaint = "My hip has ached for weeks and my knee clicks on the stairs. "
    question = "Can one visit sort out all of that?"
    part = second_part_after_routing(complaint + question, "hip_arthritis", confidence)
    assert part["name"] == "ask_clinic_other"
    assert (part["text"], part["start"]) == (question, len(complaint))
    assert routed(complaint + question, "hip_arthritis", confidence) == "hip_arthritis"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # one sentence; a closing sentence that asks nothing, or no topic; not a complaint
        ("my hip has ached for weeks, can one visit sort it all out?", "hip_arthritis"),
        ("My hip has ached for weeks. I will ring you later.", "hip_arthritis"),
        ("My hip has ached for weeks. Does acupuncture work?", "hip_arthritis"),
        ("I'd like to book. Can one visit sort out all of that?", "book_appointment"),
    ],
)
def test_no_second_part_without_a_practical_question_closing_a_complaint(
    text: str, intent: str
) -> None:
    assert second_part_after_routing(text, intent, 0.9) is None
