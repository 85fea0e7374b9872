"""Whether a message says when the patient could come.

At a clinic, "tuesday at 3 then" or "friday morning?" said outside any booking
is when the patient could come; so is a clause of a longer message that says
nothing but a day or time: "Monday after lunch pls, hip pain", "got anything
tomorrow? my hip is sore", "the 15th first thing, hip arthritis" (audit 15:
the first got the aftercare answer, the others an explanation of the pain).
A day in a clause about the pain ("my hip hurts on monday mornings"), about
the past ("since Monday", "on tuesday I hurt my back") or about the clinic
("are you open on saturday?") is not when to come, nor is a day the patient
tells of themselves ("I'm off work tuesday", "I have physio on Monday")
unless they say they could come then ("I can do Monday", "I'm free Friday").

The intent step reads the clause (rasa_extensions/time_requests.py) and the
booking form starts from it (actions/booking/booking_actions.py).
"""

from __future__ import annotations

import calendar
import re
from typing import AbstractSet, Callable, Iterable, List, Optional, Set

from clinic_core.clock import clinic_now
from clinic_core.knowledge import ConditionKnowledge
from clinic_core.profile import ClinicProfile
from clinic_core.questions import is_question
from clinic_core.time_of_day import PART_WORDS
from clinic_core.when import (
    NUMBER_WORDS,
    WEEKDAY_PLURAL,
    WEEKDAY_WORD,
    When,
    parse_when,
    weekdays_spelt_right,
)

# Where a message's clauses end: a comma, a sentence's end, a bracket, a dash.
CLAUSE_END = re.compile(r"[,;.!?()\n]|\s-\s")
# "since Tuesday", "last Friday", "two weeks ago": when something happened, not when to come.
TOLD_ABOUT_THE_PAST = re.compile(r"\b(last|ago|yesterday|since)\b", re.IGNORECASE)
# "how much is a first visit?" asks the price, not for a booking.
PRICE_QUESTION = re.compile(
    r"\b(how much|what does it cost|what do you charge|price|prices|cost|costs|fee|fees)\b",
    re.IGNORECASE,
)
# Said of the clinic, not of the patient: "are you open Saturday?", "what time do you close Friday".
_ABOUT_THE_CLINIC = re.compile(r"\b(open|opens|close|closes|closed|shut|hours)\b", re.IGNORECASE)
# "it's worse in the morning", "stiff first thing", "I hurt it on Tuesday":
# when the pain comes or came, not when to come.
_ABOUT_THE_PAIN = re.compile(
    # ...but "is the thursday evening any better?" asks about the time (audit 23)
    r"\b(hurts?|hurting|pain\w*|ach\w*|sore|stiff\w*|worse|(?<!any )better|flares?|flared|"
    r"twinge\w*|sleep\w*|injur\w*|fell|fall|fallen|pulled|twisted|lifting|started|began)\b",
    re.IGNORECASE,
)
# A clause that says when to come has nothing in it but the day and time, the
# words that ask for it and what the visit is for: "anything thursday
# afternoon?", "tomorrow evening would be good", "thurs after work for my hip
# pls". Any other word makes it say something else ("nausea every morning",
# "by evening my lower back is in bits", "what's on telly tonight", "I'm off
# work tuesday").
_ASKING_WORDS = frozenset(
    re.findall(
        r"\S+",
        """
        a an the on at in by for from to till until or and of about around after before between all
        this next coming following week weeks weekend wk fortnight day days today tomorrow tmrw
        tmr tonight time times sometime anytime any anything something whenever soon soonest asap
        earliest latest earlier later first thing approx approximately ish roughly then
        maybe perhaps preferably ideally possibly if poss possible ok okay k pls plz please
        thanks thx ta cheers would be good great fine best better suit suits work works
        do does can could may might you your we us i me my mine i'm im i'd i'll got have has
        is are there free available availability space spaces room slot slots opening openings
        gap fit squeeze pop come get see how what when whens am pm oclock o'clock half quarter past
        """,
    )
)
_MONTH_NAMES = {name.lower() for name in (*calendar.month_name, *calendar.month_abbr) if name}
_MONTHS = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
_NUMBERS = "|".join(NUMBER_WORDS)
_TIME_TOKEN = re.compile(r"\d")
_GREETING = re.compile(r"^(?:good\s+)?(?:morning|afternoon|evening|day)\W*$", re.IGNORECASE)
_WORD = re.compile(r"[a-z']+|\d\S*")
_PLURAL = re.compile(r"'?s$")  # "slots", "back's"
# Longer than this, a message with a day in it says more than when to come...
FEW_WORDS = 8
# ...and a clause of only the words of when and of asking, longer than this.
CLAUSE_WORDS = 14


def clauses(text: str) -> List[str]:
    """``text`` cut after each clause's end, which stays with its clause ("been before?")."""
    parts, start = [], 0
    for match in CLAUSE_END.finditer(text):
        parts.append(text[start : match.end()])
        start = match.end()
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def says_only_when(text: str, when: When, names_a_condition: bool) -> bool:
    """Whether ``text`` says little but a day or time ("tuesday at 3 then", "friday morning?").

    Args:
        text: the whole message.
        when: the day and time read from it.
        names_a_condition: whether it names a condition too ("sciatica, monday").

    """
    return (
        not when.empty
        and not names_a_condition
        and len(text.split()) <= FEW_WORDS
        and _not_about_something_else(text)
    )


def clause_saying_when(
    text: str, read: Callable[[str], When], visit_words: Iterable[str] = ()
) -> Optional[str]:
    """The clause of ``text`` that says nothing but when the patient could come, if any.

    Args:
        text: the whole message.
        read: reads the day and time of a clause (``parse_when`` with the clinic's clock).
        visit_words: words of what a visit can be for ("hip", "sciatica").

    """
    allowed = _ASKING_WORDS | {word.lower() for word in visit_words}
    for clause in clauses(text):
        if len(clause.split()) > CLAUSE_WORDS or _GREETING.match(clause):
            continue
        if not _not_about_something_else(clause) or not _only_words_of_when(clause, allowed):
            continue
        when = read(clause)
        if not when.empty and not when.past:
            return clause
    return None


def _only_words_of_when(clause: str, allowed: AbstractSet[str]) -> bool:
    """Whether every word of ``clause`` is a word of a day or time, of asking or of the visit."""
    lowered = weekdays_spelt_right(clause.lower())
    lowered = re.sub(rf"\b(?:{PART_WORDS}|{WEEKDAY_WORD}|{_MONTHS}|{_NUMBERS})\b", " ", lowered)
    return all(
        word in allowed or _TIME_TOKEN.search(word) or _PLURAL.sub("", word) in allowed
        for word in _WORD.findall(lowered)
    )


def clause_saying_when_at(
    text: str, profile: ClinicProfile, knowledge: ConditionKnowledge
) -> Optional[str]:
    """``clause_saying_when`` with days read from the clinic's clock and date order."""
    now = clinic_now(profile.zone)
    return clause_saying_when(
        text, lambda clause: parse_when(clause, now, profile.date_order), visit_words(knowledge)
    )


def visit_words(knowledge: ConditionKnowledge) -> Set[str]:
    """The words of the conditions' names, aliases and patients' words ("hip", "sciatica")."""
    names = [
        phrase
        for condition in knowledge.conditions.values()
        for phrase in (
            condition.name,
            condition.family,
            *condition.aliases,
            *condition.patient_words,
        )
    ]
    words = {word for phrase in names for word in _WORD.findall(phrase.lower())}
    # How it feels is no part of what the visit is for ("my bad back is bad today").
    return {word for word in words if not _ABOUT_THE_PAIN.match(word)} - {"bad"}


# Times of any week, said in the plural: "evenings", "weekends", "saturdays".
_ANY_WEEKS_TIMES = re.compile(
    rf"\b(?:mornings|afternoons|evenings|nights|lunchtimes|week-?ends|{WEEKDAY_PLURAL})\b",
    re.IGNORECASE,
)
# Words of a booking wanted: "any evenings free?", "can I book saturdays?".
_WANTS_A_TIME = re.compile(
    r"\b(?:book\w*|appointments?|appts?|slots?|free|available|availability|space|spaces|any|"
    r"next|this|coming|tomorrow|today|tonight|can i|could i|i can|i could|only)\b|\d",
    re.IGNORECASE,
)


def asks_when_open(text: str) -> bool:
    """Whether ``text`` asks whether the clinic opens at times of any week.

    "and evenings?", "what about weekends?", "do you do saturdays?" after an
    explanation ask the opening hours (audit 20 started the booking form);
    "any evenings free next week?" and "I can only do saturdays" ask to book.
    """
    return (
        is_question(text)
        and bool(_ANY_WEEKS_TIMES.search(text))
        and not _WANTS_A_TIME.search(text)
        and not _ABOUT_THE_PAIN.search(text)
    )


def _not_about_something_else(text: str) -> bool:
    """Whether ``text`` is about none of the pain, the past, the clinic's hours or the price."""
    return not (
        _ABOUT_THE_PAIN.search(text)
        or TOLD_ABOUT_THE_PAST.search(text)
        or _ABOUT_THE_CLINIC.search(text)
        or PRICE_QUESTION.search(text)
    )
