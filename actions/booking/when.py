"""Dates and times in the patient's words.

"next Tuesday at 10", "tomorrow afternoon", "the 10th at half past 4",
"March 7th", "quarter to 10 in the morning", "any time friday".

Times are read by our own patterns (dateparser does not understand "quarter
to 10" or "evening 4"); the date part is read by patterns for weekdays,
ordinals and relative days, and by dateparser for month names and numeric
dates. Everything is relative to an explicit reference time in the clinic's
timezone, so results are deterministic. A phrase with only a day, or only a
time, or only "afternoon", returns just that part: the caller asks for the
rest instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Optional, Tuple

import dateparser

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
PARTS_OF_DAY = {
    "morning": (dt.time(6, 0), dt.time(12, 0)),
    "lunchtime": (dt.time(11, 30), dt.time(14, 0)),
    "afternoon": (dt.time(12, 0), dt.time(17, 0)),
    "evening": (dt.time(17, 0), dt.time(22, 0)),
}

_HOUR = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
_MERIDIEM = r"(a\.?m\.?|p\.?m\.?)"
_PART = r"(morning|afternoon|evening|night|tonight|lunch\s*time|lunchtime)"
_TIME_PATTERNS = [
    # half past 4, quarter past 11, quarter to 10
    re.compile(rf"\b(half|quarter)\s+(past|after|to)\s+{_HOUR}\b(?:\s*{_MERIDIEM})?"),
    # 10:30, 4.15pm, 13:00 (not \b after the minutes: "4:30pm" has no boundary there)
    re.compile(rf"\b(\d{{1,2}})[:.](\d{{2}})(?!\d)\s*{_MERIDIEM}?"),
    # 3 pm, three PM, 4 o'clock
    re.compile(rf"\b{_HOUR}\s*(?:{_MERIDIEM}|o['\"’]?\s?clock)"),
    # evening 4, afternoon 2:30 (handled above for the minutes), at 10
    re.compile(
        rf"\b(?:{_PART}|at|around|about|for)\s+{_HOUR}\b(?![:./]\d)(?!\s*(?:st|nd|rd|th)\b)"
    ),
    # four in the evening
    re.compile(rf"\b{_HOUR}\s+in\s+the\s+(morning|afternoon|evening)"),
    re.compile(r"\b(noon|midday|mid-day)\b"),
]
_MONTHS = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_DATE_BEFORE_NUMBER = re.compile(rf"(?:[/.-]|\b{_MONTHS}\s+(?:the\s+)?)$")
_DATE_AFTER_NUMBER = re.compile(rf"[/.-]\d|\s+(?:of\s+)?{_MONTHS}\b")


@dataclass(frozen=True)
class When:
    """What a phrase says about an appointment time; parts may be missing."""

    day: Optional[dt.date] = None
    time: Optional[dt.time] = None
    part_of_day: Optional[str] = None

    @property
    def empty(self) -> bool:
        """Nothing about a date or time was found."""
        return self.day is None and self.time is None and self.part_of_day is None


def parse_when(text: str, now: dt.datetime, date_order: str = "DMY") -> When:
    """Read a date, a time and/or a part of the day from ``text``.

    Args:
        text: what the patient typed.
        now: timezone-aware reference time in the clinic's timezone.
        date_order: order of numeric dates such as 7/3 ("DMY" or "MDY").

    """
    lowered = " " + re.sub(r"\s+", " ", text.lower()).strip() + " "
    part = _part_of_day(lowered)
    time, time_span = _time(lowered, part)
    rest = lowered if time_span is None else lowered[: time_span[0]] + " " + lowered[time_span[1] :]
    day = _day(rest, now, date_order)
    if part == "tonight" and day is None:
        day = now.date()
    if part in ("tonight", "night"):
        part = "evening"
    return When(day=day, time=time, part_of_day=part if time is None else None)


def _part_of_day(text: str) -> Optional[str]:
    match = re.search(rf"\b{_PART}\b", text)
    if not match:
        return None
    word = match.group(1).replace(" ", "")
    return word


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
    if part in ("afternoon", "evening", "night", "tonight"):
        return hour if hour == 12 else hour + 12
    if part == "morning":
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
    elif index in (3, 4):
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


def _day(text: str, now: dt.datetime, date_order: str) -> Optional[dt.date]:
    today = now.date()
    if re.search(r"\bday after tomorrow\b", text):
        return today + dt.timedelta(days=2)
    if re.search(r"\b(tomorrow|tmrw|tomorow|tmr)\b", text):
        return today + dt.timedelta(days=1)
    if re.search(r"\b(today|later today|this afternoon|this evening|this morning)\b", text):
        return today
    weekday = re.search(
        r"\b(?:(next|this|coming)\s+)?(mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)"
        r"(?:day|sday|nesday|rsday|urday)?\b(\s+(?:next|the following)\s+week|\s+after next)?",
        text,
    )
    explicit = _explicit_date(text, now, date_order)
    if weekday and explicit is None:
        prefix, stem, later = weekday.groups()
        index = next(i for i, name in enumerate(WEEKDAYS) if name.startswith(stem[:3]))
        if later and "after next" in later:
            monday = today - dt.timedelta(days=today.weekday())
            return monday + dt.timedelta(days=14 + index)
        if later:  # "tuesday next week": that weekday in the following calendar week
            monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
            return monday + dt.timedelta(days=index)
        # A bare weekday that is today means next week's: "today" would be said.
        return _next_weekday(today, index, skip_today=prefix != "this")
    # At most three digits: "in 99999999999 days" is beyond any calendar.
    in_days = re.search(r"\bin (\d{1,3}|a|one|two|three|four) (day|week)s?\b", text)
    if in_days:
        amount = in_days.group(1)
        count = NUMBER_WORDS.get(amount) or (1 if amount == "a" else int(amount))
        unit = 7 if in_days.group(2) == "week" else 1
        return today + dt.timedelta(days=count * unit)
    if explicit is not None:
        return explicit
    numeric = re.search(r"\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\b", text)
    if numeric:
        return _dateparser_future(numeric.group(0), now, date_order)
    return None


def _explicit_date(text: str, now: dt.datetime, date_order: str) -> Optional[dt.date]:
    """A date with its month named ("3 december", "dec 3rd") or an ordinal ("the 3rd").

    It wins over a weekday said with it: in "thursday 3 december" the weekday
    only repeats the date (and if it does not match, the reply names the
    date's real weekday, so the patient sees the difference).
    """
    month_date = re.search(
        rf"\b{_ORDINAL}\s+(?:of\s+)?{_MONTHS}\b|\b{_MONTHS}\s+(?:the\s+)?{_ORDINAL}\b", text
    )
    if month_date:
        return _dateparser_future(month_date.group(0), now, date_order)
    ordinal = re.search(
        r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b(?:\s+of\s+(this|next)\s+month)?", text
    )
    if ordinal:
        day_of_month, which = int(ordinal.group(1)), ordinal.group(2)
        return _day_of_month(now.date(), day_of_month, which)
    return None


def _day_of_month(today: dt.date, day: int, which: Optional[str]) -> Optional[dt.date]:
    """Resolve "the 10th": this month if still ahead, else next month."""
    year, month = today.year, today.month
    if which == "next" or (which is None and day < today.day):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _dateparser_future(phrase: str, now: dt.datetime, date_order: str) -> Optional[dt.date]:
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
    if day < now.date() and not re.search(r"\d{4}", phrase):
        try:
            day = day.replace(year=day.year + 1)
        except ValueError:
            return None
    return day
