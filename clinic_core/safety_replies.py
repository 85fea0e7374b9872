"""What the safety replies say, and the note staff read: one place for every process.

The action server gives them (actions/safety.py); when it cannot, the Rasa
process gives them itself (rasa_extensions/resilience.py, through
:func:`safety_answer`), so a patient describing an emergency while the action
server is down or slow still hears the emergency number, not "please try
again in a few minutes". That is a red flag's reply, the reminder after it, a
red flag asked about as a what-if, and a message in another language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from clinic_core.names import (
    OTHER_LANGUAGE_ACTION,
    RED_FLAG_REMINDER_ACTION,
    RED_FLAG_WHAT_IF_ACTION,
)
from clinic_core.profile import ClinicProfile, Emergency
from clinic_core.red_flag_screen import SCREEN_LABEL
from clinic_core.red_flags import Concept, load_red_flags

SELF_HARM_REPLY = "utter_self_harm"
CRISIS_LINE_REPLY = "utter_emergency_crisis_line"
EMERGENCY_REPLY = "utter_emergency"
URGENT_REPLY = "utter_urgent_symptoms"
MENTAL_HEALTH_LINE_REPLY = "utter_mental_health_line"
AFTER_SELF_HARM_REPLY = "utter_after_self_harm"
OTHER_LANGUAGE_REPLY = "utter_other_language"
# The reminder of each level of clinic/red_flags.yml (tests/test_safety_actions.py checks all).
REMINDERS = {"emergency": "utter_after_emergency", "urgent": "utter_after_urgent"}
# What to do if a red flag asked about as a what-if happens, for each level of
# clinic/red_flags.yml (tests/test_safety_actions.py checks all).
WHAT_IF_REPLIES = {
    "emergency": "utter_red_flag_what_if_emergency",
    "urgent": "utter_red_flag_what_if_urgent",
}

# A conversation's events as dicts, as rasa-sdk's ``Tracker.events`` has them
# (and Rasa's events' ``as_dict()``).
Events = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Reply:
    """A response of domain.yml and the values it is filled with."""

    response: str
    values: Dict[str, str] = field(default_factory=dict)


def red_flag_replies(level: str, concepts: Sequence[Concept], emergency: Emergency) -> List[Reply]:
    """The advice for a red flag of ``level`` ("emergency" or "urgent").

    Thoughts of self-harm alone are answered person to person first, the
    crisis line before the emergency number: opening with "what you describe
    can be a sign of something serious" reads as a form letter. Any other
    emergency gets the emergency number, and the crisis line too when one of
    its concepts is answered with it or the concept is unknown.
    """
    if level != "emergency":
        return [
            Reply(
                URGENT_REPLY,
                {
                    "advice_line": emergency.advice_line or "your GP surgery",
                    "emergency_number": emergency.number,
                },
            )
        ]
    if emergency.crisis_line and concepts and all(c.crisis_line for c in concepts):
        replies = [
            Reply(
                SELF_HARM_REPLY,
                {"crisis_line": emergency.crisis_line, "emergency_number": emergency.number},
            )
        ]
        if emergency.mental_health_line:
            replies.append(
                Reply(
                    MENTAL_HEALTH_LINE_REPLY, {"mental_health_line": emergency.mental_health_line}
                )
            )
        return replies
    replies = [Reply(EMERGENCY_REPLY, {"emergency_number": emergency.number})]
    # Also whenever the safety layer could not say what the emergency is.
    if emergency.crisis_line and (not concepts or any(c.crisis_line for c in concepts)):
        replies.append(Reply(CRISIS_LINE_REPLY, {"crisis_line": emergency.crisis_line}))
    return replies


def red_flags_named(concept_ids: Sequence[str]) -> List[Concept]:
    """The listed concepts among ``concept_ids``, in the red-flag file's order."""
    found = set(concept_ids)
    return [concept for concept in load_red_flags().concepts if concept.id in found]


def red_flag_note(level_id: str, concepts: Sequence[Concept], screened: bool = False) -> str:
    """What staff read in the console: the level and what matched.

    ``screened``: the learned screen raised the flag in words the list lacks.
    """
    level = load_red_flags().level(level_id).label
    labels = [concept.label for concept in concepts] + ([SCREEN_LABEL] if screened else [])
    if not labels:
        return f"{level}: recognised by the intent classifier"
    return f"{level}: " + "; ".join(labels)


def level_of_action(action: str) -> Optional[str]:
    """The red-flag level whose reply ``action`` is (None: not a red-flag reply)."""
    return next((level.id for level in load_red_flags().levels if level.action == action), None)


def _red_flag_reply(events: Events) -> Optional[int]:
    """Where in ``events`` the latest red-flag reply (a level's action) ran, if any."""
    actions = {level.action for level in load_red_flags().levels}
    latest_first = range(len(events) - 1, -1, -1)
    return next((i for i in latest_first if events[i].get("name") in actions), None)


def last_red_flag_turn(events: Events) -> Tuple[Optional[str], Optional[str]]:
    """The level of the latest red-flag reply (or None), and the crisis line reply it gave.

    That is ``SELF_HARM_REPLY`` when thoughts of self-harm alone were answered,
    ``CRISIS_LINE_REPLY`` when it came after the emergency advice (an overdose
    that may have been taken by mistake), else None.

    Looked for back past the reminders that followed it: the second reminder
    after "see your GP today" is that advice again, not 999 (audit 16), and so
    is the crisis line after despair.
    """
    levels = {level.action: level.id for level in load_red_flags().levels}
    replied = _red_flag_reply(events)
    if replied is None:
        return None, None
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    start = max((i for i in users if i < replied), default=-1)
    end = min((i for i in users if i > replied), default=len(events))
    uttered = {(e.get("metadata") or {}).get("utter_action") for e in events[start + 1 : end]}
    given = [reply for reply in (SELF_HARM_REPLY, CRISIS_LINE_REPLY) if reply in uttered]
    return levels[str(events[replied]["name"])], given[0] if given else None


def said_since_red_flag(events: Events) -> List[str]:
    """The patient's messages since the latest red-flag reply, before the latest one."""
    replied = _red_flag_reply(events)
    if replied is None:
        return []
    said = [str(e.get("text") or "") for e in events[replied:] if e.get("event") == "user"]
    return said[:-1]


def reminder_replies(
    text: str, events: Events, emergency: Emergency, contact: Dict[str, str]
) -> List[Reply]:
    """What the message ``text`` after a red-flag reply gets: the advice again, briefly.

    "The doctor saw me today" is acknowledged: the patient has been seen. "The
    ambulance is on its way, should I cancel?" is acknowledged instead: the
    advice was taken, and the appointment can wait; a new booking asked for
    after that waits until the patient has been seen. After thoughts of
    self-harm the crisis line comes first: "I can't help with it here" is no
    answer to despair. ``contact``: the profile's contact values.
    """
    spec = load_red_flags()
    if spec.says_seen(text):
        return [Reply("utter_glad_seen")]
    if spec.says_help_coming(text):
        return [Reply("utter_help_on_the_way", contact)]
    if any(spec.says_help_coming(said) for said in said_since_red_flag(events)):
        return [Reply("utter_book_once_seen", contact)]
    level, crisis = last_red_flag_turn(events)
    if crisis == SELF_HARM_REPLY and emergency.crisis_line:
        values = {"crisis_line": emergency.crisis_line, "emergency_number": emergency.number}
        return [Reply(AFTER_SELF_HARM_REPLY, values)]
    replies = [
        Reply(
            REMINDERS.get(level or "", REMINDERS["emergency"]),
            {
                "emergency_number": emergency.number,
                "advice_line": emergency.advice_line or "your GP surgery",
            },
        )
    ]
    if crisis == CRISIS_LINE_REPLY and emergency.crisis_line:
        # "lol im not suicidal, so can i book" after an overdose: 999 first, the line still
        replies.append(Reply(CRISIS_LINE_REPLY, {"crisis_line": emergency.crisis_line}))
    return replies


def what_if_replies(
    text: str, set_aside: Sequence[Mapping[str, str]], emergency: Emergency
) -> List[Reply]:
    """Where to go if a red flag asked about as a what-if happens (audit 12).

    "would I need to go to hospital if I couldn't pee?" had got "I'd rather
    not guess". ``set_aside``: the triage's ``{"concept", "reason"}`` list.
    """
    level = load_red_flags().what_if_level(text, set_aside) or "emergency"
    values = {
        "emergency_number": emergency.number,
        "advice_line": emergency.advice_line or "your GP surgery",
    }
    return [Reply(WHAT_IF_REPLIES.get(level, WHAT_IF_REPLIES["emergency"]), values)]


def other_language_replies(profile: ClinicProfile) -> List[Reply]:
    """A message in another language: said so in English, with the emergency number."""
    values = {"emergency_number": profile.emergency.number, **profile.contact_values()}
    return [Reply(OTHER_LANGUAGE_REPLY, values)]


@dataclass(frozen=True)
class SafetyAnswer:
    """A safety action's replies, and the red-flag level it flags the conversation at."""

    replies: List[Reply]
    level: Optional[str] = None  # None: the conversation is not flagged (again)
    concepts: List[Concept] = field(default_factory=list)


def safety_answer(
    action: str,
    text: str,
    concept_ids: Sequence[str],
    set_aside: Sequence[Mapping[str, str]],
    events: Events,
    profile: ClinicProfile,
) -> Optional[SafetyAnswer]:
    """What safety action ``action`` answers the latest message with; None: not one.

    ``concept_ids``: the red-flag concepts found in the message; ``set_aside``:
    what ConText set aside; ``events``: the conversation so far.
    """
    level = level_of_action(action)
    if level is not None:
        concepts = red_flags_named(concept_ids)
        return SafetyAnswer(red_flag_replies(level, concepts, profile.emergency), level, concepts)
    if action == RED_FLAG_REMINDER_ACTION:
        contact = profile.contact_values()
        return SafetyAnswer(reminder_replies(text, events, profile.emergency, contact))
    if action == RED_FLAG_WHAT_IF_ACTION:
        return SafetyAnswer(what_if_replies(text, set_aside, profile.emergency))
    if action == OTHER_LANGUAGE_ACTION:
        return SafetyAnswer(other_language_replies(profile))
    return None
