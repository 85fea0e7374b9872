"""Actions for red flags, complaints outside hip and back, and human handoff."""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from typing import Any, Dict, Iterable, List, Set

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.details import about_young_people
from actions.booking.interruptions import QUESTION_GROUP, load_interruptions
from actions.conditions import (
    OTHER_BODY_AREAS,
    condition_under_discussion,
    mid_sentence,
    named_by_patient,
)
from actions.questions import answer_acupuncture_question, answer_question
from actions.tracker_state import latest_intent, user_text
from clinic_core.clock import clinic_now
from clinic_core.knowledge import load_conditions
from clinic_core.message_parts import SECOND_PART, TRIAGE
from clinic_core.names import (
    CONDITION_SLOT,
    EMERGENCY_SLOT,
    HANDOFF_SLOT,
    OTHER_LANGUAGE_ACTION,
    RED_FLAG_REMINDER_ACTION,
    RED_FLAG_WHAT_IF_ACTION,
    STILL_REMINDED_INTENTS,
)
from clinic_core.profile import Emergency, load_profile
from clinic_core.red_flag_screen import SCREEN_CONCEPT
from clinic_core.red_flags import RED_FLAG_ENTITY, RED_FLAG_SLOT, Concept, load_red_flags
from clinic_core.safety_replies import (
    AFTER_SELF_HARM_REPLY,
    Reply,
    other_language_replies,
    red_flag_note,
    red_flag_replies,
    red_flags_named,
    reminder_replies,
    what_if_replies,
)

logger = logging.getLogger(__name__)


def send_replies(dispatcher: CollectingDispatcher, replies: Iterable[Reply]) -> None:
    """Send each reply chosen by clinic_core.safety_replies, in order."""
    for reply in replies:
        dispatcher.utter_message(response=reply.response, **reply.values)


def red_flag_values(tracker: Tracker) -> Set[str]:
    """The concept ids the safety layer found in the latest message."""
    return {
        str(entity.get("value"))
        for entity in tracker.latest_message.get("entities") or []
        if entity.get("entity") == RED_FLAG_ENTITY
    }


def red_flags_in(tracker: Tracker) -> List[Concept]:
    """The listed red flags the safety layer found in the latest message (file order)."""
    return red_flags_named(sorted(red_flag_values(tracker)))


class RedFlagAction(Action, ABC):
    """Answer a red flag of one level and flag the conversation for staff."""

    level: str  # a level of clinic/red_flags.yml

    def name(self) -> str:
        """Action name used in the domain: ``action_<level intent>``."""
        return load_red_flags().level(self.level).action

    @abstractmethod
    def reply(
        self, dispatcher: CollectingDispatcher, emergency: Emergency, concepts: List[Concept]
    ) -> List[EventType]:
        """Utter the level's advice; the events beyond the staff flag."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Reply, log an ``ALARM`` line and keep what matched in the ``red_flag`` slot."""
        concepts = red_flags_in(tracker)
        profile = load_profile()
        events = self.reply(dispatcher, profile.emergency, concepts)
        if (tracker.active_loop or {}).get("name") in load_interruptions().forms:
            # The form ends here: "yes cancel it" said with a red flag must not leave
            # the patient thinking it was done (audit 13).
            dispatcher.utter_message(
                response="utter_nothing_changed_after_red_flag", **profile.contact_values()
            )
        note = red_flag_note(self.level, concepts, SCREEN_CONCEPT in red_flag_values(tracker))
        logger.warning("ALARM red flag in conversation %s: %s", tracker.sender_id, note)
        return [*events, SlotSet(RED_FLAG_SLOT, note)]


class ActionEmergency(RedFlagAction):
    """Send the patient to emergency services; no sales talk, no booking offer."""

    level = "emergency"

    def reply(
        self, dispatcher: CollectingDispatcher, emergency: Emergency, concepts: List[Concept]
    ) -> List[EventType]:
        """Call the emergency number now; the crisis line for thoughts of self-harm."""
        send_replies(dispatcher, red_flag_replies(self.level, concepts, emergency))
        return [SlotSet(EMERGENCY_SLOT, True)]


class ActionUrgentSymptoms(RedFlagAction):
    """Send the patient to a doctor today; no booking offer in this turn."""

    level = "urgent"

    def reply(
        self, dispatcher: CollectingDispatcher, emergency: Emergency, concepts: List[Concept]
    ) -> List[EventType]:
        """See a GP today or call the advice line; the emergency number if it gets worse."""
        send_replies(dispatcher, red_flag_replies(self.level, concepts, emergency))
        return []


class ActionRedFlagReminder(Action):
    """The message after a red-flag reply: the advice again, briefly, with no menu."""

    def name(self) -> str:
        """Action name used in the domain."""
        return RED_FLAG_REMINDER_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Repeat the last red-flag reply's advice (clinic_core.safety_replies.reminder_replies).

        After the crisis line, a question asked with it is answered too.
        """
        profile = load_profile()
        replies = reminder_replies(
            user_text(tracker), list(tracker.events), profile.emergency, profile.contact_values()
        )
        send_replies(dispatcher, replies)
        if replies[0].response == AFTER_SELF_HARM_REPLY:
            self.answer_asked_too(dispatcher, tracker, domain)
        return []

    @staticmethod
    def answer_asked_too(
        dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> None:
        """A question about acupuncture or the clinic, answered after the reminder.

        "its fine im not going to do anything. can acupuncture actually help after
        6 years though" got the crisis line alone, twice (audit 23): the patient felt
        stonewalled. After the crisis line the question is answered too; after "call
        999 now" or "see a doctor first" the advice stays alone (it says so).
        """
        second = (tracker.latest_message or {}).get(SECOND_PART) or {}
        declaration = load_interruptions()
        for intent in (latest_intent(tracker), second.get("name")):
            # "why?" asks why the advice was given: the reminder is its answer
            if (
                intent
                and declaration.group_of(intent) == QUESTION_GROUP
                and intent not in STILL_REMINDED_INTENTS
            ):
                answer_question(dispatcher, tracker, domain, intent, user_text(tracker))
                return


class ActionRedFlagWhatIf(Action):
    """A red flag asked about as a what-if: what to do if it happens."""

    def name(self) -> str:
        """Action name used in the domain."""
        return RED_FLAG_WHAT_IF_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Say where to go if it happens (audit 12).

        "would I need to go to hospital if I couldn't pee?" had got "I'd rather
        not guess", and "if someone suddenly couldn't control their bladder,
        would you still treat them?" the answer about health conditions that
        need care with acupuncture.
        """
        message = tracker.latest_message or {}
        set_aside = (message.get(TRIAGE) or {}).get("set_aside") or []
        send_replies(
            dispatcher, what_if_replies(user_text(tracker), set_aside, load_profile().emergency)
        )
        return []


class ActionOtherLanguage(Action):
    """A message in another language: what the assistant reads, and the emergency number."""

    def name(self) -> str:
        """Action name used in the domain."""
        return OTHER_LANGUAGE_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Say so in English (audit 19: a red flag in French got "I can't answer that one")."""
        logger.info("Message in another language in %s", tracker.sender_id)
        send_replies(dispatcher, other_language_replies(load_profile()))
        return []


# "is that something you treat", "can you help with it": a question about what was just discussed.
REFERS_BACK = re.compile(
    r"^(?=.*\b(that|it|this|these|those|them)\b)(?=.*\b(treat|treated|help|cover|deal with|"
    r"fix|do anything|work)\b)",
    re.IGNORECASE,
)


MAX_WORDS_ABOUT_THE_PAIN = 15


class ActionOtherSymptom(Action):
    """Say honestly that the assistant covers hip and back pain; offer a person."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_other_symptom"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Utter the out-of-area answer with the clinic's contact details.

        "is that something you treat?" right after a condition was explained
        asks about that condition, not about something else: it gets how
        acupuncture helps with it. More about the pain already discussed, with
        no other part of the body named, is taken as that.
        """
        text = str((tracker.latest_message or {}).get("text") or "")
        profile = load_profile()
        if about_young_people(text, profile.booking.minimum_age):
            # "do you treat children?", "my 9 year old son has back ache": the age is
            # the reason, not the part of the body (audit 7).
            dispatcher.utter_message(
                response="utter_young_patient",
                minimum_age=profile.booking.minimum_age,
                **profile.contact_values(),
            )
            return []
        knowledge = load_conditions()
        if REFERS_BACK.search(text) and len(text.split()) <= 8:
            key = condition_under_discussion(tracker, knowledge)
            if key:
                answer_acupuncture_question(dispatcher, tracker, "ask_effectiveness")
                return []
        # "it's sore when I run", "been going on 4 months" once the pain is
        # known: more about it, not a complaint elsewhere.
        discussed = knowledge.find(tracker.get_slot(CONDITION_SLOT))
        if (
            discussed
            and not OTHER_BODY_AREAS.search(text)
            and len(text.split()) <= MAX_WORDS_ABOUT_THE_PAIN
        ):
            if not named_by_patient(tracker, knowledge, discussed):
                # a diagnosis pointed to, never said back as theirs
                discussed = knowledge.general_of(discussed) or discussed
            if tracker.active_loop_name:
                # Said at a question of the booking (audit 11): not "Would you like to book".
                dispatcher.utter_message(response="utter_more_about_the_pain_in_form")
                return []
            dispatcher.utter_message(
                response="utter_more_about_the_pain",
                condition_name=mid_sentence(knowledge.conditions[discussed].name),
            )
            return []
        dispatcher.utter_message(response="utter_other_symptom", **profile.contact_values())
        return []


class ActionHumanHandoff(Action):
    """Give the clinic's contact details and mark the conversation for staff."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Utter contact details with today's hours and set the handoff flag."""
        profile = load_profile()
        today = clinic_now(profile.zone).date()
        dispatcher.utter_message(
            response="utter_handoff",
            **profile.contact_values(),
            hours_today=profile.hours_text(today),
        )
        return [SlotSet(HANDOFF_SLOT, True)]
