"""A short follow-up to an answer ("and thursdays?") gets the same answer again.

The policy on trackers built from events, the action with the real profile;
the whole turn through the real servers is in tests/test_rest_channel.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import ActionAnswerClinicQuestion
from rasa_extensions.follow_up_questions import FollowUpQuestionPolicy
from tests.helpers.responses import render

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> FollowUpQuestionPolicy:
    storage = LocalModelStorage(tmp_path_factory.mktemp("policy"))
    context = ExecutionContext(GraphSchema({}), "test")
    config = FollowUpQuestionPolicy.get_default_config()
    return FollowUpQuestionPolicy.load(config, storage, Resource("follow_up"), context)


def after_answer(
    domain: Domain,
    follow_up: str,
    intent: str,
    confidence: float = 0.6,
    answered_with: str = "action_answer_clinic_question",
    form: Optional[str] = None,
) -> DialogueStateTracker:
    """The opening hours asked and answered, then ``follow_up``."""
    events: List[Event] = [ActionExecuted(ACTION_LISTEN_NAME)]
    if form:
        events.append(ActiveLoop(form))
    events += [
        UserUttered("when are you open?", {"name": "ask_opening_hours", "confidence": 0.97}),
        ActionExecuted(answered_with),
        BotUttered("We are open: ..."),
        ActionExecuted(ACTION_LISTEN_NAME),
        UserUttered(follow_up, {"name": intent, "confidence": confidence}),
    ]
    return DialogueStateTracker.from_events("patient", events, domain.slots)


@pytest.mark.parametrize(
    ("follow_up", "intent", "confidence"),
    [
        ("what about saturday", "book_appointment", 0.63),
        ("and thursdays?", "nlu_fallback", 0.3),
        ("and for a follow up?", "book_appointment", 0.51),
        ("how about the block of five", "out_of_scope", 0.4),
        # Its subject is the answer's, and the classifier is not sure of another question
        # (audit 21: "and is it free?" after the parking got the prices).
        ("and is it free?", "ask_price", 0.51),
        ("and is that every day?", "ask_opening_hours", 0.7),
        # A day asked of alone (audit 21: "sat?" after the hours started a booking).
        ("sat?", "book_appointment", 0.6),
        ("sundays?", "inform", 0.4),
    ],
)
def test_a_follow_up_gets_the_answer_again(
    policy: FollowUpQuestionPolicy,
    rasa_domain: Domain,
    follow_up: str,
    intent: str,
    confidence: float,
) -> None:
    tracker = after_answer(rasa_domain, follow_up, intent, confidence)
    assert policy.follows_up(tracker) == "action_answer_clinic_question"
    prediction = policy.predict_action_probabilities(tracker, rasa_domain)
    assert prediction.max_confidence_index == rasa_domain.index_for_action(
        "action_answer_clinic_question"
    )


def test_after_its_answer_the_policy_listens(
    policy: FollowUpQuestionPolicy, rasa_domain: Domain
) -> None:
    """Found by an outside audit: "and on saturdays?" got the hours, then the fallback too."""
    tracker = after_answer(rasa_domain, "and on saturdays?", "inform", 0.5)
    tracker.update(
        ActionExecuted("action_answer_clinic_question", policy="policy_1_FollowUpQuestionPolicy")
    )
    prediction = policy.predict_action_probabilities(tracker, rasa_domain)
    assert prediction.max_confidence_index == rasa_domain.index_for_action(ACTION_LISTEN_NAME)
    # An answer another policy chose is followed by whatever that policy decides.
    other = after_answer(rasa_domain, "and on saturdays?", "inform", 0.5)
    other.update(ActionExecuted("action_answer_clinic_question", policy="policy_2_RulePolicy"))
    assert max(policy.predict_action_probabilities(other, rasa_domain).probabilities) == 0.0


@pytest.mark.parametrize(
    ("follow_up", "intent", "confidence", "answered_with", "form"),
    [
        # A question of its own, sure: the rules answer it.
        ("and how much is it?", "ask_price", 0.95, "action_answer_clinic_question", None),
        ("and does it hurt?", "ask_does_it_hurt", 0.99, "action_answer_clinic_question", None),
        ("and is there parking?", "ask_location", 0.55, "action_answer_clinic_question", None),
        # Asks for an appointment: a request.
        ("and can I book saturday?", "book_appointment", 0.9, "action_answer_clinic_question",
         None),
        # A red flag: the safety rules.
        ("and now I can't feel my legs", "emergency", 1.0, "action_answer_clinic_question", None),
        # Not a follow-up's words, or too long to be one.
        ("saturday", "inform", 0.5, "action_answer_clinic_question", None),
        ("saturday at 10?", "book_appointment", 0.8, "action_answer_clinic_question", None),
        (
            "and another thing, my hip has been aching every night for weeks",
            "hip_pain",
            0.6,
            "action_answer_clinic_question",
            None,
        ),
        # After something else than an answer, or inside a form.
        ("what about saturday", "book_appointment", 0.63, "utter_greet", None),
        ("saturday?", "book_appointment", 0.6, "action_answer_acupuncture_question", None),
        ("what about saturday", "book_appointment", 0.63, "action_answer_clinic_question",
         "appointment_form"),
    ],
)  # fmt: skip
def test_other_messages_are_left_to_the_other_policies(
    policy: FollowUpQuestionPolicy,
    rasa_domain: Domain,
    follow_up: str,
    intent: str,
    confidence: float,
    answered_with: str,
    form: Optional[str],
) -> None:
    tracker = after_answer(rasa_domain, follow_up, intent, confidence, answered_with, form)
    assert policy.follows_up(tracker) is None
    assert max(policy.predict_action_probabilities(tracker, rasa_domain).probabilities) == 0.0


async def test_the_answer_is_to_the_question_asked_last(domain: Dict[str, Any]) -> None:
    """Run for "what about saturday" (a booking to the classifier), it answers the hours."""
    parse = {"intent": {"name": "book_appointment", "confidence": 0.63}, "entities": []}
    events = [
        {"event": "user", "text": "how much is a session", "parse_data": {
            "intent": {"name": "ask_price", "confidence": 0.97}, "entities": []}},
        {"event": "user", "text": "when are you open", "parse_data": {
            "intent": {"name": "ask_opening_hours", "confidence": 0.97}, "entities": []}},
        {"event": "user", "text": "what about saturday", "parse_data": parse},
    ]  # fmt: skip
    tracker = Tracker("patient", {}, {"text": "what about saturday", **parse}, events, False,
                      None, {}, ACTION_LISTEN_NAME)  # fmt: skip
    dispatcher = CollectingDispatcher()
    await ActionAnswerClinicQuestion().run(dispatcher, tracker, domain)
    hours = render(dispatcher.messages, domain)[0]["text"]  # then the closures ahead
    assert "Saturday" in hours and "is open" in hours


async def test_a_follow_up_about_the_answer_is_answered_as_the_last_question(
    domain: Dict[str, Any],
) -> None:
    """ "and is it free?" after the parking (ask_price at 0.51) is about the parking."""
    parse = {"intent": {"name": "ask_price", "confidence": 0.51}, "entities": []}
    events = [
        {"event": "user", "text": "is there parking?", "parse_data": {
            "intent": {"name": "ask_location", "confidence": 0.99}, "entities": []}},
        {"event": "action", "name": "action_answer_clinic_question"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "and is it free?", "parse_data": parse},
    ]  # fmt: skip
    tracker = Tracker("patient", {}, {"text": "and is it free?", **parse}, events, False,
                      None, {}, ACTION_LISTEN_NAME)  # fmt: skip
    dispatcher = CollectingDispatcher()
    await ActionAnswerClinicQuestion().run(dispatcher, tracker, domain)
    answer = render(dispatcher.messages, domain)[0]["text"]
    assert "parking" in answer.lower() and "£" not in answer
    # Sure of a question of its own, it answers that one.
    sure = {"intent": {"name": "ask_price", "confidence": 0.95}, "entities": []}
    events[-1] = {"event": "user", "text": "and how much is it?", "parse_data": sure}
    tracker = Tracker("patient", {}, {"text": "and how much is it?", **sure}, events, False,
                      None, {}, ACTION_LISTEN_NAME)  # fmt: skip
    dispatcher = CollectingDispatcher()
    await ActionAnswerClinicQuestion().run(dispatcher, tracker, domain)
    assert "£" in render(dispatcher.messages, domain)[0]["text"]


async def test_a_follow_up_after_another_reply_is_its_own_question(
    domain: Dict[str, Any],
) -> None:
    """Not after this answer (a greeting came between): "and is it free?" is read as asked."""
    parse = {"intent": {"name": "ask_price", "confidence": 0.51}, "entities": []}
    events = [
        {"event": "user", "text": "is there parking?", "parse_data": {
            "intent": {"name": "ask_location", "confidence": 0.99}, "entities": []}},
        {"event": "action", "name": "action_answer_clinic_question"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "hello", "parse_data": {
            "intent": {"name": "greet", "confidence": 0.99}, "entities": []}},
        {"event": "action", "name": "utter_greet"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "and is it free?", "parse_data": parse},
    ]  # fmt: skip
    tracker = Tracker("patient", {}, {"text": "and is it free?", **parse}, events, False,
                      None, {}, ACTION_LISTEN_NAME)  # fmt: skip
    dispatcher = CollectingDispatcher()
    await ActionAnswerClinicQuestion().run(dispatcher, tracker, domain)
    assert "£" in render(dispatcher.messages, domain)[0]["text"]
