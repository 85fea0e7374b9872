"""Actions that recognise a patient's condition and explain acupuncture for it."""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.details import booking_request, taken_back, too_young
from actions.tracker_state import latest_intent, this_session, user_text
from actions.wording import join_list
from clinic_core.knowledge import ConditionKnowledge, load_conditions
from clinic_core.names import BOOKING_FORM, CONDITION_SLOT
from clinic_core.profile import load_profile

# Parts of the body and complaints other than the hip and back: "my knee hurts
# too" is another complaint; "it's sore when I run" after sciatica is not.
OTHER_BODY_AREAS = re.compile(
    r"\b(head|headaches?|migraines?|eyes?|ears?|nose|sinus\w*|teeth|tooth|jaw|mouth|lips?|"
    r"throat|neck|shoulders?(?!\s*blades?)|arms?|elbows?|wrists?|hands?|fingers?|thumbs?|"
    r"chest|heart|lungs?|"
    r"stomach|tummy|belly|skin|rash|spots?|acne|knees?|ankles?|foot|feet|toes?|heels?|shins?|"
    r"periods?|pregnan\w*|cough\w*|cold|flu|fever|anxi\w*|depress\w*|hair|teeth|tongue)\b",
    re.IGNORECASE,
)
# The parts of the body the clinic's conditions are about: a reason naming one of
# these is the clinic's to book, whatever else it names ("knee and hip").
COVERED_BODY_AREAS = re.compile(
    r"\b(hips?|back|spine|spinal|lumbar|sciatic\w*|buttocks?|bum|glutes?|groin|legs?|thighs?|"
    r"pelvis|tailbone|coccyx|shoulder\s*blades?|bursitis|arthritis|discs?|slipped)\b",
    re.IGNORECASE,
)


def about_another_body_area(text: str) -> bool:
    """Whether ``text`` names only complaints the clinic does not cover ("it's for my knee")."""
    return bool(OTHER_BODY_AREAS.search(text)) and not COVERED_BODY_AREAS.search(text)


logger = logging.getLogger(__name__)


def condition_in_latest_message(tracker: Tracker, knowledge: ConditionKnowledge) -> Optional[str]:
    """The condition named by the latest intent, a place or an entity (the most specific).

    One the patient takes back ("for my hip, not sciatica") is not named.
    """
    intent = latest_intent(tracker)
    candidates = [intent] if intent in knowledge.conditions else []
    text = user_text(tracker)
    # "a stiff lower back": where it hurts, which DIET's entities may miss in a long message.
    candidates += [key for key, found in knowledge.conditions.items() if found.placed_in(text)]
    for value in tracker.get_latest_entity_values(CONDITION_SLOT):
        key = knowledge.find(str(value))
        if key:
            candidates.append(key)
        else:
            # Worth a line in clinic/conditions.yml (an alias) if patients say it often.
            logger.info(f"condition entity {value!r} names no condition in conditions.yml")
    withdrawn = taken_back(text, knowledge)
    return knowledge.most_specific([key for key in candidates if key not in withdrawn])


def mid_sentence(name: str) -> str:
    """A condition's name inside a sentence: "About sciatica: ...", "help with lower back pain"."""
    return name[:1].lower() + name[1:]


# "Is it sciatica or my hip joint? Can you tell me which?": asked to diagnose.
DIAGNOSIS_QUESTION = re.compile(
    r"\b(do i have|have i got|is it|is this|could it be|might it be|could this be|is that|"
    r"if i have|if i'?ve got|if it'?s|whether i have|whether it'?s)\s+"
    r"(a |an |my )?(hip )?(sciatica|arthritis|osteoarthritis|bursitis|a trapped nerve|"
    r"trapped nerve|a slipped disc|slipped disc)\b"
    r"|\b(tell me|know|say) (which|what) (it is|one it is|one|i have|i've got)\b"
    r"|\bwhat do you think (it is|i have|i've got|it could be)\b|\bwhat'?s wrong with me\b"
    r"|\bhow (do|can|would|will) i (know|tell)\b(?=[^.?!]{0,40}\b(sciatica|arthritis|bursitis|"
    r"trapped nerve|slipped disc|which one|what one|which it is|what it is)\b)"
    r"|\b(which|what) one (do i have|have i got|is it)\b"
    r"|\bdiagnos",
    re.IGNORECASE,
)


# "Will acupuncture cure my hip arthritis?", "does it help the leg pain you get
# with sciatica": asked whether it helps, which the condition's help answers
# (with "no one can promise a cure"), not what the condition is.
EFFECT_QUESTION = re.compile(
    r"\b(cure[sd]?|fix|help|helps|work|works|worth|effective|get rid of|sort (it|me) out|"
    # "could needles do anything for that?" (audit 13)
    r"do (anything|something|much)|any good|make a difference|benefit|ease|relieve|improve)\b",
    re.IGNORECASE,
)
QUESTION = re.compile(r"\?|^\W*(can|could|will|would|does|do|is|are|should)\b", re.IGNORECASE)
# "is that what I have then?", "I never said arthritis??", "so I've got bursitis?":
# a patient asking whether the information pointed to is their diagnosis, or
# objecting that it was said back as theirs.
DIAGNOSIS_OBJECTION = re.compile(
    r"\b(is that|is this|so that'?s|so this is) what('?s| is)? (i'?ve got|i have|i got|wrong)\b"
    r"(?! to\b)"  # not "is that what I have to do?"
    r"|\bso (do )?i( have|'?ve got| got) (it|that|this|\w+itis|sciatica)\b|\bso it'?s\b.*\?"
    r"|\b(i )?(never|didn'?t|did not) (said|say|mention(ed)?)\b"
    r"|\b(nobody|no one|no-one|noone)('?s| has)? (ever )?(told|said|mentioned)\b"
    r"|\bwho said\b|\bnever (been )?diagnosed\b|\bnot been diagnosed\b",
    re.IGNORECASE,
)
# The booking form's reason question, whose buttons name conditions ("Sciatica").
REASON_QUESTION = "utter_ask_condition"


def _straight_apostrophes(text: str) -> str:
    """Phones type ’ for ': "nobody’s told me" is "nobody's told me"."""
    return text.replace("\u2019", "'").replace("\u2018", "'")


def asks_or_objects(text: str) -> bool:
    """Whether ``text`` asks which condition it is, or objects to one said back."""
    plain = _straight_apostrophes(text)
    return bool(DIAGNOSIS_QUESTION.search(plain) or DIAGNOSIS_OBJECTION.search(plain))


def named_by_patient(tracker: Tracker, knowledge: ConditionKnowledge, key: str) -> bool:
    """Whether the patient named ``key`` in this session (always so, if it is no diagnosis).

    A question or an objection about it names nothing ("is that what I have?
    bursitis?", "I never said arthritis"), nor does a description button
    ("Stiff, grinding or tender joint"); a condition's own button at the
    booking form's reason question ("Sciatica") does.
    """
    condition = knowledge.conditions[key]
    if not condition.is_diagnosis:
        return True
    asked_for_reason = False
    for event in this_session(tracker):
        if event.get("event") == "bot":
            asked_for_reason = (event.get("metadata") or {}).get("utter_action") == REASON_QUESTION
        elif event.get("event") == "user":
            text = str(event.get("text") or "")
            if text.startswith("/"):
                if asked_for_reason and f'"{key}"' in text:
                    return True
            elif not asks_or_objects(text) and condition.named_in(text):
                return True
    return False


def explained_before(tracker: Tracker, knowledge: ConditionKnowledge, key: str) -> bool:
    """Whether ``key`` was the condition talked of before the latest message.

    The slot itself may already hold it: Rasa fills it from the latest
    message's entity before the action runs.
    """
    value = None
    events = this_session(tracker)
    latest = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    for event in events[:latest]:
        if event.get("event") == "slot" and event.get("name") == CONDITION_SLOT:
            value = event.get("value")
    return knowledge.find(value) == key


def reason_for_booking(tracker: Tracker) -> Optional[str]:
    """The reason a booking records: a diagnosis only if the patient named it.

    A patient who described their pain and was pointed to a condition's
    information is booked for the family's pain ("Hip pain"), so neither the
    summary nor the clinic's records say back a diagnosis nobody made.
    """
    value = tracker.get_slot(CONDITION_SLOT)
    knowledge = load_conditions()
    key = knowledge.find(value)
    if key is None or named_by_patient(tracker, knowledge, key):
        return value
    return knowledge.general_of(key) or value


def condition_help(
    dispatcher: CollectingDispatcher, knowledge: ConditionKnowledge, key: str
) -> None:
    """How acupuncture helps the condition, its signs, and that no one can promise a cure."""
    condition = knowledge.conditions[key]
    dispatcher.utter_message(
        response="utter_condition_help",
        condition_name=condition.name.lower(),
        symptoms=join_list(condition.symptoms),
        how_acupuncture_helps=condition.how_acupuncture_helps,
        # when to get help first, if some of the signs can be a red flag
        disclaimer=" ".join(filter(None, (condition.see_a_doctor_if, knowledge.disclaimer))),
    )


def explain_condition(
    dispatcher: CollectingDispatcher,
    knowledge: ConditionKnowledge,
    key: str,
    text: str = "",
    explained_before: bool = False,
    named: Optional[bool] = None,
) -> List[EventType]:
    """Utter what the condition is in a few sentences; the rest is behind its buttons.

    The buttons ask how acupuncture helps and which points are used (answered
    by ``action_answer_acupuncture_question`` for the condition in the slot),
    or book: a first reply that fits a phone screen, the full text one tap away.
    Asked to say which condition it is (``text``), it says first that it cannot;
    asked again about the one it has just explained (``explained_before``), it
    says only that. A diagnosis the patient did not name (``named``; by
    default, whether ``text`` names it) is introduced as information that
    matches what they described, never as theirs.
    """
    condition = knowledge.conditions[key]
    name = mid_sentence(condition.name)
    if named is None:
        named = not condition.is_diagnosis or condition.named_in(text)
    if asks_or_objects(text):
        if explained_before:
            dispatcher.utter_message(
                response="utter_cannot_diagnose_condition", condition_name=name
            )
            return []
        # "... is it sciatica?": that it can't say comes first, then general information
        # about the condition, not "what you describe is among its signs" (read as a yes).
        dispatcher.utter_message(response="utter_cannot_diagnose")
        named = True
    elif EFFECT_QUESTION.search(text) and QUESTION.search(text):
        condition_help(dispatcher, knowledge, key)
        return [SlotSet(CONDITION_SLOT, key)]
    dispatcher.utter_message(
        response="utter_condition_overview" if named else "utter_condition_overview_described",
        condition_name=name,
        what_it_is=condition.what_it_is,
    )
    return [SlotSet(CONDITION_SLOT, key)]


def explain_in_conversation(
    dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: ConditionKnowledge, key: str
) -> List[EventType]:
    """:func:`explain_condition` for the latest message, with what this session said before."""
    return explain_condition(
        dispatcher,
        knowledge,
        key,
        user_text(tracker),
        explained_before(tracker, knowledge, key),
        named_by_patient(tracker, knowledge, key),
    )


def condition_under_discussion(tracker: Tracker, knowledge: ConditionKnowledge) -> Optional[str]:
    """The specific condition named now or earlier, if the pain was narrowed down."""
    key = condition_in_latest_message(tracker, knowledge) or knowledge.find(
        tracker.get_slot(CONDITION_SLOT)
    )
    return key if key and knowledge.conditions[key].specific else None


class ActionExplainCondition(Action):
    """Explain the condition from the intent, an entity, or the conversation so far."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_explain_condition"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Explain the condition, or ask which one when none is known.

        A booking request that names a condition ("can I book a first visit
        for my sciatica next Thursday at 4pm?") starts the booking form instead;
        a child's or young person's pain ("my 9 year old son has back ache")
        is the team's to advise on.
        """
        profile = load_profile()
        if too_young(user_text(tracker), profile.booking.minimum_age):
            dispatcher.utter_message(
                response="utter_young_patient",
                minimum_age=profile.booking.minimum_age,
                **profile.contact_values(),
            )
            return []
        # ...and so does a day said beside it ("the 15th first thing, hip arthritis").
        if booking_request(tracker, day_alone=True):
            return [FollowupAction(BOOKING_FORM)]
        knowledge = load_conditions()
        key = condition_in_latest_message(tracker, knowledge) or knowledge.find(
            tracker.get_slot(CONDITION_SLOT)
        )
        if key is None:
            dispatcher.utter_message(response="utter_ask_which_condition")
            return []
        return explain_in_conversation(dispatcher, tracker, knowledge, key)


class ActionNarrowPain(Action):
    """Ask narrowing questions when the patient said only "hip pain" or "back pain"."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_narrow_pain"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Ask the family's narrowing question with one button per option."""
        knowledge = load_conditions()
        key = condition_in_latest_message(tracker, knowledge)
        if key and knowledge.conditions[key].specific:
            # "my hip hurts, I think it's bursitis": already narrowed.
            return explain_in_conversation(dispatcher, tracker, knowledge, key)
        general = key or knowledge.find(tracker.get_slot(CONDITION_SLOT))
        narrowing = knowledge.conditions[general].narrowing if general else None
        if general is None or narrowing is None:
            dispatcher.utter_message(response="utter_ask_which_condition")
            return []
        buttons = [
            {"title": option.title, "payload": f'/inform{{"condition": "{option.condition}"}}'}
            for option in narrowing.options
        ]
        dispatcher.utter_message(text=narrowing.question, buttons=buttons)
        return [SlotSet(CONDITION_SLOT, general)]
