"""Which of the times just offered the patient picked in words.

The free times come as buttons; on SMS, WhatsApp or a screen reader they are
a list, and patients answer "the last one", "the 2nd", "the earliest please"
or "the 4 o'clock one" (audit 9: "the last one" was "Sorry, I couldn't read a
time in that"). The pick is read against the buttons of the assistant's
previous turn, so it is never a guess at times nobody offered.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence

from rasa_sdk import Tracker

_POSITIONS = {
    "first": 0, "1st": 0, "earliest": 0, "earlier": 0, "soonest": 0, "top": 0,
    "second": 1, "2nd": 1, "middle": 1,
    "third": 2, "3rd": 2,
    "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4,
    "sixth": 5, "6th": 5,
    "last": -1, "latest": -1, "later": -1, "final": -1, "bottom": -1,
}  # fmt: skip
# Words of agreement before a choice, and courtesies after it.
_AGREEING = r"ok(?:ay)?|yes|yeah|yep|great|lovely|perfect"
_COURTESY_AFTER = r"please|pls|thanks|thank you|ta|cheers"
_PICK = re.compile(
    rf"^\W*(?:(?:{_AGREEING}|please|i'?ll|i will|i'?d like|"
    r"can i (?:have|do|take)|could i (?:have|do|take)|let'?s (?:do|go for|have)|"
    r"go for|take|book|have|do|i'?ll take|i'?ll have|i'?ll go for)\W+)*"
    # "whatever's first", "whichever is earliest"
    r"(?:(?:whatever|whichever)(?:'?s|\s+is|\s+comes)?\s+)?"
    r"(?:the\s+|that\s+)?(?P<position>" + "|".join(_POSITIONS) + r")"
    r"(?:\s+(?:one|time|slot|option|appointment|of (?:those|them|these)|on the list))*"
    # "the earliest you have", "first you've got going": the offer's, not any day's
    r"(?:\s+(?:(?:that\s+)?you(?:'?ve| have)(?: got)?|you can do|available|free|going))*"
    rf"(?:\W+(?:{_COURTESY_AFTER}|is fine|is good|works|"
    r"would be (?:fine|good|great))+)*"
    r"\W*$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^\W*(?:option|number|no\.?)\s*(?P<number>[1-9])\W*$", re.IGNORECASE)
# "first time" answers "have you been before?", not which time.
# "yes first time" too (audit 18 took the first time offered).
_FIRST_VISIT = re.compile(
    r"^\W*(?:(?:yes|yeah|yep|yh|ye|no|nope|nah|ok|okay|oh|um|erm|well|and|it\s+is|it'?s|its|"
    r"this\s+is|this'?ll\s+be|will\s+be|be)\W+)*(?:my\s+|the\s+|a\s+)?(?:very\s+)?first\s+(?:time|visit)\b",
    re.IGNORECASE,
)
# "the middle one" of two is ambiguous: only a list of three names one.
_MIDDLE_NEEDS = 3


def _offer_event(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The assistant's last message with buttons in the turn before the latest message."""
    seen_latest = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_latest:
                return None
            seen_latest = True
        elif kind == "bot" and seen_latest and (event.get("data") or {}).get("buttons"):
            return event
    return None


def offered_buttons(tracker: Tracker) -> List[Dict[str, Any]]:
    """The buttons the assistant sent in the turn before the latest message."""
    event = _offer_event(tracker)
    return list((event.get("data") or {}).get("buttons") or []) if event else []


def offered_with(tracker: Tracker) -> Optional[str]:
    """The domain response that carried the previous turn's buttons, if any."""
    event = _offer_event(tracker)
    name = (event.get("metadata") or {}).get("utter_action") if event else None
    return str(name) if name else None


# "that'll do" under the one time offered takes it (audit 21: "couldn't read a day").
_TAKES_THE_ONLY_ONE = re.compile(
    rf"^\W*(?:(?:{_AGREEING}|fine|right|go on then)\W+)*"
    r"(?:that'?ll do|that will do|that one|that works|that'?s fine|that is fine|that'?s great|"
    r"that'?s perfect|that suits|that'?ll work|i'?ll take it|i'?ll take that|take it|book it|"
    r"book that|go for it|yes please|ok(?:ay)?|yes|yeah|yep|fine|perfect|great|lovely)"
    rf"(?:\W+(?:then|{_COURTESY_AFTER}|me|for me))*\W*$",
    re.IGNORECASE,
)


def picked_position(text: str, count: int) -> Optional[int]:
    """The index among ``count`` options that ``text`` picks by position, if it does."""
    if count == 1 and _TAKES_THE_ONLY_ONE.match(text):
        return 0
    match = None if _FIRST_VISIT.match(text) else _PICK.match(text)
    if match is not None:
        word = match.group("position").lower()
        if word == "middle" and count != _MIDDLE_NEEDS:
            return None
        index = _POSITIONS[word]
    else:
        numbered = _NUMBERED.match(text)
        if numbered is None:
            return None
        index = int(numbered.group("number")) - 1
    if index < 0:
        index += count
    return index if 0 <= index < count else None


def picked_offer(text: str, buttons: Sequence[Dict[str, Any]]) -> Optional[str]:
    """The payload of the button ``text`` picks by position ("the last one"), if any."""
    if not buttons:
        return None
    index = picked_position(text, len(buttons))
    return None if index is None else str(buttons[index].get("payload") or "") or None


def picked_in(tracker: Tracker, text: str) -> Optional[str]:
    """The payload of the offered time ``text`` picks, from the previous turn's buttons."""
    return picked_offer(text, offered_buttons(tracker))
