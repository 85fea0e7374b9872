"""Validation of the booking forms: one small method per slot (formbot style).

``appointment_form`` books; ``manage_booking_form`` checks, cancels or
reschedules an existing booking. Both share the date and time handling in
:class:`DateTimeValidation`, an abstract base that rasa-sdk does not register
as an action.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from abc import ABC, abstractmethod
from contextvars import ContextVar
from typing import Any, Dict, List, Optional, Set, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.booking.availability import (
    appointment_minutes,
    bookable_day,
    day_problem,
    free_on_days,
    free_starts,
    in_part_of_day,
    taken_on,
    time_problem,
    too_late_to_change,
)
from actions.booking.details import (
    Details,
    condition_in_text,
    condition_said_by_patient,
    corrected_name,
    for_someone_else,
    is_correction,
    looks_like_name,
    only_contact,
    only_visit_kind,
    only_when_to_come,
    other_area_in_text,
    patient_type_in,
    phone_in,
    read_details,
    says_something_else,
    told,
    too_young,
    when_in,
    without_contact,
    without_courtesy,
)
from actions.booking.interruptions import QUESTION_GROUP, STOP_GROUP, load_interruptions
from actions.booking.lookup_guard import (
    LOCKED,
    LOOKUP_ENDED,
    WAS_CANCELLED,
    booked_for_patient,
    locked_out,
    record_failure,
    verified_appointment,
)
from actions.booking.offer_choice import offered_buttons, offered_with, picked_offer
from actions.conditions import about_another_body_area, condition_in_latest_message
from actions.tracker_state import (
    confirms,
    last_response,
    latest_intent,
    moving_reference,
    responses_this_turn,
    says_yes,
    slot_when_the_message_came,
    this_session,
    user_text,
)
from actions.wording import join_list
from clinic_core.cautions import sentences_telling
from clinic_core.clock import clinic_now
from clinic_core.contact_details import (
    clean_name,
    contact_taken_back,
    find_email,
    find_phone,
    shown_contact,
    unusable_phone,
)
from clinic_core.knowledge import ConditionKnowledge, load_conditions
from clinic_core.language import answers_with_a_name
from clinic_core.message_parts import OTHER_LANGUAGE, SECOND_PART
from clinic_core.names import (
    ALARM_SLOT,
    BOOKING_FORM,
    BOOKING_INTENT,
    LAST_BOOKING_REFERENCE_SLOT,
    MANAGE_FORM,
)
from clinic_core.profile import ClinicProfile, load_profile
from clinic_core.questions import (
    ACKNOWLEDGING_WORDS,
    BOOKED_UP,
    SENTENCE,
    has_a_question_sentence,
    is_question,
)
from clinic_core.store import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    Appointment,
    StoreUnavailableError,
    get_store,
)
from clinic_core.time_of_day import bounded_part, is_part_of_day, said_as
from clinic_core.when import (
    MONTH_WORD,
    WEEKDAY_WORD,
    When,
    bare_hour,
    said_from_booked,
    same_weekday_after,
    shift_asked,
)

logger = logging.getLogger(__name__)

REQUESTED = "requested_slot"
# Questions whose answer is free text: while they are asked, other details
# count only as a correction ("actually make it Friday").
FREE_TEXT = ("condition", "notes")
CONFIRMATIONS = ("booking_confirmed", "manage_confirmed")
# A no to the summary that is not "something is wrong": not booking after all.
# The notes taken back: "can you take the note off", "and no notes", "the notes
# shouldn't say first visit" (audit 12: read as a cancellation, it stopped the booking).
NOTES_REMOVED = re.compile(
    r"\b(?:no|without|remove|delete|clear|take (?:off|out)|drop|get rid of|scrap)\b[^.?!]{0,20}"
    r"\bnotes?\b|\bnotes?\b[^.?!]{0,25}\b(?:off|out|removed?|deleted?|cleared|empty|blank|"
    r"shouldn'?t|should not|wrong)\b",
    re.IGNORECASE,
)
# Times after or before those offered: "nothing later in the day?", "anything earlier".
# Not a later day ("later in the week"), nor a booking put off ("I'll book later").
LATER_OR_EARLIER = re.compile(
    r"^(?!.*\b(?:book|call|ring|decide|think|come back|let you know)\b.*\blater\b)"
    r".*\b(later|earlier)\b(?!\s+(?:in|on|this|next)\s+(?:the\s+)?(?:week|month|year))",
    re.IGNORECASE | re.DOTALL,
)
# "a later date", "a later day": another day, not other hours.
_LATER_DAY = re.compile(r"\b(?:later|earlier)\s+(?:date|day|week|month)\b", re.IGNORECASE)
TIME_PAYLOAD = re.compile(r"^\d{2}:\d{2}$")
# "keep it, i'll get the train instead" at "Cancel your appointment...?" is a no (audit 17).
KEEP_IT = re.compile(
    r"^\W*(?:(?:no|nah|actually|oh|ok|okay|hmm+)\W+)*(?:please\s+)?(?:keep|leave)\s+"
    r"(?:it|that|the appointment|my appointment|the booking|my booking)\b(?!\s+(?:at|on|for|to)\b)",
    re.IGNORECASE,
)
# No notes, said before the notes question: "..., first visit, nothing to add".
NO_NOTES_SAID = re.compile(
    r"\b(?:no (?:other |extra |special |further )?notes?|nothing (?:else )?to add|"
    r"nothing (?:else )?(?:for|the acupuncturist needs to know))\b",
    re.IGNORECASE,
)
LEAVE_IT = re.compile(
    r"\b(leave it|forget (it|about it)|never ?mind|don'?t bother|not (now|today|yet)|"
    r"another time|see how (i|it|things) (feel|feels|goes|go)|think about it|hold off|"
    r"no,? thanks?|no,? thank you|changed my mind|i'?ll wait)\b",
    re.IGNORECASE,
)
SUMMARY = "utter_booking_summary"
# A reason that names nothing: the "Something else" button, "other", "not listed".
VAGUE_REASON = re.compile(
    r"\W*(something|anything)( else| different)?|other|another( thing)?|none of (those|these|them)|"
    r"not (listed|there|on the list)\W*",
    re.IGNORECASE,
)
# Replies of validate_condition that ask for the reason themselves, in words:
# action_ask_condition does not ask it again with buttons (audit 8: "Something
# else" got "What is it about?" and the button question one after the other).
REASON_ASKED_IN_WORDS = (
    "utter_ask_reason_in_words", "utter_reason_not_understood", "utter_reason_after_name",
)  # fmt: skip
# A reason answer read as a name's intent, naming no symptom, body part or condition,
# without a word like "same" or "as" and written like a name, is a name typed a
# question early ("ryan", audit 8); "same as before" is not.
NAME_INTENT = "inform"
REASON_ENTITIES = ("symptom", "body_part", "condition")
MAX_NAME_AS_REASON_WORDS = 3
# The reason said again, at any question: "no its for my lower back not kay" at the
# summary (audit 9 kept "kay").
REASON_RESTATED = re.compile(
    r"\b(?:it'?s|its|it is|it was|that'?s|should be|meant to be)\s+(?:for|about)\b"
    # "can you put it down as hip", "book it as hip pain", "more my hip than the sciatica"
    r"|\b(?:put|down|book|booked|record|recorded|list|listed|log|logged)\s+(?:it\s+)?(?:down\s+)?as\b"
    r"|\b(?:more|mostly|mainly)\s+(?:my\s+|the\s+)?[a-z]+(?:\s+[a-z]+)?\s+than\b",
    re.IGNORECASE,
)
# Free times on several days (in a row, or listed), offered with "or tell me another
# day": the day question is not asked after them (action_ask_appointment_date).
DAYS_IN_A_ROW_OFFERED = "utter_free_times_on_days"
DAYS_LISTED_OFFERED = "utter_free_times_on_these_days"
# None free on the days said: the first free times after them.
LATER_DAYS_OFFERED = "utter_free_times_after_days"
DAYS_OFFERED = (DAYS_IN_A_ROW_OFFERED, DAYS_LISTED_OFFERED, LATER_DAYS_OFFERED)
# How far past a vague day's last day free times are looked for when it has none:
# days after days in a row, weeks of the same weekdays after weekdays.
DAYS_LOOKED_AFTER = 14
WEEKS_LOOKED_AFTER = 4


def in_a_row(days: List[dt.date]) -> bool:
    """Whether ``days`` (sorted) are consecutive: "next Thursday" on a Wednesday is two apart."""
    return (days[-1] - days[0]).days + 1 == len(days)


def days_after(days: List[dt.date]) -> List[dt.date]:
    """The days to look at after ``days`` have nothing free.

    After days in a row ("earliest possible", "next week") the fortnight after;
    after weekdays ("saturdays", "monday or tuesday") the same weekdays of the
    four weeks after.
    """
    if in_a_row(days):
        return [days[-1] + dt.timedelta(days=n) for n in range(1, DAYS_LOOKED_AFTER + 1)]
    weekdays = {day.weekday() for day in days}
    return [
        days[-1] + dt.timedelta(days=n)
        for n in range(1, WEEKS_LOOKED_AFTER * 7 + 1)
        if (days[-1] + dt.timedelta(days=n)).weekday() in weekdays
    ]


# Every offer of days or times as buttons, and the reply to "none of those".
OFFERS_OF_DAYS_OR_TIMES = (
    *DAYS_OFFERED,
    "utter_nearest_free_times",
    "utter_nearest_free_days",
    "utter_time_choices",
)
NONE_OF_THOSE = "utter_none_of_those"
NONE_OF_THEM = re.compile(
    r"^(?=.*[a-z])(?!.*\bthank)\W*"
    r"(?:no+|nope|nah|neither|none|not really|sorry|afraid not|unfortunately not)?\W*"
    r"(?:(?:none|neither|not any) (?:of (?:those|them|these))?(?: (?:suit|suits|work|works|"
    r"are any good|is any good|is good|are good|do))?(?: for me)?|"
    r"(?:those|they|them|these) (?:don'?t|do not|won'?t|will not) (?:suit|work|do)(?: for me)?|"
    r"(?:those|these) (?:are|r) no good|no good|can'?t do (?:those|any of those|them)|"
    r"(?:any|something) (?:other|else)|others?)?"
    r"(?:\W+(?:sorry|i'?m afraid|unfortunately))*\W*$",
    re.IGNORECASE,
)
# Asked after a no to the summary: any detail in the answer is a change.
WHAT_TO_CHANGE = "utter_what_to_change"
# ...and a detail named without its new value ("the name", "wrong number") is asked
# for again (audit 14: "The name" got "Sorry, I didn't get that" twice).
DETAILS_TO_ASK_AGAIN = (
    (re.compile(r"\b(?:name|surname)\b", re.I), ("patient_name",)),
    (re.compile(r"\b(?:phone|number|mobile|email|contact)\b", re.I), ("contact", "phone", "email")),
    (re.compile(r"\b(?:day|date)\b", re.I), ("appointment_date", "appointment_time")),
    (re.compile(r"\btime\b", re.I), ("appointment_time",)),
)
MAX_WORDS_NAMING_A_DETAIL = 5  # "the name", "change the phone number please"
# After these, a contact said earlier has been tried or answered already.
CONTACT_TRIED = frozenset(
    {
        "utter_booking_not_found",
        "utter_booking_was_cancelled",
        "utter_lookup_locked",
        "utter_ask_booking_contact",
    }
)
STOP_ACTION = "action_stop_booking"
DAY_TALKED_OF = "day_talked_of"  # the day refused last (domain.yml)
# Who the appointment is for: forgotten when the next booking is for someone else.
PATIENT_SLOTS = ("patient_name", "patient_type", "condition")
# The intent whose rule starts appointment_form (data/rules.yml): at the
# summary, asking for the booking again ("book it") confirms it.
BOOKING_REQUEST = BOOKING_INTENT
# How sure the classifier must be before an interrupting intent (declared in
# clinic/form_interruptions.yml) beats a message that could be the answer:
# a free-text reply needs CONFIDENT, a reply that reads as a question less.
CONFIDENT = 0.9
QUESTION_CONFIDENT = 0.5
# Leaving a form in the patient's words: each pattern is one way of saying it,
# matched from the start of the message; read whatever the classifier took them for.
_OPENERS = (
    r"((never ?mind|forget (it|about it)|leave it|actually|no|oh|sorry|you know what|"
    r"on second thoughts?|hmm+|ok|okay|tbh|to be honest|ugh+|argh+|meh|ah|right|well|fine|"
    r"alright|nah|hold on|wait|too complicated|not to worry|what|huh|eh)\W+)*"
)
LEAVING_PATTERNS: Tuple[str, ...] = (
    # the words of leaving alone
    r"\s*(stop|quit|exit|never ?mind|forget (it|about it)|cancel( (it|that|this))?|"
    r"i don'?t want to (book|do this)( anymore)?|no,? stop)\W*$",
    # "actually forget it, not today thanks": leaving, whatever follows.
    r"\W*(actually\W+|oh\W+)?(forget (it|about it)|never ?mind|leave it)\W+"
    r"(not (today|now|right now|yet)|(no )?thanks|thank you|maybe (later|another time)|"
    r"another time)\b",
    # "never mind, I'll call instead", "I'll ring you", "hold on i need to check my shifts
    # first, ill come back to you", "i'll come back later" (audit 18: taken as the name)
    r"\W*" + _OPENERS + r"(i'?ll|i will|i'?d rather|let me|i need to|i have to|i'?ll need to|"
    r"i must|we'?ll|we will)\s+(just\s+)?(first\s+)?"
    r"(call|ring|phone|pop in|come in|think about it|book later|try later|do (it|this) later|"
    r"check with|check my (shifts|diary|calendar|rota|schedule|work)|ask my|speak to my|talk to my|"
    r"get back to you|let you know|"
    r"sort it later|come back (later|to you|another time|when)|discuss it|talk it over)\b"
    # ...not a day given: "I'll come in on Tuesday", "I'll pop in at 10"
    r"(?!\s+(on\s+|at\s+|this\s+|next\s+)?(mon|tue|wed|thu|fri|sat|sun|tomorrow|today|\d))",
    # "ok leave it as it is then thanks", "ok forget it, keep it as it is" (audits 15, 18)
    # ...and "just keep my 6th january appointment as it is" (audit 21)
    r"\W*" + _OPENERS + r"(just\s+)?(leave|keep)\s+"
    r"(it|that|things|(?:my|the|her|his|our)\s+(?:[\w/]+\s+){0,3}(?:appointment|booking|slot))\s+"
    r"(as it is|as is|as it was|where it is|how it is|for now|then)\b",
    # "hmm cant do afternoons. tbh forget it for now, ill ring you next week", "I said forget
    # it, not booking today thanks" (audit 17: read as days)
    r".*\b(?:forget (?:it|about it)|never ?mind)\b(?:\W+(?:for now|then|thanks|thank you))*\W+"
    r"(?:i'?ll (?:ring|call|phone|book|sort|try|get back)|not (?:booking|today|now|yet)|"
    r"keep it|leave it)\b",
    # "keep my original appointment please, don't change anything" (audit 16: a cancellation)
    r"\W*((ok|okay|actually|no|nah|oh)\W+)*(just\s+)?(keep|leave)\s+(my|the)\s+"
    r"(original|current|existing|old|first)\s+(appointment|booking|time|slot|one)\b",
    # "actually no worries", "no worries then, thanks" (audit 16)
    r"\W*((actually|ok|okay|oh|ah|right)\W+)*no worries\W*"
    r"((then|thanks|thank you|cheers|bye)\W*)*$",
    # "thanks bye", "ok bye", "no thanks bye": leaving.
    r"\W*((no\W+)?(thanks|thank you)|ok|okay|cheers|ta)?\W*(bye|goodbye|bye bye|see you|ta ta)\W*$",
    # "no dont book anything", "not booking today" (audit 18: "let's finish it first")
    r"\W*" + _OPENERS + r"(please\s+)?(do ?n'?t|do not|dont) book (anything|it|me in|him in|her in|"
    r"us in)\b",
    r"\W*" + _OPENERS + r"(i'?m |we'?re )?not booking\b(?!\s+for)",
    # "on second thoughts we'll wait until after his scan results", "too complicated, we'll just
    # phone you", "Actually, I'll discuss it with him first and ring you" (audit 18)
    r".*\b(i'?ll|i will|we'?ll|we will|let'?s)\s+(just\s+)?(wait (until|till|til) after|"
    r"leave it (for now|there|until|till)|phone you|ring you|call you|give you a (ring|call|bell)|"
    r"discuss it with|talk it over with|get back to you|come back to you)\b",
    # "ah not to worry, ill leave it for now then" (audit 18: read as a day)
    r".*\bleave it for now\b",
    # "I didn't ask to book yet. Do you treat neck pain?" (audit 20: "Sorry, I didn't get
    # that" until "stop")
    r"\W*" + _OPENERS + r"(?:but\s+)?i\s+(?:did\s*n[o']?t|did not|never|have\s*n[o']?t|have not|"
    r"was\s*n[o']?t|was not)\s+(?:ask(?:ed)?|want(?:ed)?|say|said|trying|going)\s+"
    r"(?:for\s+a\s+booking|(?:you\s+)?to\s+book|a\s+booking|an\s+appointment)\b"
    # ...not a day corrected: "I didn't ask to book on Monday, I said Tuesday"
    r"(?!\s+(?:on|for|at|this|next|in)\b)",
)
STOP_WORDS = re.compile("^(" + "|".join(f"(?:{p})" for p in LEAVING_PATTERNS) + ")", re.IGNORECASE)
# Asked for a booking reference or the contact that goes with it, "no that's fine, it's meant
# to be cancelled. ta" leaves (audit 19 looped). Only there: at the notes question the same
# words mean "no notes".
NO_NEED = re.compile(
    r"^\W*((no|nah|nope|oh|ok|okay|actually|it'?s ok|sorry)\W+)*("
    r"(that'?s|thats|it'?s|its)\s+(fine|ok|okay|alright|all right|grand|ok now)|"
    r"no thanks?|no thank you|thanks anyway|(don'?t|do not) worry|(doesn'?t|does not) matter|"
    r"not needed|no need)\b",
    re.IGNORECASE,
)
LOOKUP_QUESTIONS = ("booking_reference", "booking_contact")
# "I don't have the reference", "lost it", "no idea what that is": asked for the reference.
NO_REFERENCE = re.compile(
    r"\b(do ?n[o']?t|do not|dont|never) (have|know|remember|got|get)\b|\b(lost|forgot|forgotten|"
    r"can'?t find|cannot find|can'?t remember|no idea|not sure|what reference|which reference|"
    r"what'?s that|what is that|deleted|haven'?t got)\b",
    re.IGNORECASE,
)
# Asking to move rather than cancel: "can I move it to Monday instead?".
MOVE_INSTEAD = re.compile(
    r"\b(move|moving|change|reschedule|rearrange|switch|swap|instead|another day|different day)\b",
    re.IGNORECASE,
)
MISSING = "missing"  # the slot value of "I don't have the reference"
CONTACT_FIRST = "contact first"  # ...of a phone or email typed at the reference question


# A phone number or email given in place of the other: "use my daughter's mobile
# instead of the email, 07890 654321" (audit 19 kept both).
INSTEAD_OF_THE_OTHER = re.compile(
    r"\binstead\b|\brather than\b|\bnot (?:the|my|by|via) (?:e-?mail|phone|number|mobile)\b|"
    r"\b(?:don'?t|do not) (?:e-?mail|call|ring|phone|text)\b",
    re.IGNORECASE,
)


def is_reference(text: str) -> bool:
    """Whether ``text`` is written as one of the clinic's booking references."""
    return len(text) == REFERENCE_LENGTH and all(ch in REFERENCE_ALPHABET for ch in text)


# ...said with the request: the reference named, and not had.
LOST_REFERENCE = re.compile(
    r"(?=.*\b(?:ref|reference|booking number|booking code|confirmation)\b)(?:"
    + NO_REFERENCE.pattern
    + ")",
    re.IGNORECASE,
)
# "no", "nothing to add", "none, thanks": no notes.
NOTHING = re.compile(
    r"^\s*(no|nope|none|nothing|n/a|na|nothing( else| to add)?|not really)"
    r"(\W+(thanks?|thank you|thanks a lot|cheers|ta))?\W*$",
    re.I,
)
MAX_REASON = 200
MAX_NOTES = 500


def cautions_told(tracker: Tracker) -> List[str]:
    """The patient's own sentences this session that tell of a caution ("I'm 24 weeks pregnant").

    Said before the notes question, not at it: the question offers to pass them on.
    """
    texts = [
        str(event.get("text") or "")
        for event in this_session(tracker)
        if event.get("event") == "user"
    ]
    if asked(tracker, "notes") and texts:
        texts = texts[:-1]
    return sentences_telling(texts)


def notes_with(told_sentences: List[str], answer: Optional[str]) -> str:
    """The notes: what was told earlier, then the answer to the notes question."""
    parts = [t for t in told_sentences if not answer or t.lower() not in answer.lower()]
    if answer:
        parts.append(answer)
    return " / ".join(parts)[:MAX_NOTES] if parts else "none"


# A reply that is only a part of the day ("can we do the afternoon instead")
# clears the time; the form then offers free times in that part of the day.
PART_PREFIX = "part:"


def intent_confidence(tracker: Tracker) -> float:
    """The classifier's confidence in the latest message's intent (1.0 for buttons)."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    try:
        return float(intent.get("confidence", 1.0))
    except (TypeError, ValueError):
        return 1.0


def clearly_something_else(tracker: Tracker, shape: str) -> bool:
    """Whether the latest message is not an answer, given how much it looks like one.

    ``shape`` is how the message reads as the answer to the question asked:
    "strong" (a phone number, an email, a day), "name" (written like a name:
    "Ana Park"), or "weak" (free text, a lower-case name). A red flag or
    "stop" always wins; otherwise an intent declared as interrupting wins
    over a name or free text only when the classifier is confident and, for
    a name, only when the message reads as a question.
    """
    declaration = load_interruptions()
    intent, text = latest_intent(tracker) or "", user_text(tracker)
    if intent in declaration.red_flags() or STOP_WORDS.match(text):
        return True
    if shape != "strong" and only_acknowledged_before_a_question(tracker):
        return True  # "ok. where exactly is the clinic?": the question is answered instead
    if (tracker.latest_message or {}).get(OTHER_LANGUAGE) and not answers_with_a_name(
        text, tracker.get_slot(REQUESTED)
    ):
        return True  # answered in English by action_other_language, then asked again
    if shape == "strong" or intent not in declaration.interrupting():
        return False
    confidence = intent_confidence(tracker)
    if is_question(text):
        return confidence >= QUESTION_CONFIDENT
    return shape == "weak" and confidence >= CONFIDENT


def task_intents(domain: DomainDict, task: Any) -> List[str]:
    """The intents that ask for ``task`` (the domain's mappings of ``booking_task``)."""
    mappings = domain.get("slots", {}).get("booking_task", {}).get("mappings", [])
    return [
        m["intent"] for m in mappings if m.get("type") == "from_intent" and m.get("value") == task
    ]


def asks_a_question(tracker: Tracker) -> bool:
    """Whether the latest message is a question for the clinic ("are you open on Friday?")."""
    intent = latest_intent(tracker) or ""
    declaration = load_interruptions()
    return (
        declaration.group_of(intent) == QUESTION_GROUP
        and intent_confidence(tracker) >= QUESTION_CONFIDENT
        and is_question(user_text(tracker))
    )


# A day or time put as a question that asks for it: "could we do 31 December?",
# "is Friday at 10 free?", "how about the 14th?", "do you have anything on Monday?".
PROPOSED = re.compile(
    r"^\W*(?:ok\W+|okay\W+|hmm\W+)?(?:could|can|may) (?:we|i|you)\b|\b(?:how|what) about\b"
    r"|\b(?:free|available|possible|any good)\b|\bdo you have (?:anything|any|a slot|space)\b"
    # whether a day is booked up asks for its free times: "is friday fully booked?"
    rf"|\b(?:{BOOKED_UP})\b|\b(?:busy|full)\b",
    re.IGNORECASE,
)


def statements_in(text: str) -> str:
    """The sentences of ``text`` that are not questions.

    "17:15 please." of "17:15 please. Will I be able to drive home afterwards?";
    "tuesday at 4" of "tuesday at 4 - how long does the first one take?" (audit 9).
    """
    sentences = re.split(r"(?<=[.!?;])\s+|\s+[-–—]+\s+", text.strip())
    return " ".join(s for s in sentences if s.strip() and not s.rstrip().endswith("?"))


# Words joining two contact details, left alone once the details are taken out.
_CONNECTORS_LEFT = re.compile(r"^\W*(?:(?:or|and|plus|also)\W+)+|(?:\W+(?:or|and|plus))+\W*$", re.I)
# Words that only acknowledge the question before a question of the patient's own:
# "ok. where exactly is the clinic?" was stored as the reason for the visit (found in review).
_ACKNOWLEDGING = ACKNOWLEDGING_WORDS | {"sure", "yes", "yeah", "yep", "yup"}


def only_acknowledged_before_a_question(tracker: Tracker) -> bool:
    """Whether the latest message's first part only acknowledges, and a question follows."""
    latest = tracker.latest_message or {}
    second = latest.get(SECOND_PART)
    if not second:
        return False
    words = re.findall(r"[a-z']+", user_text(tracker)[: int(second.get("start") or 0)].lower())
    return bool(words) and all(word in _ACKNOWLEDGING for word in words)


def is_answer(tracker: Tracker) -> bool:
    """Whether the latest message can be a free-text answer (not a clear question or a stop)."""
    return not clearly_something_else(tracker, "weak")


def asked(tracker: Tracker, *slots: str) -> bool:
    """Whether the form is asking for one of ``slots``."""
    return tracker.get_slot(REQUESTED) in slots


def format_day(day: dt.date) -> str:
    """``Friday 27 November``."""
    return f"{day:%A} {day.day} {day:%B}"


def reason_text(value: Optional[str]) -> str:
    """A condition key as its name, free text as given."""
    knowledge = load_conditions()
    key = knowledge.find(value)
    return knowledge.conditions[key].name if key else (value or "a consultation")


def describe(appointment: Appointment, profile: ClinicProfile) -> Dict[str, str]:
    """Template values describing a stored appointment."""
    local = appointment.starts_at.astimezone(profile.zone)
    return {
        "reference": appointment.reference,
        "day": format_day(local.date()),
        "time": f"{local:%H:%M}",
        "reason": reason_text(appointment.reason),
        "patient_name": appointment.patient_name,
    }


def time_buttons(starts: List[dt.datetime]) -> List[Dict[str, str]]:
    """Quick replies for free times; the payload is the time as text."""
    return [{"title": f"{s:%H:%M}", "payload": f"{s:%H:%M}"} for s in starts]


def narrowed_down(
    knowledge: ConditionKnowledge, known: Optional[str], said: Optional[str]
) -> Optional[str]:
    """``said`` when it is a kind of the pain ``known`` ("hip_arthritis" of "hip_pain")."""
    if not known or not said or known not in knowledge.conditions or known == said:
        return None
    if knowledge.conditions[known].specific or knowledge.general_of(said) != known:
        return None
    return said


# A weekday said without a date or a week ("saturday then", "friday morning
# please"): among days just offered, the one offered.
WEEKDAY_ALONE = re.compile(
    r"^(?!.*\d)(?!.*\b(?:next|this|week|weeks|fortnight|after|before|following)\b)"
    rf".*\b{WEEKDAY_WORD}\b",
    re.IGNORECASE,
)


# A day of the month said without its month or weekday ("16th at 10", "the 6th").
DAY_OF_MONTH_ALONE = re.compile(
    rf"^(?!.*\b{MONTH_WORD}\b)(?!.*\b{WEEKDAY_WORD}\b).*\b\d{{1,2}}(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)


def narrowing_said(knowledge: ConditionKnowledge, known: Optional[str], text: str) -> Optional[str]:
    """The kind of the pain ``known`` that ``text`` names, in a patient's words or a place.

    In a booking for back pain, "lower", "lower down" and "lower down, near
    my bum" are "lower back": a place word among a few is read with the
    family's word after it.
    """
    if not known or known not in knowledge.conditions:
        return None
    family = knowledge.conditions[known].family
    candidates = [condition_said_by_patient(text), condition_in_text(text, knowledge)]
    words = re.sub(r"[^a-z ]", " ", text.lower()).split()
    if len(words) <= 5 and family not in words:
        candidates += [condition_in_text(f"{word} {family}", knowledge) for word in words]
    return next((n for c in candidates if (n := narrowed_down(knowledge, known, c))), None)


def narrows_the_pain(tracker: Tracker, text: str) -> bool:
    """Whether ``text`` names a kind of the pain booked for, or of its family.

    The family's: extract_condition, run first, may have narrowed it already.
    """
    knowledge = load_conditions()
    known = tracker.get_slot("condition")
    if known in knowledge.conditions and knowledge.conditions[known].specific:
        known = knowledge.general_of(known)
    return narrowing_said(knowledge, known, text) is not None


# Taken grid cells read from the store in this turn, by day: each run of a form's
# validation is its own asyncio task, so a context variable keeps turns apart.
_TAKEN_THIS_TURN: ContextVar[Optional[Dict[dt.date, Set[dt.datetime]]]] = ContextVar(
    "taken_this_turn", default=None
)


class DateTimeValidation(FormValidationAction, ABC):
    """Shared reading of the message and of ``appointment_date`` and ``appointment_time``."""

    action_name = ""

    def name(self) -> str:
        """Action name used in the domain."""
        return self.action_name

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        """The slots the form asks for, in order (:meth:`slot_order`)."""
        return self.slot_order(domain_slots, tracker)

    @abstractmethod
    def slot_order(self, domain_slots: List[str], tracker: Tracker) -> List[str]:
        """The slots to ask for, in order (abstract, so rasa-sdk does not register this class)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """End the form for "never mind, I'll check with my husband first" whatever its intent.

        A stop the classifier read as a stop intent is the rules' (the form
        rejects it); one it read as anything else ends the form here, and
        ``action_stop_booking`` says that nothing was booked or changed.
        """
        _TAKEN_THIS_TURN.set({})
        declaration = load_interruptions()
        intent, text = latest_intent(tracker) or "", user_text(tracker)
        if (
            (STOP_WORDS.match(text) or self.declines_the_question(tracker))
            and declaration.group_of(intent) != STOP_GROUP
            and intent not in declaration.red_flags()
            and not asked(tracker, *CONFIRMATIONS)
        ):
            logger.info("a stop read as %s ends the form in %s", intent, tracker.sender_id)
            # The question's slot set (to None) keeps Rasa from rejecting the
            # form; the stop action then says nothing was booked or changed.
            asking = tracker.get_slot(REQUESTED)
            return [
                *([SlotSet(asking, None)] if asking else []),
                SlotSet(REQUESTED, None),
                FollowupAction(STOP_ACTION),
            ]
        return await super().run(dispatcher, tracker, domain)

    def declines_the_question(self, tracker: Tracker) -> bool:
        """Whether the latest message turns down a question only this form asks."""
        return False

    def profile(self) -> ClinicProfile:
        """The clinic profile (cached by file modification time)."""
        return load_profile()

    def now(self) -> dt.datetime:
        """Reference time in the clinic's timezone."""
        return clinic_now(self.profile().zone)

    def patient_type(self, tracker: Tracker) -> Optional[str]:
        """New or returning, when known: decides the appointment length."""
        value = tracker.get_slot("patient_type")
        return str(value) if value else None

    def details(self, tracker: Tracker) -> Details:
        """Everything the latest message says about the booking."""
        return self.details_in(user_text(tracker))

    def details_in(self, text: str) -> Details:
        """Everything ``text`` says about the booking."""
        profile = self.profile()
        return read_details(
            text, self.now(), profile.country, profile.date_order, load_conditions()
        )

    def name_instead(self, tracker: Tracker) -> Optional[str]:
        """A name typed at the day or time question instead (the booking form's)."""
        return None

    def takes_details(self, tracker: Tracker) -> bool:
        """Whether details for questions other than the one asked are taken from the message.

        Always when the form starts (the request itself) and at any question
        but a free-text one, where only a correction counts ("actually make
        it Friday"); never from a red flag or "stop".
        """
        if clearly_something_else(tracker, "strong"):
            return False
        requested = tracker.get_slot(REQUESTED)
        text = user_text(tracker)
        # "7pm if poss" at the reason question is a time, not a reason (audit 11:
        # "Sorry, I didn't get that"); "worse since Monday" is a reason.
        details = self.details(tracker)
        return (
            requested not in FREE_TEXT
            or is_correction(text)
            or only_when_to_come(text, details)
            or only_visit_kind(text, details)
            or only_contact(text, details)
        )

    async def extract_appointment_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A day and/or a time (or part of the day) in the message: an answer or a correction.

        Beside a question ("17:15 please. Will I be able to drive home
        afterwards?") the day or time said outside it is taken (audit 8).
        """
        if clearly_something_else(tracker, "strong"):
            return {}
        if self.none_of_those(tracker):
            # "no" to the times or days just offered: not a stop (audit 10 left the
            # booking), the patient wants others; the day is asked again.
            dispatcher.utter_message(response=NONE_OF_THOSE)
            return {
                "appointment_date": None,
                "appointment_time": None,
                "rejected_date": None,
                "rejected_time": None,
            }
        beyond = self.beyond_offered_times(tracker)
        if beyond is not None:
            # "nothing later in the day?" under times offered: the times after them
            # (audit 13: read as a no, it stopped the booking).
            return {"appointment_time": PART_PREFIX + beyond}
        if asks_a_question(tracker):
            text = user_text(tracker)
            # A day asked for as a question is an answer ("could we do 31 December?").
            said = text if PROPOSED.search(text) else statements_in(text)
            when = self.when(tracker, said) if said else When()
            if when.empty:
                return {}
        else:
            when = self.when(tracker)
        answering = asked(tracker, "appointment_date", "appointment_time")
        if not answering and (when.empty or not self.takes_details(tracker)):
            return {}
        if when.empty and not is_answer(tracker):
            return {}  # "i want to book" while asked for a day: not a day
        if when.empty and (
            self.details(tracker).anything
            or condition_in_latest_message(tracker, load_conditions())
            or self.name_instead(tracker)
        ):
            # "actually it's my first visit", "hip" (audit 11: "couldn't read a
            # time"): another answer, this one asked again
            return {}
        values: Dict[str, Any] = {}
        if when.day is not None:
            values["appointment_date"] = when.day.isoformat()
            if tracker.get_slot("appointment_time") and when.time is None:
                # A new day: the time already chosen must be checked again.
                values["appointment_time"] = tracker.get_slot("appointment_time")
        if when.time is not None:
            values["appointment_time"] = f"{when.time:%H:%M}"
        elif when.day is None and when.part_of_day:
            # "can we do the afternoon instead", "anything after 3?", "I'm only free
            # after 4" in the request: remembered, and the time is asked (again)
            # with free times in those hours, whichever day is chosen.
            values["appointment_time"] = PART_PREFIX + when.part_of_day
        if asked(tracker, "appointment_date") and when.empty:
            # Not a date at all: validate_appointment_date explains and asks again.
            values["appointment_date"] = "unparsed"
        if asked(tracker, "appointment_time") and when.empty:
            hour = bare_hour(user_text(tracker))
            values["appointment_time"] = "unparsed" if hour is None else f"{hour:%H:%M}"
        if values and asked(tracker, *CONFIRMATIONS):
            values[tracker.get_slot(REQUESTED)] = None  # show the new summary again
        return values

    def beyond_offered_times(self, tracker: Tracker) -> Optional[str]:
        """Hours after the last time offered ("anything later?"), or before the first."""
        text = user_text(tracker)
        wanted = LATER_OR_EARLIER.search(text)
        if wanted is None or not asked(tracker, "appointment_time"):
            return None
        said = self.when(tracker)
        if said.time is not None or said.day is not None:
            return None  # "later, like 4pm?": the time said is the answer
        offered = sorted(
            dt.time.fromisoformat(str(button.get("payload")))
            for button in offered_buttons(tracker)
            if TIME_PAYLOAD.match(str(button.get("payload") or ""))
        )
        if not offered:
            return None
        if wanted.group(1).lower() == "later":
            grid = dt.timedelta(minutes=self.profile().booking.slot_grid_minutes)
            last = dt.datetime.combine(dt.date.min, offered[-1]) + grid
            return bounded_part(last.time(), None)
        return bounded_part(None, offered[0])

    @staticmethod
    def none_of_those(tracker: Tracker) -> bool:
        """Whether the latest message turns down the days or times just offered ("neither")."""
        return (
            asked(tracker, "appointment_date", "appointment_time")
            and offered_with(tracker) in OFFERS_OF_DAYS_OR_TIMES
            and NONE_OF_THEM.match(user_text(tracker)) is not None
        )

    def not_understood(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, response: str
    ) -> None:
        """No day or time in the answer; a question we have no answer for is said so.

        "is it ok if i bring my son?" at the time question is no time the
        patient mistyped: they get an honest "I can't answer that here" and
        the clinic's contact, then the question again.
        """
        if self.caution_noted(dispatcher, tracker):
            return
        if has_a_question_sentence(user_text(tracker)):
            # Also a question after a lead-in ("before I pick a day - what happens if ...?"),
            # unless this turn already answered it (a what-if's advice, audit 14).
            if not responses_this_turn(tracker):
                dispatcher.utter_message(
                    response="utter_clinic_question_not_covered", **self.profile().contact_values()
                )
        else:
            dispatcher.utter_message(response=response)

    def caution_noted(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """A caution told in answer to another question is thanked for, not called unreadable.

        Audit 11: "i take warfarin" at the time question got "Sorry, I
        couldn't read a time in that". It reaches the notes with the others.
        """
        if not sentences_telling([user_text(tracker)]):
            return False
        dispatcher.utter_message(
            response="utter_caution_noted_in_form", **self.profile().contact_values()
        )
        return True

    async def validate_appointment_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A day that is not past, within the horizon, and open."""
        if value is None:
            return {"appointment_date": None}
        if value == "unparsed":
            self.not_understood(dispatcher, tracker, "utter_date_not_understood")
            return {"appointment_date": None}
        profile, now = self.profile(), self.now()
        day = dt.date.fromisoformat(str(value))
        when = self.when(tracker)
        if when.vague and when.day == day:
            # "next week", "Monday or Tuesday": the free times on those days, as buttons.
            return self.offer_days(dispatcher, tracker, when)
        problem = day_problem(profile, day, now)  # a past day ("yesterday") is refused here
        if problem is not None:
            response, detail = problem
            dispatcher.utter_message(response=response, day=format_day(day), detail=detail)
            # action_ask_appointment_date then offers the nearest open days.
            return {"appointment_date": None, "rejected_date": day.isoformat()}
        if self.fully_booked(tracker, day):
            later = self.same_weekday_later(tracker, day)
            if later:  # "saturday", that one full: the Saturdays after it
                dispatcher.utter_message(response="utter_day_full", day=format_day(day))
                return self.offer_days(
                    dispatcher,
                    tracker,
                    When(day=later[0], days=later, time=when.time, part_of_day=when.part_of_day),
                )
            # Refused now, not after the name and phone have been asked for.
            dispatcher.utter_message(response="utter_no_free_times", day=format_day(day))
            return {"appointment_date": None, "rejected_date": day.isoformat()}
        # "tomorrow afternoon": remembered so that the times offered are afternoon ones
        # (set here because rasa-sdk keeps only validated slots of the form).
        return {
            "appointment_date": day.isoformat(),
            # a day alone keeps the hours said before ("only after 4", then "Friday")
            "part_of_day": when.part_of_day or tracker.get_slot("part_of_day"),
            "rejected_date": None,
        }

    def same_weekday_later(self, tracker: Tracker, day: dt.date) -> Tuple[dt.date, ...]:
        """The same weekday of the next weeks, when the latest message named ``day`` by it alone."""
        profile = self.profile()
        return same_weekday_after(user_text(tracker), day, self.now(), profile.date_order)

    def taken(self, tracker: Tracker, day: dt.date) -> Set[dt.datetime]:
        """The store's taken grid cells on ``day``, read once a turn (raises StoreUnavailableError).

        The order of the questions, the day's and the time's validation all ask of
        the same day in one turn.
        """
        cache = _TAKEN_THIS_TURN.get()
        if cache is None or day not in cache:
            taken = taken_on(
                self.profile(), day, get_store(), tracker.sender_id, moving_reference(tracker)
            )
            if cache is None:
                return taken
            cache[day] = taken
        return cache[day]

    def fully_booked(self, tracker: Tracker, day: dt.date) -> bool:
        """No appointment of this patient's length starts on ``day`` (one already open)."""
        profile = self.profile()
        try:
            taken = self.taken(tracker, day)
        except StoreUnavailableError:
            return False  # the time question reads the store again and says it is unavailable
        minutes = appointment_minutes(profile, self.patient_type(tracker))
        return not free_starts(profile, day, minutes, taken, self.now())

    def when(self, tracker: Tracker, text: Optional[str] = None) -> When:
        """The day and time in the latest message (or ``text`` of it).

        Read with the day just refused or chosen, or else the day refused last;
        the day chosen as it was when the message came, so that validation reads
        the message as extraction did ("not this week, maybe the week after" is
        next week, not a week after the Monday just read from it).
        """
        talked_of = (
            tracker.get_slot("rejected_date")
            or slot_when_the_message_came(tracker, "appointment_date")
            or tracker.get_slot(DAY_TALKED_OF)
        )
        try:
            talking_of = dt.date.fromisoformat(str(talked_of)) if talked_of else None
        except ValueError:  # "unparsed"
            talking_of = None
        said = user_text(tracker) if text is None else text
        when = self.read_when(tracker, said, talking_of)
        if text is not None:
            return when
        picked = self.offer_picked(tracker, said, when, talking_of)
        return when if picked is None else picked

    def read_when(self, tracker: Tracker, said: str, talking_of: Optional[dt.date]) -> When:
        """The day and time ``said`` names."""
        return when_in(said, self.now(), self.profile().date_order, talking_of)

    def offer_picked(
        self, tracker: Tracker, said: str, when: When, talking_of: Optional[dt.date]
    ) -> Optional[When]:
        """The offered time the patient picked: "the last one", or "the 4pm one" of several days.

        A time alone matching one offered button is that button's day too; a
        time offered on several days is left for the day question.
        """
        buttons = offered_buttons(tracker)
        if not buttons:
            return None
        payload = picked_offer(said, buttons)
        payloads = [str(button.get("payload") or "") for button in buttons]
        if payload is None and when.day is None and when.time is not None:
            offers = [self.read_when(tracker, offered, talking_of) for offered in payloads]
            at_that_time = [offer for offer in offers if offer.time == when.time and offer.day]
            return at_that_time[0] if len(at_that_time) == 1 else None
        if payload is None and when.day is not None and DAY_OF_MONTH_ALONE.search(said):
            # "16th at 10 is good" under "Sat 16 Jan ...": the offered 16th, not this
            # month's (audit 21 read Wednesday 16 December, then Sunday 6 December).
            offers = [self.read_when(tracker, offered, talking_of) for offered in payloads]
            that_date = {o.day for o in offers if o.day and o.day.day == when.day.day}
            if len(that_date) == 1 and when.day not in that_date:
                return When(day=that_date.pop(), time=when.time, part_of_day=when.part_of_day)
        if payload is None and when.day is not None and WEEKDAY_ALONE.search(said):
            # "saturday then" under "Fri 18 Dec, Sat 19 Dec, Mon 21 Dec": the Saturday
            # offered, not the coming one (audit 12 had read Saturday 5 December).
            offers = [self.read_when(tracker, offered, talking_of) for offered in payloads]
            same = [o for o in offers if o.day and o.day.weekday() == when.day.weekday()]
            if len({offer.day for offer in same}) == 1 and same[0].day != when.day:
                time = same[0].time if not when.part_of_day and len(same) == 1 else when.time
                return When(day=same[0].day, time=time, part_of_day=when.part_of_day)
        if payload is None:
            return None
        picked = self.read_when(tracker, payload, talking_of)
        return None if picked.empty else picked

    def offer_days(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, when: When
    ) -> Dict[str, Any]:
        """Answer a vague day with free times on the days it allows; the patient taps one.

        With none free on those days, the first free times after them are
        offered ("earliest possible" with a full week: audit 19 gave up).
        """
        profile, now = self.profile(), self.now()
        # Only the days the clinic still opens are named ("next week" is Monday to
        # Saturday; "whatever's soonest" said after closing does not name today).
        named = [day for day in when.days if bookable_day(profile, day, now)] or list(when.days)
        try:
            starts = self.free_starts_on(tracker, named, when)
            later = (
                [] if starts else self.free_starts_on(tracker, days_after(sorted(when.days)), when)
            )
        except Exception:
            logger.exception("ALARM free times for a vague day could not be read from the store")
            dispatcher.utter_message(
                response="utter_booking_store_unavailable", **profile.contact_values()
            )
            return {"appointment_date": None}
        if not starts and not later:
            first, last = format_day(named[0]), format_day(named[-1])
            if in_a_row(named):
                dispatcher.utter_message(
                    response="utter_no_free_times_on_days", first=first, last=last
                )
            else:
                days = join_list([format_day(day) for day in named], conjunction="or")
                dispatcher.utter_message(response="utter_no_free_times_on_these_days", days=days)
            return {"appointment_date": None}
        part = when.part_of_day
        offered = starts or later
        # The days named are those the buttons are on (audit 19 named five days
        # with every button on the fifth).
        on_days = sorted({start.date() for start in offered})
        first, last = format_day(on_days[0]), format_day(on_days[-1])
        days = join_list([format_day(day) for day in on_days], conjunction="or")
        buttons = [
            {
                "title": f"{s:%a} {s.day} {s:%b} {s:%H:%M}",
                "payload": f"{format_day(s)} at {s:%H:%M}",
            }
            for s in offered
        ]
        # The days offered are those talked of: "the monday or thursday of that week?"
        # (audit 21 read this week's).
        talked_of = {"appointment_date": None, DAY_TALKED_OF: on_days[0].isoformat()}
        if later:
            asked = join_list([format_day(day) for day in named], conjunction="or")
            dispatcher.utter_message(response=LATER_DAYS_OFFERED, days=asked, buttons=buttons)
            return talked_of
        if part and not any(in_part_of_day(profile, part, start) for start in starts):
            # "any evening next week" with every evening taken: said, not offered
            # mornings as if they fitted (audit 13).
            dispatcher.utter_message(
                response="utter_none_free_in_part_on_days",
                part=said_as(part),
                days=f"{first} to {last}" if in_a_row(on_days) else days,
            )
        if in_a_row(on_days) and len(on_days) > 1:
            dispatcher.utter_message(
                response=DAYS_IN_A_ROW_OFFERED, first=first, last=last, buttons=buttons
            )
        else:
            dispatcher.utter_message(response=DAYS_LISTED_OFFERED, days=days, buttons=buttons)
        return talked_of

    def free_starts_on(
        self, tracker: Tracker, days: List[dt.date], when: When
    ) -> List[dt.datetime]:
        """Free starts shared among ``days`` (the earliest days first), near the time said."""
        profile = self.profile()
        minutes = appointment_minutes(profile, self.patient_type(tracker))
        return free_on_days(
            profile, days, minutes, get_store(), self.now(), when.part_of_day,
            tracker.sender_id, near=when.time, moving=moving_reference(tracker),
        )  # fmt: skip

    async def validate_appointment_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A time within opening hours, on the grid, with notice, and free."""
        if value is None:
            return {"appointment_time": None}
        if value == "unparsed":
            self.not_understood(dispatcher, tracker, "utter_time_not_understood")
            return {"appointment_time": None}
        if str(value).startswith(PART_PREFIX):
            return {"appointment_time": None, "part_of_day": str(value)[len(PART_PREFIX) :]}
        day_value = tracker.get_slot("appointment_date")
        if not day_value or day_value == "unparsed":
            return {"appointment_time": value}  # kept until we know the day
        profile, now = self.profile(), self.now()
        day = dt.date.fromisoformat(str(day_value))
        if day_problem(profile, day, now) is not None:
            return {"appointment_time": value}
        wanted = dt.datetime.combine(day, dt.time.fromisoformat(str(value)), tzinfo=profile.zone)
        minutes = appointment_minutes(profile, self.patient_type(tracker))
        try:
            taken = self.taken(tracker, day)
        except StoreUnavailableError:
            dispatcher.utter_message(
                response="utter_booking_store_unavailable", **profile.contact_values()
            )
            return {"appointment_time": None}
        free = free_starts(profile, day, minutes, taken, now)
        if wanted in free:
            return {"appointment_time": f"{wanted:%H:%M}"}
        reason = time_problem(profile, wanted, minutes, taken, now)
        dispatcher.utter_message(
            response=reason,
            time=f"{wanted:%H:%M}",
            day=format_day(day),
            hours=profile.hours_text(day),
            grid=profile.booking.slot_grid_minutes,
            notice=profile.booking.min_notice_hours,
        )
        if not free:
            dispatcher.utter_message(response="utter_no_free_times", day=format_day(day))
            return {
                "appointment_time": None,
                "appointment_date": None,
                "rejected_date": day.isoformat(),
            }
        # action_ask_appointment_time then offers the free times nearest to this one.
        return {"appointment_time": None, "rejected_time": f"{wanted:%H:%M}"}

    def said_phone_unusable(self, text: str, dispatcher: CollectingDispatcher) -> bool:
        """Whether ``text`` holds a number no phone can ring, and the patient was told why.

        "07700 900123" (Ofcom's range for TV and film) or "0791 123": named back with
        the reason, not asked for again as if nothing had been typed.
        """
        unusable = unusable_phone(text, self.profile().country)
        if not unusable:
            return False
        number, for_drama = unusable
        response = "utter_phone_for_drama" if for_drama else "utter_phone_not_usable"
        dispatcher.utter_message(response=response, number=number)
        return True


class ValidateAppointmentForm(DateTimeValidation):
    """Validates ``appointment_form``."""

    action_name = "validate_appointment_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Not for a child or young person ("my 15 year old daughter"): the team decides.

        Said at any question (audit 7 booked "notes: she's 15"); the form ends
        as after a stop, so nothing is booked.
        """
        minimum = self.profile().booking.minimum_age
        if too_young(user_text(tracker), minimum) and not clearly_something_else(tracker, "strong"):
            dispatcher.utter_message(
                response="utter_young_patient",
                minimum_age=minimum,
                **self.profile().contact_values(),
            )
            asking = tracker.get_slot(REQUESTED)
            return [
                *([SlotSet(asking, None)] if asking else []),
                SlotSet(REQUESTED, None),
                FollowupAction(STOP_ACTION),
            ]
        forgotten = self.another_patient(tracker)
        day_before = tracker.get_slot("appointment_date")
        events = await super().run(dispatcher, tracker, domain)
        self.note_day_said_early(dispatcher, tracker, domain, events, day_before)
        self.note_other_area(dispatcher, tracker, events)
        if not forgotten:
            return events
        # Rasa sends the slots filled before the form began to be validated again: the
        # last patient's values come back unless dropped here.
        kept = [
            event
            for event in events
            if not (
                event.get("event") == "slot"
                and event.get("name") in forgotten
                and event.get("value") == forgotten[event["name"]]
            )
        ]
        return [SlotSet(slot, None) for slot in forgotten] + kept

    @staticmethod
    def note_day_said_early(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        events: List[EventType],
        day_before: Optional[str],
    ) -> None:
        """Say a day taken at a question before the day's ("the 30th" at the name question).

        Taken silently, the name was asked again as if the day were not heard
        (audit 21).
        """
        order = list(domain["forms"][BOOKING_FORM]["required_slots"])
        requested = tracker.get_slot(REQUESTED)
        if requested not in order or order.index(requested) >= order.index("appointment_date"):
            return
        values = {
            str(event.get("name")): event.get("value")
            for event in events
            if event.get("event") == "slot"
        }
        day = values.get("appointment_date")
        if day in (None, "unparsed", day_before):
            return
        when = format_day(dt.date.fromisoformat(str(day)))
        time, part = values.get("appointment_time"), values.get("part_of_day")
        if time and not str(time).startswith(PART_PREFIX):
            when += f" at {time}"
        elif part and is_part_of_day(str(part)):
            when += f" {said_as(str(part))}"  # "next tuesday afternoon": the afternoon too
        dispatcher.utter_message(response="utter_day_noted", when=when)

    @staticmethod
    def note_other_area(
        dispatcher: CollectingDispatcher, tracker: Tracker, events: List[EventType]
    ) -> None:
        """Say which area the booking is for when the request names two, and to mention the other.

        "my hip and lower back both hurt, which one should i book for" was booked for
        the lower back with the hip, and the question, passed over.
        """
        taken = [
            event.get("value")
            for event in events
            if event.get("event") == "slot" and event.get("name") == "condition"
        ]
        knowledge = load_conditions()
        if not taken or taken[-1] not in knowledge.conditions:
            return
        other = other_area_in_text(user_text(tracker), knowledge, str(taken[-1]))
        if other is not None:
            dispatcher.utter_message(
                response="utter_other_area_noted",
                reason=knowledge.conditions[str(taken[-1])].name.lower(),
                other=knowledge.conditions[other].name.lower(),
            )

    @staticmethod
    def another_patient(tracker: Tracker) -> Dict[str, Any]:
        """A new booking for someone else forgets the last patient's name, visit and reason.

        "i want to book another appointment for my husband" after the patient's own
        booking (audit 20 booked him under her name). The contact is kept: a couple
        often share one, and the summary shows it. Returns the values forgotten.
        """
        if (
            tracker.get_slot(REQUESTED) is not None
            or not tracker.get_slot(LAST_BOOKING_REFERENCE_SLOT)
            or not for_someone_else(user_text(tracker))
        ):
            return {}  # not a next booking, or for the same patient
        forgotten = {
            slot: tracker.get_slot(slot)
            for slot in PATIENT_SLOTS
            if tracker.get_slot(slot) is not None
        }
        for slot in forgotten:
            tracker.slots[slot] = None
        return forgotten

    def slot_order(self, domain_slots: List[str], tracker: Tracker) -> List[str]:
        """The domain's order, but a day or time just refused is asked for next."""
        first: List[str] = []
        if tracker.get_slot("rejected_date") or self.free_times_offered(tracker):
            first = ["appointment_date", "appointment_time"]
        elif tracker.get_slot("rejected_time") and tracker.get_slot("appointment_date"):
            first = ["appointment_time"]
        elif self.none_free_in_the_hours_said(tracker):
            # "friday 18th morning then" with no morning free: said now, with that day's
            # other times, not after the name and number (audits 20 and 21).
            first = ["appointment_time"]
        return first + [slot for slot in domain_slots if slot not in first]

    def none_free_in_the_hours_said(self, tracker: Tracker) -> bool:
        """Whether the day chosen has no free time in the part of the day the patient said."""
        day_value, part = tracker.get_slot("appointment_date"), tracker.get_slot("part_of_day")
        if not part or day_value in (None, "unparsed") or tracker.get_slot("appointment_time"):
            return False
        profile = self.profile()
        day = dt.date.fromisoformat(str(day_value))
        minutes = appointment_minutes(profile, self.patient_type(tracker))
        try:
            taken = self.taken(tracker, day)
        except StoreUnavailableError:
            return False
        return not free_starts(profile, day, minutes, taken, self.now(), part)

    def free_times_offered(self, tracker: Tracker) -> bool:
        """Whether this turn offers free times on vague days ("whatever's soonest", "next week").

        The offer is the question: asking the name after it (audit 9) left the
        times unanswered, and the tap on one was met with the name question again.
        """
        if tracker.get_slot("appointment_date") not in (None, "unparsed"):
            return False
        when = self.when(tracker)
        if when.vague and when.day is not None:
            return True
        if (
            when.day is not None
            and self.same_weekday_later(tracker, when.day)
            and self.fully_booked(tracker, when.day)
        ):
            return True  # "saturday", that one full: the next Saturdays' times were offered
        # Not one of the times offered ("the 3pm one" when none is at 3): the day
        # is asked next, not the name with the offer left hanging.
        return offered_with(tracker) in DAYS_OFFERED

    async def extract_condition(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """The reason for the visit: a condition intent, entity or name, or the patient's words."""
        knowledge = load_conditions()
        details = self.details(tracker)
        # Both leave out a condition taken back ("for my hip, not sciatica").
        named = condition_in_latest_message(tracker, knowledge) or details.condition
        if not asked(tracker, "condition"):
            known, started = tracker.get_slot("condition"), tracker.get_slot(REQUESTED)
            # "its arthritis i think", typed at a later question of a booking for
            # hip pain, says which hip pain it is (audit 11: taken for a name).
            narrowed = narrowing_said(knowledge, known, user_text(tracker))
            named = named or narrowed
            if not named or not self.takes_details(tracker):
                return {}
            # Said with the request, or corrected later ("actually it's for my hip"), or
            # the answer to "What would you like to change?" after a no to the summary.
            changing = (
                is_correction(user_text(tracker))
                or last_response(tracker) == WHAT_TO_CHANGE
                or bool(REASON_RESTATED.search(user_text(tracker)))
                or named == narrowed
            )
            if known and started is not None and not changing:
                return {}
            return {"condition": named}
        written_as_name = looks_like_name(user_text(tracker))[1]
        if clearly_something_else(
            tracker, "strong" if named else "name" if written_as_name else "weak"
        ):
            return {}
        if named:
            return {"condition": named}
        if details.anything:
            return {}  # an answer to another question: the reason is asked again
        return {"condition": user_text(tracker)}

    async def validate_condition(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A known condition is stored by key; anything else as short free text."""
        key = load_conditions().find(str(value))
        if key:
            return {"condition": key}
        reason = " ".join(str(value).split())[:MAX_REASON]
        if not reason or reason.startswith("/"):
            dispatcher.utter_message(response="utter_reason_not_understood")
            return {"condition": None}
        if VAGUE_REASON.fullmatch(reason):
            # The "Something else" button: what it is, asked before the name.
            dispatcher.utter_message(response="utter_ask_reason_in_words")
            return {"condition": None}
        if about_another_body_area(reason):
            # "it's for my knee": not booked as if the clinic covered it (audit 7).
            dispatcher.utter_message(
                response="utter_reason_not_covered", **self.profile().contact_values()
            )
            return {"condition": None}
        name = self.name_instead_of_reason(tracker, reason)
        if name:
            if tracker.get_slot("patient_name"):
                dispatcher.utter_message(response="utter_reason_not_understood")
                return {"condition": None}
            dispatcher.utter_message(response="utter_reason_after_name", patient_name=name)
            return {"condition": None, "patient_name": name}
        return {"condition": reason}

    def name_instead(self, tracker: Tracker) -> Optional[str]:
        """A name written as one ("Tariq Aziz") typed at the day or time question, none yet given.

        After "Sorry, 14:00 is already booked", the patient may answer the
        question they expected next (audit 12: "couldn't read a time", then
        the name asked for again).
        """
        if not asked(tracker, "appointment_date", "appointment_time"):
            return None
        name, written_as_name = looks_like_name(user_text(tracker))
        # (The name slot may hold it already: extracted from this message first.)
        if not written_as_name or tracker.get_slot("patient_name") not in (None, name):
            return None
        return name

    @staticmethod
    def name_instead_of_reason(tracker: Tracker, reason: str) -> Optional[str]:
        """The name the answer to the reason question is instead, if it is one ("ryan")."""
        message = tracker.latest_message or {}
        if len(reason.split()) > MAX_NAME_AS_REASON_WORDS:
            return None
        name, written_as_name = looks_like_name(reason)
        # "Hope Price" written as a name is one whatever the classifier read
        # (tried over REST: ask_price, and the prices instead of the name).
        if name is None or (latest_intent(tracker) != NAME_INTENT and not written_as_name):
            return None
        if any(e.get("entity") in REASON_ENTITIES for e in message.get("entities") or []):
            return None
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        if any(word in ENGLISH_STOP_WORDS for word in re.findall(r"[a-z]+", reason.lower())):
            return None
        return name

    async def extract_patient_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """The answer to the name question, or a name introduced anywhere ("I'm Rita Cole")."""
        swapped = corrected_name(user_text(tracker), tracker.get_slot("patient_name"))
        if swapped and not clearly_something_else(tracker, "strong"):
            return {"patient_name": swapped}  # "sorry, it's Harri not Harry"
        details = self.details(tracker)
        if not asked(tracker, "patient_name"):
            if instead := self.name_instead(tracker):
                return {"patient_name": instead}
            if details.name and self.takes_details(tracker):
                return {"patient_name": details.name}
            if last_response(tracker) == WHAT_TO_CHANGE and not details.anything:
                # "What would you like to change?" "Frank Baxter" (audit 9: "Sorry,
                # I didn't get that"): a name written as one is the name to change.
                name, written_as_name = looks_like_name(without_courtesy(user_text(tracker)))
                if name and written_as_name:
                    return {"patient_name": name}
            return {}
        if clearly_something_else(tracker, "strong"):
            return {}
        if details.name:
            return {"patient_name": details.name}
        if details.patient_type or details.condition or not details.when.empty:
            # "tom baxter, 07911 120003, been before": the name, then the other answers.
            first = re.split(r"[,;]", without_contact(user_text(tracker)))[0].strip(" .-")
            name, _ = looks_like_name(first)
            two_words = len(first.split()) >= 2  # "sorry, make it Thursday" is no name
            if (
                "," in user_text(tracker)
                and name
                and two_words
                and not self.details_in(first).anything
            ):
                return {"patient_name": first}
            return {}  # an answer to another question ("first visit"): the name is asked again
        sentences = SENTENCE.findall(user_text(tracker))
        parts = re.split(r"[,;]", user_text(tracker))
        if len(sentences) > 1 or len(parts) > 1:
            # "Peter Shaw. by the way I had sepsis years ago, fine since": the name is the
            # first sentence, written as one (audit 13: "longer than a name can be"); "ok
            # just me for now then. Sarah Okafor" the last (audit 20: "doesn't look like a
            # name").
            for said in (sentences[0], sentences[-1], parts[-1]):
                said = said.strip(" .!?")
                name, written_as_name = looks_like_name(said)
                if name and written_as_name and not says_something_else(said):
                    return {"patient_name": said}
        # "Ann Lee, 07911 123456": the name without the contact details.
        # "07911 120000 or kay@example.org" leaves "or", which is no name.
        text = _CONNECTORS_LEFT.sub("", without_contact(user_text(tracker))).strip(" ,;.-/&")
        text = text or user_text(tracker)
        text = without_courtesy(text)  # "Ana Park thanks"
        if details.contact and not text.strip():
            return {}
        if says_something_else(text) or narrows_the_pain(tracker, text):
            # "arthritis", "lower": the reason (extract_condition); "the first one", "first
            # visit": no name (audit 11: "The First One"). The name is asked again.
            return {}
        name, written_as_name = looks_like_name(text)
        if name and not clearly_something_else(tracker, "name" if written_as_name else "weak"):
            if latest_intent(tracker) in load_interruptions().interrupting():
                # Not the text itself: names stay out of the logs.
                logger.info(
                    "name question: a name-shaped reply wins over intent %s (%.2f) in %s",
                    latest_intent(tracker),
                    intent_confidence(tracker),
                    tracker.sender_id,
                )
            return {"patient_name": text}
        if details.contact or clearly_something_else(tracker, "weak"):
            return {}
        if latest_intent(tracker) == "deny":
            return {}
        return {"patient_name": text}  # validate_patient_name says what is wrong with it

    async def validate_patient_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Plausible: not empty, not a sentence, not a number."""
        if value is None:  # to be asked again (detail_named)
            return {"patient_name": None}
        name, problem = clean_name(str(value))
        if problem:
            dispatcher.utter_message(response=problem)
            return {"patient_name": None}
        return {"patient_name": name}

    async def extract_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A phone number and/or email: the answer to the contact question, or given anywhere."""
        details = self.details(tracker)
        if not asked(tracker, "contact"):
            if details.contact and self.takes_details(tracker):
                return {"contact": user_text(tracker)}
            dropped = contact_taken_back(user_text(tracker))
            phone, email = tracker.get_slot("phone"), tracker.get_slot("email")
            if dropped and phone and email:
                # "please take the phone number off, just the email" (audit 23 stopped the
                # booking): the other one kept
                return {"contact": email if dropped == "phone" else phone}
            if self.takes_details(tracker) and not tracker.get_slot("contact"):
                # "name is Tom Reilly, 07700 900123": why it is asked for, said at once (audit 9).
                self.said_phone_unusable(user_text(tracker), dispatcher)
            return {}
        if clearly_something_else(tracker, "strong"):
            return {}
        if details.contact:
            return {"contact": user_text(tracker)}
        if details.anything or clearly_something_else(tracker, "weak"):
            return {}  # an answer to another question, or a question: asked again
        if latest_intent(tracker) == "deny":
            return {}
        name = tracker.get_slot("patient_name")
        if (
            corrected_name(user_text(tracker), name)
            or looks_like_name(user_text(tracker))[0] == name
        ):
            return {}  # the name put right or completed (extract_patient_name may run first)
        return {"contact": user_text(tracker)}  # validate_contact says it is not valid

    async def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """At least one of a valid phone number or email, stored normalised.

        A correction of one ("sorry, my email is ...") keeps the other.
        """
        if value is None:  # to be asked again (detail_named)
            return {"contact": None}
        region = self.profile().country
        phone, email = phone_in(str(value), region), find_email(str(value))
        if not phone and not email:
            if self.caution_noted(dispatcher, tracker):
                return {"contact": None}
            if not self.said_phone_unusable(str(value), dispatcher):
                dispatcher.utter_message(response="utter_contact_not_valid")
            return {"contact": None}
        if (
            not asked(tracker, "contact")
            and not INSTEAD_OF_THE_OTHER.search(str(value))
            and not contact_taken_back(user_text(tracker))
        ):
            phone = phone or tracker.get_slot("phone")
            email = email or tracker.get_slot("email")
        return {"contact": shown_contact(phone, email), "phone": phone, "email": email}

    async def extract_patient_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """New or returning, from buttons, yes/no or the patient's words, at any question."""
        text, intent = user_text(tracker), latest_intent(tracker)
        said = patient_type_in(text)
        if not asked(tracker, "patient_type"):
            # "before I give my number, how much does a first appointment cost?": the
            # question's subject, not an answer (audit 12: the question went unanswered).
            if asks_a_question(tracker):
                return {}
            # The same answer again ("no never been" at the time question, audit 23) is
            # taken again: read as a "no", it stopped the booking.
            again = said == tracker.get_slot("patient_type") and only_visit_kind(
                text, self.details(tracker)
            )
            if (
                said
                and self.takes_details(tracker)
                and (again or said != tracker.get_slot("patient_type"))
            ):
                values: Dict[str, Any] = {"patient_type": said}
                if tracker.get_slot("appointment_time") and tracker.get_slot("appointment_date"):
                    # A different length: the chosen time is checked again.
                    values["appointment_time"] = tracker.get_slot("appointment_time")
                return values
            return {}
        if clearly_something_else(tracker, "strong"):
            return {}
        if said:
            return {"patient_type": said}
        lowered = told(text).lower()
        if is_question(lowered) and not says_yes(tracker) and intent != "deny":
            return {}  # "is it cheaper for new patients?": asked, not answered
        # Keywords first: "first visit" may be classified as book_appointment.
        if re.search(r"\b(new|first|never)\b", lowered) or intent == "deny":
            return {"patient_type": "new"}
        if says_yes(tracker, BOOKING_REQUEST) or re.search(
            # "yes been a few times" (audit 12)
            r"\b(returning|been before|before|existing|follow.?up|again|a few times|"
            r"several times|many times|loads of times|lots of times|couple of times|"
            r"been coming|regular)\b",
            lowered,
        ):
            return {"patient_type": "returning"}
        if self.details(tracker).anything or not is_answer(tracker):
            return {}
        dispatcher.utter_message(response="utter_patient_type_not_understood")
        return {"patient_type": None}

    async def extract_notes(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Anything the acupuncturist should know; "no" means nothing.

        Asked for at a later question ("thursday at 2pm please, and no notes"),
        the notes are taken back: the cautions told earlier stay passed on.
        """
        if not asked(tracker, "notes"):
            if tracker.get_slot("notes") and NOTES_REMOVED.search(user_text(tracker)):
                return {"notes": notes_with(cautions_told(tracker), None)}
            if NO_NOTES_SAID.search(user_text(tracker)) and self.takes_details(tracker):
                # "..., first visit, no notes" in the request, or at the contact
                # question: not asked again, nor read as a no that stops (audit 13).
                return {"notes": notes_with(cautions_told(tracker), None)}
            return {}
        text = user_text(tracker).strip()
        earlier = cautions_told(tracker)  # passed on, as the question said
        if NOTHING.match(text) or (latest_intent(tracker) == "deny" and len(text.split()) <= 3):
            return {"notes": notes_with(earlier, None)}  # "no", "nothing to add", "no thanks"
        if not is_answer(tracker):
            return {}
        if (is_correction(text) and self.details(tracker).anything) or only_visit_kind(
            text, self.details(tracker)
        ):
            # "actually make it Friday", "been before": a correction, the notes are asked again
            return {}
        return {"notes": notes_with(earlier, text)}

    async def extract_booking_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Yes or no to the summary; a correction shows the summary again instead."""
        if not asked(tracker, "booking_confirmed") or STOP_WORDS.match(user_text(tracker)):
            return {}
        if self.details(tracker).anything:
            return {"booking_confirmed": None}  # "yes, but make it 3pm": the summary again
        if (asking := self.detail_named(tracker)) is not None:
            return {**{slot: None for slot in asking}, "booking_confirmed": None}
        if confirms(tracker, BOOKING_REQUEST):  # "yes", "book it"
            return {"booking_confirmed": True}
        if LEAVE_IT.search(user_text(tracker)):
            return {"booking_confirmed": False}  # "nah leave it, i'll see how i feel" (audit 9)
        if latest_intent(tracker) == "deny":
            if last_response(tracker) == SUMMARY:
                # A no to the summary is usually one detail wrong: asked what to
                # change (action_ask_booking_confirmed); a second no leaves it.
                return {"booking_confirmed": None}
            return {"booking_confirmed": False}
        return {}

    @staticmethod
    def detail_named(tracker: Tracker) -> Optional[Tuple[str, ...]]:
        """The slots of a detail named with no new value after "What would you like to change?"."""
        text = user_text(tracker)
        if last_response(tracker) != WHAT_TO_CHANGE:
            return None
        if len(text.split()) > MAX_WORDS_NAMING_A_DETAIL:
            return None
        return next((slots for said, slots in DETAILS_TO_ASK_AGAIN if said.search(text)), None)


class ValidateManageBookingForm(DateTimeValidation):
    """Validates ``manage_booking_form`` (check, cancel, reschedule)."""

    action_name = "validate_manage_booking_form"

    def slot_order(self, domain_slots: List[str], tracker: Tracker) -> List[str]:
        """Checking needs only the reference and contact; changes need more."""
        task = tracker.get_slot("booking_task")
        slots = ["booking_reference", "booking_contact"]
        # A no, or a booking found too close to change (validate_booking_contact):
        # no new day or time is asked for.
        if task == "reschedule" and tracker.get_slot("manage_confirmed") is not False:
            slots += ["appointment_date", "appointment_time"]
        if task in ("cancel", "reschedule"):
            slots += ["manage_confirmed"]
        return slots

    def patient_type(self, tracker: Tracker) -> Optional[str]:
        """The stored appointment's type decides the new appointment's length."""
        return tracker.get_slot("patient_type")

    def read_when(self, tracker: Tracker, said: str, talking_of: Optional[dt.date]) -> When:
        """The new day and time; "the following day, same time" from the appointment moved.

        The appointment is the one proved by the conversation, or by the reference
        and contact typed in this very message ("move JRRNAW, phone +1 415 555 2671,
        same time the following week": audit 13 counted the week from today).
        """
        if (
            tracker.get_slot("booking_task") != "reschedule"
            or tracker.get_slot("booking_contact") in LOOKUP_ENDED
        ):
            return super().read_when(tracker, said, talking_of)
        try:
            appointment = (
                verified_appointment(tracker, get_store(), self.profile())
                if tracker.get_slot("booking_contact")
                else self.proved_in_message(tracker)
            )
        except StoreUnavailableError:
            appointment = None
        # Before the contact, or with it in answer to its question: the appointment is
        # being proved by this message.
        proving_now = not tracker.get_slot("booking_contact") or asked(tracker, "booking_contact")
        if appointment is None:
            if proving_now and said_from_booked(said):
                # "can i move MEFP7F to same time next week" before the contact: read
                # once the appointment is known (audit 15 listed next week's first times).
                return When()
            return super().read_when(tracker, said, talking_of)
        booked = appointment.starts_at.astimezone(self.profile().zone)
        when = when_in(said, self.now(), self.profile().date_order, booked=booked)
        if when.empty and proving_now and not tracker.get_slot("appointment_date"):
            # The contact that proves the appointment: the move asked for before it.
            asked_before = self.move_asked_before(tracker)
            if asked_before is not None:
                when = when_in(asked_before, self.now(), self.profile().date_order, booked=booked)
        new_day = talking_of or tracker.get_slot("appointment_date")
        shift = shift_asked(said)
        if when.time is None and not when.part_of_day and shift is not None:
            # "can i push it back an hour": the booked time moved, on the day said or booked
            moved = dt.datetime.combine(booked.date(), booked.time()) + shift
            if moved.date() == booked.date():
                return When(day=when.day or booked.date(), time=moved.time())
        if when.day is None and when.time is not None and not new_day:
            # "can i make that 11 instead": a new time alone is on the booked day.
            return When(day=booked.date(), time=when.time)
        shifted = LATER_OR_EARLIER.search(said)
        if when.time is None and not when.part_of_day and shifted and not _LATER_DAY.search(said):
            # "can we make it later in the day?": after the booked time (audit 16 offered
            # earlier ones), on the day said or the booked day.
            grid = dt.timedelta(minutes=self.profile().booking.slot_grid_minutes)
            after = (dt.datetime.combine(booked.date(), booked.time()) + grid).time()
            hours = (
                bounded_part(after, None)
                if shifted.group(1).lower() == "later"
                else bounded_part(None, booked.time())
            )
            return When(day=when.day or booked.date(), part_of_day=hours)
        return when

    @staticmethod
    def task_before(tracker: Tracker) -> Optional[str]:
        """The task (check, cancel, reschedule) set before the latest message, if any."""
        latest_user = max(
            (i for i, event in enumerate(tracker.events) if event.get("event") == "user"),
            default=len(tracker.events),
        )
        for event in reversed(tracker.events[:latest_user]):
            if event.get("event") == "slot" and event.get("name") == "booking_task":
                return event.get("value")
        return None

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Refuse lookups from a locked-out conversation or address; end the form when locked.

        A message read as asking for another task while one is under way ("could
        it be the following day same time?" read as a check) does not change the
        task: the reply says the form is in progress and its question is asked
        again (audit 7 lost a reschedule this way). A new day asked for instead
        of a cancellation being confirmed turns it into a move.
        """
        before = self.task_before(tracker)
        restored: List[EventType] = []
        if (
            tracker.get_slot(REQUESTED) is not None
            and before
            and tracker.get_slot("booking_task") != before
            and load_interruptions().group_of(latest_intent(tracker) or "") == "in_progress"
        ):
            tracker.slots["booking_task"] = before
            restored = [SlotSet("booking_task", before)]
            if latest_intent(tracker) == "check_appointment":
                # "what day is it booked for at the moment?" while moving it (audit 9).
                self.say_current_appointment(dispatcher, tracker)
        if (
            tracker.get_slot("booking_task") == "cancel"
            and asked(tracker, "manage_confirmed")
            and MOVE_INSTEAD.search(user_text(tracker))
        ):
            # "actually no, can I move it to the Monday after instead?" when asked to
            # confirm a cancellation: a move, never the cancel button again (audit 8).
            tracker.slots["booking_task"] = "reschedule"
            if not self.when(tracker).empty:
                restored = [SlotSet("booking_task", "reschedule")]
            else:
                tracker.slots["booking_task"] = "cancel"
        return restored + await self.checked_run(dispatcher, tracker, domain)

    def say_current_appointment(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """The appointment under way, if this conversation has proved it is the patient's."""
        profile = self.profile()
        try:
            appointment = verified_appointment(tracker, get_store(), profile)
        except StoreUnavailableError:
            return
        if appointment is not None:
            dispatcher.utter_message(
                response="utter_appointment_details", **describe(appointment, profile)
            )

    async def checked_run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The form's run once the task is settled: locked-out lookups are refused."""
        profile = self.profile()
        if tracker.get_slot("booking_contact") in (None, LOCKED):  # not yet verified
            try:
                locked = locked_out(tracker, get_store(), profile)
            except StoreUnavailableError:
                locked = False  # the lookup itself will say the store is unavailable
            if locked:
                dispatcher.utter_message(
                    response="utter_lookup_locked",
                    minutes=profile.booking.lookup_lockout_minutes,
                    **profile.contact_values(),
                )
                return [
                    SlotSet("booking_reference", None),
                    SlotSet("booking_contact", LOCKED),
                    SlotSet(REQUESTED, None),
                ]
        events = await super().run(dispatcher, tracker, domain)
        if any(SlotSet("booking_contact", ended) in events for ended in LOOKUP_ENDED):
            events.append(SlotSet(REQUESTED, None))  # the form ends; nothing is asked again
        return events

    @staticmethod
    def booked_here(tracker: Tracker) -> Optional[str]:
        """The phone or email of a booking made earlier in this conversation, if there is one.

        "what time was that again?" right after booking needs no reference: the
        patient gave it and their contact here. The contact is still checked
        against the stored booking (``validate_booking_contact``), as when typed.
        """
        if not tracker.get_slot(LAST_BOOKING_REFERENCE_SLOT):
            return None
        given = tracker.get_slot("phone") or tracker.get_slot("email")
        return str(given) if given else None

    @staticmethod
    def move_asked_before(tracker: Tracker) -> Optional[str]:
        """The latest earlier message of this move that said a day from the appointment.

        From the message that asked for the move on ("can i move MEFP7F to same
        time next week"), not counting the latest one.
        """
        said: List[str] = []
        form_began = False
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                said.append(str(event.get("text") or ""))
                if form_began:
                    break  # the message that began the form
            elif event.get("event") == "active_loop":
                if event.get("name") != MANAGE_FORM:
                    break
                form_began = True
        # said[0] is the latest message; the move's own words are among the rest
        return next((text for text in said[1:] if said_from_booked(text)), None)

    def proved_in_message(self, tracker: Tracker) -> Optional[Appointment]:
        """The booked appointment the latest message proves: its contact, and the reference.

        The reference is the message's own or the one already given.
        """
        text = user_text(tracker)
        reference = self.reference_in(text, whole_message=False) or str(
            tracker.get_slot("booking_reference") or ""
        )
        phone, email = phone_in(text, self.profile().country), find_email(text)
        return booked_for_patient(get_store(), reference, phone, email)

    def declines_the_question(self, tracker: Tracker) -> bool:
        """Whether "no that's fine" turns down the reference or contact question, giving neither."""
        text = user_text(tracker)
        return (
            asked(tracker, *LOOKUP_QUESTIONS)
            and bool(NO_NEED.match(text))
            and not self.reference_in(text, whole_message=False)
            and not self.details(tracker).contact
        )

    @staticmethod
    def reference_in(text: str, whole_message: bool) -> Optional[str]:
        """A booking reference in ``text``.

        "my ref is K7RM3D", "please cancel K7RM3D" (not "PLEASE": only our
        alphabet), and "k7r m3d" or "K7R-M3D" when that is all the message
        says (``whole_message``). Inside a longer request a reference must hold a
        letter and be typed in capitals or hold a digit, so that no ordinary
        word or part of a phone number is taken for one.
        """
        upper = text.upper()
        reference = re.compile(rf"\b([{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}})\b")
        if whole_message:
            match = reference.search(upper)
            if match is None and len(upper) <= 12:
                match = reference.search(re.sub(r"[\s-]", "", upper))
            return match.group(1) if match else None
        # "ref hjdfce", "her reference is xfwnvr": named as a reference, any case.
        named = re.search(
            rf"\b(?:booking )?ref(?:erence)?(?: number| no)?(?:\s+is)?\s*[:#]?\s*"
            rf"(?<![A-Z])([{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}})\b",
            upper,
            re.IGNORECASE,
        )
        if named:
            return named.group(1)
        # "cancel booking wv4 nrv": typed in two halves, after the word for it.
        half = REFERENCE_LENGTH // 2
        halves = re.search(
            rf"\b(?:booking|ref(?:erence)?|code|appointment)(?: number| no)?(?:\s+is)?\s*[:#]?\s*"
            rf"([{REFERENCE_ALPHABET}]{{{half}}})[\s-]([{REFERENCE_ALPHABET}]{{{half}}})\b",
            upper,
            re.IGNORECASE,
        ) or re.search(  # "oh wait here it is cj9 yur" (audit 19): the two halves close it
            rf"(?:^|\s)([{REFERENCE_ALPHABET}]{{{half}}})[\s-]([{REFERENCE_ALPHABET}]{{{half}}})\W*$",
            upper,
        )
        joined = halves.group(1) + halves.group(2) if halves else ""
        if any(ch.isdigit() for ch in joined) and any(ch.isalpha() for ch in joined):
            return joined
        for match in reference.finditer(upper):
            found, typed = match.group(1), text[match.start(1) : match.end(1)]
            has_letter = any(ch.isalpha() for ch in found)  # "999999" is part of a number
            if has_letter and (typed.isupper() or any(ch.isdigit() for ch in found)):
                return found
        return None

    async def extract_booking_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A six-character reference: the answer, or given with the request or corrected later."""
        text = user_text(tracker)
        if not asked(tracker, "booking_reference"):
            found = self.reference_in(text, whole_message=False)
            known = tracker.get_slot("booking_reference")
            if found and found != known and self.takes_details(tracker):
                return {"booking_reference": found}
            if found is None and known is None and self.booked_here(tracker):
                return {"booking_reference": tracker.get_slot(LAST_BOOKING_REFERENCE_SLOT)}
            if found is None and known is None and LOST_REFERENCE.search(text):
                # "I need to cancel but I've lost the reference number": where to find
                # it, or the phone, said at once rather than asking for it (audit 8).
                return {"booking_reference": MISSING}
            return {}
        if clearly_something_else(tracker, "strong"):
            return {}
        found = self.reference_in(text, whole_message=True)
        if found:
            return {"booking_reference": found}
        if not is_answer(tracker):
            return {}
        if NO_REFERENCE.search(text):
            # "I don't have it written down. My telephone is 01904 612345" (audit 9):
            # where to find it; the number is read again once the reference is given.
            return {"booking_reference": MISSING}
        details = self.details(tracker)
        if details.contact:
            # The phone typed first (audit 9 got "Sorry, I didn't get that"): it is
            # read again once the reference comes (contact_said_before).
            return {"booking_reference": CONTACT_FIRST}
        if details.anything:
            return {}
        return {"booking_reference": "unparsed"}

    async def validate_booking_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Looks like one of our references (checked against the contact next)."""
        text = str(value)
        if text == MISSING:
            dispatcher.utter_message(
                response="utter_reference_missing", **self.profile().contact_values()
            )
            return {"booking_reference": None}
        if text == CONTACT_FIRST:
            dispatcher.utter_message(response="utter_reference_after_contact")
            return {"booking_reference": None}
        if not is_reference(text):
            dispatcher.utter_message(response="utter_reference_not_valid")
            return {"booking_reference": None}
        if not asked(tracker, "booking_reference") and tracker.get_slot("booking_contact"):
            # A corrected reference: the contact is checked against it again.
            return {"booking_reference": text, "booking_contact": None}
        return {"booking_reference": text}

    def contact_said_before(self, tracker: Tracker, messages: int = 4) -> Optional[str]:
        """A recent earlier message of this session that gave a phone number or email.

        Not one already tried: the search stops at a failed lookup or at the contact
        question, whose answer was read then.
        """
        region = self.profile().country
        earlier = this_session(tracker)[:-1]
        for event in reversed(earlier):
            if (
                event.get("event") == "bot"
                and (event.get("metadata") or {}).get("utter_action") in CONTACT_TRIED
            ):
                return None
            if event.get("event") != "user":
                continue
            messages -= 1
            if messages < 0:
                return None
            text = str(event.get("text") or "")
            if phone_in(text, region) or find_email(text):
                return text
        return None

    async def extract_booking_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """The phone or email given at booking: the answer, or typed with the reference."""
        text, details = user_text(tracker), self.details(tracker)
        if (
            not details.contact
            and not asked(tracker, "booking_contact")
            and self.reference_in(text, whole_message=False)
            and self.said_phone_unusable(text, dispatcher)
        ):
            return {}  # typed with the reference: the reason said, then asked for
        if not asked(tracker, "booking_contact") and tracker.get_slot("booking_contact") is None:
            reference = tracker.get_slot("booking_reference")
            if reference and reference == tracker.get_slot(LAST_BOOKING_REFERENCE_SLOT):
                given = self.booked_here(tracker)
                if given:
                    return {"booking_contact": given}
        if not asked(tracker, "booking_contact"):
            with_reference = self.reference_in(text, whole_message=False) or tracker.get_slot(
                "booking_reference"
            )
            if details.contact and with_reference and self.takes_details(tracker):
                return {"booking_contact": text}
            earlier = self.contact_said_before(tracker)
            if earlier and with_reference and self.takes_details(tracker):
                # "my number is 07931 774520, when is my appointment?" ... "it's JNMHEF"
                return {"booking_contact": earlier}
            return {}
        if clearly_something_else(tracker, "strong"):
            return {}
        if details.contact:
            return {"booking_contact": text}
        if not is_answer(tracker) or self.reference_in(text, whole_message=False):
            return {}  # a question, or the reference corrected: the contact is asked again
        if not details.when.empty:
            return {}
        return {"booking_contact": text}

    async def validate_booking_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """The reference and contact must belong to the same booking."""
        region = self.profile().country
        phone, email = find_phone(str(value), region), find_email(str(value))
        if (
            not phone
            and not email
            and asked(tracker, "booking_contact")
            and self.said_phone_unusable(str(value), dispatcher)
        ):
            return {"booking_contact": None}  # typed, and no booking has such a number
        reference = str(tracker.get_slot("booking_reference") or "")
        if not is_reference(reference.upper()):
            # No reference to check it against yet ("I don't have a reference"): not a
            # failed lookup; the contact is read again when the reference comes (audit 9).
            return {"booking_contact": None}
        try:
            appointment = get_store().find_for_patient(reference, phone, email)
        except StoreUnavailableError:
            dispatcher.utter_message(
                response="utter_booking_store_unavailable",
                **self.profile().contact_values(),
            )
            return {"booking_contact": None, "booking_reference": None}
        if appointment is not None and appointment.status == "cancelled":
            # Both halves matched, so saying it is cancelled tells no stranger anything.
            dispatcher.utter_message(
                response="utter_booking_was_cancelled", **describe(appointment, self.profile())
            )
            return {"booking_contact": WAS_CANCELLED, "booking_reference": None}
        if appointment is None or appointment.status != "booked":
            # Same answer whether the reference or the contact is wrong: no hints.
            store, profile = get_store(), self.profile()
            try:
                alarm = record_failure(tracker, store, profile, reference)
                locked = locked_out(tracker, store, profile)
            except StoreUnavailableError:
                alarm = locked = False
            raised = {ALARM_SLOT: True} if alarm else {}
            if locked:
                dispatcher.utter_message(
                    response="utter_lookup_locked",
                    minutes=profile.booking.lookup_lockout_minutes,
                    **profile.contact_values(),
                )
                return {"booking_contact": LOCKED, "booking_reference": None, **raised}
            dispatcher.utter_message(response="utter_booking_not_found")
            return {"booking_contact": None, "booking_reference": None, **raised}
        # The contact that matched, not a "verified" flag: the actions that read
        # or change the booking check it against the stored one again.
        matched = phone if phone and appointment.phone == phone else email
        found: Dict[str, Any] = {
            "booking_contact": matched,
            "patient_type": appointment.patient_type,
        }
        profile = self.profile()
        if tracker.get_slot("booking_task") in ("cancel", "reschedule") and too_late_to_change(
            profile, appointment.starts_at, clinic_now(profile.zone)
        ):
            # Said now by action_manage_booking, not after a new day and time are chosen.
            found["manage_confirmed"] = False
        return found

    async def extract_manage_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Yes or no to the cancellation or change."""
        if not asked(tracker, "manage_confirmed"):
            return {}
        # "cancel it" when asked to confirm a cancellation is a yes, not a stop;
        # so is "that's right, book it" (people say "book it" for "do it").
        task = tracker.get_slot("booking_task")
        yes = confirms(tracker, *task_intents(domain, task), BOOKING_REQUEST)
        if STOP_WORDS.match(user_text(tracker)) and not yes:
            return {}
        if not self.details(tracker).when.empty:
            return {"manage_confirmed": None}  # a new day or time: asked to confirm it again
        if yes:
            return {"manage_confirmed": True}
        if latest_intent(tracker) == "deny" or KEEP_IT.match(user_text(tracker)):
            return {"manage_confirmed": False}
        return {}
