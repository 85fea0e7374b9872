"""Dates and times in the patient's words.

"next Tuesday at 10", "tomorrow afternoon", "the 10th at half past 4",
"March 7th", "quarter to 10 in the morning", "any time friday",
"a fortnight on Tuesday", "first thing tomorrow", "yesterday".

Times are read by our own patterns (dateparser does not understand "quarter
to 10" or "evening 4"); the date part is read by patterns for weekdays,
ordinals and relative days, and by dateparser for month names and numeric
dates and for "two days ago" or "in 3 months". Everything is relative to an
explicit reference time in the clinic's timezone, so results are
deterministic. A phrase with only a day, or only a time, or only "afternoon",
returns just that part: the caller asks for the rest instead of guessing.

A day before today is returned with ``past`` set ("yesterday", "last Monday",
"two days ago", "the 9th" said on the 11th), so that the form can say the day
has passed. Which past is meant, when the words allow a past or a future day:

- "the 9th" is this month's 9th if that was at most ``RECENT_DAYS_OF_MONTH``
  (7) days ago, otherwise next month's. Within a week, the patient most
  likely means that very date (and does not know it has gone); the reply
  names it ("Monday 9 March has already passed") so they can say "the 9th of
  April". Further back, next month's is the day they can mean.
- "March 3rd" or "3/3" without a year is this year's if it was at most
  ``RECENT_DATES`` (31) days ago, otherwise next year's: nobody books
  acupuncture eleven months ahead.

A vague phrase ("next week", "Monday or Tuesday", "end of the month",
"as soon as possible") gives the days it allows, from today on, in ``days``
(with ``day`` the first of them); the form answers it with free times on
those days. The words for the parts of the day ("after work", "lunchtime",
"first thing") are those of :mod:`clinic_core.time_of_day`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Set, Tuple

import dateparser
from dateutil.easter import easter

from clinic_core.time_of_day import (
    PART_WORDS,
    PARTS,
    PARTS_OF_DAY,
    bounded_part,
    find_part_of_day,
    hours_are_afternoon,
)

__all__ = [
    "NUMBER_WORDS",
    "PARTS_OF_DAY",
    "WEEKDAYS",
    "WEEKDAY_WORD",
    "When",
    "bare_hour",
    "parse_when",
    "said_from_booked",
    "weekdays_spelt_right",
]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
RECENT_DAYS_OF_MONTH = 7  # "the 9th" said on the 11th: this month's, passed
RECENT_DATES = 31  # "March 3rd" said on 11 March: this year's, passed
SOON_DAYS = 7  # "as soon as possible", "any day": the next week of days

_HOUR = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
# What a number counts when it is no hour: "about 5 years ago", "for 3 weeks".
_COUNTED = (
    r"(?:weeks?|wks?|days?|months?|years?|yrs?|mins?|minutes?|hours?|hrs?|sessions?|times|"
    r"people|miles?|km|stone|kg|kilos?|lbs?|pounds?|quid|percent|out of|or so|ish years)"
)
_MERIDIEM = r"(a\.?m\.?|p\.?m\.?)"
# One-word names of parts of the day, for a bare hour said after one ("evening 4").
_PART = "(" + "|".join(w for part in PARTS for w in part.words if w.isalpha()) + r"|lunch\s*time)"
_TIME_PATTERNS = [
    # half past 4, quarter past 11, quarter to 10; British "half 3" is half past 3
    # ("quarter past 3ish": audit 12 had read only the "3ish")
    re.compile(
        rf"\b(half|quarter)\s+(?:(past|after|to)\s+)?{_HOUR}(?:-?ish)?\b(?:\s*{_MERIDIEM})?"
    ),
    # 10:30, 4.15pm, 13:00 (not \b after the minutes: "4:30pm" has no boundary there)
    re.compile(rf"\b(\d{{1,2}})[:.](\d{{2}})(?!\d)\s*{_MERIDIEM}?"),
    # 3 pm, three PM, 4 o'clock
    re.compile(rf"\b{_HOUR}\s*(?:{_MERIDIEM}|o['\"’]?\s?clock)"),
    # evening 4, afternoon 2:30 (handled above for the minutes), at 10; a
    # change of time said with an hour alone: "could it be 11", "make it 3"
    re.compile(
        rf"\b(?:{_PART}|at|around|about|for|make it|change it to|move it to|can we do|"
        rf"could we do|can we say|could it be|can it be|how about|what about)\s+{_HOUR}\b"
        rf"(?![:./]\d)(?!\s*(?:st|nd|rd|th)\b)(?!\s*(?:-\s*)?{_COUNTED}\b)"
    ),
    # four in the evening
    re.compile(rf"\b{_HOUR}\s+in\s+the\s+(morning|afternoon|evening)"),
    # "12 instead", "11 instead of 9", "3 rather than 4"
    re.compile(rf"\b{_HOUR}\s*(?:instead|rather)\b"),
    # "10ish", "3-ish" (audit 9: "Thursday instead, 10ish?" kept the old time)
    re.compile(rf"\b{_HOUR}\s*-?\s*ish\b"),
    re.compile(r"\b(noon|midday|mid-day)\b"),
]
# Hours the patient sets themselves: "from 5", "not before 10", "after 4:30",
# "before 11", "by 2pm", "between 2 and 4", "2-4pm", "I finish work at 4".
_CLOCK = (
    rf"({_HOUR}(?:[:.]\d{{2}})?|noon|midday)(?:\s*{_MERIDIEM})?(?:\s*o['\"’]?\s?clock)?"
    rf"(?!\s*(?:st|nd|rd|th|of|{_COUNTED})\b)"
    r"(?![:./%]\d|\d|%)"
)
_FROM_WORDS = (
    r"from|after|later than|not before|no earlier than|any\s?time after|any\s?time from|"
    r"(?:finish|finishes|finishing|get off|off)(?: work)? at|work(?:ing)? (?:till|until|til|to)"
)
_MINUTES_BEFORE = re.compile(
    r"\b(?:quarter|half|\d{1,2}|five|ten|twenty|twenty-five|minutes?|mins?)\s*$"
)
_UNTIL_WORDS = (
    r"before|by|until|till|til|up to|not after|no later than|latest|earlier than|sooner than"
)
_BOUNDS_PATTERNS = (
    ("between", re.compile(
        rf"\b(?:between|from|any\s?time)\s+{_CLOCK}\s*(?:and|to|till|until|-|–)\s*{_CLOCK}")),
    ("dash", re.compile(rf"\b{_CLOCK}\s*(?:-|–)\s*{_CLOCK}")),
    ("from", re.compile(rf"\b(?:{_FROM_WORDS})\s+{_CLOCK}")),
    ("until", re.compile(rf"\b(?:{_UNTIL_WORDS})\s+{_CLOCK}")),
)  # fmt: skip
_BARE_HOUR = re.compile(
    rf"^\s*(?:ok\s+|okay\s+|fine\s+|yes\s+|yeah\s+|at\s+|around\s+|about\s+)*{_HOUR}\s*(?:ish)?\s*"
    # "9 is perfect" (audit 16: "couldn't read a time")
    rf"(?:then|please|pls|thanks|(?:is|would be|sounds) (?:fine|good|great|perfect|ideal|best)|"
    rf"works|suits(?: me)?)?\s*(?:please|pls|thanks)?\s*"
    # "11 like i said"; "11 is fine. is there parking?" (audit 18): the rest is another sentence
    r"(?:,?\s*(?:like|as) i said)?\s*(?:[.!]?\s*$|[.!]\s+(?=\w))"
)
_FOUR_DIGIT_TIME = re.compile(r"^\s*(?:at\s+)?([01]\d|2[0-3])([0-5]\d)\s*(?:hrs|h)?\s*[.!]?\s*$")
# A month as patients write it ("sept", "december").
MONTH_WORD = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_DATE_BEFORE_NUMBER = re.compile(rf"(?:[/.-]|\b{MONTH_WORD}\s+(?:the\s+)?)$")
_DATE_AFTER_NUMBER = re.compile(rf"[/.-]\d|\s+(?:of\s+)?{MONTH_WORD}\b")
# A weekday as patients write it ("thurs", "weds", "saturday").
WEEKDAY_WORD = r"(mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?"
_WEEKDAY = WEEKDAY_WORD
_COUNT = r"(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|couple of)"

Days = Tuple[Optional[dt.date], Tuple[dt.date, ...]]


@dataclass(frozen=True)
class When:
    """What a phrase says about an appointment time; parts may be missing."""

    day: Optional[dt.date] = None
    time: Optional[dt.time] = None
    part_of_day: Optional[str] = None
    past: bool = False  # the day is before today
    days: Tuple[dt.date, ...] = ()  # a vague phrase: the days it allows (``day`` is the first)

    @property
    def empty(self) -> bool:
        """Nothing about a date or time was found."""
        return self.day is None and self.time is None and self.part_of_day is None

    @property
    def vague(self) -> bool:
        """The phrase allows several days ("next week", "Monday or Tuesday")."""
        return len(self.days) > 1


def combined(dated: When, timed: When) -> When:
    """The day (or days) of ``dated`` with the time or part of the day of ``timed``."""
    return When(
        day=dated.day,
        time=timed.time,
        part_of_day=timed.part_of_day,
        past=dated.past,
        days=dated.days,
    )


def parse_when(
    text: str,
    now: dt.datetime,
    date_order: str = "DMY",
    talking_of: Optional[dt.date] = None,
    booked: Optional[dt.datetime] = None,
) -> When:
    """Read a date, a time and/or a part of the day from ``text``.

    Args:
        text: what the patient typed.
        now: timezone-aware reference time in the clinic's timezone.
        date_order: order of numeric dates such as 7/3 ("DMY" or "MDY").
        talking_of: a day the conversation is about (one just offered or
            refused): "the 29th" said after 27 December was refused is
            December's, not this month's.
        booked: the start of the appointment being moved: "the following
            day, same time" is read from it.

    """
    lowered = _without_story(" " + weekdays_spelt_right(re.sub(r"\s+", " ", text.lower())) + " ")
    anchored = _from_named_day(lowered, now, date_order, talking_of)
    if anchored is not None:
        return anchored
    if booked is not None:
        lowered, booked_day, booked_time = _from_booked(lowered, booked)
        said = parse_when(lowered, now, date_order, talking_of or booked.date())
        day = said.day if said.day is not None else booked_day
        time = said.time if said.time is not None or said.part_of_day else booked_time
        return When(
            day=day,
            time=time,
            part_of_day=said.part_of_day if time is None else None,
            past=day is not None and day < now.date(),
            days=said.days if said.day is not None else (),
        )
    lowered, excluded = _excluded_weekdays(lowered)
    if excluded:
        said = parse_when(lowered, now, date_order, talking_of)
        days = tuple(d for d in said.days if d.weekday() not in excluded)
        if not said.days and (said.day is None or said.day.weekday() in excluded):
            # "not Friday", "I said not Friday!": any day of the coming week but those.
            today = now.date()
            days = tuple(
                today + dt.timedelta(n)
                for n in range(7)
                if (today + dt.timedelta(n)).weekday() not in excluded
            )
        if not days:
            return said
        return When(
            day=days[0],
            time=said.time,
            part_of_day=said.part_of_day,
            past=days[0] < now.date(),
            days=days if len(days) > 1 else (),
        )
    proposal = _PROPOSAL.search(lowered)
    if proposal is not None and lowered[: proposal.start()].strip():
        # "nothing earlier than quarter past 12? what about 10?": the hours
        # proposed last are wanted, the day from before them if they name none.
        head, tail = lowered[: proposal.start()], lowered[proposal.start() :]
        proposed = parse_when(tail, now, date_order, talking_of)
        before = parse_when(head, now, date_order, talking_of)
        if not proposed.empty and not before.empty:
            return proposed if proposed.day is not None else combined(before, proposed)
    bounds = _bounds(lowered)
    part: Optional[str] = None
    if bounds is not None:
        part, (start, end) = bounds
        lowered = lowered[:start] + " " + lowered[end:]
        # "half four instead, I finish work at 4": a time said beside the
        # patient's own bounds, and inside them, is the time (audit 12).
        time, time_span = _time(lowered, None)
        if time is not None and _inside(time, part):
            part = None
        else:
            time, time_span = None, None
    else:
        found = find_part_of_day(lowered)
        part = found[0] if found else None
        time, time_span = _time(lowered, part)
    rest = lowered if time_span is None else lowered[: time_span[0]] + " " + lowered[time_span[1] :]
    day, days = _day(rest, now, date_order, talking_of)
    if day is None and re.search(r"\btonight\b", lowered):
        day = now.date()
    return When(
        day=day,
        time=time,
        part_of_day=part if time is None else None,
        past=day is not None and day < now.date(),
        days=days,
    )


def _inside(time: dt.time, bounds: str) -> bool:
    """Whether ``time`` is within bounds the patient set ("16:00-", "-11:00", "14:00-16:00")."""
    start, _, end = bounds.partition("-")
    return (not start or time >= dt.time.fromisoformat(start)) and (
        not end or time <= dt.time.fromisoformat(end)
    )


# Weekdays ruled out: "any afternoon next week but not Friday", "except mondays",
# "Fridays are no good" (audit 9 offered the Friday). Not "why not Friday?" or
# "if not Friday": those propose it.
_EXCLUDED_BEFORE = re.compile(
    rf"(?<!why )(?<!if )\b(?:not|except|apart from|other than|anything but|any day but|excluding|"
    rf"can'?t do|cannot do|can'?t make|i work|i'?m at work)\s+"
    rf"(?:on\s+|in\s+)?(?:a\s+|the\s+)?{_WEEKDAY}s?\b"
)
# A day said to be no good: "friday is out", "the 21st is no good".
_NO_GOOD = r"no good|out|not good|bad|impossible|a no"
_EXCLUDED_AFTER = re.compile(
    rf"\b{_WEEKDAY}(?:s|'s)?\s+(?:(?:is|are)\s+)?(?:{_NO_GOOD})\b|"
    rf"\b{_WEEKDAY}s?\s+(?:doesn'?t|don'?t|won'?t|does not|do not|will not)\s+work\b"
)


def _excluded_weekdays(text: str) -> Tuple[str, Set[int]]:
    """``text`` without the weekdays it rules out, and their numbers (Monday 0)."""
    excluded: Set[int] = set()

    def drop(match: re.Match) -> str:
        stem = next(group for group in match.groups() if group)
        excluded.add(_weekday_index(stem))
        return " " * len(match.group(0))

    def drop_working_week(match: re.Match) -> str:
        first, last = match.group("first"), match.group("last")
        span = (
            range(0, 5) if first is None else range(_weekday_index(first), _weekday_index(last) + 1)
        )
        excluded.update(span)
        return " " * len(match.group(0))

    text = _WORKING_DAYS.sub(drop_working_week, text)
    text = _EXCLUDED_BEFORE.sub(drop, text)
    return _EXCLUDED_AFTER.sub(drop, text), excluded


# The days a patient works: "i can only do saturdays, i work mon-fri" (audit 18 offered
# a Monday), "I work weekdays", "I'm at work Monday to Thursday".
_WORKING_DAYS = re.compile(
    rf"\b(?:i|we)(?:'?m| am)?\s+(?:work|working|at work)(?:\s+on)?\s+"
    rf"(?:week\s*days|(?P<first>{WEEKDAY_WORD})\s*(?:-|to|till|until|through|thru)\s*"
    rf"(?P<last>{WEEKDAY_WORD}))\b"
)


# A counter-proposal after a question or a refusal: "is there nothing before 2?
# how about 11am", "3pm is too late, what about 10".
_PROPOSAL = re.compile(r"\b(?:what|how) about\b|\bwhat of\b")


# What already happened, told on the way to the request: "I came in on Monday, can I
# book Friday?", "I rang this morning about Thursday", "my appointment was Tuesday,
# can we do Wednesday". A clause from a past-tense verb to the next break is no day
# wanted, unless it carries a wish ("I was hoping for Friday", "had wanted today").
_STORY = re.compile(
    # "could I get booked in a week on thursday" wishes (audit 12): not "booked" after get/be
    # nor "fully booked", "booked up": whether the clinic is ("are you fully booked next week?")
    r"\b(?:(?<!get )(?<!be )(?<!getting )(?<!fully )(?<!all )booked(?! up)|"
    r"had|came|rang|called|phoned|spoke|emailed|messaged|texted|saw|visited|went|attended|started|was|were|"
    # "he has been seen by the gp today" in a booking (audit 18 read today); not "be seen"
    r"been|(?<!be )(?<!get )(?<!being )seen)\b"
    r"[^,.;:!?]*?(?=[,.;:!?]|\s(?:but|and|so|then|now|can|could|would|will|is|are|do|does|"
    r"please|pls|instead|if|how|what|any|about|regarding)\b|\s*$)"
)
_WISH = re.compile(
    r"\b(?:hop\w*|want\w*|wonder\w*|think\w*|thought|look\w*|mean\w*|meant|plan\w*|"
    r"prefer\w*|told|said|ask\w*|able|free|available|going|gonna|supposed|offered|"
    r"to (?:book|come|get|see|move|change|make|arrange))\b"
)


# A day ruled out by name, beside the one wanted: "sat morning, next week not today"
# (audit 23 offered today). Not "if not today then tomorrow": that proposes tomorrow.
_NOT_THAT_DAY = re.compile(r"(?<!if )\b(?:not|but not|except)\s+(?:today|tomorrow|tonight)\b")


# What the patient says they did not ask for: "I never said 3 o'clock!", "I didn't
# mean Friday, I meant Saturday".
_NOT_ASKED = re.compile(
    r"\b(?:never|didn'?t|did not|not)\s+(?:say|said|ask(?:ed)? for|want(?:ed)?|mean|meant|"
    r"choose|chose|pick(?:ed)?)\b[^,.;:!?]*"
)


_WORD_OF_LETTERS = re.compile(r"\b[a-z]{5,10}\b")
WEEKDAY_SPELLING_CUTOFF = 0.85  # "wensday", "tusday", "thrusday"; "munday" is as near Sunday
WEEKDAY_SPELLING_MARGIN = 0.05


def weekdays_spelt_right(text: str) -> str:
    """``text`` with weekdays misspelt by a letter or two spelt right ("maybe next wensday?")."""
    return _WORD_OF_LETTERS.sub(lambda match: _weekday_spelt(match.group(0)), text).strip()


@functools.lru_cache(maxsize=4096)  # the same words come back in every message
def _weekday_spelt(word: str) -> str:
    """The weekday ``word`` is a slip of, or ``word`` itself."""
    if re.fullmatch(WEEKDAY_WORD + "s?", word):
        return word
    scores = sorted(
        ((difflib.SequenceMatcher(None, word, day).ratio(), day) for day in WEEKDAYS),
        reverse=True,
    )
    (best, day), (second, _) = scores[0], scores[1]
    # "tusday" is Tuesday (0.92), not Thursday (0.86): the nearest, when clearly nearest
    clear = best >= WEEKDAY_SPELLING_CUTOFF and best - second >= WEEKDAY_SPELLING_MARGIN
    if clear:
        return day
    # Spelt as it sounds: "munday" is Monday's consonants with another vowel (as
    # near Sunday by letters), "fryday" Friday's (audit 15).
    sounds_alike = [
        day
        for day in WEEKDAYS
        if len(day) == len(word) and day[0] == word[0] and _consonants(day) == _consonants(word)
    ]
    return sounds_alike[0] if len(sounds_alike) == 1 else word


def _consonants(word: str) -> str:
    """``word``'s letters without its vowels (and y)."""
    return re.sub(r"[aeiouy]", "", word)


# "sat" and "sun" that are no days: "I sat in the car for 3 hours", "a sun lounger", "the
# sun was out" (found in review: read as Saturday and Sunday). "sat at 10", "sat in the
# morning" and "fri and sat" stay days.
_SAT_VERB_BEFORE = r"(?:i|we|he|she|they|just|been|have|had|has|was|were|who|ive|i'?ve|i'?d|having)"
_SAT_VERB_AFTER = (
    r"(?:down|up|still|around|about|there|here|upright|funny|awkward|awkwardly|wrong|wrongly|"
    r"badly|hunched|slumped|crossed|cross|nav|navs|myself|too long|for (?:a|an|hours|ages|too|so|"
    r"long|\d+ (?:hours?|hrs?|mins?|minutes))|(?:at|in|on|by|with|next to) (?:my|the|a|his|her|"
    rf"their|our|work|home|traffic|front)\b(?! (?:{PART_WORDS}|am|pm)\b))"
)
_SUN_NOUN_BEFORE = r"(?:the|a|too much|some|of|hot|winter|summer|bright|full|midday)"
_SUN_NOUN_AFTER = (
    r"(?:lounger|loungers|cream|bed|beds|burn|burnt|hat|glasses|block|tan|light|shine|"
    r"came|comes|out|damage|lamp|room)"
)
_NOT_A_WEEKDAY = re.compile(
    rf"\b{_SAT_VERB_BEFORE}\s+(?P<sat>sat)\b|\b(?P<sat_>sat)\s+{_SAT_VERB_AFTER}\b|"
    rf"\b{_SUN_NOUN_BEFORE}\s+(?P<sun>sun)\b|\b(?P<sun_>sun)\s+{_SUN_NOUN_AFTER}\b"
)


def _without_other_sat_and_sun(text: str) -> str:
    """``text`` with "sat" and "sun" blanked where they are a verb or the sun."""

    def blank(match: re.Match) -> str:
        name = next(key for key, value in match.groupdict().items() if value)
        start, end = match.span(name)
        whole = match.group(0)
        offset = match.start()
        return whole[: start - offset] + " " * (end - start) + whole[end - offset :]

    return _NOT_A_WEEKDAY.sub(blank, text)


# A day of the month said as no good: "the 21st is my grandson's birthday. Could it be
# Tuesday the 22nd at 9.45 instead?" (audit 20 summarised Monday 21st).
_DAY_OF_MONTH_REFUSED = re.compile(
    rf"\b(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)\s+(?:is|'s|was)\s+(?:{_NO_GOOD}|no use|busy|difficult|"
    r"tricky|awkward|a bad day|booked|taken|full|my|our|his|her|their)\b[^,.;:!?]*"
)


def _without_story(text: str) -> str:
    """``text`` without the clauses telling what already happened or was not asked for."""

    def blank(match: re.Match) -> str:
        return match.group(0) if _WISH.search(match.group(0)) else " " * len(match.group(0))

    def spaces(match: re.Match) -> str:
        return " " * len(match.group(0))

    text = _NOT_ASKED.sub(spaces, _without_other_sat_and_sun(text))
    text = _NOT_THAT_DAY.sub(spaces, text)
    text = _DAY_OF_MONTH_REFUSED.sub(spaces, text)
    return _STORY.sub(blank, text)


# The appointment moved by a week, its time kept: "push my appointment back by a
# week", "bring it forward a week" (audit 13).
_WHAT_IS_MOVED = r"(?:it |that |my appointment |the appointment |my booking |the booking )?"
# ("can we push it a week": audit 17, without the "back")
_PUSHED_BACK = rf"\b(?:push|put|move|knock)\w* {_WHAT_IS_MOVED}(?:back |on )?(?:by )?(?:a|one) "
_BROUGHT_FORWARD = rf"\bbring\w* {_WHAT_IS_MOVED}forward (?:by )?(?:a|one) "
_PUSHED_BACK_A_WEEK = _PUSHED_BACK + r"week\b"
_BROUGHT_FORWARD_A_WEEK = _BROUGHT_FORWARD + r"week\b"
# ...or by a day: "can we push it back a day?" (audit 14)
_SHIFTED = re.compile(f"(?:{_PUSHED_BACK}|{_BROUGHT_FORWARD})(?:week|day)\\b")
# Days said from another day, the appointment being moved or the day just
# offered or refused: "the following day", "the day before", "same day next
# week", "the week after", "the Thursday after"; and "same time" from the
# appointment being moved.
_FROM_DAY = (
    (re.compile(r"\bsame day (?:the )?(?:next|following) week\b|\b(?:a|one) week later\b|"
                rf"\bthe (?:week|wk) after\b(?! next)|{_PUSHED_BACK_A_WEEK}"), 7),
    (re.compile(_BROUGHT_FORWARD_A_WEEK), -7),
    (re.compile(r"\b(?:the )?(?:following|next) day\b|\b(?:the )?day after\b(?! tomorrow| all\b)|"
                rf"{_PUSHED_BACK}day\b"), 1),
    (re.compile(rf"\b(?:the )?day before\b(?! yesterday)|{_BROUGHT_FORWARD}day\b"), -1),
    (re.compile(r"\b(?:the )?same day\b(?! (?:and|&) time)"), 0),
    # "the one after that then, morning pls" after next Tuesday was full (audit 19): the
    # Tuesday after
    (re.compile(r"\bthe (?:one|1) after (?:that|it)\b"), 7),
)  # fmt: skip
# "what is the first free one after that?" after the days refused (audit 19 offered
# them again): the first free days after the day talked of.
_FREE_AFTER = re.compile(
    r"\b(?:first|next|earliest|soonest)\b[^,.;:!?]{0,25}?\bafter (?:that|it|then|those|them)\b|"
    r"\b(?:anything|something|any day|whatever'?s free|what'?s free) after (?:that|it|those)\b"
)
_WEEK_AFTER_BOOKED = re.compile(r"\b(?:the )?(?:following|next) (?:week|wk)\b")
_WEEKDAY_FROM_DAY = re.compile(
    rf"\bthe\s+{_WEEKDAY}\s+(after|before)\b(?! next| last)|"
    # "what about the following thursday then" after Thursday 10th was full (audit 19)
    rf"\b(?:the\s+)?following\s+{_WEEKDAY}\b()"
)
_SAME_TIME = re.compile(
    r"\b(?:at )?(?:the )?same (?:day (?:and|&) )?(?:time|hour|slot)"
    r"(?: as (?:now|before|i have(?: now)?|she has(?: now)?|he has(?: now)?|it is now|booked))?\b"
)


# A day said from another day the patient names: "the saturday after the 12th",
# "the day before christmas eve", "the week after the 14th" (audit 15 read the
# first as the 12th itself). The named day ends at a clause's end or a time.
_FROM_NAMED_DAY = re.compile(
    rf"\b(?:the\s+)?(?P<unit>{_WEEKDAY}|day|week|wk)\s+(?P<direction>after|before)\s+"
    r"(?!next\b|last\b|that\b|this\b|it\b|then\b)(?P<named>[^,.;:!?]+?)"
    r"(?=\s+(?:at|in the|around|about)\b|[,.;:!?]|\s*$)"
)


def _from_named_day(
    text: str, now: dt.datetime, date_order: str, talking_of: Optional[dt.date]
) -> Optional[When]:
    """The day said from a day the patient names in ``text``, with the time said, or None."""
    match = _FROM_NAMED_DAY.search(text)
    if match is None or match.group("unit") in ("week", "wk"):
        return None  # "the week before christmas": the days of that week (_WEEK_OF)
    named = parse_when(match.group("named"), now, date_order, talking_of)
    if named.day is None or named.days:
        return None
    unit, direction = match.group("unit"), match.group("direction")
    step = 1 if direction == "after" else -1
    if unit == "day":
        day = named.day + dt.timedelta(days=step)
    else:
        weekday = _weekday_index(unit)
        if step == 1:
            day = named.day + dt.timedelta(days=(weekday - named.day.weekday() - 1) % 7 + 1)
        else:
            day = named.day - dt.timedelta(days=(named.day.weekday() - weekday - 1) % 7 + 1)
    rest = parse_when(text[: match.start()] + " " + text[match.end() :], now, date_order, day)
    timed = rest if rest.time is not None or rest.part_of_day else named  # "...tomorrow morning"
    return combined(When(day=day, past=day < now.date()), timed)


def said_from_booked(text: str) -> bool:
    """Whether ``text`` names a day or time from the appointment being moved.

    "same time next week", "push it back a day", "the day after", "the
    Thursday after": they can be read only once the appointment is known.
    """
    lowered = text.lower()
    return bool(
        _SAME_TIME.search(lowered)
        or _SHIFTED.search(lowered)
        or _WEEKDAY_FROM_DAY.search(lowered)
        or any(pattern.search(lowered) for pattern, _ in _FROM_DAY)
    )


def _from_day(text: str, anchor: dt.date) -> Tuple[str, Optional[dt.date]]:
    """``text`` without the words that say a day from ``anchor``, and that day."""
    weekday = _WEEKDAY_FROM_DAY.search(text)
    if weekday is not None:
        stem = weekday.group(1) or weekday.group(3)
        index, direction = _weekday_index(stem), weekday.group(2) or "after"
        if direction == "after":
            day = anchor + dt.timedelta(days=(index - anchor.weekday() - 1) % 7 + 1)
        else:
            day = anchor - dt.timedelta(days=(anchor.weekday() - index - 1) % 7 + 1)
        return text[: weekday.start()] + " " + text[weekday.end() :], day
    for pattern, days in _FROM_DAY:
        match = pattern.search(text)
        if match is not None:
            return text[: match.start()] + " " + text[match.end() :], anchor + dt.timedelta(days)
    return text, None


# Minutes from the appointment being moved: "half an hour earlier", "15 mins later".
_SHIFT_MINUTES = {
    "quarter of an hour": 15, "a quarter of an hour": 15, "half an hour": 30,
    "an hour": 60, "one hour": 60, "a half hour": 30, "an hour and a half": 90,
}  # fmt: skip
# ...on the same day, unless another is named ("an hour later on friday").
_ANOTHER_DAY = re.compile(rf"\b(?:{_WEEKDAY}|tomorrow|next)\b|\b\d{{1,2}}(?:st|nd|rd|th)\b")
_MINUTES_LATER = re.compile(
    r"\b(?P<amount>(?:a )?quarter of an hour|half an hour|a half hour|an hour and a half|an hour|"
    r"one hour|\d{1,3}\s*(?:mins?|minutes?))\s+(?P<way>later|earlier|sooner|after|before)\b"
)


def _from_booked(
    text: str, booked: dt.datetime
) -> Tuple[str, Optional[dt.date], Optional[dt.time]]:
    """``text`` without the words said from ``booked``, and the day and time they say."""
    time: Optional[dt.time] = None
    same = _SAME_TIME.search(text)
    if same is not None:
        time = booked.time()
        text = text[: same.start()] + " " + text[same.end() :]
        # "same time the following week": the week after the appointment's (audit 13
        # had counted it from today).
        week = _WEEK_AFTER_BOOKED.search(text)
        if week is not None:
            return text[: week.start()] + " " + text[week.end() :], booked.date() + _WEEK, time
    if time is None and _SHIFTED.search(text):
        time = booked.time()  # "push it back by a week": the same time, a week on
    shift = _MINUTES_LATER.search(text)
    if time is None and shift is not None:
        # "can i make it quarter of an hour later same day" (audit 19)
        amount = shift.group("amount")
        minutes = _SHIFT_MINUTES.get(amount) or int(re.sub(r"\D", "", amount) or 0)
        sign = -1 if shift.group("way") in ("earlier", "sooner", "before") else 1
        moved = booked + dt.timedelta(minutes=sign * minutes)
        if moved.date() == booked.date():
            time = moved.time()
            text = text[: shift.start()] + " " + text[shift.end() :]
            if not _ANOTHER_DAY.search(text):
                return text, booked.date(), time  # the same day unless another is named
    text, day = _from_day(text, booked.date())
    return text, day, time


def _clock(
    token: str, meridiem: Optional[str], other_meridiem: Optional[str] = None
) -> Optional[dt.time]:
    """The time an hour (and minutes) of a bound says; a range's am/pm serves both ends."""
    if token in ("noon", "midday"):
        return dt.time(12, 0)
    hour_token, _, minutes = token.replace(".", ":").partition(":")
    hour = _to_24h(_hour_value(hour_token), meridiem or other_meridiem, None)
    minute = int(minutes) if minutes else 0
    return None if hour is None or minute > 59 else dt.time(hour, minute)


def _bounds(text: str) -> Optional[Tuple[str, Tuple[int, int]]]:
    """The hours a lower-case ``text`` bounds ("after 5": "17:00-"), with where they are said."""
    for kind, pattern in _BOUNDS_PATTERNS:
        for match in pattern.finditer(text):
            found = _bounded(kind, match, text)
            if found is not None:
                return found, match.span()
    return None


def _bounded(kind: str, match: re.Match, text: str) -> Optional[str]:
    """The part of the day a match of ``_BOUNDS_PATTERNS`` names, or None if it is not one."""
    if kind in ("from", "until"):
        if _in_a_date(text, *match.span(1)):
            return None  # "from 7/12", "by 5 march": a day, not an hour
        if _MINUTES_BEFORE.search(text, 0, match.start()):
            return None  # "quarter after 1", "ten till 5": a time, not a bound
        moment = _clock(match.group(1), match.group(3))
        if moment is None or (kind == "until" and moment == dt.time(0, 0)):
            return None  # "before 0": no hour of the day is before midnight
        return bounded_part(moment, None) if kind == "from" else bounded_part(None, moment)
    # A range: clock, hour, meridiem of each end. "2-4" alone may be a date (2 April);
    # with am or pm ("2-4pm") it is hours.
    meridiems = match.group(3), match.group(6)
    if kind == "dash" and not any(meridiems):
        return None
    if kind == "between" and (_in_a_date(text, *match.span(1)) or _in_a_date(text, *match.span(4))):
        return None
    first, second = match.group(1), match.group(4)
    start = _clock(first, meridiems[0], meridiems[1])
    end = _clock(second, meridiems[1])
    if start is None or end is None or start >= end:
        return None
    return bounded_part(start, end)


def bare_hour(text: str) -> Optional[dt.time]:
    """The time a message made of an hour alone says ("11", "at 9", "2ish").

    Read only in answer to "what time?": elsewhere "9" may be a day or a count.
    """
    four_digits = _FOUR_DIGIT_TIME.match(text.lower())
    if four_digits is not None:  # "1830", "0930": a 24-hour clock without its colon
        return dt.time(int(four_digits.group(1)), int(four_digits.group(2)))
    match = _BARE_HOUR.match(text.lower())
    if match is None:
        return None
    hour24 = _to_24h(_hour_value(match.group(1)), None, None)
    return None if hour24 is None else dt.time(hour24)


def _hour_value(token: str) -> int:
    return NUMBER_WORDS[token] if token in NUMBER_WORDS else int(token)


def _to_24h(hour: int, meridiem: Optional[str], part: Optional[str]) -> Optional[int]:
    if hour > 23:
        return None
    if hour > 12:
        return hour  # already a 24-hour clock
    if meridiem:
        is_pm = meridiem.startswith("p")
        return (hour % 12) + (12 if is_pm else 0)
    afternoon = hours_are_afternoon(part)
    if afternoon:
        return hour if hour == 12 else hour + 12
    if afternoon is False:
        return hour % 12 if hour == 12 else hour
    # No am/pm: nobody books acupuncture at 4 in the morning, so 1-7 is pm.
    return hour + 12 if 1 <= hour <= 7 else hour


def _time(text: str, part: Optional[str]) -> Tuple[Optional[dt.time], Optional[Tuple[int, int]]]:
    for index, pattern in enumerate(_TIME_PATTERNS):
        for match in pattern.finditer(text):
            found = _read_time(index, match, text, part)
            if found is not None:
                return found, match.span()
    return None, None


def _read_time(index: int, match: re.Match, text: str, part: Optional[str]) -> Optional[dt.time]:
    """The time a match of ``_TIME_PATTERNS[index]`` says, or None if it is not a time."""
    groups = match.groups()
    if index == 0:
        kind, direction, hour_token, meridiem = groups
        if direction is None and kind == "quarter":
            return None  # "quarter 3" is not a way of saying a time
        hour, minute = _hour_value(hour_token), 30 if kind == "half" else 15
        if direction == "to":
            if meridiem and hour == 12:  # "quarter to 12 pm" is 11:45 am
                meridiem = "am" if meridiem.startswith("p") else "pm"
            hour, minute = hour - 1, 45
            if hour == 0:
                hour = 12
            elif hour < 0:  # "quarter to 0": a quarter to midnight
                hour = 23
    elif index == 1:
        hour, minute, meridiem = int(groups[0]), int(groups[1]), groups[2]
        if minute > 59:
            return None
        if meridiem is None and part is None and groups[0].startswith("0"):
            meridiem = "am"  # "07:30": a zero-padded hour is a 24-hour clock
    elif index == 2:
        hour, minute, meridiem = _hour_value(groups[0]), 0, groups[1]
    elif index in (3, 4, 5, 6):
        hour_group = 2 if index == 3 else 1
        if _in_a_date(text, *match.span(hour_group)):
            return None  # "for 7 march", "27/11 in the morning": a day, not an hour
        hour, minute, meridiem = _hour_value(match.group(hour_group)), 0, None
    else:
        hour, minute, meridiem = 12, 0, "pm"
    hour24 = _to_24h(hour, meridiem, part)
    return None if hour24 is None else dt.time(hour24, minute)


def _in_a_date(text: str, start: int, end: int) -> bool:
    """Whether the number at ``text[start:end]`` is part of a date ("7 march", "27/11")."""
    before = text[max(0, start - 16) : start]
    return bool(_DATE_BEFORE_NUMBER.search(before) or _DATE_AFTER_NUMBER.match(text, end))


def _next_weekday(today: dt.date, weekday: int, skip_today: bool = False) -> dt.date:
    days = (weekday - today.weekday()) % 7
    if days == 0 and skip_today:
        days = 7
    return today + dt.timedelta(days=days)


def _weekday_index(stem: str) -> int:
    return next(i for i, name in enumerate(WEEKDAYS) if name.startswith(stem[:3]))


def _monday(today: dt.date, weeks: int = 0) -> dt.date:
    """Monday of this calendar week, or ``weeks`` later."""
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks)


def _count(word: str) -> int:
    word = word.strip()
    if word in ("a", "an", "one"):
        return 1
    if word in ("a couple of", "couple of"):
        return 2
    return NUMBER_WORDS[word] if word in NUMBER_WORDS else int(word)


def _month_start(today: dt.date, months: int) -> dt.date:
    index = today.year * 12 + today.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _span(today: dt.date, first: dt.date, last: dt.date) -> Days:
    """The days from ``first`` to ``last`` that are not before today (vague if several)."""
    days = tuple(
        first + dt.timedelta(days=n)
        for n in range((last - first).days + 1)
        if first + dt.timedelta(days=n) >= today
    )
    return _choice(days)


def _choice(days: Sequence[dt.date]) -> Days:
    unique = tuple(sorted(set(days)))
    if not unique:
        return None, ()
    return unique[0], unique if len(unique) > 1 else ()


def _one(day: Optional[dt.date]) -> Optional[Days]:
    return None if day is None else (day, ())


# Each reader looks for one kind of phrase in the (lower-case, padded) text and
# returns the day it says, or None when the phrase is not there. They are tried
# in order: longer phrases that contain shorter ones come first ("a week
# tomorrow" before "tomorrow", "tuesday next week" before "next week").
Reader = Callable[[str, dt.datetime, str], Optional[Days]]


def _weeks_from(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    """Weeks from a day: "a week today", "a week on tuesday", "tuesday week"."""
    today = now.date()
    match = re.search(
        rf"\b(?:(?:{_COUNT}\s+(week|fortnight)|(fortnight))s?\s+"
        rf"(?:(?:from|on)\s+)?(today|now|tomorrow|{_WEEKDAY})"
        rf"|{_WEEKDAY}\s+week)\b",
        text,
    )
    if match is None:
        return None
    count, unit, fortnight, base, base_stem, alone_stem = match.groups()
    if fortnight is not None:  # "fortnight on monday": one, without a count
        count, unit = "one", fortnight
    if alone_stem is not None:  # "tuesday week": a week after the coming Tuesday
        return _one(_next_weekday(today, _weekday_index(alone_stem), skip_today=True) + _WEEK)
    weeks = _count(count) * (2 if unit == "fortnight" else 1)
    if base in ("today", "now"):
        start = today
    elif base == "tomorrow":
        start = today + dt.timedelta(days=1)
    else:
        start = _next_weekday(today, _weekday_index(base_stem), skip_today=True)
    return _one(start + weeks * _WEEK)


_WEEK = dt.timedelta(weeks=1)
_SIX_DAYS = dt.timedelta(days=6)


def _near_days(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    """Today, tomorrow, the day after tomorrow."""
    today = now.date()
    if re.search(r"\bday after tomorrow\b", text):
        return _one(today + dt.timedelta(days=2))
    if re.search(r"\b(tomorrow|tmrw|tomorow|tmr)\b", text):
        return _one(today + dt.timedelta(days=1))
    if re.search(r"\b(today|later today|this afternoon|this evening|this morning)\b", text):
        return _one(today)
    return None


# "since yesterday", "since last monday": when a complaint began, not a day to book.
_NOT_SINCE = r"(?<!since )(?<!since the )(?<!started )(?<!began )"


def _last_weekday(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    """A weekday before today: "last monday", "this past friday", "sunday just gone"."""
    today = now.date()
    last = re.search(
        rf"{_NOT_SINCE}\b(?:last|this past|past)\s+{_WEEKDAY}\b|\b{_WEEKDAY}\s+just gone\b", text
    )
    if last is None:
        return None
    index = _weekday_index(last.group(1) or last.group(2))
    return _one(today - dt.timedelta(days=(today.weekday() - index - 1) % 7 + 1))


def _past_days(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    """Yesterday, last night, "two days ago" (dateparser reads the last).

    Tried after every reader of a coming day: in "I came in yesterday, can I
    book friday?" the day to book is Friday.
    """
    today = now.date()
    if re.search(rf"{_NOT_SINCE}\b(?:the\s+)?day before yesterday\b", text):
        return _one(today - dt.timedelta(days=2))
    if re.search(rf"{_NOT_SINCE}\b(yesterday|yday|last night)\b", text):
        return _one(today - dt.timedelta(days=1))
    ago = re.search(rf"\b{_COUNT}\s+(day|week|fortnight|month)s?\s+ago\b", text)
    if ago is not None and not re.search(r"\b(since|started|began)\s+$", text[: ago.start()]):
        count, unit = _count(ago.group(1)), ago.group(2)
        if unit == "fortnight":
            count, unit = count * 2, "week"
        return _one(_relative(f"{count} {unit}s ago", today))
    return None


def _relative(phrase: str, today: dt.date) -> Optional[dt.date]:
    """A count of units from today ("2 weeks ago", "in 3 months"), read by dateparser."""
    settings = {"RELATIVE_BASE": dt.datetime.combine(today, dt.time())}
    try:
        parsed = dateparser.parse(phrase, languages=["en"], settings=settings)  # type: ignore[arg-type]
    except (OverflowError, ValueError):
        return None
    return None if parsed is None else parsed.date()


def _weekdays(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    """Weekdays: "friday", "next tue", "tuesday next week", "monday or tuesday"."""
    modifier = r"(?:(next|this|coming)\s+)?"
    # "friday afternoon next week": a part of the day may come between
    later = (
        r"(?:\s+(?:" + PART_WORDS + r"|am|pm))?"
        r"(\s+(?:next|the following|this|last)\s+week|\s+after next)?"
    )
    listed = _weekday_list(text)
    if listed is not None:  # "monday or tuesday": either, with the words around both
        start, end, indexes = listed
        before = re.search(r"\b(next|this|coming)\s+$", text[:start])
        after = re.match(later, text[end:])
        prefix = before.group(1) if before else None
        suffix = (after.group(1) if after else None) or _week_said_apart(text, start, end, prefix)
        days = [_weekday_day(now.date(), index, prefix, suffix) for index in indexes]
        return _choice([day for day in days if day >= now.date()])
    # Not "last monday" (a past day, read by _last_weekday unless it is "since last monday").
    single = re.search(rf"(?<!last )(?<!past )\b{modifier}{_WEEKDAY}\b{later}", text)
    if single is None:
        return None
    prefix, stem, suffix = single.groups()
    suffix = suffix or _week_said_apart(text, single.start(), single.end(), prefix)
    day = _weekday_day(now.date(), _weekday_index(stem), prefix, suffix)
    if _OR_THE_ONE_AFTER.search(text, single.end()):
        # "next Saturday or one after" (audit 21 kept one Saturday): either
        return _choice([day, day + _WEEK])
    if prefix == "next" and suffix is None and day < _monday(now.date(), 1):
        # "next Thursday" said on a Wednesday: tomorrow to some, the week
        # after to others (audit 6). Both are offered, the nearer first.
        return _choice([day, day + _WEEK])
    return _one(day)


_OR_THE_ONE_AFTER = re.compile(r"\bor (?:the )?(?:one|week) after\b(?! next)")


# A weekday of any week: "I can only do Saturdays", "any Tuesday", "the earliest on a
# Friday", "mondays or wednesdays" (audit 18 kept one Saturday, or none). Plural only
# when spelt out: "tues", "weds" and "thurs" are one day.
WEEKDAY_PLURAL = r"(mon|tues|wednes|thurs|fri|satur|sun)days"
# "the first wednesday evening you've got", "your next free tuesday" (audit 19) too.
_ANY_WEEKDAY = re.compile(
    rf"\b(?:any|every|first|earliest|soonest|next free|next available)\s+{_WEEKDAY}\b|"
    # after "a", the whole name: "a sun lounger", "a sat nav" are no days
    r"\b(?:a|most)\s+(mon|tues|wednes|thurs|fri|satur|sun)day\b|"
    rf"\b{WEEKDAY_PLURAL}\b|"
    r"\b(?:any|a|every|most)\s+(week-?end)\b|\b(week-?end)s\b"
)
_ONE_WEEKS = re.compile(rf"\b(?:next|this|coming)\s+{_WEEKDAY}\b")
# How many weeks of that weekday are offered when no month is named.
WEEKS_OF_A_WEEKDAY = 4


def _any_week(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    """A weekday of any week: the next few, or those of a month named ("any friday in may")."""
    found = list(_ANY_WEEKDAY.finditer(text))
    if not found or _WEEK_APART.search(text) or _ONE_WEEKS.search(text):
        return None  # "any tuesday next week", "next tuesday": one week's
    indexes: Set[int] = set()
    for match in found:
        said = next(group for group in match.groups() if group)
        indexes |= {5, 6} if said.startswith("week") else {_weekday_index(said)}
    indexes |= {_weekday_index(match.group(1)) for match in re.finditer(rf"\b{_WEEKDAY}\b", text)}
    today = now.date()
    month = _vague_months(text, now, date_order)
    if month is not None and month[0] is not None:
        allowed = month[1] or (month[0],)
        return _choice([day for day in allowed if day.weekday() in indexes])
    weeks = range(WEEKS_OF_A_WEEKDAY)
    return _choice(
        [_next_weekday(today, index) + week * _WEEK for index in indexes for week in weeks]
    )


def same_weekday_after(
    text: str, day: dt.date, now: dt.datetime, date_order: str
) -> Tuple[dt.date, ...]:
    """The same weekday of the next weeks, when ``text`` named ``day`` by its weekday alone.

    "saturday" with the coming Saturday full means a Saturday, not the Friday
    or Monday nearest to it (audit 20 offered those). Not a week or date said
    with it ("next saturday", "saturday the 12th", "saturday next week").
    """
    lowered = " " + weekdays_spelt_right(re.sub(r"\s+", " ", text.lower())) + " "
    found = list(re.finditer(rf"\b{_WEEKDAY}\b", lowered))
    if len(found) != 1 or _weekday_index(found[0].group(1)) != day.weekday():
        return ()
    before = lowered[: found[0].start()]
    if (
        re.search(r"\b(next|this|coming|last|the)\s+$", before)
        or _WEEK_APART.search(lowered)
        or re.search(r"\bafter next\b", lowered)
        or _explicit_date(lowered, now, date_order)[0]
    ):
        return ()
    return tuple(day + week * _WEEK for week in range(1, WEEKS_OF_A_WEEKDAY))


# "next week" or "this week" said apart from the weekday: "wednesday evening,
# about 6ish, next week not this week" (audit 12), "next week - wed or thu".
# Not a week the patient is away or busy: "I'm away next week so wednesday".
_WEEK_APART = re.compile(r"\b(next|the following|this|coming) week\b")
_WEEK_NOT_WANTED = re.compile(
    r"\b(not|away|busy|off|except|out|can'?t|cannot|unavailable)\W+(\w+\W+){0,2}$"
)


def _week_said_apart(text: str, start: int, end: int, prefix: Optional[str]) -> Optional[str]:
    """The week of a weekday, said elsewhere in the message (as ``later`` reads it)."""
    if prefix is not None:
        return None
    for match in _WEEK_APART.finditer(text):
        if start <= match.start() < end or _WEEK_NOT_WANTED.search(text[: match.start()]):
            continue
        which = match.group(1)
        return " this week" if which == "this" else " next week"
    return None


def _weekday_list(text: str) -> Optional[Tuple[int, int, List[int]]]:
    """Weekdays joined by "or" or "/" ("mon, wed or fri"): where, and which.

    Read token by token (a single regex for the list backtracks quadratically
    on "mon, mon, mon, ...").
    """
    found = list(re.finditer(rf"\b{_WEEKDAY}\b", text))
    group: List[re.Match] = []
    alternative = False
    for match in found:
        if group:
            gap = text[group[-1].end() : match.start()]
            joined = re.fullmatch(r"\s*(,|/|or|either|,\s*or|/\s*or)\s*", gap)
            if joined is not None:
                alternative = alternative or "or" in gap or "/" in gap
                group.append(match)
                continue
            if len(group) > 1 and alternative:
                break
            group, alternative = [], False
        group = [match]
    if len(group) < 2 or not alternative:
        return None
    indexes = [_weekday_index(match.group(1)) for match in group]
    return group[0].start(), group[-1].end(), indexes


def _weekday_day(
    today: dt.date, index: int, prefix: Optional[str], later: Optional[str]
) -> dt.date:
    if later and "after next" in later:
        return _monday(today, 2) + dt.timedelta(days=index)
    if later and "last" in later:  # "tuesday last week": passed
        return _monday(today, -1) + dt.timedelta(days=index)
    if later and "this" in later:  # "monday this week": may have passed
        return _monday(today) + dt.timedelta(days=index)
    if later:  # "tuesday next week": that weekday in the following calendar week
        return _monday(today, 1) + dt.timedelta(days=index)
    # A bare weekday that is today means next week's: "today" would be said.
    return _next_weekday(today, index, skip_today=prefix != "this")


_PARTS_OF_PERIOD = r"(early|beginning of|start of|mid|middle of|late|end of)"


def _vague_weeks(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    """Weeks: "the week after next", "early next week", "this week", "the weekend"."""
    today = now.date()
    if re.search(r"\bweek after next\b", text):
        return _span(today, _monday(today, 2), _monday(today, 2) + dt.timedelta(days=6))
    if re.search(r"\blast week\b", text):  # a past week: its Monday, refused as past
        return _one(_monday(today, -1))
    if re.search(r"\blater (?:this|in the) week\b", text):
        return _span(today, today + dt.timedelta(days=1), _monday(today) + dt.timedelta(days=5))
    parts = {"early": (0, 1), "beginning of": (0, 1), "start of": (0, 1), "mid": (1, 3),
             "middle of": (1, 3), "late": (3, 5), "end of": (3, 5)}  # fmt: skip
    weeks = re.search(
        rf"\b(?:{_PARTS_OF_PERIOD}\s*-?\s*)?(?:the\s+)?(not this|next|following|this|the)\s+week\b",
        text,
    )
    if weeks is not None:
        part, which = weeks.groups()
        if which == "the" and part is None:
            return None  # "the week": which one?
        later = which in ("next", "following", "not this")  # "not this week but next"
        monday = _monday(today, 1 if later else 0)
        first, last = parts.get(part or "", (0, 6))
        return _span(today, monday + dt.timedelta(days=first), monday + dt.timedelta(days=last))
    weekend = re.search(r"\b(next|this|the)\s+weekend\b", text)
    if weekend is not None:
        saturday = _monday(today, 1 if weekend.group(1) == "next" else 0) + dt.timedelta(days=5)
        if saturday + dt.timedelta(days=1) < today:
            saturday += _WEEK
        return _span(today, saturday, saturday + dt.timedelta(days=1))
    return None


def _vague_months(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    """Months: "end of the month", "start of next month", "early july", "sometime in may"."""
    today = now.date()
    match = re.search(
        rf"\b(?:{_PARTS_OF_PERIOD}\s*-?\s*)?(?:the\s+)?(next|this|the)\s+month\b", text
    )
    named = re.search(
        rf"\b(?:{_PARTS_OF_PERIOD}|in)\s+(?:the\s+month\s+of\s+)?{MONTH_WORD}\b", text
    )
    if match is not None:
        part, which = match.groups()
        if which == "the" and part is None:
            return None
        start = _month_start(today, 1 if which == "next" else 0)
    elif named is not None:  # "end of june": this year's, or next year's once it is over
        part = named.group(1)
        month = _month_number(named.group(2))
        start = dt.date(today.year + (month < today.month), month, 1)
    else:
        return None
    end = _month_start(start, 1) - dt.timedelta(days=1)
    if part in ("early", "beginning of", "start of"):
        end = start + dt.timedelta(days=6)
    elif part in ("mid", "middle of"):
        start, end = start + dt.timedelta(days=10), start + dt.timedelta(days=19)
    elif part in ("late", "end of"):
        start = end - dt.timedelta(days=6)
    return _span(today, start, end)


def _month_number(name: str) -> int:
    return next(
        n for n, abbr in enumerate(calendar.month_abbr) if n and name.startswith(abbr.lower())
    )


def _soon(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    """Soon: "as soon as possible", "any day", "in a few days": the next days from today."""
    today = now.date()
    if re.search(r"\bin a few days\b", text):
        return _span(today, today + dt.timedelta(days=2), today + dt.timedelta(days=4))
    if re.search(
        r"\b(as soon as (?:possible|you can)|asap|soonest|earliest|first (?:available|free)|"
        r"next (?:available|free)|any ?day|whenever|any time soon)\b",
        text,
    ):
        return _span(today, today, today + dt.timedelta(days=SOON_DAYS - 1))
    return None


def _in_days(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    """Days ahead: "in 3 days", "in two weeks", "in a fortnight", "in a month"."""
    today = now.date()
    # At most three digits: "in 99999999999 days" is beyond any calendar.
    # Not "booked in a week on thursday": that is _weeks_from's (audit 12).
    match = re.search(rf"\bin {_COUNT}\s+(day|week|fortnight)s?\b(?!\s+(?:on|from)\s)", text)
    if match is not None:
        count = _count(match.group(1))
        unit = {"day": 1, "week": 7, "fortnight": 14}[match.group(2)]
        return _one(today + dt.timedelta(days=count * unit))
    months = re.search(rf"\bin {_COUNT}\s+months?\b", text)
    if months is not None and _count(months.group(1)) <= 99:
        return _one(_relative(f"in {_count(months.group(1))} months", today))
    return None


# Days with a name of their own, by month and day; Easter's by dateutil.
_NAMED_DAYS = (
    (r"christmas eve|xmas eve", (12, 24)),
    (r"boxing day", (12, 26)),
    (r"christmas(?: day)?|xmas(?: day)?", (12, 25)),
    (r"new year'?s eve|nye", (12, 31)),
    (r"new year(?:'?s)?(?: day)?", (1, 1)),
    (r"valentine'?s(?: day)?", (2, 14)),
    (r"bonfire night", (11, 5)),
    (r"hallowe'?en", (10, 31)),
    (r"good friday", -2),
    (r"easter monday", 1),
    (r"easter(?: sunday| day)?", 0),
)  # fmt: skip
_NAMED_DAY = re.compile(
    r"\b(before|after|until|till|by)?\s*(?:the\s+)?("
    + "|".join(pattern for pattern, _ in _NAMED_DAYS)
    + r")\b"
)


def _named_date(name: str, year: int) -> dt.date:
    for pattern, when in _NAMED_DAYS:
        if re.fullmatch(pattern, name):
            if isinstance(when, tuple):
                return dt.date(year, *when)
            return easter(year) + dt.timedelta(days=when)
    raise ValueError(name)


def _named_days(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    """Named days: "christmas eve", "boxing day", "easter monday", "before christmas".

    The next such day (today's counts); "between christmas and new year" is the
    days between them, "before christmas" the days until it, "after" the week after.
    A weekday said beside it wins: in "I'm away over christmas, can I do friday"
    the day is Friday (but "good friday" is one day).
    """
    today = now.date()
    between = re.search(
        r"\bbetween (?:christmas|xmas)(?: day)? and (?:the )?new year'?s?(?: day| eve)?\b", text
    )
    if between is not None:
        christmas = _named_date("christmas", today.year)
        if christmas + dt.timedelta(days=6) < today:
            christmas = _named_date("christmas", today.year + 1)
        return _span(today, christmas + dt.timedelta(days=2), christmas + dt.timedelta(days=6))
    match = _NAMED_DAY.search(text)
    if match is None:
        return None
    bound, name = match.groups()
    if re.search(rf"\b{_WEEKDAY}\b", text[: match.start(2)] + " " + text[match.end(2) :]):
        return None
    day = _named_date(name, today.year)
    if day < today:
        day = _named_date(name, today.year + 1)
    if bound in ("before", "until", "till", "by"):
        return _span(today, today, day - dt.timedelta(days=1))
    if bound == "after":
        return _span(today, day + dt.timedelta(days=1), day + _WEEK)
    return _one(day)


def _numeric(text: str, now: dt.datetime, date_order: str) -> Optional[Days]:
    numeric = re.search(r"\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\b", text)
    if numeric is None:
        return None
    first, second = int(numeric.group(1)), int(numeric.group(2))
    # "12/15" is 15 December whichever order the clinic writes dates in: a
    # number above 12 can only be the day (audit 12 had read it as 2114).
    if date_order == "DMY" and second > 12 >= first:
        date_order = "MDY"
    elif date_order == "MDY" and first > 12 >= second:
        date_order = "DMY"
    return _one(_dateparser_future(numeric.group(0), now, date_order))


_READERS: Tuple[Reader, ...] = (
    _weeks_from,
    _near_days,
    _last_weekday,
    _named_days,
    _any_week,
    _weekdays,
    _vague_weeks,
    _in_days,
    _vague_months,
    _soon,
    _numeric,
    _past_days,
)


# The week of the day talked of: "what about later that week, thursday or friday?" after
# Monday 11 January (audit 20 offered December's).
_THAT_WEEK = re.compile(r"\b(?:that|the same|same) week\b|\blater (?:on )?in (?:that|the) week\b")
# "the week of the 21st december", "w/c 11th jan", "the week commencing the 11th", and
# the week either side of a day: "the week before christmas" (audit 20 read the 18th).
_WEEK_OF = re.compile(
    r"\b(?:the )?(?:(?:week|wk) (?P<side>of|beginning|commencing|starting|before|after)|w/?c)\s+"
    r"(?P<named>[^,.;:!?]+?)"
    rf"(?=[,.;:!?]|\s+(?:{_WEEKDAY}|or|and|but|except|not|at|in the|afternoons?|mornings?|"
    r"evenings?)\b|\s*$)"
)


def _in_week_of(text: str, anchor: dt.date, today: dt.date) -> Days:
    """The days of ``anchor``'s week that ``text`` allows, ``anchor`` itself left out.

    The weekdays said, any of that week ("the monday or thursday of that week? or
    friday": audit 21 kept one); else "later that week" the days after it, and
    "that same week" the others.
    """
    monday = anchor - dt.timedelta(days=anchor.weekday())
    first = anchor + dt.timedelta(days=1) if re.search(r"\blater\b", text) else monday
    days = _weekdays_between(text, first, monday + _SIX_DAYS, today)
    named = re.search(rf"\b{_WEEKDAY}\b", text)
    allowed = days[1] or (() if days[0] is None else (days[0],))
    return _choice([day for day in allowed if named or day != anchor])


def _weekdays_between(text: str, first: dt.date, last: dt.date, today: dt.date) -> Days:
    """The weekdays said in ``text`` from ``first`` to ``last``; without any, all those days.

    "a weekday" allows Monday to Friday.
    """
    indexes = {_weekday_index(match.group(1)) for match in re.finditer(rf"\b{_WEEKDAY}\b", text)}
    if not indexes and re.search(r"\bweek\s?days?\b", text):
        indexes = set(range(5))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return _choice(
        [day for day in days if day >= today and (not indexes or day.weekday() in indexes)]
    )


def _week_named(
    text: str, now: dt.datetime, date_order: str, talking_of: Optional[dt.date]
) -> Optional[Days]:
    """The days of a week named by a day in it or beside it, with the weekdays said."""
    week_of = _WEEK_OF.search(text)
    if week_of is None:
        return None
    named = parse_when(week_of.group("named"), now, date_order, talking_of)
    if named.day is None:
        return None
    rest = text[: week_of.start()] + text[week_of.end() :]
    side = week_of.group("side")
    if side == "before":  # the seven days up to the day
        first, last = named.day - _WEEK, named.day - dt.timedelta(days=1)
    elif side == "after":
        first, last = named.day + dt.timedelta(days=1), named.day + _WEEK
    else:  # the calendar week the day is in
        first = named.day - dt.timedelta(days=named.day.weekday())
        last = first + _SIX_DAYS
    return _weekdays_between(rest, first, last, now.date())


def _day(
    text: str, now: dt.datetime, date_order: str, talking_of: Optional[dt.date] = None
) -> Days:
    """The day said (None if none), and the days allowed when the phrase is vague."""
    if talking_of is not None:
        rest, relative = _from_day(text, talking_of)
        if relative is not None and not _explicit_date(rest, now, date_order)[0]:
            return relative, ()
        if _FREE_AFTER.search(text):
            after = talking_of + dt.timedelta(days=1)
            return _span(now.date(), after, after + dt.timedelta(days=SOON_DAYS - 1))
        if _THAT_WEEK.search(text):
            return _in_week_of(text, talking_of, now.date())
    # "the week of the 21st december, tuesday or wednesday afternoon" (audit 20 read
    # Monday 21st): those weekdays of that week.
    week = _week_named(text, now, date_order, talking_of)
    if week is not None:
        return week
    said, explicit = _explicit_date(text, now, date_order, talking_of)
    the_weekday = re.search(rf"\bthe\s+{_WEEKDAY}\b(?!\s+(?:after|before|week))", text)
    if not said and the_weekday and talking_of is not None and talking_of > now.date():
        # "the Thursday" after Monday 14th was refused: that week's Thursday, the 17th.
        index = _weekday_index(the_weekday.group(1))
        day = talking_of - dt.timedelta(days=talking_of.weekday()) + dt.timedelta(days=index)
        if day < now.date():
            day = _next_weekday(now.date(), index)
        return day, ()
    if explicit is not None:
        # A date wins over a weekday said with it ("thursday 3 december").
        return explicit, ()
    # A date that does not exist ("the 30th of next month" in January) is no day,
    # unless a weekday was said with it ("monday the 31st" in a short month).
    for reader in (_weekdays,) if said else _READERS:
        found = reader(text, now, date_order)
        if found is not None:
            on_weekdays = [day for day in found[1] if day.weekday() < 5]
            if on_weekdays and re.search(r"\bweekdays?\b", text):  # "any weekday next week"
                return _choice(on_weekdays)
            return found
    return None, ()


def _explicit_date(
    text: str, now: dt.datetime, date_order: str, talking_of: Optional[dt.date] = None
) -> Tuple[bool, Optional[dt.date]]:
    """A date with its month named ("3 december", "dec 3rd") or an ordinal ("the 3rd").

    It wins over a weekday said with it: in "thursday 3 december" the weekday
    only repeats the date (and if it does not match, the reply names the
    date's real weekday, so the patient sees the difference). Returns whether
    such a date was said, and the day (None when it does not exist).
    """
    month_date = re.search(
        rf"\b{_ORDINAL}\s+(?:of\s+)?{MONTH_WORD}\b|\b{MONTH_WORD}\s+(?:the\s+)?{_ORDINAL}\b", text
    )
    if month_date:
        return True, _dateparser_future(month_date.group(0), now, date_order)
    ordinal = re.search(
        r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b(?:\s+of\s+(this|next)\s+month)?"
        # "1st time", "2nd visit": a count of visits, not a day
        r"(?!\s*(?:-\s*)?(?:time|timer|visit|appointment|session|treatment|one)\b)",
        text,
    )
    beside = _WEEKDAY_AND_DAY_OF_MONTH.search(text)
    if ordinal or beside:
        if beside is not None and (ordinal is None or beside.start() <= ordinal.start()):
            day_of_month, which = int(beside.group(2)), None
        else:
            assert ordinal is not None
            day_of_month, which = int(ordinal.group(1)), ordinal.group(2)
        reference = now.date()
        if which is None and talking_of is not None and talking_of > reference:
            # Counted from the day being talked of, as if it were today.
            reference = talking_of
        day = _day_of_month(reference, day_of_month, which)
        if beside is not None and which is None:
            day = _month_with_weekday(day, reference, day_of_month, _weekday_index(beside.group(1)))
        return True, day
    return False, None


# A weekday with the day of the month after it: "wed 6th 4pm", "tuesday the 22nd", and
# without a suffix when it cannot be an hour or a time follows: "tuesday 29 at 9" (audit
# 20 read Tuesday 8th), "friday 18".
_WEEKDAY_AND_DAY_OF_MONTH = re.compile(
    rf"\b{_WEEKDAY}\s+(?:the\s+)?(\d{{1,2}})"
    r"(?:(?:st|nd|rd|th)\b|(?:(?<=\b1[3-9])|(?<=\b2\d)|(?<=\b3[01]))\b(?![:.]\d|\s*(?:am|pm|a\.m|p\.m|o'?clock|ish|hrs?|h)\b)|"
    r"\b(?=\s+(?:at|@)\s*\d))"
)
MONTHS_TO_MATCH_A_WEEKDAY = 3  # "wed 6th" in December, a Sunday: January's Wednesday 6th


def _month_with_weekday(
    day: Optional[dt.date], reference: dt.date, day_of_month: int, weekday: int
) -> Optional[dt.date]:
    """``day``, or the first coming month whose ``day_of_month`` falls on ``weekday``.

    The weekday and the date said together disagree ("wed 6th" when the 6th is a
    Sunday): the patient means the next month they agree in, if one is near (audit 20
    offered December when January's Wednesday 6th had just been offered). Otherwise
    the date wins, and the reply names its real weekday.
    """
    if day is None or day.weekday() == weekday:
        return day
    year, month = day.year, day.month
    for _ in range(MONTHS_TO_MATCH_A_WEEKDAY):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        try:
            candidate = dt.date(year, month, day_of_month)
        except ValueError:
            continue
        if candidate.weekday() == weekday and candidate >= reference:
            return candidate
    return day


def _day_of_month(today: dt.date, day: int, which: Optional[str]) -> Optional[dt.date]:
    """Resolve "the 10th": this month if ahead or just passed, else next month."""
    year, month = today.year, today.month
    just_passed = today.day - RECENT_DAYS_OF_MONTH <= day < today.day
    if which == "next" or (which is None and day < today.day and not just_passed):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    try:
        return dt.date(year, month, day)
    except ValueError:  # "the 30th" in February: March's
        pass
    if which is not None or (year, month) != (today.year, today.month):
        return None
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _dateparser_future(phrase: str, now: dt.datetime, date_order: str) -> Optional[dt.date]:
    """A date read by dateparser: the next such day, or this year's if it just passed."""
    settings = {
        "PREFER_DATES_FROM": "future",
        # Just before today's midnight, so that today's date counts as the future:
        # "24/11" said on 24 November is today, not next year (nor 2126 for "24/11/26").
        "RELATIVE_BASE": dt.datetime.combine(now.date(), dt.time()) - dt.timedelta(seconds=1),
        "DATE_ORDER": date_order,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
    }
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", phrase).replace(" the ", " ")
    parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)  # type: ignore[arg-type]
    if parsed is None:
        return None
    day = parsed.date()
    if re.search(r"\d{4}|\d[/.-]\d{1,2}[/.-]\d", phrase):
        return day  # a year was said: that day, even if it has passed
    today = now.date()
    for candidate in (day.year - 1, day.year, day.year + 1):
        try:
            dated = day.replace(year=candidate)
        except ValueError:  # 29 February
            continue
        if today - dt.timedelta(days=RECENT_DATES) <= dated:
            return dated
    return None


# A booked time moved by an amount: "push it back an hour", "an hour later",
# "bring it forward half an hour", "30 mins earlier" (audit 23 asked for a day).
_SHIFT_AMOUNT = re.compile(
    r"\b(?:(an hour and a half|one and a half hours|half an hour|half hour)|"
    r"(an|a|one|two|three|\d{1,3})\s*(hours?|hrs?|minutes|mins?)|(\d{1,3})\s*(h|m))\b",
    re.IGNORECASE,
)
_MOVED = r"\b(?:push|put|move|set|shift|bring)\w*\s+(?:(?:it|that|this|me|(?:the|my)\s+\w+)\s+)?"
_SHIFT_LATER = re.compile(rf"{_MOVED}back\b|\blater\b", re.IGNORECASE)
_SHIFT_EARLIER = re.compile(rf"{_MOVED}forwards?\b|\b(?:earlier|sooner)\b", re.IGNORECASE)
_SHIFT_UNITS = {"h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60}


def shift_asked(text: str) -> Optional[dt.timedelta]:
    """How far a booked time is moved ("push it back an hour": +60 min), if ``text`` says."""
    amount = _SHIFT_AMOUNT.search(text)
    if amount is None:
        return None
    later, earlier = _SHIFT_LATER.search(text), _SHIFT_EARLIER.search(text)
    if bool(later) == bool(earlier):
        return None
    phrase, count, unit, short_count, short_unit = amount.groups()
    if phrase:
        minutes = {"half an hour": 30, "half hour": 30}.get(phrase.lower(), 90)
    else:
        number = (count or short_count).lower()
        value = int(number) if number.isdigit() else NUMBER_WORDS.get(number, 1)
        minutes = value * _SHIFT_UNITS.get((unit or short_unit).lower(), 1)
    return dt.timedelta(minutes=minutes if later else -minutes)
