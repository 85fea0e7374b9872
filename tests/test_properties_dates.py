"""Properties of the date and time parser (``clinic_core/when.py``).

The parser only ever reads what the patient typed relative to an explicit
reference time in the clinic's timezone, so every property here is checked
against a generated reference time rather than the fixed one of
tests/test_booking_when.py.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import time
from typing import Callable, List, NamedTuple, Optional, Tuple

from hypothesis import example, given
from hypothesis import strategies as st

from clinic_core.profile import load_profile
from clinic_core.time_of_day import PARTS, is_part_of_day
from clinic_core.when import (
    NUMBER_WORDS,
    RECENT_DATES,
    RECENT_DAYS_OF_MONTH,
    WEEKDAYS,
    When,
    parse_when,
)

ZONE = load_profile().zone
# "in 999 weeks" is the furthest a phrase without a year can reach.
HORIZON = dt.timedelta(weeks=1000)
# A numeric date with a year ("1/1/2020") may be in the past: the form says so.
EXPLICIT_YEAR = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
# Words that can make a day a past one: the reader flags it (``past``) for the form.
PAST_CUES = re.compile(
    r"yesterday|yday|last|past|gone|ago|this week|\d|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
)
SLOW = 1.0  # seconds: any single parse slower than this is a regex gone quadratic or worse

# Words that say nothing about a date or a time (chosen so that none of them is
# a weekday, month, number or part of the day, or a word the patterns key on
# such as "at", "in", "the", "this", "next").
FILLER = [
    "please", "could", "i", "come", "would", "like", "book", "ok", "thanks", "maybe",
    "hmm", "appointment", "um", "yes", "great", "want", "it", "that", "be", "good",
    "with", "see", "you", "then", "perfect", "works", "me", "if", "possible", "cheers",
    "hello", "hi", "so", "well", "kind", "acupuncture", "session", "back", "pain",
]  # fmt: skip
# Tokens the patterns look for, to build text that exercises every branch.
TOKENS = [
    *WEEKDAYS, "mon", "tue", "tues", "wed", "weds", "thu", "thur", "thurs", "fri", "sat",
    "sun", *NUMBER_WORDS, *(word for part in PARTS for word in part.words), "noon", "midday",
    "mid-day", "at", "around", "about", "for", "in", "the", "of", "this", "next", "coming",
    "after next", "the following week", "next week", "quarter", "half", "past", "after",
    "to", "am", "pm", "a.m.", "p.m.", "o'clock", "o’clock", 'o"clock', "st", "nd", "rd",
    "th", "day", "days", "week", "weeks", "a", "tomorrow", "tmrw", "today", "later today",
    "day after tomorrow", "month", "jan", "february", "mar", "sept", "may", "june", "dec",
    "yesterday", "last", "ago", "fortnight", "or", "/", "weekend", "end of", "early", "asap",
    ":", ".", "/", "-", ",", "0", "00", "1", "7", "12", "13", "23", "24", "29", "30", "31",
    "59", "60", "99", "2020", "2099", "9999", "🙂", "\t", "\n", "\x00", "ß", "İ",
]  # fmt: skip

nows = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2098, 12, 31),
    timezones=st.just(ZONE),
    allow_imaginary=False,
)
date_orders = st.sampled_from(["DMY", "MDY"])
token_text = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=4)), max_size=40).flatmap(
    lambda parts: st.lists(
        st.sampled_from([" ", "", "  ", "\t"]), min_size=len(parts), max_size=len(parts)
    ).map(lambda seps: "".join(s + p for s, p in zip(seps, parts, strict=True)))
)
any_text = st.one_of(st.text(max_size=300), token_text, st.text(max_size=5000))
fillers = st.lists(st.sampled_from(FILLER), max_size=4).map(" ".join)


def parse_timed(text: str, now: dt.datetime, date_order: str = "DMY") -> When:
    """``parse_when``, failing the test when one call is suspiciously slow."""
    started = time.perf_counter()
    result = parse_when(text, now, date_order)
    elapsed = time.perf_counter() - started
    assert elapsed < SLOW, f"parse_when took {elapsed:.2f}s on {len(text)} characters"
    return result


def assert_sane(result: When, text: str, now: dt.datetime) -> None:
    """What every result promises, whatever the text."""
    assert isinstance(result, When)
    today = now.date()
    if result.day is not None:
        assert type(result.day) is dt.date
        assert result.past == (result.day < today)
        if result.past:  # only said with words that can name a past day, and flagged
            assert PAST_CUES.search(text.lower()), (text, result.day)
        elif not EXPLICIT_YEAR.search(text.lower()):
            assert today <= result.day <= today + HORIZON, (text, result.day)
    else:
        assert not result.past
    if result.days:  # a vague phrase: several days from today on, the first is the day
        assert len(result.days) > 1 and result.vague
        assert list(result.days) == sorted(set(result.days))
        assert result.day == result.days[0] and result.days[0] >= today
    else:
        assert not result.vague
    if result.time is not None:
        assert type(result.time) is dt.time
        assert result.time.tzinfo is None
        assert result.time.second == 0 and result.time.microsecond == 0
        assert result.part_of_day is None  # an exact time makes the part of day moot
    assert result.part_of_day is None or is_part_of_day(result.part_of_day)
    assert result.empty == (result.day is None and result.time is None and not result.part_of_day)


# --- never raises, always sane, never slow ----------------------------------------


@given(text=any_text, now=nows, date_order=date_orders)
@example(text="quarter to 0", now=dt.datetime(2026, 11, 24, 10, tzinfo=ZONE), date_order="DMY")
@example(
    text="quarter to 00 in the morning",
    now=dt.datetime(2026, 11, 24, tzinfo=ZONE),
    date_order="DMY",
)
@example(text="in 99999999999 days", now=dt.datetime(2026, 11, 24, tzinfo=ZONE), date_order="DMY")
@example(text="in 9999999 weeks", now=dt.datetime(2026, 11, 24, tzinfo=ZONE), date_order="MDY")
def test_any_text_gives_a_sane_result_quickly(text: str, now: dt.datetime, date_order: str) -> None:
    assert_sane(parse_timed(text, now, date_order), text, now)


@given(
    unit=st.sampled_from(["1 ", "a ", "12:", "the 1st ", "quarter to ", "in 9 days ", "@", "9."]),
    count=st.integers(min_value=500, max_value=1250),
    now=nows,
)
def test_long_repetitive_text_is_fast(unit: str, count: int, now: dt.datetime) -> None:
    # Repetition is what makes a backtracking regex blow up; 5000 characters at most.
    text = (unit * count)[:5000]
    assert_sane(parse_timed(text, now), text, now)


# --- round trips: generated phrases read back as what was meant ------------------


class Case(NamedTuple):
    """A phrase, the reference time it is said at, and what it must read as."""

    text: str
    now: dt.datetime
    expected: When
    date_order: str = "DMY"


NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZONE)  # a Tuesday
D, T = dt.date, dt.time


def next_weekday(today: dt.date, weekday: int, allow_today: bool) -> dt.date:
    day = today if allow_today else today + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


WEEKDAY_SPELLINGS = {
    0: ["monday", "mon"],
    1: ["tuesday", "tue", "tues"],
    2: ["wednesday", "wed", "weds"],
    3: ["thursday", "thu", "thur", "thurs"],
    4: ["friday", "fri"],
    5: ["saturday", "sat"],
    6: ["sunday", "sun"],
}
MONTH_SPELLINGS = {
    m: [calendar.month_name[m].lower(), calendar.month_abbr[m].lower()] for m in range(1, 13)
}
MONTH_SPELLINGS[9].append("sept")


@st.composite
def weekday_phrases(draw: st.DrawFn, now: dt.datetime) -> Tuple[str, dt.date]:
    """Weekdays: "friday", "next Tue", "this weds"; today only after "this"."""
    weekday = draw(st.integers(0, 6))
    prefix = draw(st.sampled_from(["", "next ", "this ", "coming "]))
    spelling = draw(st.sampled_from(WEEKDAY_SPELLINGS[weekday]))
    day = next_weekday(now.date(), weekday, allow_today=prefix == "this ")
    if prefix == "next " and day < following_monday(now.date()):
        prefix = ""  # "next Thursday" said on a Wednesday allows two days (below)
    return prefix + spelling, day


def following_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=7 - today.weekday())


@given(now=nows, weekday=st.integers(0, 6))
def test_next_weekday_of_this_week_offers_it_and_the_week_afters(
    now: dt.datetime, weekday: int
) -> None:
    spelling = WEEKDAY_SPELLINGS[weekday][0]
    nearest = next_weekday(now.date(), weekday, allow_today=False)
    when = parse_when(f"next {spelling}", now)
    if nearest < following_monday(now.date()):  # tomorrow to some, a week later to others
        assert when.days == (nearest, nearest + dt.timedelta(days=7))
    else:
        assert (when.day, when.days) == (nearest, ())


@st.composite
def clock_phrases(draw: st.DrawFn) -> Tuple[str, dt.time]:
    """Clock times: "3pm", "10 a.m.", "12 PM", "4:30pm", "09:15", "13.00", "quarter to 11am"."""
    kind = draw(st.sampled_from(["meridiem", "padded", "quarter"]))
    if kind == "padded":  # a zero-padded or 13-23 hour is a 24-hour clock
        hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
        sep = draw(st.sampled_from([":", "."]))
        return f"{hour:02d}{sep}{minute:02d}", dt.time(hour, minute)
    hour = draw(st.integers(1, 12))
    pm = draw(st.booleans())
    meridiem = draw(st.sampled_from(["pm", "p.m.", "PM", " pm"] if pm else ["am", "a.m.", "AM"]))
    said = dt.datetime.combine(D(2000, 1, 2), T(hour % 12 + (12 if pm else 0)))
    if kind == "quarter":
        how = draw(st.sampled_from(["half past", "quarter past", "quarter after", "quarter to"]))
        minutes = {"half past": 30, "quarter to": -15}.get(how, 15)
        # am/pm belongs to the hour said: "quarter to 12 pm" is 11:45, before noon.
        return f"{how} {hour} {meridiem}", (said + dt.timedelta(minutes=minutes)).time()
    minute = draw(st.sampled_from([None, 0, 15, 30, 45]))
    if minute is None:
        return f"{hour}{meridiem}", said.time()
    return f"{hour}:{minute:02d}{meridiem}", said.time().replace(minute=minute)


@st.composite
def month_day_phrases(draw: st.DrawFn, now: dt.datetime) -> Tuple[str, dt.date]:
    """Month and day: "March 7th", "7 march", "the 10th of Sept"; the next such day."""
    # A day more than 11 months ahead whose date passed within RECENT_DATES days is read as past.
    day = now.date() + dt.timedelta(days=draw(st.integers(0, 364 - RECENT_DATES - 1)))
    month = draw(st.sampled_from(MONTH_SPELLINGS[day.month]))
    number = draw(st.sampled_from([str(day.day), ordinal(day.day)]))
    form = draw(st.sampled_from(["{m} {d}", "{d} {m}", "{d} of {m}", "{m} the {d}"]))
    return form.format(m=month, d=number), day


@st.composite
def numeric_date_phrases(
    draw: st.DrawFn, now: dt.datetime, date_order: str = "DMY"
) -> Tuple[str, dt.date]:
    """Numeric dates: "27/11", "11-27" (MDY), "27/11/2026", "27/11/26"."""
    day = now.date() + dt.timedelta(days=draw(st.integers(0, 364 - RECENT_DATES - 1)))
    first, second = (day.day, day.month) if date_order == "DMY" else (day.month, day.day)
    sep = draw(st.sampled_from(["/", "-"]))
    year = draw(st.sampled_from(["", f"{sep}{day.year}", f"{sep}{day.year % 100:02d}"]))
    return f"{first}{sep}{second}{year}", day


@st.composite
def relative_phrases(draw: st.DrawFn, now: dt.datetime) -> Tuple[str, dt.date]:
    """Relative days: "today", "tomorrow", "in 3 days", "in two weeks"."""
    today = now.date()
    kind = draw(st.sampled_from(["today", "tomorrow", "day after tomorrow", "in"]))
    if kind != "in":
        offset = {"today": 0, "tomorrow": 1, "day after tomorrow": 2}[kind]
        return kind, today + dt.timedelta(days=offset)
    count = draw(st.integers(0, 999))
    words = {1: ["1", "a", "one"], 2: ["2", "two"], 3: ["3", "three"], 4: ["4", "four"]}
    amount = draw(st.sampled_from(words.get(count, [str(count)])))
    weeks = draw(st.booleans())
    unit = ("week" if weeks else "day") + ("" if amount in ("a", "one", "1") else "s")
    return f"in {amount} {unit}", today + dt.timedelta(days=count * (7 if weeks else 1))


def date_phrases(now: dt.datetime) -> st.SearchStrategy[Tuple[str, dt.date]]:
    return st.one_of(
        weekday_phrases(now),
        month_day_phrases(now),
        numeric_date_phrases(now),
        relative_phrases(now),
    )


@st.composite
def weekday_and_time(draw: st.DrawFn) -> Case:
    now = draw(nows)
    (day_text, day), (time_text, at) = draw(weekday_phrases(now)), draw(clock_phrases())
    joiner = draw(st.sampled_from([" at ", " ", ", ", " around "]))
    return Case(day_text + joiner + time_text, now, When(day, at))


@st.composite
def clock_time(draw: st.DrawFn) -> Case:
    text, at = draw(clock_phrases())
    return Case(text, draw(nows), When(None, at))


def day_case(
    draw: st.DrawFn, phrases: Callable[[dt.datetime], st.SearchStrategy[Tuple[str, dt.date]]]
) -> Case:
    """A "now", then a phrase naming a day relative to it, and the day it names."""
    now = draw(nows)
    text, day = draw(phrases(now))
    return Case(text, now, When(day))


@st.composite
def month_and_day(draw: st.DrawFn) -> Case:
    return day_case(draw, month_day_phrases)


@st.composite
def numeric_date(draw: st.DrawFn) -> Case:
    now, date_order = draw(nows), draw(date_orders)
    text, day = draw(numeric_date_phrases(now, date_order))
    return Case(text, now, When(day), date_order)


@st.composite
def relative_day(draw: st.DrawFn) -> Case:
    return day_case(draw, relative_phrases)


@st.composite
def date_and_time(draw: st.DrawFn) -> Case:
    now = draw(nows)
    (day_text, day), (time_text, at) = draw(date_phrases(now)), draw(clock_phrases())
    form = draw(st.sampled_from(["{d} at {t}", "{t} {d}", "{d}, {t}", "{t} on {d}", "for {d} {t}"]))
    return Case(form.format(d=day_text, t=time_text), now, When(day, at))


@st.composite
def date_and_part_of_day(draw: st.DrawFn) -> Case:
    now = draw(nows)
    day_text, day = draw(date_phrases(now))
    part = draw(st.sampled_from(["morning", "afternoon", "evening", "lunchtime"]))
    form = draw(st.sampled_from(["{d} {p}", "{p} {d}", "{d} in the {p}", "for {d} {p}"]))
    return Case(form.format(d=day_text, p=part), now, When(day, None, part))


def check(case: Case) -> None:
    assert parse_timed(case.text, case.now, case.date_order) == case.expected, case.text


@given(case=weekday_and_time())
@example(case=Case("monday at 1:00am", NOW, When(D(2026, 11, 30), T(1, 0))))
def test_weekday_at_a_clock_time(case: Case) -> None:
    check(case)


@given(case=clock_time())
@example(case=Case("11:15pm", NOW, When(None, T(23, 15))))  # was 15:00 ("15pm")
@example(case=Case("4:30pm", NOW, When(None, T(16, 30))))  # was nothing
@example(case=Case("07:30", NOW, When(None, T(7, 30))))  # was 19:30
@example(case=Case("quarter to 12 pm", NOW, When(None, T(11, 45))))  # was 23:45
@example(case=Case("quarter to 0", NOW, When(None, T(23, 45))))  # raised ValueError
def test_clock_time_alone(case: Case) -> None:
    check(case)


@given(
    hour=st.integers(1, 12),
    part=st.sampled_from([None, "morning", "lunchtime", "afternoon", "evening"]),
    now=nows,
)
def test_bare_hours_are_read_as_clinic_hours(
    hour: int, part: Optional[str], now: dt.datetime
) -> None:
    # No am/pm: "at 4" is 16:00 (nobody books acupuncture at 4 in the morning),
    # "at 9" is 09:00; a part of the day said with it decides instead.
    text = f"at {hour}" if part is None else f"{part} {hour}"
    expected = hour + 12 if 1 <= hour <= 7 else hour
    if part == "morning":
        expected = hour % 12
    elif part in ("afternoon", "evening"):
        expected = hour if hour == 12 else hour + 12
    assert parse_timed(text, now).time == dt.time(expected, 0), text


@given(n=st.integers(1, 31), next_month=st.booleans(), now=nows)
def test_the_nth(n: int, next_month: bool, now: dt.datetime) -> None:
    text = f"the {ordinal(n)}" + (" of next month" if next_month else "")
    today = now.date()
    this_month = (today.year, today.month)
    following = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    # This month's if ahead or passed at most RECENT_DAYS_OF_MONTH days ago, else next month's.
    just_passed = today.day - RECENT_DAYS_OF_MONTH <= n < today.day
    year, month = following if next_month or (n < today.day and not just_passed) else this_month
    if not next_month and n > calendar.monthrange(year, month)[1] and (year, month) == this_month:
        year, month = following  # "the 30th" in February: March's
    expected = dt.date(year, month, n) if n <= calendar.monthrange(year, month)[1] else None
    result = parse_timed(text, now)
    assert result.day == expected, text
    assert result.past == (expected is not None and expected < today), text


@given(case=month_and_day())
@example(case=Case("24 november", NOW, When(D(2026, 11, 24))))  # was next year
def test_month_and_day(case: Case) -> None:
    check(case)


@given(case=numeric_date())
@example(case=Case("24/11", NOW, When(D(2026, 11, 24))))  # was next year
@example(case=Case("24/11/26", NOW, When(D(2026, 11, 24))))  # was 2126
def test_numeric_date(case: Case) -> None:
    check(case)


@given(case=relative_day())
def test_relative_days(case: Case) -> None:
    check(case)


@given(case=date_and_time())
@example(case=Case("for 7 march 10am", NOW, When(D(2027, 3, 7), T(10, 0))))
@example(case=Case("can i book for 7 march", NOW, When(D(2027, 3, 7))))  # was 19:00, no day
def test_a_date_and_a_time_are_read_independently(case: Case) -> None:
    check(case)


@given(case=date_and_part_of_day())
@example(case=Case("27/11 in the morning", NOW, When(D(2026, 11, 27), None, "morning")))
@example(case=Case("march 7 in the morning", NOW, When(D(2027, 3, 7), None, "morning")))
def test_a_part_of_the_day_is_kept_when_no_time_is_said(case: Case) -> None:
    check(case)


# --- invariances -----------------------------------------------------------------


@st.composite
def any_phrase(draw: st.DrawFn) -> Tuple[str, dt.datetime]:
    case = draw(st.one_of(clock_time(), date_and_time(), date_and_part_of_day(), relative_day()))
    return case.text, case.now


@given(phrase=any_phrase(), left=fillers, right=fillers)
def test_filler_words_change_nothing(
    phrase: Tuple[str, dt.datetime], left: str, right: str
) -> None:
    text, now = phrase
    assert parse_timed(f"{left} {text} {right}", now) == parse_timed(text, now), text


@given(phrase=any_phrase(), spaces=st.lists(st.sampled_from([" ", "  ", "\t", "\n"])))
def test_case_and_spacing_change_nothing(
    phrase: Tuple[str, dt.datetime], spaces: List[str]
) -> None:
    text, now = phrase
    words = text.split(" ")
    gaps = [spaces[i] if i < len(spaces) else " " for i in range(len(words) - 1)]
    respaced = words[0] + "".join(g + w for g, w in zip(gaps, words[1:], strict=True))
    expected = parse_timed(text, now)
    assert parse_timed(f"  {respaced.upper()}\n", now) == expected, respaced
    assert parse_timed(respaced.title(), now) == expected, respaced


@given(
    text=st.one_of(any_text, any_phrase().map(lambda p: p[0])),
    now=nows,
    minutes=st.integers(0, 24 * 60 - 1),
)
def test_only_the_clinic_date_of_now_matters(text: str, now: dt.datetime, minutes: int) -> None:
    # The reference time's date decides: any other time on the same day reads the same.
    other = now.replace(hour=minutes // 60, minute=minutes % 60, fold=0)
    assert parse_timed(text, other) == parse_timed(text, now), text


# --- past days and vague days ----------------------------------------------------


@given(
    now=nows,
    count=st.integers(1, 99),
    unit=st.sampled_from(["day", "week", "fortnight"]),
    filler=fillers,
)
def test_ago_is_past(now: dt.datetime, count: int, unit: str, filler: str) -> None:
    text = f"{filler} {count} {unit}{'s' if count > 1 else ''} ago"
    days = count * {"day": 1, "week": 7, "fortnight": 14}[unit]
    assert parse_timed(text, now) == When(now.date() - dt.timedelta(days=days), past=True), text


@given(now=nows, weekday=st.integers(0, 6), how=st.sampled_from(["last {}", "{} just gone"]))
def test_last_weekday_is_the_latest_before_today(now: dt.datetime, weekday: int, how: str) -> None:
    result = parse_timed(how.format(WEEKDAYS[weekday]), now)
    assert result.past and result.day is not None
    assert result.day.weekday() == weekday
    assert 1 <= (now.date() - result.day).days <= 7


@given(now=nows, weekdays=st.lists(st.integers(0, 6), min_size=2, max_size=4, unique=True))
def test_weekdays_joined_by_or_allow_each(now: dt.datetime, weekdays: List[int]) -> None:
    names = [WEEKDAYS[w] for w in weekdays]
    text = ", ".join(names[:-1]) + " or " + names[-1]
    result = parse_timed(text, now)
    expected = sorted(next_weekday(now.date(), w, allow_today=False) for w in weekdays)
    assert result == When(expected[0], days=tuple(expected)), text


@given(now=nows, which=st.sampled_from(["next week", "the week after next", "end of the month"]))
def test_vague_periods_allow_days_from_today_on(now: dt.datetime, which: str) -> None:
    result = parse_timed(which, now)
    today = now.date()
    if which == "end of the month":
        last = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        assert result.days[-1] == last if result.vague else result.day == last
        return
    weeks = 1 if which == "next week" else 2
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks)
    assert result.days == tuple(monday + dt.timedelta(days=n) for n in range(7))
