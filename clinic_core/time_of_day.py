"""The parts of the day: their hours and the words patients use for them.

One vocabulary for the whole project: the date reader
(``clinic_core/when.py``) reads these words, and the availability module
offers free times inside these hours. A part is either a fixed window of the
clock ("afternoon": 12:00 to 17:00) or the first minutes after the clinic
opens that day ("first thing": whenever the doors open, 9:00 on a weekday and
10:00 on a Saturday), or hours the patient bounds themselves ("after 5",
"between 2 and 4": :func:`bounded_part`). No Rasa imports: any process can use it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

Window = Tuple[dt.time, dt.time]


@dataclass(frozen=True)
class PartOfDay:
    """A part of the day: a fixed window, or the first minutes after opening."""

    name: str
    words: Tuple[str, ...]
    window: Optional[Window] = None
    after_opening_minutes: Optional[int] = None
    said_as: str = ""  # in a sentence: "Nothing is free {said_as} on Friday"

    def window_on(self, opening: Sequence[Tuple[dt.time, dt.time]]) -> Optional[Window]:
        """The hours of this part on a day with ``opening`` ranges (None: closed that day)."""
        if self.window is not None:
            return self.window
        if not opening or self.after_opening_minutes is None:
            return None
        opens = opening[0][0]
        end = dt.datetime.combine(dt.date(2000, 1, 1), opens) + dt.timedelta(
            minutes=self.after_opening_minutes
        )
        return opens, end.time()


# Order matters where words overlap: the first part whose word is in a message wins
# ("first thing in the morning" is first thing, not any morning).
PARTS: Tuple[PartOfDay, ...] = (
    PartOfDay(
        "first_thing",
        ("first thing", "as early as possible", "as early as poss", "as early as you can",
         "as early as you have", "as early as you've got", "earliest possible", "earliest time",
         "earliest slot", "before work", "early morning", "early in the morning"),
        after_opening_minutes=60, said_as="first thing",
    ),
    PartOfDay("lunchtime", ("lunchtime", "lunch time", "lunch break", "over lunch", "at lunch"),
              window=(dt.time(11, 30), dt.time(14, 0)), said_as="at lunchtime"),
    PartOfDay("late_morning", ("late morning", "later in the morning", "late in the morning",
                               "mid morning", "mid-morning", "midmorning"),
              window=(dt.time(10, 0), dt.time(12, 0)), said_as="late in the morning"),
    PartOfDay("morning", ("morning", "mornings", "before lunch", "before noon", "before midday"),
              window=(dt.time(0, 0), dt.time(12, 0)), said_as="in the morning"),
    PartOfDay("early_afternoon", ("early afternoon", "early in the afternoon",
                                  "straight after lunch", "just after lunch"),
              window=(dt.time(12, 0), dt.time(14, 30)), said_as="early in the afternoon"),
    PartOfDay("late_afternoon", ("late afternoon", "later in the afternoon",
                                 "late in the afternoon", "mid afternoon", "mid-afternoon",
                                 "midafternoon"),
              window=(dt.time(14, 30), dt.time(17, 0)), said_as="late in the afternoon"),
    PartOfDay("afternoon", ("afternoon", "afternoons", "after lunch", "arvo"),
              window=(dt.time(12, 0), dt.time(17, 0)), said_as="in the afternoon"),
    PartOfDay("early_evening", ("early evening", "early in the evening", "teatime", "tea time"),
              window=(dt.time(17, 0), dt.time(19, 0)), said_as="early in the evening"),
    PartOfDay("evening", ("evening", "evenings", "after work", "night",
                          "tonight", "late in the day", "end of the day", "last thing"),
              window=(dt.time(17, 0), dt.time(23, 59)), said_as="in the evening"),
)  # fmt: skip

PARTS_OF_DAY: Dict[str, PartOfDay] = {part.name: part for part in PARTS}
# Longest words first, so that "early in the morning" is tried before "morning".
_WORDS = sorted(
    ((word, part.name) for part in PARTS for word in part.words), key=lambda w: -len(w[0])
)
# Any word for a part of the day, as a regular expression (for patterns that allow one).
PART_WORDS = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word, _ in _WORDS)
_WORD_PATTERN = re.compile(r"\b(" + PART_WORDS + r")\b")
_BY_WORD = {word: name for word, name in _WORDS}


# A part of the day the patient rules out: "mornings are hard with the school run",
# "not the morning", "can't do evenings".
_REFUSED_AFTER = re.compile(
    r"\s*(?:are|is|'s|s)?\s*(?:(?:really|a bit|quite|too)\s+)?(?:hard|difficult|no good|not good|"
    r"bad|out|tricky|impossible|a no|not possible|no use|busy|(?:don'?t|do not|won'?t|will not)"
    r"\s+(?:work|suit))\b"
)
_REFUSED_BEFORE = re.compile(
    r"\b(?:not|no|can'?t do|cannot do|can not do|can'?t manage|can'?t make)\s+"
    r"(?:the\s+|in the\s+)?$"
)


# A part of the day in a symptom: "stiff in the mornings", "the pain is worse at night";
# not after a "so" or "but": "it's sore so mornings are best" wants the morning.
_SYMPTOM_BEFORE = re.compile(
    r"\b(?:stiff\w*|sore\w*|pain\w*|ache|aches|aching|achy|hurts?|hurting|worse|worst|"
    r"wakes? me|seizes? up|throbs?|throbbing)"
    r"(?:\s+(?!(?:so|but|and|because|cos|then|though|although)\b)[\w']+){0,3}\s+$"
)


# A part of the day that opens the message as a greeting: "Evening.", "good morning, ...".
_GREETING_BEFORE = re.compile(r"\W*(?:(?:hi|hello|hiya|hey|and a )\W*)?(?:good\s+)?")
# ...followed by more of the message ("Evening." alone answers "what time of day?").
_GREETING_AFTER = re.compile(r"\s*(?:[.,!:;]|all\b|there\b|folks\b|team\b)(?=.*\w)", re.DOTALL)


def find_part_of_day(text: str) -> Optional[Tuple[str, Tuple[int, int]]]:
    """The part of the day a lower-case ``text`` names, with where its word is, or None.

    One the patient rules out is skipped: in "mornings are hard, could it be
    thursday afternoon instead" the part is the afternoon; so is one their
    pain is told by: in "stiff in the mornings, can I come next Tues after
    work?" it is the evening (audit 14 offered mornings).
    """
    for match in _WORD_PATTERN.finditer(text):
        if _GREETING_BEFORE.fullmatch(text, 0, match.start()) and _GREETING_AFTER.match(
            text, match.end()
        ):
            continue  # "Evening. Looking to book ... lunchtime-ish" greets (audit 16)
        refused = (
            _REFUSED_AFTER.match(text, match.end())
            or _REFUSED_BEFORE.search(text, 0, match.start())
            or _SYMPTOM_BEFORE.search(text, 0, match.start())
        )
        if refused is None:
            word = re.sub(r"\s+", " ", match.group(1))
            return _BY_WORD[word], match.span()
    return None


# Hours the patient set themselves ("after 5", "before 11", "between 2 and 4") are a
# part of the day too, named by its bounds: "17:00-", "-11:00", "14:00-16:00".
BOUNDS_SEPARATOR = "-"
_BOUNDED = re.compile(r"^(\d{2}:\d{2})?-(\d{2}:\d{2})?$")
DAY_START, DAY_END = dt.time(0, 0), dt.time(23, 59)


def bounded_part(start: Optional[dt.time], end: Optional[dt.time]) -> str:
    """The name of the part of the day from ``start`` (None: any time) until ``end``."""
    return (f"{start:%H:%M}" if start else "") + BOUNDS_SEPARATOR + (f"{end:%H:%M}" if end else "")


def hours_are_afternoon(name: Optional[str]) -> Optional[bool]:
    """Whether a bare hour said with the part ``name`` is pm ("evening 6"), am, or unknown (None).

    A part that starts at noon or later makes "4" 16:00; one that ends by noon
    or opens the day makes "9" 09:00; hours the patient bounds decide nothing.
    """
    part = PARTS_OF_DAY.get(name or "")
    if part is None:
        return None
    if part.window is None:
        return False  # "first thing": the first hour after opening
    if part.window[0] >= dt.time(12, 0):
        return True
    return False if part.window[1] <= dt.time(12, 0) else None


def is_part_of_day(name: str) -> bool:
    """Whether ``name`` is a named part of the day or hours the patient bounds ("17:00-")."""
    bounded = _BOUNDED.match(name)
    return name in PARTS_OF_DAY or bool(bounded and any(bounded.groups()))


def said_as(name: str) -> str:
    """A part of the day in a sentence: "in the afternoon", "after 16:00", "before 11:00"."""
    bounded = _BOUNDED.match(name)
    if bounded and any(bounded.groups()):
        start, end = bounded.groups()
        if start and end:
            return f"between {start} and {end}"
        return f"after {start}" if start else f"before {end}"
    part = PARTS_OF_DAY.get(name)
    return part.said_as if part is not None else name


def window_on(name: Optional[str], opening: Sequence[Tuple[dt.time, dt.time]]) -> Optional[Window]:
    """The hours of the part ``name`` on a day with ``opening`` ranges; None for no part."""
    bounded = _BOUNDED.match(name or "")
    if bounded and any(bounded.groups()):
        start, end = (dt.time.fromisoformat(bound) if bound else None for bound in bounded.groups())
        return start or DAY_START, end or DAY_END
    part = PARTS_OF_DAY.get(name or "")
    return None if part is None else part.window_on(opening)
