"""Actions answering questions about acupuncture and about the clinic."""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from typing import Any, Callable, Collection, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.details import about_young_people
from actions.conditions import condition_help, condition_under_discussion
from actions.tracker_state import last_response, latest_intent, this_session, user_text
from actions.wording import bullet_lines, join_list
from clinic_core.cautions import cautions_said
from clinic_core.clock import clinic_now
from clinic_core.data_files import ClinicDataError
from clinic_core.knowledge import (
    ACUPUNCTURE_QUESTIONS,
    ConditionKnowledge,
    load_acupuncture_answers,
    load_conditions,
    therapy_not_offered,
)
from clinic_core.message_parts import MORE_PARTS, SECOND_PART, SECOND_PART_ACTION
from clinic_core.names import CLINIC_QUESTION_INTENT
from clinic_core.practical import practical_answer
from clinic_core.profile import ClinicProfile, load_profile
from clinic_core.questions import (
    FOLLOW_UP,
    asks_its_own_question,
    asks_visit_length,
    is_question,
)

logger = logging.getLogger(__name__)
WHAT_IS_ACUPUNCTURE = ACUPUNCTURE_QUESTIONS["ask_what_is_acupuncture"]


def _condition_points(
    dispatcher: CollectingDispatcher, knowledge: ConditionKnowledge, key: str
) -> None:
    condition = knowledge.conditions[key]
    dispatcher.utter_message(
        response="utter_condition_points",
        condition_name=condition.name.lower(),
        points=join_list(condition.points),
        treatment_approach=condition.treatment_approach,
    )


# Questions answered for the condition under discussion once it is narrowed
# down (the buttons under a condition's explanation); otherwise in general.
CONDITION_ANSWERS: Dict[str, Callable[[CollectingDispatcher, ConditionKnowledge, str], None]] = {
    "ask_effectiveness": condition_help,
    "ask_treatment_points": _condition_points,
}
# The response each of them utters.
CONDITION_RESPONSES = {
    "ask_effectiveness": "utter_condition_help",
    "ask_treatment_points": "utter_condition_points",
}


class AnswerLatestIntent(Action, ABC):
    """An action that answers the latest message's intent with :meth:`answer`."""

    action_name = ""
    questions: Collection[str] = ()  # the intents it answers

    def name(self) -> str:
        """Action name used in the domain."""
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Answer the latest intent, or, for a follow-up ("and thursdays?"), the last one asked.

        rasa_extensions/follow_up_questions.py runs this action for a short
        follow-up whatever its intent.
        """
        intent = latest_intent(tracker) or ""
        if intent not in self.questions or self._follows_up(tracker):
            intent = last_asked(tracker, self.questions, before_latest=True) or intent
        self.answer(dispatcher, tracker, intent)
        return []

    def _follows_up(self, tracker: Tracker) -> bool:
        """A follow-up to this action's answer, not surely a question of its own.

        "and is it free?" after the parking (the classifier's ask_price at 0.51).
        """
        text = user_text(tracker)
        intent = (tracker.latest_message or {}).get("intent") or {}
        confidence = float(intent.get("confidence") or 0.0)
        if not FOLLOW_UP.match(text) or asks_its_own_question(text, confidence):
            return False
        before = [e for e in tracker.events if e.get("event") in ("user", "action")]
        user_at = max((i for i, e in enumerate(before) if e.get("event") == "user"), default=0)
        answered = [
            e.get("name") for e in before[:user_at] if e.get("name") not in (None, "action_listen")
        ]
        return bool(answered) and answered[-1] == self.name()

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> None:
        """Answer ``intent`` (abstract, so rasa-sdk does not register this base class)."""


class ActionAnswerAcupunctureQuestion(AnswerLatestIntent):
    """Answer what acupuncture is, how it works, whether it hurts, points, effectiveness."""

    action_name = "action_answer_acupuncture_question"
    questions = tuple(ACUPUNCTURE_QUESTIONS)

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> None:
        """Answer from ``clinic/acupuncture.yml``; help and points for a known condition."""
        answer_acupuncture_question(dispatcher, tracker, intent)


def last_asked(
    tracker: Tracker, questions: Collection[str], before_latest: bool = False
) -> Optional[str]:
    """The intent of the patient's last message that asked one of ``questions``.

    ``before_latest``: of the messages before the latest one.
    """
    users = [event for event in tracker.events if event.get("event") == "user"]
    for event in reversed(users[:-1] if before_latest else users):
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name in questions:
            return str(name)
    return None


# Answers that name needles and points: a caution said before changes them.
NEEDLE_QUESTIONS = ("ask_treatment_points", "ask_does_it_hurt")


def answer_acupuncture_question(
    dispatcher: CollectingDispatcher, tracker: Tracker, intent: str
) -> None:
    """Answer the acupuncture question ``intent``, then a word on any caution said before.

    A question naming a therapy the clinic's text does not speak of ("what about
    dry needling?") is the team's: the clinic's number, not acupuncture explained.
    """
    if therapy_not_offered(user_text(tracker)):
        _not_covered(dispatcher, load_profile())
        return
    _answer_acupuncture_question(dispatcher, tracker, intent)
    texts = [str(e.get("text") or "") for e in this_session(tracker) if e.get("event") == "user"]
    if intent in NEEDLE_QUESTIONS and cautions_said(texts):
        # "are there points you avoid?" from a patient 24 weeks pregnant (audit 9).
        dispatcher.utter_message(
            response="utter_needles_with_caution", **load_profile().contact_values()
        )


def _answer_acupuncture_question(
    dispatcher: CollectingDispatcher, tracker: Tracker, intent: str
) -> None:
    """Answer the acupuncture question ``intent``; help and points for a known condition."""
    if intent in CONDITION_ANSWERS:
        knowledge = load_conditions()
        key = condition_under_discussion(tracker, knowledge)
        # Asked again ("is there actual evidence?", "how long till it works?"):
        # the general answer, not the condition's text a second time (audit 9).
        if key and last_response(tracker) != CONDITION_RESPONSES[intent]:
            CONDITION_ANSWERS[intent](dispatcher, knowledge, key)
            return
    answer_key = ACUPUNCTURE_QUESTIONS.get(intent)
    if answer_key is None:
        logger.warning("no acupuncture answer for intent %r: answering the default", intent)
        answer_key = WHAT_IS_ACUPUNCTURE
    answer = load_acupuncture_answers().answers[answer_key]
    if answer_key == WHAT_IS_ACUPUNCTURE:
        # Asked as "what happens at a session" as often as "what is it".
        visit_lengths = join_list(load_profile().visit_lengths(), conjunction="or")
        if asks_visit_length(user_text(tracker)):
            dispatcher.utter_message(response="utter_visit_length", visit_lengths=visit_lengths)
            return
        dispatcher.utter_message(
            response="utter_what_is_acupuncture", answer=answer, visit_lengths=visit_lengths
        )
        return
    dispatcher.utter_message(response="utter_acupuncture_answer", answer=answer)


def _opening_hours(dispatcher: CollectingDispatcher, profile: ClinicProfile) -> None:
    dispatcher.utter_message(
        response="utter_opening_hours",
        clinic_name=profile.name,
        hours=bullet_lines(profile.weekly_hours_lines()),
    )
    today = clinic_now(profile.zone).date()
    closures = profile.upcoming_closures(today, within_days=profile.booking.horizon_days)
    if closures:
        dispatcher.utter_message(
            response="utter_upcoming_closures",
            closures=join_list([f"{c.date:%A %-d %B} ({c.reason})" for c in closures]),
        )


def _location(dispatcher: CollectingDispatcher, profile: ClinicProfile) -> None:
    dispatcher.utter_message(
        response="utter_location",
        clinic_name=profile.name,
        **profile.contact_values(),
        directions=profile.directions or "",
    )


def _prices(dispatcher: CollectingDispatcher, profile: ClinicProfile) -> None:
    dispatcher.utter_message(response="utter_prices", prices=bullet_lines(profile.price_lines()))


def _insurance(dispatcher: CollectingDispatcher, profile: ClinicProfile) -> None:
    dispatcher.utter_message(response="utter_insurance", insurance=profile.insurance)


def _cancellation_policy(dispatcher: CollectingDispatcher, profile: ClinicProfile) -> None:
    values = {"notice": profile.booking.cancellation_notice_hours, **profile.contact_values()}
    if profile.booking.late_cancellation:
        dispatcher.utter_message(
            response="utter_cancellation_policy",
            charges=profile.booking.late_cancellation,
            **values,
        )
    else:
        dispatcher.utter_message(response="utter_cancellation_policy_charges_unknown", **values)


def _privacy(dispatcher: CollectingDispatcher, profile: ClinicProfile) -> None:
    dispatcher.utter_message(
        response="utter_privacy",
        conversation_days=profile.privacy.conversation_retention_days,
        appointment_years=profile.privacy.appointment_retention_days // 365,
        **profile.contact_values(),
    )


def _not_covered(dispatcher: CollectingDispatcher, profile: ClinicProfile) -> None:
    dispatcher.utter_message(
        response="utter_clinic_question_not_covered", **profile.contact_values()
    )


# A question about the clinic that none of its other answers covers.
PRICE_INTENT = "ask_price"
OPENING_HOURS_INTENT = "ask_opening_hours"
CLINIC_ANSWERS: Dict[str, Callable[[CollectingDispatcher, ClinicProfile], None]] = {
    OPENING_HOURS_INTENT: _opening_hours,
    "ask_location": _location,
    PRICE_INTENT: _prices,
    "ask_insurance": _insurance,
    "ask_cancellation_policy": _cancellation_policy,
    "ask_privacy": _privacy,
    CLINIC_QUESTION_INTENT: _not_covered,
}


def answer_practical_question(dispatcher: CollectingDispatcher, text: str) -> bool:
    """Answer ``text`` from ``clinic/practical.yml`` if it asks one of its topics.

    Returns whether it did. Without the sentence encoder (``make embeddings``
    not run), or with a mistake in the file, nothing is answered from it (the
    caller gives the clinic's number) and staff are told.
    """
    try:
        match = practical_answer(text)
        answer = None if match is None else match.answer.format(**load_profile().answer_values())
    except (FileNotFoundError, ClinicDataError, KeyError, ValueError, IndexError) as error:
        logger.error("ALARM practical questions unanswered: %s: %s", type(error).__name__, error)
        return False
    if match is None or answer is None:
        return False
    logger.info("practical question answered: %s (%.2f)", match.topic, match.score)
    dispatcher.utter_message(response="utter_practical_answer", answer=answer)
    return True


# "how much ibuprofen can i take for my back, i've had 6 today" read as a price question
# (audit 20 gave the price list): an amount to take is asked of the medicines topic.
_AMOUNT_TO_TAKE = re.compile(
    r"\bhow (?:much|many)\b[^?.!]{0,40}?\b(?:can|should|could|may|am)\s+(?:i|you|he|she|we|they|"
    r"my \w+)\s+(?:allowed to\s+)?(?:take|have|give|use|swallow)\b",
    re.IGNORECASE,
)


# A price asked with a reduction in mind (the profile lists none: the team decides).
_ASKS_FOR_A_REDUCTION = re.compile(
    r"\b(discounts?|discounted|concessions?|concessionary|reductions?|reduced|cheaper|students?|"
    r"pensioners?|oaps?|seniors?|retired|unwaged|unemployed|low income|sliding scale|"
    r"special offers?|mates rates)\b",
    re.IGNORECASE,
)


def answer_clinic_question(dispatcher: CollectingDispatcher, intent: str, text: str) -> None:
    """Answer ``intent`` from the profile; ``ask_clinic_other`` from clinic/practical.yml first.

    "do you treat children?" is the team's to answer, with the clinic's minimum age.
    """
    profile = load_profile()
    if intent == PRICE_INTENT and _AMOUNT_TO_TAKE.search(text):
        intent = CLINIC_QUESTION_INTENT  # "how much ibuprofen can i take": medicines, no price
    if intent == CLINIC_QUESTION_INTENT and about_young_people(text, profile.booking.minimum_age):
        dispatcher.utter_message(
            response="utter_young_patient",
            minimum_age=profile.booking.minimum_age,
            **profile.contact_values(),
        )
        return
    if intent == CLINIC_QUESTION_INTENT and answer_practical_question(dispatcher, text):
        return
    if intent == PRICE_INTENT and _ASKS_FOR_A_REDUCTION.search(text):
        # "is there a discount for pensioners?": the list, and that none is listed
        _prices(dispatcher, profile)
        dispatcher.utter_message(response="utter_no_reductions_listed", **profile.contact_values())
        return
    if intent not in CLINIC_ANSWERS:
        logger.warning(f"no clinic answer for intent {intent!r}: answering opening hours")
    CLINIC_ANSWERS.get(intent, _opening_hours)(dispatcher, profile)


def message_parts(tracker: Tracker) -> Tuple[str, str]:
    """The latest message's first part and its second part ('' when there is none)."""
    text = user_text(tracker)
    second = (tracker.latest_message or {}).get(SECOND_PART) or {}
    start = second.get("start")
    if not second or not isinstance(start, int):
        return text, ""
    return text[:start], str(second.get("text") or text[start:])


class ActionAnswerClinicQuestion(AnswerLatestIntent):
    """Answer hours, location, prices, insurance, cancelling and privacy from the clinic profile.

    Any other question about the clinic (``ask_clinic_other``) is answered
    from ``clinic/practical.yml`` when it asks one of its topics, and
    otherwise gets the clinic's number rather than a neighbouring answer.
    """

    action_name = "action_answer_clinic_question"
    questions = tuple(CLINIC_ANSWERS)

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> None:
        """Dispatch on the intent; unknown intents get the opening hours."""
        answer_clinic_question(dispatcher, intent, message_parts(tracker)[0])


# Questions of the forms that have the same reason as another's.
SAME_REASON_AS = {"booking_contact": "booking_reference"}
WHY_RESPONSE_PREFIX = "utter_why_"


class ActionExplainQuestion(Action):
    """Say why the assistant asks what it asks ("why?", "what's that for?").

    In a form, the reason for the question it is asking
    (``utter_why_<slot>``); elsewhere, a general word. The form's rule then
    asks its question again.
    """

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_explain_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Utter the reason for the requested slot, or the general one."""
        explain_question(dispatcher, tracker, domain)
        return []


def explain_question(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
) -> None:
    """The reason for the question a form is asking, or the general word.

    ``domain`` must hold the responses (``send_domain``); without them the
    general word is said.
    """
    slot = tracker.get_slot("requested_slot") if tracker.active_loop_name else None
    slot = SAME_REASON_AS.get(slot, slot) if slot else None
    response = f"{WHY_RESPONSE_PREFIX}{slot}" if slot else None
    if response not in domain.get("responses", {}):
        response = f"{WHY_RESPONSE_PREFIX}general"
    visit_lengths = join_list(load_profile().visit_lengths(), conjunction="and")
    dispatcher.utter_message(response=response, visit_lengths=visit_lengths)


# Second parts answered by saying why the assistant asks ("Jo, why do you need it?").
EXPLAINED = ("ask_why",)


def second_part_intent(tracker: Tracker) -> Optional[str]:
    """The question asked as the second part of the latest message, if any."""
    second = (tracker.latest_message or {}).get(SECOND_PART) or {}
    name = second.get("name")
    return str(name) if name else None


class ActionAnswerSecondPart(Action):
    """Answer the question that came second in a two-part message, and any after it.

    "my hip is swollen after kneeling, how much is a first visit?": the rules
    answer the first part (the hip), then this answers the price, exactly as
    if it had been asked on its own (rasa_extensions/clauses.py runs it).
    """

    def name(self) -> str:
        """Action name used in the domain."""
        return SECOND_PART_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Answer a clinic or acupuncture question; anything else is left alone."""
        intent = second_part_intent(tracker)
        if tracker.active_loop_name and not is_question(message_parts(tracker)[1]):
            # In a form, "lower down, near my bum" is an answer, not "where are you?"
            # (audit 11: the address was given): only a question is answered.
            logger.info("second part %s is no question: left to the form", intent)
            return []
        parts = [(intent, message_parts(tracker)[1])] + [
            (str(more.get("name") or ""), str(more.get("text") or ""))
            for more in (tracker.latest_message or {}).get(MORE_PARTS) or []
        ]
        answered = set()
        for name, text in parts:
            # The same answer once ("how much is it ... and the price?"); questions
            # about the clinic differ by their words.
            key = (name, text if name == CLINIC_QUESTION_INTENT else "")
            if key in answered:
                continue
            answered.add(key)
            if name and not answer_question(dispatcher, tracker, domain, name, text):
                logger.warning("Second part %s has no answer here", name)
        return []


def answer_question(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: Dict[str, Any],
    intent: str,
    text: str,
) -> bool:
    """Answer a question about the clinic or acupuncture, or "why?"; False for anything else."""
    if intent in CLINIC_ANSWERS:
        answer_clinic_question(dispatcher, intent, text)
    elif intent in ACUPUNCTURE_QUESTIONS:
        answer_acupuncture_question(dispatcher, tracker, intent)
    elif intent in EXPLAINED:
        explain_question(dispatcher, tracker, domain)
    else:
        return False
    return True
