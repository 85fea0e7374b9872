"""Names, phone numbers and email addresses as patients type them."""

from __future__ import annotations

import re
from typing import Any, Iterator, List, Optional, Tuple

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from clinic_core.language import function_words

MAX_NAME_LENGTH = 60
_NAME_PREFIX = re.compile(
    r"^(?:(?:hi|hello|hey)[,!\s]+)?(?:my name is|my name's|name is|name:|i am|i'm|im|it's|its|"
    r"this is|call me|it is)\s+",
    re.IGNORECASE,
)
# A name said as the only one, or with the one it replaces after it.
_ONLY_BEFORE = re.compile(r"^(?:just|only|simply)\s+", re.IGNORECASE)
_TAKEN_BACK_AFTER = re.compile(r"\s*,?\s+(?:not|instead of|rather than)\s+\S.*\Z", re.IGNORECASE)
# Courtesy around a name: "Rita Cole, thanks", "ok, Rita Cole please", "sure - Rita".
COURTESY_WORDS = (
    "thanks", "thank you", "thankyou", "thx", "cheers", "please", "pls", "plz", "sorry",
)  # fmt: skip
_COURTESY_AFTER = re.compile(
    r"(?:[\s,.!\-]+(?:" + "|".join(COURTESY_WORDS) + r")(?:\s+(?:so much|very much|a lot))?)+"
    r"[\s.!]*\Z",
    re.IGNORECASE,
)
_COURTESY_BEFORE = re.compile(
    r"^(?:(?:ok|okay|sure|yes|yeah|yep|of course|no problem)[\s,.!\-]+"
    # ...and with a stop after it, words that could be a name ("Fine", "Oh", "Um")
    r"|(?:fine|alright|right|oh|erm|um)\s*[,.!\-]+\s*)+",
    re.IGNORECASE,
)
# A reminder in brackets after the name: "Becky Lawson (like i said)" (audit 16).
_ASIDE_AFTER = re.compile(r"\s*\([^()]*\)\W*\Z")
# Lower-case parts of a surname, kept as typed after the first word.
NAME_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "da",
        "di",
        "du",
        "del",
        "della",
        "dos",
        "das",
        "la",
        "le",
        "ter",
        "ten",
        "zu",
        "y",
        "bin",
        "ibn",
        "al",
        "el",
    ]
)
_NAME_SEPARATORS = " '’.-"
# \Z, not $: "$" also matches before a final newline ("Ann\n").
_NAME_CHARACTERS = re.compile(r"^[^\W\d_]+(?:[ '’.\-][^\W\d_]+)*\.?\Z", re.UNICODE)
# Words that stand for a person without naming them: "me" is not a name.
PRONOUNS = frozenset(
    {
        "i",
        "me",
        "my",
        "myself",
        "mine",
        "you",
        "your",
        "yourself",
        "it",
        "its",
        "s",
        "him",
        "his",
        "himself",
        "her",
        "herself",
        "them",
        "they",
        "their",
        "we",
        "us",
        "our",
        "someone",
        "somebody",
        "anyone",
        "anybody",
        "nobody",
    }
)
# Replies and words about a name that are no name: "ok" at the name question,
# "sorry I spelt my name wrong, it's Siobhan" (not "Wrong").
NOT_NAMES = PRONOUNS | frozenset(
    {"ok", "okay", "yes", "yeah", "yep", "no", "nope", "sure", "fine", "thanks", "thank",
     "hi", "hello", "hey", "wrong", "wrongly", "right", "correct", "incorrect", "incorrectly",
     "spelt", "spelled", "misspelt", "misspelled", "again",
     # answers to the other questions of the form, typed at the name question (audit 9)
     "first", "new", "returning", "before", "nothing", "none", "asap", "soonest"}
)  # fmt: skip
# Words of a sentence that are in no name: "its arthritis i think" typed at the
# name question is not "Its Arthritis I Think" (audit 11). Not "my" ("My Linh").
SENTENCE_WORDS = frozenset(
    {"i", "im", "i'm", "its", "it's", "is", "was", "think", "reckon", "guess", "probably",
     "maybe", "dunno", "because", "cos"}
)  # fmt: skip
MIN_WORDS_OF_A_SENTENCE = 3
FUNCTION_WORD_SHARE = 0.75  # of the words of a sentence typed as a name
# An apostrophe may be part of an address (o'brien@...): stripped only at the ends.
_EMAIL_CANDIDATE = re.compile(r"[^\s<>()\[\],;:\"]+@[^\s<>()\[\],;:\"]+")


# The first letter of a name and of each part after an apostrophe or hyphen.
_NAME_JOINS = re.compile(r"(?:^|(?<=['’\-]))\w")


def clean_name(text: str) -> Tuple[Optional[str], Optional[str]]:
    """A plausible name from ``text``, or (None, reason-response) when it is not one."""
    without_aside = _ASIDE_AFTER.sub("", text.strip())
    courteous = _COURTESY_AFTER.sub("", _COURTESY_BEFORE.sub("", without_aside))
    name = _NAME_PREFIX.sub("", courteous.strip()).strip(" .!,")
    # "just Robert Smith", "Robert Smith not Rob" (audit 23 stored both words)
    name = _TAKEN_BACK_AFTER.sub("", _ONLY_BEFORE.sub("", name)).strip(" .!,")
    if not name:
        return None, "utter_name_empty"
    if len(name) > MAX_NAME_LENGTH:
        return None, "utter_name_too_long"
    if any(ch.isdigit() for ch in name):
        return None, "utter_name_has_digits"
    if len(name.split()) > 5 or not _is_name(name) or _names_no_one(name) or is_a_sentence(name):
        return None, "utter_name_not_a_name"
    if name == name.lower() or name == name.upper():
        # Each part of "o'neill" or "anne-marie" capitalised (audit 12 saw "O'neill");
        # the particles of a surname stay small ("ann van dijk": "Ann van Dijk").
        recased = " ".join(
            part.lower()
            if index and part.lower() in NAME_PARTICLES
            else _NAME_JOINS.sub(lambda m: m.group(0).upper(), part.lower())
            for index, part in enumerate(name.split())
        )
        # Kept as typed when recasing would break it: "KİRAZ" would become "Ki̇raz"
        # (a dangling combining dot) and "ŉ" upper-cases to two characters.
        if _is_name(recased) and len(recased) <= MAX_NAME_LENGTH:
            name = recased
    else:
        # "hannah Moreau": a word typed in lower case among capitalised ones
        # is capitalised, except the particles of a surname ("Ann van Dijk").
        words = name.split(" ")
        recased = " ".join(
            word[:1].upper() + word[1:]
            if word.islower() and (index == 0 or word not in NAME_PARTICLES)
            else word
            for index, word in enumerate(words)
        )
        if _is_name(recased) and len(recased) <= MAX_NAME_LENGTH:
            name = recased
    return name, None


def _names_no_one(name: str) -> bool:
    """Whether ``name`` is only words like "me", "it's me", "ok" or "wrong"."""
    return all(word in NOT_NAMES for word in re.split(r"[ '’.\-]+", name.lower()) if word)


def is_a_sentence(name: str) -> bool:
    """Whether ``name`` has a word no name has ("I think", "it's"), or is mostly function words.

    "just me for now then" (audit 20 stored "Just Me For Now Then"); two such words
    may still be a name ("Will May").
    """
    words = name.lower().replace("’", "'").split()
    return any(word in SENTENCE_WORDS for word in words) or mostly_function_words(words)


def mostly_function_words(words: List[str]) -> bool:
    """Whether ``words`` read as a sentence of function words ("just me for now then").

    A letter alone is an initial ("J A Smith"), not the word "a".
    """
    said = sum(1 for word in words if len(word) > 1 and word.lower() in function_words())
    return len(words) >= MIN_WORDS_OF_A_SENTENCE and said / len(words) >= FUNCTION_WORD_SHARE


def _is_name(name: str) -> bool:
    """Words of letters (not "¼" or "Ⅳ", which the regex allows) joined by single separators."""
    return bool(_NAME_CHARACTERS.match(name)) and all(
        ch.isalpha() or ch in _NAME_SEPARATORS for ch in name
    )


def find_email(text: str) -> Optional[str]:
    """A syntactically valid, normalised email address in ``text``, if any."""
    for candidate in _EMAIL_CANDIDATE.findall(text):
        # As typed first (o'brien@...), then without quotes around it ('ann@...').
        for address in dict.fromkeys((candidate.strip("."), candidate.strip(".'"))):
            try:
                checked = validate_email(address, check_deliverability=False)
            except EmailNotValidError:
                continue
            return str(checked.normalized)
    return None


def _phone_matches(text: str, region: str, leniency: int) -> Iterator[Any]:
    """The matches of phonenumbers in ``text``, then in ``text`` without email addresses.

    In "07700 900123 1984ann@example.com" the matcher reads "07700 900123
    1984" as one (invalid) number.
    """
    for searched in (text, _EMAIL_CANDIDATE.sub(" ", text)):
        yield from phonenumbers.PhoneNumberMatcher(searched, region, leniency=leniency)


def find_phone(text: str, region: str) -> Optional[str]:
    """A valid phone number in ``text`` in E.164 form (``+447700900123``), if any."""
    for match in _phone_matches(text, region, phonenumbers.Leniency.VALID):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return None


# A date ("12/15", "15.12.26") or a handful of digits has no phone's shape to name back.
_DATE_SHAPE = re.compile(r"^\d{1,2}\s*[/.]\s*\d{1,2}(\s*[/.]\s*\d{2,4})?$")
_FEWEST_DIGITS = 6
# Ofcom keeps these for TV, film and radio: a mobile's shape, and no phone has one.
_DRAMA_MOBILES = re.compile(r"^\+447700900\d{3}$")


def unusable_phone(text: str, region: str) -> Optional[Tuple[str, bool]]:
    """A number with a phone's shape that no phone can ring, as typed, and if it is for drama.

    Ofcom keeps 07700 900xxx for drama. Call it when :func:`find_phone`
    found nothing: saying which number, and why when we know, beats "I
    couldn't find a valid phone number" (audit 6).
    """
    for match in _phone_matches(text, region, phonenumbers.Leniency.POSSIBLE):
        typed = str(match.raw_string).strip()
        if _DATE_SHAPE.match(typed) or sum(ch.isdigit() for ch in typed) < _FEWEST_DIGITS:
            continue  # "could i schedule for 12/15 at 2:30pm?" names a day (audit 12)
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        return typed, bool(_DRAMA_MOBILES.match(e164))
    return None


def display_phone(e164: str) -> str:
    """A phone number formatted for reading back to the patient."""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def shown_contact(phone: Optional[str], email: Optional[str]) -> str:
    """The contact as the summary shows it: the phone number, the email, or both."""
    shown = [display_phone(phone)] if phone else []
    return " / ".join(shown + ([email] if email else []))


_CONTACT_WORD = (
    r"(?:(?:phone |mobile |landline |home |work |old )?number|phone|mobile|landline|"
    r"e-?mail(?: address)?)"
)
# "take off the 0161 number", "don't use my mobile", "remove the email"...
_CONTACT_DROPPED = re.compile(
    r"\b(?:take|taking|took|remove|removing|delete|drop|scrap|get rid of|lose|cross out|"
    r"don'?t use|do not use|not use)\b(?:\s+(?:off|out))?\s+(?:the|my|that|this|her|his)?\s*"
    rf"(?:\S+\s+)?{_CONTACT_WORD}\b",
    re.IGNORECASE,
)
# ...or keeps one: "just the email", "only use my mobile", "email only".
_CONTACT_KEPT = re.compile(
    rf"\b(?:just|only)\s+(?:use\s+|keep\s+)?(?:the|my|her|his)\s+{_CONTACT_WORD}\b"
    rf"|\b{_CONTACT_WORD}\s+only\b",
    re.IGNORECASE,
)


def contact_taken_back(text: str) -> Optional[str]:
    """Which of ``"phone"`` and ``"email"`` the patient takes back, if either.

    "please take off the 0161 number, it doesn't work anymore, just the email"
    at the summary was read as a cancellation and stopped the booking (audit 23).
    """
    kept = _CONTACT_KEPT.search(text)
    if kept:
        return "phone" if "mail" in kept.group(0).lower() else "email"
    dropped = _CONTACT_DROPPED.search(text)
    if dropped:
        return "email" if "mail" in dropped.group(0).lower() else "phone"
    return None
