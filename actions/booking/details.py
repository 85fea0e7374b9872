"""What one message says about a booking: name, contact, new or returning, reason, day and time.

"Hi, I'm Rita Cole, rita@example.com, can I book a first visit for my
sciatica next Thursday at 4pm?" carries six answers; the booking form takes
them all (actions/booking/forms.py) and asks only for what is missing.

Each reader looks at the shape of the text, not at a list of names: a name
follows a cue ("I'm", "my name is", "change the name to") and is written
like one; phone numbers and email addresses are found by the phonenumbers
and email-validator libraries; days and times by ``clinic_core.when``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Set, Tuple, TypeVar

from rasa_sdk import Tracker

from actions.booking.offer_choice import picked_position
from clinic_core.clock import clinic_now
from clinic_core.contact_details import clean_name, find_email, find_phone
from clinic_core.knowledge import ConditionKnowledge, load_conditions
from clinic_core.language import MAX_NAME_WORDS, function_words
from clinic_core.profile import ClinicProfile, load_profile
from clinic_core.questions import is_question
from clinic_core.when import When, bare_hour, combined, parse_when
from clinic_core.when_to_come import (
    CLAUSE_END,
    PRICE_QUESTION,
    TOLD_ABOUT_THE_PAST,
    clause_saying_when_at,
    clauses,
    says_only_when,
)

# "first visit", "I haven't been before", "new patient": a first visit.
NEW_PATIENT = re.compile(
    # "my first ever session", "first proper visit", "I said, first ever" (audit 19)
    r"\b((first|1st)[- ]?((ever|proper|real)[- ])?(visit|time|timer|appointment|session|"
    r"consultation|treatment)|first ever\b|"
    r"new patient|new here|never had (acupuncture|it) before|"
    r"never been|ha(ve)?n'?t been|have not been|not been (here |to you |to the clinic )?before|"
    r"initial (consult|consultation|appointment|visit)|i'?m new)\b",
    re.IGNORECASE,
)
# "follow-up", "I've been before", "returning patient": a follow-up visit.
RETURNING_PATIENT = re.compile(
    r"\b(follow[- ]?ups?|returning( patient)?|existing patient|i'?ve been (here |to you |"
    r"to the clinic )?before|i have been (here |to you |to the clinic )?before|"
    r"been (here |to you |to the clinic |in )?(before|b4)|visited before|came (here )?before|"
    r"another (session|treatment)|"
    # "came a couple of years back", "coming back for more treatment", "seen you before" (audit 13)
    r"(?:(?<=^)|(?<=\bi )|(?<=\bwe ))(came|come) (here |to you |in )?"
    r"(a (couple|few) (of )?|some |two |three |\d+ )"
    r"(years?|months?|weeks?) (back|ago)(?!\s+(pain|problems?|issues?))|"
    r"(come|coming|came) back for (more|another|a few more)|"
    r"seen you before|had (acupuncture|treatment|sessions?) (here|with you)|"
    # "yes, I came in the spring with my husband", "I attended some years ago, under the
    # previous owner" (audits 17, 18)
    r"(?:(?<=^)|(?<=\bi )|(?<=\bwe )|(?<=\byes )|(?<=\byes, )|(?<=\byeah ))"
    r"(came|attended|visited) (in|here|to you|to the clinic|the clinic)\b|"
    r"\b(i|we) attended\b|previous owner)\b",
    re.IGNORECASE,
)
# A name follows these. Strong cues take the words as written ("my name is
# lucy hart"); weak ones only words that start with a capital ("I'm Rita
# Cole", not "I'm looking to book").
_STRONG_NAME_CUE = re.compile(
    r"\b(?:my name is|my name's|my names|name is|name's|name:|name as|name to be|name to|"
    # "name should be Femi Okafor" (audit 20 stored "Should Be Femi Okafor")
    r"name (?:should|needs to|ought to|must) be|name|"
    r"surname is|under the name(?: of)?|change the name to|"
    # "put it under my wife's name, Emma Grant", "in my husband's name: Tom Reid" (audit 14)
    # "...and actually put it under my married name, Siobhán Kelly" (audit 18 kept "Siobhán")
    r"(?:(?:put|book|have) it )?(?:under|in) (?:my|his|her|their) (?:\w+'?s |\w+ )?name[,:]?|"
    r"(?:put|book) it under|call me)\s+",
    re.IGNORECASE,
)
_WEAK_NAME_CUE = re.compile(r"\b(?:i'?m|i am|this is|it'?s|it should be)\s+", re.IGNORECASE)
# Words that end a name inside a sentence ("my name is lucy hart and ...").
_AFTER_NAME = re.compile(
    r"\s+(?:and|for|on|at|in|to|please|pls|i|i'd|i'm|can|could|would|with|from|my|the|a|an|"
    r"but|here|phone|telephone|email|e-mail|number|mobile|mob|tel|contact|whatsapp|via|by|is|"
    r"was|who|calling|looking|wanting|"
    r"booking|book|instead)\b.*$",
    re.IGNORECASE,
)
T = TypeVar("T")
# "actually", "instead", "change ...": the patient corrects something said before.
CORRECTION = re.compile(
    r"\b(actually|sorry|instead|change|changed|rather|make it|switch|correction|i meant|"
    r"meant to say|wrong|not .{1,30} but|should be|update|"
    # A change of mind, said without a correction word.
    r"on second thoughts?|second thought|scratch that|changed? my mind|"
    r"(would|will|might) (be|work|suit( me)?) better|(works|suits me) better|prefer)\b",
    re.IGNORECASE,
)

# Words of a request to be seen ("can I book", "could I come in", "fit me in").
BOOKING_WORDS = re.compile(
    r"\b(book|booking|appointment|appt|come in|get in|"
    # fitting someone in, in any tense: "can you squeeze me in", "any chance of
    # squeezing me in thurs" (audit: the day and time were lost), "pop my mum in"
    r"(?:fit|fitting|squeeze|squeezing|slot|slotting|pop|popping|get|getting|put|putting|"
    r"pencil|pencilling|book|booking)\s+(?:me|us|him|her|them|(?:my|our)\s+\w+)\s+in|"
    r"see (?:me|us|someone|the acupuncturist)|session|first visit|follow[- ]?up|consultation|"
    # "any chance of sat morning?" with a day (audit 23 explained the pain instead)
    r"slots?|any chance(?: of| i could| you could| to)?|"
    # asking what is free: "any space next week?", "have you got room on saturday"
    r"(?:any|got|have you)\s+(?:space|room|availability|openings?|gaps?)|availability)\b",
    re.IGNORECASE,
)


# A message that opens by asking to book ("book for upper back pain", "can I
# book in for my sciatica"): with a condition named, nothing but a booking.
BOOKING_ASK = re.compile(
    r"^\W*(?:(?:hi|hello|hey|please|pls|ok|okay)\W+)*"
    r"(?:(?:can|could|may) (?:i|we|you)\s+|i'?d like to\s+|i would like to\s+|"
    r"i (?:want|need) to\s+|(?:want|need|like) to\s+)?(?:please\s+)?"
    r"(?:book|make an? (?:appointment|booking)|get an? (?:appointment|booking))\b",
    re.IGNORECASE,
)


# Someone's age: "my 9 year old son", "she's 15", "I'm 16", "aged 12", "15 years old".
# Not "a 10 year old mattress", "15 weeks pregnant" or "she's 15 minutes late".
_PERSON = (
    r"son|daughter|boy|girl|child|kid|grandson|granddaughter|nephew|niece|stepson|"
    r"stepdaughter|lad|lass|twins?|brother|sister|footballer|gymnast|dancer|swimmer"
)
_AGE = re.compile(
    rf"\b(\d{{1,2}})\s*-?\s*(?:years?|yrs?|yr)\s*-?\s*old\s+(?:{_PERSON})\b"
    # "can my 10 year old come" (audit 21 gave the companion answer)
    # ...not one brought along: "can I bring my 6 year old? no childcare that day"
    r"|(?<!bring )(?<!bringing )(?<!with )\b(?:my|our|his|her)\s+(\d{1,2})\s*-?\s*"
    r"(?:years?|yrs?|yr)\s*-?\s*olds?"
    r"(?=\s*(?:[,.;:?!]|$|\s(?:come|has|have|is|needs?|can|could|would|gets?|got|suffers?|"
    r"plays?|does|did|was|and|with|who|be|been|too|in|for|to|at|on)\b))"
    r"|\b(\d{1,2})\s*(?:yo|y/o|y\.o\.)\b"
    r"|\baged\s+(\d{1,2})\b"
    r"|\b(?:she'?s|she is|he'?s|he is|they'?re|they are|i'?m|i am|"
    r"my (?:son|daughter|child|boy|girl) is)\s+"
    r"(?:only\s+|just\s+)?(\d{1,2})\b(?!\s*(?:am|pm|:|\.\d|o'?clock|min|minutes|mins|weeks?|"
    r"months?|days?|hours?|hrs?|stone|st|kg|kilos?|lbs?|foot|feet|ft|inches|cm|%|percent|"
    r"miles?|km|times|out of|/))",
    re.IGNORECASE,
)
# A question about treating children or young people ("do you treat children?",
# "what's the minimum age?", "can teenagers have acupuncture?"); "my kids wear me
# out" is not one.
_YOUNG = (
    r"(?:children|kids|teenagers?|teens|adolescents?|toddlers?|babies|minors|under[- ]?1\d'?s?)"
)
YOUNG_PEOPLE = re.compile(
    rf"\b(?:treat|see|book|take|accept|help|do|work with)\w*\s+(?:\w+\s+){{0,2}}{_YOUNG}\b"
    rf"|\b{_YOUNG}\b.{{0,30}}\b(?:acupuncture|treated|treatment|needles|appointments?|seen)\b"
    r"|\b(?:minimum|youngest|lowest|min) age\b|\bage limit\b|\bhow young\b",
    re.IGNORECASE,
)


def age_in(text: str) -> Optional[int]:
    """The youngest age ``text`` gives someone ("my 9 year old son" is 9), if any."""
    ages = [age for age, _ in _ages(text)]
    return min(ages) if ages else None


def _ages(text: str) -> List[Tuple[int, bool]]:
    """Each age ``text`` gives, and whether it is someone else's ("she's 3", "my 9 year old")."""
    return [
        (int(next(g for g in m.groups() if g)), not _OWN_AGE.match(m.group(0)))
        for m in _AGE.finditer(text)
    ]


_OWN_AGE = re.compile(r"(?:i'?m|i am|aged)\b", re.IGNORECASE)
# The writer asks for themselves ("Could I come in Monday morning?")...
_FOR_THEMSELVES = re.compile(
    r"\b(?:could|can|may) i (?:come|book|get|have|pop)\b|\bi'?d like to (?:book|come)\b|"
    r"\bbook me\b|\bfit me in\b|\bfor myself\b",
    re.IGNORECASE,
)
# Who else a booking may be for: a child, or another.
_CHILD = r"son|daughter|child|boy|girl|kid|grandson|granddaughter"
_SOMEONE = (
    rf"(?:{_CHILD}|husband|wife|partner|mum|mom|"
    r"mother|dad|father|nan|gran|grandma|grandad|grandmother|grandfather|brother|sister|friend|"
    r"aunt|auntie|uncle|neighbour|neighbor|fianc[eé]e?|boyfriend|girlfriend|mother in law|"
    r"father in law|mother-in-law|father-in-law)"
)
# ...and not for someone else ("can I book my daughter in", "booking for my son").
_FOR_SOMEONE_ELSE = re.compile(
    r"\bbook\w*\s+(?:\w+\s+){0,3}?for (?:my|him|her|them)\b|\bbook (?:him|her|them|my)\b|"
    rf"\b(?:for|on behalf of) my (?:{_CHILD})\b",
    re.IGNORECASE,
)


# A person named as the one to book: not "book a first visit for my sciatica".
_ANOTHER_PERSON = re.compile(
    rf"\b(?:for|on behalf of) (?:my|our) {_SOMEONE}\b|\bbook (?:in )?(?:him|her|them|(?:my|our) "
    rf"{_SOMEONE})\b|\b(?:my|our) {_SOMEONE} (?:wants|would like|needs|to book|to come)\b|"
    rf"\bcan my {_SOMEONE} (?:book|come|have|get)\b",
    re.IGNORECASE,
)


def for_someone_else(text: str) -> bool:
    """Whether ``text`` asks for a booking for another person ("another one for my husband")."""
    return bool(_ANOTHER_PERSON.search(text))


def too_young(text: str, minimum_age: int) -> bool:
    """Whether ``text`` gives the patient an age under ``minimum_age`` ("my 15 year old").

    A child's age told in passing by a writer booking for themselves is not the
    patient's: "since I had my second baby (she's 3 now) ... Could I come in
    Monday morning?" (audit 16 ended the booking with the under-18 reply).
    """
    young = [someone_else for age, someone_else in _ages(text) if age < minimum_age]
    if not young:
        return False
    for_themselves = bool(_FOR_THEMSELVES.search(text)) and not _FOR_SOMEONE_ELSE.search(text)
    return not (all(young) and for_themselves)


# Asked about the old end of the range ("is there an upper age limit? my gran is 95").
_OLDER_PEOPLE = re.compile(
    r"\b(?:upper|maximum|max|top) age\b|\btoo old\b|\boldest\b|\bover (?:18|eighteen)s?\b",
    re.IGNORECASE,
)


def about_young_people(text: str, minimum_age: int) -> bool:
    """Whether ``text`` is about someone under ``minimum_age`` or asks about children."""
    if too_young(text, minimum_age):
        return True
    return bool(YOUNG_PEOPLE.search(text)) and not _OLDER_PEOPLE.search(text)


@dataclass(frozen=True)
class Details:
    """What a message says about the booking; each part may be missing."""

    name: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    patient_type: Optional[str] = None
    condition: Optional[str] = None
    when: When = field(default_factory=When)

    @property
    def contact(self) -> bool:
        """A phone number or an email address was given."""
        return bool(self.phone or self.email)

    @property
    def anything(self) -> bool:
        """Something besides the free text was found."""
        return bool(
            self.name or self.contact or self.patient_type or self.condition or not self.when.empty
        )


def is_booking_request(text: str, details: Details) -> bool:
    """Whether ``text`` asks to be booked and carries details of the booking.

    "this is Sam Reed, can I book Thursday at 10:30?" is a booking request
    even when the classifier reads it as an answer (inform) or as a condition,
    and so is a message that opens by asking to book a condition ("book for
    upper back pain").
    """
    carries = not details.when.empty or details.name or details.contact or details.patient_type
    if BOOKING_ASK.search(text) and details.condition:
        carries = True
    # A name and a phone number or email with a day: nothing but a booking,
    # whatever the words ("Name's Helen Carter, 07911 123119, tomorrow morning?").
    identified = bool(details.name and details.contact and not details.when.empty)
    told_about_the_past = TOLD_ABOUT_THE_PAST.search(text)
    # "how much is a first visit?" asks the price, not for a booking.
    asks_the_price = PRICE_QUESTION.search(text)
    return (
        (bool(BOOKING_WORDS.search(text)) or identified)
        and bool(carries)
        # A correction is of what was said before, unless the message opens by
        # asking to book ("I'd like to book please. Anne Whitfield, 0161 ... is
        # wrong sorry, it's 0161 ...": audit 9).
        and (not is_correction(text) or bool(BOOKING_ASK.search(text)))
        and not told_about_the_past
        and not asks_the_price
    )


def only_when_to_come(text: str, details: Details) -> bool:
    """Whether ``text`` says little but a day or time ("tuesday at 3 then", "friday morning?").

    Said outside any booking, at a clinic that is when the patient could come:
    after "no, stop" a patient who changes their mind names the day, not the
    booking (audit 10: "tuesday at 3 then" got "not sure how to help").
    """
    return says_only_when(text, details.when, bool(details.condition))


# Words that may stand beside a first visit or a return and say nothing more.
_VISIT_FILLER = frozenset(
    {
        "a", "an", "the", "my", "it", "its", "it's", "this", "is", "will", "be", "i", "im", "i'm",
        "am", "just", "only", "ok", "okay", "yes", "yeah", "please", "thanks", "so", "and",
        "here", "with", "you", "to", "no", "nope", "nah", "never",
    }
)  # fmt: skip


def only_visit_kind(text: str, details: Details) -> bool:
    """Whether ``text`` says only that it is a first visit or a return ("first visit").

    Said at the reason question, it answers the question to come, not this one
    (tried over REST: "Sorry, I didn't get that").
    """
    if details.patient_type is None or details.condition or not details.when.empty:
        return False
    said = _visit_words_put_right(told(text)).lower()
    rest = RETURNING_PATIENT.sub(" ", NEW_PATIENT.sub(" ", said))
    return all(word in _VISIT_FILLER for word in re.findall(r"[a-z']+", rest))


def only_contact(text: str, details: Details) -> bool:
    """Whether ``text`` gives a phone number or email and nothing but, or a name with it.

    Typed at the reason question ("hope@example.com"), it answers a question to
    come (tried over REST: "Sorry, I didn't get that").
    """
    if not details.contact or details.condition or not details.when.empty:
        return False
    rest = without_contact(text).strip(" ,;:.-")
    if not rest:
        return True
    words = re.findall(r"[a-z']+", rest.lower())
    return bool(details.name) or all(word in _VISIT_FILLER for word in words)


def is_correction(text: str) -> bool:
    """Whether ``text`` corrects something ("actually make it Friday", "sorry, my email is...")."""
    return bool(CORRECTION.search(text))


# "have I been here before?", "did I come last year?": the patient asks, not says.
_ASKS_WHETHER_BEEN = re.compile(r"\b(have|did|was|am)\s+i\s+(been|come|visited|seen|here)\b", re.I)


def told(text: str) -> str:
    """``text`` without clauses asking whether the patient has been before."""
    return " ".join(clause for clause in clauses(text) if not _ASKS_WHETHER_BEEN.search(clause))


# The words of NEW_PATIENT and RETURNING_PATIENT that a slip may hide ("furst time").
_VISIT_WORDS = (
    "first", "time", "visit", "appointment", "session", "consultation", "treatment",
    "patient", "returning", "existing", "before", "follow", "never", "been", "initial",
)  # fmt: skip
_LOWER_WORD = re.compile(r"\b[a-z]{4,}\b")
# Words one slip from a visit word that are words of their own ("first ever" is no
# "first never": audit 19 asked "have you been before?" after it).
_WORDS_OF_THEIR_OWN = frozenset({"ever", "even"})


def _visit_words_put_right(text: str) -> str:
    """``text`` with lower-case words one slip from a visit word put right ("furst" -> "first").

    Only lower-case words: a capitalised one is more likely a name ("Neve
    Bean" is no "never been").
    """

    def nearest(match: re.Match[str]) -> str:
        if match.group(0) in _WORDS_OF_THEIR_OWN:
            return match.group(0)
        found = difflib.get_close_matches(match.group(0), _VISIT_WORDS, n=1, cutoff=0.8)
        return found[0] if found else match.group(0)

    return _LOWER_WORD.sub(nearest, text)


def patient_type_in(text: str) -> Optional[str]:
    """'new' or 'returning' when the text says so in words (not asks), else None."""
    said = _visit_words_put_right(told(text))
    if NEW_PATIENT.search(said):
        return "new"
    if RETURNING_PATIENT.search(said):
        return "returning"
    return None


# Courtesies around an answer ("Ana Park thanks", "sure, Tom Hill"): not part of it.
_COURTESY = re.compile(
    r"^\s*(?:hi|hello|hey|ok|okay|sure|yes|yeah|yep)\b[\s,.!]*"
    r"|[\s,.!]+(?:thanks|thank you|thank u|thx|ta|cheers|please|pls)"
    r"(?:\s+(?:so much|very much))?\W*$",
    re.IGNORECASE,
)


def without_courtesy(text: str) -> str:
    """``text`` without a greeting or yes in front and thanks or please at the end."""
    return _COURTESY.sub("", text).strip() or text


def without_contact(text: str) -> str:
    """``text`` with email addresses and long digit runs blanked (for the date reader)."""
    text = re.sub(r"\S+@\S+", " ", text)
    return re.sub(r"\+?\d[\d ()-]{6,}\d", " ", text)


# Words that take back what came just before them in the same message: "07700 123456...
# no sorry that's wrong, it's 07722 614093", "Monday at 2, no wait, Tuesday at 2".
_TAKING_BACK = re.compile(
    r"\b(?:no,?\s+sorry|sorry,?\s+(?:that'?s|that\s+is|it'?s)\s+wrong|no,?\s+wait|oops|typo|"
    r"i\s+mean|i\s+meant|scratch\s+that|correction|actually,?\s+no|no,?\s+make\s+(?:that|it))\b",
    re.IGNORECASE,
)


def after_taking_back(text: str) -> Optional[str]:
    """What follows the last words in ``text`` that take back what came before, if any."""
    ends = [match.end() for match in _TAKING_BACK.finditer(text)]
    return text[ends[-1] :] if ends else None


def preferring_correction(
    text: str, read: Callable[[str], T], found: Callable[[T], bool] = bool
) -> T:
    """``read`` of what follows a taking back, when ``found`` there; else of ``text``."""
    corrected = after_taking_back(text)
    if corrected is not None:
        reading = read(corrected)
        if found(reading):
            return reading
    return read(text)


def when_in(
    text: str,
    now: dt.datetime,
    date_order: str,
    talking_of: Optional[dt.date] = None,
    booked: Optional[dt.datetime] = None,
) -> When:
    """The day, time or part of day in ``text`` (phone numbers and emails ignored).

    A day or time taken back in the same message gives way to the one after
    it, and what the correction leaves unsaid is kept: "Friday at 10, I mean
    11" is Friday at 11, "Monday at 2, no wait, Tuesday" Tuesday at 2. With
    ``booked`` (an appointment being moved), "the following day, same time"
    is read from it.
    """

    def read(part: str) -> When:
        return parse_when(without_contact(part), now, date_order, talking_of, booked)

    corrected = after_taking_back(text)
    if corrected is None:
        return read(text)
    new = read(corrected)
    if new.empty:  # "I mean 11. Jo Bloggs, 07911 555123": the hour is the first clause
        hour = bare_hour(re.split(r"(?<!\d)[,.;:!?]|[,.;:!?](?!\d)", corrected.strip(" ,.;:-!"))[0])
        if hour is None:
            return read(text)
        new = When(time=hour)
    old = read(text[: len(text) - len(corrected)])
    dated = new if new.day is not None else old
    timed = new if new.time is not None or new.part_of_day is not None else old
    return combined(dated, timed)


def phone_in(text: str, region: str) -> Optional[str]:
    """The phone number in ``text``, the corrected one when another was taken back."""
    return preferring_correction(text, lambda part: find_phone(part, region))


# A phone number or an email address, for a name written beside it.
_CONTACT = re.compile(r"\S+@\S+|\+?\d[\d ()-]{6,}\d")
_CAPITALISED = r"[A-Z][^\W\d_]*(?:['’-][^\W\d_]+)*"
_NAME_BEFORE = re.compile(rf"(?:^|[\s,;:(-])((?:{_CAPITALISED}\s+){{1,3}}{_CAPITALISED})[\s,;:-]*$")
_NAME_AFTER = re.compile(
    rf"^[\s,;:-]*({_CAPITALISED}(?:\s+{_CAPITALISED}){{1,3}})(?=[\s,.;:!?-]|$)"
)
# Capitalised words that start a sentence or name a day rather than a person.
_NOT_NAME_WORDS = re.compile(
    r"\b(?:hi|hello|hey|dear|thanks|thank|please|pls|can|could|would|my|the|and|i|i'm|im|"
    r"mobile|phone|telephone|email|tel|number|ok|okay|yes|no|sure|cheers|regards|"
    r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|today|tomorrow|morning|afternoon|evening|lunchtime|next|first|"
    r"back|hip|hips|leg|legs|neck|knee|shoulder|sciatica|bursitis|arthritis|pain)\b",
    re.IGNORECASE,
)


_CONTACT_LABEL = re.compile(
    r"(?:[\s,;:-]+(?:tel(?:ephone)?|phone|mobile|mob|number|no|on|is|my)\b[\s.:-]*)+$", re.I
)


def name_beside_contact(text: str) -> Optional[str]:
    """A name written as one right before or after the phone or email ("Sarah Mills 07812...")."""
    for contact in _CONTACT.finditer(text):
        # "Andrzej Kowalski telephone 07911...": the label is not part of the name
        head = _CONTACT_LABEL.sub("", text[: contact.start()])
        before = _NAME_BEFORE.search(head)
        after = _NAME_AFTER.match(text[contact.end() :])
        for found in (before, after):
            if found is None or _NOT_NAME_WORDS.search(found.group(1)):
                continue
            name, problem = clean_name(found.group(1))
            if name and not problem and not says_something_else(found.group(1)):
                return name
    return None


# "it's Harri not Harry": one word of the name put right.
_NAME_SWAP = re.compile(
    r"\b(?:it'?s|its|it is|is)\s+([^\W\d_][\w'’-]*)\s*,?\s+not\s+([^\W\d_][\w'’-]*)", re.I
)


# "oops my surname is MacAllister", "first name's Kirsty": one part of the name put
# right (audit 12: the surname alone had become the whole name).
_NAME_PART = re.compile(
    r"\b(sur|last|family|second|first|given|christian|fore)\s*-?\s*name(?:'s|’s|\s+is|\s+was"
    r"|\s+should be)?\s+([^\W\d_][\w'’-]*)",
    re.IGNORECASE,
)


def corrected_name(text: str, current: Optional[str]) -> Optional[str]:
    """``current`` with the word ``text`` puts right ("it's Harri not Harry"), if it names one.

    A first name or surname put right replaces that part of the name.
    """
    if not current:
        return None
    part = _NAME_PART.search(text)
    if part and len(words := current.split()) >= 2:
        first = part.group(1).lower() in ("first", "given", "christian", "fore")
        new_words = [part.group(2), *words[1:]] if first else [*words[:-1], part.group(2)]
        name, problem = clean_name(" ".join(new_words))
        return None if problem else name
    match = _NAME_SWAP.search(text)
    if not match:
        return completed_name(text, current)
    new, old = match.groups()
    words = current.split()
    if old.lower() not in (word.lower() for word in words):
        return None
    name, problem = clean_name(
        " ".join(new if word.lower() == old.lower() else word for word in words)
    )
    return None if problem else name


def completed_name(text: str, current: str) -> Optional[str]:
    """The whole name, when ``text`` is one that begins with the one-word ``current``.

    "Sam" at the name question, then "Sam Ortiz" at the next: the surname added,
    not a phone number that could not be read.
    """
    name, written_as_name = looks_like_name(text.strip())
    if name is None or len(current.split()) != 1:
        return None
    words = name.split()
    if len(words) < 2 or words[0].lower() != current.lower():
        return None
    # typed in lower case, only name words follow: "sam ortiz", not "sam at work"
    typed_low = text.strip() == text.strip().lower() and not any(
        word.lower() in function_words() for word in words[1:]
    )
    return name if written_as_name or typed_low else None


def name_after_cue(text: str) -> Optional[str]:
    """A name introduced by a cue: "I'm Rita Cole", "my name is lucy hart", "name Chris Dale"."""
    for cue, strong in ((_STRONG_NAME_CUE, True), (_WEAK_NAME_CUE, False)):
        for match in cue.finditer(text):
            candidate = CLAUSE_END.split(text[match.end() :], maxsplit=1)[0]
            candidate = _AFTER_NAME.sub("", " " + candidate).strip()
            words = candidate.split()[:MAX_NAME_WORDS]
            if not strong:
                capitalised = []
                for word in words:
                    if not word[:1].isupper():
                        break
                    capitalised.append(word)
                words = capitalised
            if not words:
                continue
            name, problem = clean_name(" ".join(words))
            rest = text[match.end() :][len(" ".join(words)) :]
            if _CARER_AFTER_NAME.match(rest):
                continue  # "I'm Pat his wife": the writer's name, not the patient's
            said = " ".join(words)
            # A weak cue's words may be a day: "it's Friday at 10".
            if (
                name
                and not problem
                and not says_something_else(said)
                and (strong or _names_no_day(said))
            ):
                return name
    here = _NAME_HERE.match(text)  # "Hi, Helen Marsh here, I'd like ..." (audit 9)
    if here is None:
        return None
    name, problem = clean_name(here.group(1))
    said = here.group(1)
    # "Next Tuesday here" is no name.
    return (
        name
        if name and not problem and not says_something_else(said) and _names_no_day(said)
        else None
    )


def _names_no_day(text: str) -> bool:
    """Whether ``text`` says no day or time ("Friday", "Next Tuesday" are no names)."""
    return parse_when(text, dt.datetime.now(dt.timezone.utc)).empty


# A name written as one, then "here", opening the message.
_NAME_HERE = re.compile(
    r"^\W*(?:(?i:hi|hello|hey|morning|good (?:morning|afternoon|evening))\b[\s,!.]*)?"
    r"([A-Z][\w'-]+(?: [A-Z][\w'-]+){1,3}) here\b(?!\s*\?)"
)


# A name written as one closing a booking request: "ok I'd like to book then, Emma Clarke".
_NAME_CLOSING_REQUEST = re.compile(
    r"\b(?i:book|booking|appointment|appt|session)\b[^.!?]*[,;:-]\s*"
    r"([A-Z][\w'’-]+(?: [A-Z][\w'’-]+){1,2})\W*$"
)


_PLACE = re.compile(r"\b(clinic|acupuncture|centre|center|hospital|surgery)\b", re.I)


def name_closing_request(text: str) -> Optional[str]:
    """A name of capitalised words said last, after a comma, in a booking request (audit 13)."""
    found = _NAME_CLOSING_REQUEST.search(text)
    if found is None or _NOT_NAME_WORDS.search(found.group(1)) or _PLACE.search(found.group(1)):
        return None
    said = found.group(1)
    name, problem = clean_name(said)
    if not name or problem or says_something_else(said) or not _names_no_day(said):
        return None
    return name


# "I'm Pat, his wife", "this is Sam her carer": a relative or carer writes.
_CARER_AFTER_NAME = re.compile(r"^[\s,;:-]*(his|her|their|the patient'?s)\s+[a-z]", re.I)


# Any list of options the assistant offers is shorter than this.
_ANY_LIST = 10


def says_something_else(text: str) -> bool:
    """Whether ``text`` is a visit type, a condition, a pick ("the last one"), not a name."""
    return (
        bool(patient_type_in(text))
        or bool(re.search(r"\b(pain|ache|appointment|visit|session|booking)\b", text, re.I))
        or picked_position(text, _ANY_LIST) is not None
        or condition_said_by_patient(text) is not None
    )


def condition_said_by_patient(text: str) -> Optional[str]:
    """The condition ``text`` names in a patient's words ("arthritis", "sciatica"), if any."""
    knowledge = load_conditions()
    named = [key for key, condition in knowledge.conditions.items() if condition.named_in(text)]
    return knowledge.most_specific(named)


def looks_like_name(text: str) -> Tuple[Optional[str], bool]:
    """A whole message read as a name: (the name or None, whether it is written like one).

    "Ana Park" and "Tom Hill" are names written like names (capitalised, two
    to four words); "ana park" may be one; "first visit", "next Friday" and
    "where are you?" are not.
    """
    stripped = text.strip()
    if not stripped or is_question(stripped):
        return None, False
    name, problem = clean_name(stripped)
    if problem or name is None or says_something_else(stripped) or says_something_else(name):
        return None, False
    words = stripped.split()
    written_as_name = 2 <= len(words) <= MAX_NAME_WORDS and all(w[:1].isupper() for w in words)
    return name, written_as_name


# "make it for my hip, not sciatica", "hip pain instead of sciatica please", "more my
# hip than the sciatica": taken back.
_TAKEN_BACK = re.compile(
    r"\b(?:not|n't|instead of|rather than|than|no longer)\s+(?:for\s+)?"
    r"((?:my\s+|the\s+|a\s+)?[a-z][a-z' -]{1,30}?)"
    r"(?=\s*(?:[,.;!?]|$|\b(?:but|and|please|thanks|thank you|instead|any\s*more)\b))",
    re.IGNORECASE,
)


def taken_back(text: str, knowledge: ConditionKnowledge) -> Set[str]:
    """The conditions ``text`` names only to take them back ("my hip, not sciatica")."""
    return {
        key
        for match in _TAKEN_BACK.finditer(text)
        if (key := _longest_condition(match.group(1), knowledge, set()))
    }


_WHOSE = ("my", "his", "her", "their", "our", "this")
# "bk" for back after a word that only a body part follows ("lower bk", "my bk").
_BACK_SHORTHAND = re.compile(r" (lower|upper|my|his|her|bad|sore|stiff|mid) bk ")


def other_area_in_text(text: str, knowledge: ConditionKnowledge, chosen: str) -> Optional[str]:
    """A condition ``text`` names from another family than ``chosen``'s, if any.

    "my hip and lower back both hurt": lower back pain chosen, hip pain named too.
    """
    family = knowledge.conditions[chosen].family
    same = {key for key, condition in knowledge.conditions.items() if condition.family == family}
    return _longest_condition(text, knowledge, same | taken_back(text, knowledge))


def condition_in_text(text: str, knowledge: ConditionKnowledge) -> Optional[str]:
    """The condition named in ``text`` (the longest name or alias), if any.

    "my lower back" (or "lower back", "his hip", "this hip") names lower back
    pain as "lower back pain" does; "back" alone is not enough ("come back on Friday"). One the
    patient takes back ("for my hip, not sciatica") is not named.
    """
    return _longest_condition(text, knowledge, taken_back(text, knowledge))


def _longest_condition(
    text: str, knowledge: ConditionKnowledge, excluded: Set[str]
) -> Optional[str]:
    lowered = " " + " ".join(re.sub(r"[^a-z ]+", " ", text.lower()).split()) + " "
    lowered = _BACK_SHORTHAND.sub(r" \1 back ", lowered)  # "4 my lower bk" (audit 9)
    found: Optional[Tuple[int, str]] = None
    for key, condition in knowledge.conditions.items():
        if key in excluded:
            continue
        for name in (key.replace("_", " "), condition.name, *condition.aliases):
            name = name.lower()
            forms = [f" {name} "]
            if name.endswith(" pain"):
                body_part = name[: -len(" pain")]
                # "my hip", and a carer's "his hip", "book mum in for her back"
                forms += [f" {whose} {body_part} " for whose in _WHOSE]
                # "book for hip please", "an appointment for the back" (tried over REST)
                forms += [f" for {body_part} ", f" for the {body_part} "]
                if " " in body_part:  # "..., lower back": two words name it, one may not
                    forms.append(f" {body_part} ")
            for wanted in forms:
                if wanted in lowered and (found is None or len(wanted) > found[0]):
                    found = (len(wanted), key)
    return found[1] if found else None


def read_details(
    text: str, now: dt.datetime, region: str, date_order: str, knowledge: ConditionKnowledge
) -> Details:
    """Everything ``text`` says about a booking (the condition only from its words)."""
    phone, email = phone_in(text, region), find_email(text)
    return Details(
        name=name_after_cue(text) or name_beside_contact(text) or name_closing_request(text),
        phone=phone,
        email=email,
        patient_type=patient_type_in(text),
        condition=condition_in_text(text, knowledge),
        when=when_in(text, now, date_order),
    )


def details_in_latest_message(tracker: Tracker, profile: ClinicProfile) -> Details:
    """Everything the latest message says about a booking."""
    text = str((tracker.latest_message or {}).get("text") or "")
    return read_details(
        text, clinic_now(profile.zone), profile.country, profile.date_order, load_conditions()
    )


def booking_request(tracker: Tracker, day_alone: bool = False) -> bool:
    """Whether the latest message asks for a booking and carries its details.

    With ``day_alone``, a day or time said on its own is one too (``only_when_to_come``),
    and so is a clause that says nothing else ("Monday after lunch pls, hip pain").
    """
    text = str((tracker.latest_message or {}).get("text") or "")
    profile = load_profile()
    details = details_in_latest_message(tracker, profile)
    if is_booking_request(text, details):
        return True
    if not day_alone:
        return False
    said_apart = clause_saying_when_at(text, profile, load_conditions())
    return only_when_to_come(text, details) or said_apart is not None
