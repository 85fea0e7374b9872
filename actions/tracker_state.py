"""Read what the patient just said from the tracker."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from clinic_core.message_parts import OPENER

# A bare yes, however typed: one- or two-letter forms ("ya", "yea", "y") are
# too short for the classifier's character features to be sure of.
# A bare yes, or one with courtesies only ("yes thank you": audit 9 got "Sorry, I
# didn't get that" at the booking summary, read as thanks).
# Pleased words around a yes: "lovely, yes please book", "perfect yes go ahead" (audit 12).
_PLEASED = r"great|lovely|perfect|brilliant|fab|fine|wonderful|excellent|super|cool|thanks|cheers"
YES_WORDS = re.compile(
    rf"^\s*(?:(?:{_PLEASED}|oh|right|ah)[\s,.!]+)*"
    r"(y|ya+|yah|yea+h?|yep|yup|yes+|yess|yas|aye|ok(ay)?|k|sure|correct)"
    r"(?:[\s,.!]+(?:please|pls|plz|thank (?:you|u)(?: (?:very|so|ever so) much)?|thx|"
    rf"ta|{_PLEASED}|go ahead|book it|book me in|book|do it|that'?s it|"
    r"that'?s (?:fine|great|right|perfect|lovely)))*"
    r"\W*$"
    # "lovely ta", "perfect thanks", "great, go ahead": pleased words alone (audit 17)
    rf"|^\s*(?:{_PLEASED}|lovely jubbly)"
    r"(?:[\s,.!]+(?:ta|thanks|thank you|cheers|go ahead|do it))+\W*$",
    re.IGNORECASE,
)


# A yes put off: "before I say yes, is the acupuncturist a woman?" (audit 19 booked
# it), "not yet", "hang on". A question asked before any yes counts too.
_YES_PUT_OFF = re.compile(
    r"\bbefore (?:i|we) (?:say yes|say ok|confirm|agree|go ahead|book|commit)\b|\bnot yet\b|"
    r"\b(?:hold|hang) on\b|^\W*wait\b|\bbefore (?:you|it'?s) (?:book|confirm)",
    re.IGNORECASE,
)
_FIRST_CLAUSE = re.compile(r"^[^,.;:!?]*")
_CONSENT_ALONE = re.compile(
    rf"^\s*(?:{_PLEASED}|sounds (?:good|great|fine)|that'?s (?:fine|great|perfect|lovely|right)|"
    r"book (?:it|me in)|go ahead|do it|please do|confirm(?:ed)?)\W*$",
    re.IGNORECASE,
)


def yes_put_off(text: str) -> bool:
    """Whether ``text`` holds its yes back: put off in words, or after a question."""
    if _YES_PUT_OFF.search(text):
        return True
    first = _FIRST_CLAUSE.match(text)
    opening = first.group(0) if first else ""
    return "?" in text and not (YES_WORDS.match(opening) or _CONSENT_ALONE.match(opening))


def user_text(tracker: Tracker) -> str:
    """The latest message's text ('' for none)."""
    return str((tracker.latest_message or {}).get("text") or "")


def this_session(tracker: Tracker) -> List[Dict[str, Any]]:
    """The tracker's events since the current session started.

    On SMS and WhatsApp a patient keeps one conversation id for months: what
    they said in an earlier session must not decide today's answers.
    """
    events = list(tracker.events)
    starts = [i for i, event in enumerate(events) if event.get("event") == "session_started"]
    return events[starts[-1] + 1 :] if starts else events


def slot_when_the_message_came(tracker: Tracker, name: str) -> Any:
    """The slot's value when the latest message came, before a form extracted from it.

    rasa-sdk adds a form's extracted slots to the tracker before validating them.
    """
    value, then = None, None
    for event in this_session(tracker):
        if event.get("event") == "user":
            then = value
        elif event.get("event") == "slot" and event.get("name") == name:
            value = event.get("value")
    return then


def latest_intent(tracker: Tracker) -> Optional[str]:
    """Name of the intent of the latest user message.

    ``Tracker.get_intent_of_latest_message`` reads ``intent_ranking``, which is
    absent for some messages (for example button payloads on some channels),
    so we read the top intent itself.
    """
    intent = (tracker.latest_message or {}).get("intent") or {}
    name = intent.get("name")
    return str(name) if name else None


def says_yes(tracker: Tracker, *requests: str) -> bool:
    """Whether the latest message answers a yes-or-no question with yes.

    A yes is ``affirm``, a bare yes however typed ("ya", "k"), or a yes in
    front of one of ``requests`` ("yes, book me in"): the clause step
    (:mod:`rasa_extensions.clauses`) reads that as the request and keeps the
    yes as its ``opener``. A yes in front of another request ("yes, cancel
    it" at the booking summary) is that request, not a yes.
    """
    text = str((tracker.latest_message or {}).get("text") or "")
    if YES_WORDS.match(text):
        return True
    if yes_put_off(text):
        return False
    if latest_intent(tracker) == "affirm":
        return True
    return _opener(tracker) == "affirm" and latest_intent(tracker) in requests


def confirms(tracker: Tracker, *requests: str) -> bool:
    """Whether the latest message says yes to a confirmation of one of ``requests``.

    Asking again for what is being confirmed is a yes: "book it" at the
    booking summary, "cancel it" or "yes please cancel it" when asked to
    confirm a cancellation. A no in front ("no, cancel it") is not.
    """
    if says_yes(tracker, *requests):
        return True
    return latest_intent(tracker) in requests and _opener(tracker) != "deny"


def _opener(tracker: Tracker) -> Optional[str]:
    """The yes or no the clause step found in front of the latest message's request."""
    opener = (tracker.latest_message or {}).get(OPENER) or {}
    return opener.get("name")


def responses_this_turn(tracker: Tracker) -> List[str]:
    """The domain responses uttered since the patient's latest message, in order."""
    said: List[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            name = (event.get("metadata") or {}).get("utter_action")
            if name:
                said.append(str(name))
    return said[::-1]


def last_response(tracker: Tracker) -> Optional[str]:
    """The domain response the assistant uttered last (``utter_...``), if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            name = (event.get("metadata") or {}).get("utter_action")
            return str(name) if name else None
    return None


def moving_reference(tracker: Tracker) -> Optional[str]:
    """The reference of the appointment being moved, while a reschedule asks for the new time.

    Its own time is no obstacle to the new one (audit 19: "a quarter of an
    hour later, same day" was told the day was full).
    """
    if tracker.get_slot("booking_task") != "reschedule":
        return None
    reference = tracker.get_slot("booking_reference")
    return str(reference) if reference else None
