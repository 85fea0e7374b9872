"""Dates and times in the patient's words, against a fixed reference time."""

from __future__ import annotations

import datetime as dt
from typing import Optional, Tuple
from zoneinfo import ZoneInfo

import pytest

from clinic_core.when import When, bare_hour, parse_when, shift_asked

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)  # a Tuesday
D, T = dt.date, dt.time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next Tuesday at 10", When(D(2026, 12, 1), T(10, 0))),
        ("tomorrow afternoon", When(D(2026, 11, 25), None, "afternoon")),
        ("the 10th at half past 4", When(D(2026, 12, 10), T(16, 30))),
        ("March 7th", When(D(2027, 3, 7))),
        ("quarter to 10 in the morning", When(None, T(9, 45))),
        ("any time friday", When(D(2026, 11, 27))),
        ("actually make it Thursday", When(D(2026, 11, 26))),
        ("Tuesday next week", When(D(2026, 12, 1))),
        ("wednesday next week at 2:30", When(D(2026, 12, 2), T(14, 30))),
        # a part of the day between the weekday and "next week" (found by an outside audit)
        ("Friday afternoon next week", When(D(2026, 12, 4), None, "afternoon")),
        ("thursday morning next week please", When(D(2026, 12, 3), None, "morning")),
        # the week said apart from the weekday (audit 12), unless it is a week the patient is away
        (
            "wednesday evening then, about 6ish, next week not this week",
            When(D(2026, 12, 2), T(18)),
        ),
        ("next week, thursday at 2", When(D(2026, 12, 3), T(14))),
        ("I'm away next week so thursday please", When(D(2026, 11, 26))),
        ("friday, this week if poss", When(D(2026, 11, 27))),
        # the earliest hours of a day named (audit 12: "as early as you can" was not used)
        ("saturday then, as early as you can", When(D(2026, 11, 28), None, "first_thing")),
        ("earliest slot on thursday", When(D(2026, 11, 26), None, "first_thing")),
        ("10th of March", When(D(2027, 3, 10))),
        ("the 30th", When(D(2026, 11, 30))),
        ("the 3rd", When(D(2026, 12, 3))),
        ("later today", When(D(2026, 11, 24))),
        ("4:30 pm", When(None, T(16, 30))),
        ("evening 4", When(None, T(16, 0))),
        ("afternoon 12:30", When(None, T(12, 30))),
        ('3 o"clock in the afternoon', When(None, T(15, 0))),
        ("twelve pm", When(None, T(12, 0))),
        ("13:00", When(None, T(13, 0))),
        ("quarter past 11 in the morning", When(None, T(11, 15))),
        ("sunday at 3am", When(D(2026, 11, 29), T(3, 0))),
        ("noon on the 2nd", When(D(2026, 12, 2), T(12, 0))),
        ("27/11", When(D(2026, 11, 27))),
        ("in two weeks", When(D(2026, 12, 8))),
        ("morning please", When(None, None, "morning")),
        ("Dec 1st at 9", When(D(2026, 12, 1), T(9, 0))),
        # A weekday said with a date only repeats it; the date wins.
        ("thursday 3 december", When(D(2026, 12, 3))),
        ("friday the 4th at 10", When(D(2026, 12, 4), T(10, 0))),
        ("monday 7th of december", When(D(2026, 12, 7))),
        # British "half 3" is half past three.
        ("half 3", When(None, T(15, 30))),
        ("tomorrow at half ten", When(D(2026, 11, 25), T(10, 30))),
        ("half 2 on friday", When(D(2026, 11, 27), T(14, 30))),
        ("half an hour before you close", When()),
        ("quarter 3", When()),
        # The earliest free day: the next week of days, offered with free times.
        (
            "whats the earliest you've got",
            When(
                D(2026, 11, 24),
                days=tuple(D(2026, 11, 24) + dt.timedelta(days=n) for n in range(7)),
            ),
        ),
        ("blah blah", When()),
        ("", When()),
        ("🙂🙂", When()),
    ],
)
def test_phrases(text: str, expected: When) -> None:
    assert parse_when(text, NOW) == expected


def test_the_week_said_apart_applies_to_weekdays_offered_as_a_choice() -> None:
    said = parse_when("next week - thursday or friday", NOW)
    assert said.days == (D(2026, 12, 3), D(2026, 12, 4))


def test_us_date_order() -> None:
    assert parse_when("12/1", NOW, date_order="MDY").day == D(2026, 12, 1)
    assert parse_when("12/1", NOW, date_order="DMY").day == D(2027, 1, 12)


def test_nonsense_numbers_are_not_times() -> None:
    assert parse_when("at 99", NOW).time is None
    assert parse_when("25:61", NOW).time is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11", T(11, 0)),
        ("9", T(9, 0)),
        ("at 3", T(15, 0)),
        ("2ish", T(14, 0)),
        ("ten please", T(10, 0)),
        ("9 then", T(9, 0)),  # after a refused 8am (audit 9)
        ("ok 10 is fine", T(10, 0)),
        ("9 is perfect", T(9, 0)),  # audit 16
        ("11 like i said", T(11, 0)),  # audit 18
        ("11 is fine. is there parking, she cant walk far", T(11, 0)),
        ("yes 11 suits me thanks", T(11, 0)),
        ("12", T(12, 0)),
        ("99", None),
        ("9 people", None),
        ("the 9th", None),
        ("not 9", None),
        # a 24-hour clock without its colon (found by an outside audit)
        ("1830", T(18, 30)),
        ("at 0945", T(9, 45)),
        ("2460", None),
        ("07911", None),
    ],
)
def test_an_hour_alone_answers_what_time(text: str, expected: Optional[dt.time]) -> None:
    """At the time question a bare hour is the time; 1 to 7 are in the afternoon."""
    assert bare_hour(text) == expected


@pytest.mark.parametrize(
    ("text", "talking_of", "day"),
    [
        # After 27 December was refused, "the 29th" is December's.
        ("ok the 29th then", D(2026, 12, 27), D(2026, 12, 29)),
        ("the 2nd", D(2027, 1, 20), D(2027, 2, 2)),
        # This month's talk, or none: as before.
        ("the 29th", None, D(2026, 11, 29)),
        ("the 3rd", D(2026, 11, 27), D(2026, 12, 3)),
        # Never a day before today, whatever was talked of.
        ("the 26th", D(2026, 11, 20), D(2026, 11, 26)),
        # A weekday or a named month does not lean on it.
        ("friday", D(2026, 12, 27), D(2026, 11, 27)),
        ("3 march", D(2026, 12, 27), D(2027, 3, 3)),
    ],
)
def test_a_day_of_the_month_is_read_in_the_month_talked_of(
    text: str, talking_of: Optional[dt.date], day: dt.date
) -> None:
    assert parse_when(text, NOW, talking_of=talking_of).day == day


@pytest.mark.parametrize(
    ("text", "day", "bounds"),
    [
        ("I'm free from 5 on thursday", D(2026, 11, 26), "17:00-"),
        ("after 4:30 please", None, "16:30-"),
        ("not before 10am", None, "10:00-"),
        ("I finish work at 4, so thursday", D(2026, 11, 26), "16:00-"),
        ("i'm at work till 5", None, "17:00-"),
        ("by 2pm tomorrow", D(2026, 11, 25), "-14:00"),
        ("before 11", None, "-11:00"),
        ("between 2 and 4 next monday", D(2026, 11, 30), "14:00-16:00"),
        ("from 9 to 12", None, "09:00-12:00"),
        ("2-4pm", None, "14:00-16:00"),
        ("between 11am and 1pm", None, "11:00-13:00"),
        # not bounds: dates, durations, minutes past an hour
        ("after the 5th", D(2026, 12, 5), None),
        ("from 5 march", D(2027, 3, 5), None),
        ("after 3 days", None, None),
        ("i'm coming from 5 miles away", None, None),
        ("pain went from 3 out of 10 to 8", None, None),
        ("the 10th at half past 4", D(2026, 12, 10), None),
        ("monday at quarter after 1", D(2026, 11, 30), None),
        ("anything earlier than 3pm on friday?", D(2026, 11, 27), "-15:00"),
    ],
)
def test_hours_the_patient_bounds(text: str, day: Optional[dt.date], bounds: Optional[str]) -> None:
    """ "From 5", "before 11", "between 2 and 4": the times offered are within them."""
    when = parse_when(text, NOW)
    assert (when.day, when.part_of_day) == (day, bounds)


BOOKED = dt.datetime(2026, 12, 14, 10, 30, tzinfo=LONDON)  # the appointment being moved


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("could it be the following day same time?", When(D(2026, 12, 15), T(10, 30))),
        # A week from the appointment, not from today (audit 13).
        ("can we do same time the following week?", When(D(2026, 12, 21), T(10, 30))),
        ("could I push my appointment back by a week?", When(D(2026, 12, 21), T(10, 30))),
        ("bring it forward a week please", When(D(2026, 12, 7), T(10, 30))),
        # ...or a day (audit 14).
        ("gotta bail, can we push it back a day?", When(D(2026, 12, 15), T(10, 30))),
        ("can we push it a week?", When(D(2026, 12, 21), T(10, 30))),  # audit 17
        ("could you bring it forward by one day", When(D(2026, 12, 13), T(10, 30))),
        ("same time as she has now please", When(None, T(10, 30))),
        ("Thursday 17th same time", When(D(2026, 12, 17), T(10, 30))),
        ("the day after, at 2", When(D(2026, 12, 15), T(14, 0))),
        ("same day next week", When(D(2026, 12, 21))),
        # Found by an eighth outside audit: "after" the appointment, not today.
        ("Can I move it to the Thursday after at the same time?", When(D(2026, 12, 17), T(10, 30))),
        ("can i do the week after, same day and time?", When(D(2026, 12, 21), T(10, 30))),
        ("the day before in the afternoon", When(D(2026, 12, 13), None, "afternoon")),
        # Minutes from the appointment (audit 19: "no free times left" that day).
        ("can i make it quarter of an hour later same day", When(D(2026, 12, 14), T(10, 45))),
        ("could I make it half an hour earlier?", When(D(2026, 12, 14), T(10, 0))),
        # A day of its own is read as ever.
        ("the day after tomorrow", When(D(2026, 11, 26))),
        ("Tuesday 15th at 10.30", When(D(2026, 12, 15), T(10, 30))),
        # audit 20: "that day after all" is no "day after"
        (
            "she can't make that day after all, can we do the following monday, same time?",
            When(D(2026, 12, 21), T(10, 30)),
        ),
    ],
)
def test_a_move_is_read_from_the_appointment_moved(text: str, expected: When) -> None:
    """Found by a seventh outside audit: "the following day, same time" was not read."""
    assert parse_when(text, NOW, booked=BOOKED) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the Thursday", D(2026, 12, 17)),
        ("move it to the Tuesday then", D(2026, 12, 15)),
        ("what about the friday before", D(2026, 12, 11)),  # before Monday 14th
        ("the Monday after, first thing?", D(2026, 12, 21)),  # audit 8
        ("the week after", D(2026, 12, 21)),
        ("the day after", D(2026, 12, 15)),
        # audit 19 read the day refused again
        ("what about the following monday then, same sort of time", D(2026, 12, 21)),
        ("the following thursday", D(2026, 12, 17)),
        ("thursday", D(2026, 11, 26)),  # a weekday alone is the coming one, as ever
        # audit 19 dropped it
        ("the one after that then, morning pls", D(2026, 12, 21)),
    ],
)
def test_a_day_said_from_the_day_talked_of_is_counted_from_it(text: str, expected: D) -> None:
    """Audits 6 and 8: "the Thursday", "the Monday after" after Monday 14 December was refused."""
    assert parse_when(text, NOW, talking_of=D(2026, 12, 14)).day == expected


@pytest.mark.parametrize(
    "text",
    ["ok so what is the first free one after that then?", "anything after that?",
     "next available after that", "earliest you have after those"],
)  # fmt: skip
def test_the_first_free_days_after_the_day_talked_of(text: str) -> None:
    """Audit 19: "the first free one after that" offered the full days again."""
    said = parse_when(text, NOW, talking_of=D(2026, 12, 14))
    assert said.days and min(said.days) == D(2026, 12, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i sat in the car for 3 hours and now my back hurts, can i book?", When()),
        ("been sat at a desk all day", When()),
        ("I sat down and couldn't get up", When()),
        ("i bought a sun lounger, can i come monday", When(D(2026, 11, 30))),
        ("the sun was out so i walked", When()),
        ("i sat at my desk all week, can i come thursday", When(D(2026, 11, 26))),
        # the days themselves
        ("can i come sat", When(D(2026, 11, 28))),
        ("sat at 10 please", When(D(2026, 11, 28), T(10, 0))),
        ("sat in the morning", When(D(2026, 11, 28), None, "morning")),
        ("see you sat", When(D(2026, 11, 28))),
        ("sun 29th at 11", When(D(2026, 11, 29), T(11, 0))),
    ],
)
def test_sat_and_sun_that_are_no_days(text: str, expected: When) -> None:
    """Found in review: "I sat in the car" read as Saturday, "a sun lounger" as Sunday."""
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I had a fall about 5 years ago and my back's never been right since", When()),
        ("had it for about 3 weeks now. Friday the 11th if poss", When(D(2026, 12, 11))),
        ("about 4", When(None, T(16, 0))),
        ("I never said 3 o'clock! what have you got in the morning", When(None, None, "morning")),
        ("I didn't mean friday, I meant saturday", When(D(2026, 11, 28))),
    ],
)
def test_a_count_or_a_time_not_asked_for_is_no_time(text: str, expected: When) -> None:
    """Found by an eighth outside audit: "about 5 years ago" was booked for 17:00."""
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nothing earlier than quarter past 12? what about 10?", When(None, T(10, 0))),
        ("no 3pm is too late, how about 10am", When(None, T(10, 0))),
        ("friday at 3 is no good, what about the morning", When(D(2026, 11, 27), None, "morning")),
        ("is friday at 3 free? how about saturday at 11", When(D(2026, 11, 28), T(11, 0))),
        # A proposal alone, or one about something else, is read as ever.
        ("what about friday at 10", When(D(2026, 11, 27), T(10, 0))),
        ("friday 3pm, what about you, are you open then?", When(D(2026, 11, 27), T(15, 0))),
    ],
)
def test_the_hours_proposed_after_a_refusal_or_a_question_are_wanted(
    text: str, expected: When
) -> None:
    """Found by an eighth outside audit: "... quarter past 12? what about 10?" got 12:15."""
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "day", "days"),
    [
        # Tuesday 24 November: next week is 30 November to 6 December.
        ("any afternoon next week but not Friday as I work", D(2026, 11, 30), 6),
        ("next week, not mondays", D(2026, 12, 1), 6),
        ("fridays are no good, thursday at 3?", D(2026, 11, 26), 0),
        ("monday or tuesday, not wednesday", D(2026, 11, 30), 2),
        ("oh wait monday's no good, i've got the dentist. tuesday instead?", D(2026, 12, 1), 0),
        # Only a day ruled out: the coming week without it.
        ("I said not Friday!", D(2026, 11, 24), 6),
        # Proposed, not ruled out.
        ("why not friday?", D(2026, 11, 27), 0),
    ],
)
def test_a_weekday_ruled_out_is_not_offered(text: str, day: D, days: int) -> None:
    """Found by a ninth outside audit: "any afternoon next week but not Friday" offered Friday."""
    when = parse_when(text, NOW)
    assert when.day == day and len(when.days) == days
    assert all(d.weekday() != 4 for d in when.days) or "friday" not in text.lower()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "ish" after a quarter or half past (it had read only "3ish": 15:00)
        ("quarter past 3ish", When(time=T(15, 15))),
        ("half fourish?", When(time=T(16, 30))),
        # "get booked in" wishes; "in a week on thursday" is a week after Thursday
        ("could I get booked in a week on thursday, quarter past 3ish? it's my hip",
         When(day=D(2026, 12, 3), time=T(15, 15))),
        ("in a week", When(day=D(2026, 12, 1))),
        # a number above 12 can only be the day, whichever order the clinic writes
        ("12/15 at 2:30pm", When(day=D(2026, 12, 15), time=T(14, 30))),
        # a time inside the patient's own bounds is the time
        ("can we make it half four instead, I finish work at 4", When(time=T(16, 30))),
        ("after 4 please", When(part_of_day="16:00-")),
    ],
)  # fmt: skip
def test_classes_of_the_twelfth_audit(text: str, expected: When) -> None:
    """Audit 12: times and days a patient typed that were read wrong or not at all."""
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "talking_of", "day", "time", "days"),
    [
        # the weekday said beside the date picks the month they agree in
        ("wed 6th 4pm", None, D(2027, 1, 6), T(16, 0), ()),
        ("friday 18", None, D(2026, 12, 18), None, ()),
        # a number after a weekday that cannot be an hour, or with a time after it
        ("hmm. tuesday 29 at 9?", D(2026, 12, 8), D(2026, 12, 29), T(9, 0), ()),
        ("tuesday 10", None, D(2026, 12, 1), None, ()),  # an hour perhaps: the weekday
        # a day of the month said to be no good
        ("Oh, silly me, the 21st is my grandson's birthday. Could it be Tuesday the 22nd at "
         "9.45 instead?", D(2026, 12, 21), D(2026, 12, 22), T(9, 45), ()),
        # the week of the day talked of, or of the day named
        ("what about later that week, thursday or friday?", D(2027, 1, 11), D(2027, 1, 14),
         None, (D(2027, 1, 14), D(2027, 1, 15))),
        ("I mean the week of the 21st december, tuesday or wednesday", None, D(2026, 12, 22),
         None, (D(2026, 12, 22), D(2026, 12, 23))),
    ],
)  # fmt: skip
def test_days_audit_20_misread(
    text: str, talking_of: Optional[dt.date], day: dt.date, time: Optional[dt.time], days: tuple
) -> None:
    """Audit 20: "wed 6th" read as Sunday 6th, "tuesday 29" as Tuesday 8th, the 21st said to
    be no good booked, "later that week" and "the week of the 21st" read from today."""
    said = parse_when(text, NOW, talking_of=talking_of)
    assert (said.day, said.time, tuple(said.days)) == (day, time, days)


def _days(first: dt.date, last: dt.date, without: Tuple[int, ...] = ()) -> Tuple[dt.date, ...]:
    return tuple(
        first + dt.timedelta(days=n)
        for n in range((last - first).days + 1)
        if (first + dt.timedelta(days=n)).weekday() not in without
    )


@pytest.mark.parametrize(
    ("text", "days"),
    [
        # the seven days before or after a day named, or the calendar week it is in
        ("any afternoon in the week before christmas but not the monday",
         _days(D(2026, 12, 18), D(2026, 12, 24), without=(0,))),
        ("the wk after the 14th", _days(D(2026, 12, 15), D(2026, 12, 21))),
        ("w/c 11th jan", _days(D(2027, 1, 11), D(2027, 1, 17))),
        ("week of the 7th, not the friday", _days(D(2026, 12, 7), D(2026, 12, 13), without=(4,))),
        ("the week after new year, tues or thurs", (D(2027, 1, 5), D(2027, 1, 7))),
        # a weekday ruled out with "the" before it
        ("next week except the wednesday", _days(D(2026, 11, 30), D(2026, 12, 6), without=(2,))),
    ],
)  # fmt: skip
def test_a_week_named_by_a_day_is_its_days(text: str, days: Tuple[dt.date, ...]) -> None:
    """Audit 20: "the week before christmas but not the monday" was read as Monday 30 November."""
    said = parse_when(text, NOW)
    assert said.days == days and said.day == days[0]


def test_the_week_talked_of_is_read_whole() -> None:
    """Audit 21: "a weekday that same week? ... not monday" moving a Saturday got the Sunday;
    "the monday or thursday of that week? or friday" lost the Monday and the Friday."""
    booked = dt.datetime(2027, 1, 16, 10, 0, tzinfo=LONDON)  # a Saturday
    moved = parse_when(
        "can we move it to a weekday that same week? she can't do saturdays anymore. not monday",
        NOW,
        booked=booked,
    )
    assert moved.days == _days(D(2027, 1, 12), D(2027, 1, 15))
    named = parse_when(
        "is there nothing on the monday or thursday of that week? or friday",
        NOW,
        talking_of=D(2026, 12, 16),
    )
    assert named.days == (D(2026, 12, 14), D(2026, 12, 17), D(2026, 12, 18))
    later = parse_when("later that week?", NOW, talking_of=D(2026, 12, 16))
    assert later.days == _days(D(2026, 12, 17), D(2026, 12, 20))


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("thursday or the one after", (D(2026, 11, 26), D(2026, 12, 3))),
        ("friday or the week after, mornings", (D(2026, 11, 27), D(2026, 12, 4))),
    ],
)
def test_a_weekday_or_the_one_after_is_either(text: str, days: Tuple[dt.date, ...]) -> None:
    """Audit 21: "Next Saturday or one after" kept the first Saturday only."""
    assert parse_when(text, NOW).days == days


@pytest.mark.parametrize(
    ("text", "day"),
    [
        # Audit 23: "next week not today" on a Saturday offered that Saturday.
        ("sat morning like i said, next week not today", dt.date(2026, 12, 5)),
        ("saturday, not tomorrow", dt.date(2026, 11, 28)),
        ("tomorrow not today", dt.date(2026, 11, 25)),
        ("if not today then tomorrow", dt.date(2026, 11, 25)),
    ],
)
def test_a_day_ruled_out_by_name_is_not_the_day(text: str, day: dt.date) -> None:
    assert parse_when(text, NOW).day == day


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        # audit 23: "push it back an hour" asked which day
        ("can i push it back an hour", 60),
        ("could you move my appointment back by half an hour", 30),
        ("an hour and a half later would be better", 90),
        ("bring it forward 2 hours please", -120),
        ("45 mins earlier?", -45),
        # no amount, no direction, or the back that aches
        ("push it back to friday", None),
        ("can we move it an hour", None),
        ("my back hurts for an hour after sitting", None),
    ],
)
def test_a_booked_time_moved_by_an_amount(text: str, minutes: Optional[int]) -> None:
    shift = shift_asked(text)
    assert (None if shift is None else shift.total_seconds() / 60) == minutes
