"""Whether a patient's message asks something or only tells.

Two readings, for two uses. :func:`is_question` is the whole message read as
one question: it starts with a question word or ends with "?" ("where are
you?", "how much is it"); the forms use it to tell a question typed at one of
their questions from an answer. :func:`asks_something` looks for a question
anywhere in the message, as patients type them after a story: "had 3 sessions
for my sciatica, is that normal", "my back hurts when I sit, can you do
anything about that", "should I eat before or not". A message that only
tells ("I used a lot of pain killers and still feel the same back pain")
asks nothing, however it is worded.
"""

from __future__ import annotations

import re

from clinic_core.language import function_words
from clinic_core.when import WEEKDAY_WORD

# The words a question starts with, and the phrases of a request for information.
QUESTION_START = re.compile(
    r"^\W*(what|what's|whats|where|where's|when|how|how's|why|who|which|can|could|do|does|"
    r"is|are|am i|will|would|should|may|tell me|i want to know|i'd like to know)\b",
    re.IGNORECASE,
)
# A sentence: up to and with its end marks.
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
# Where a question may begin inside a message: after a sentence or clause
# break ("on warfarin - is that a problem"), or after "but"/"and"/"so"
# ("i've had it for years but does it work").
# Where one sentence ends and the next begins: after ".", "!" or "?", or at a line break.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE_BREAK = re.compile(r"[.,;:!\n]+|\s[-–—]+\s|\s+(?:but|and|so)\s+", re.IGNORECASE)
# Words in front of a question that do not change it: "just wondering how long".
_LEAD = r"^\W*(?:just\s+|also\s+|ok\s+|okay\s+|then\s+|and\s+|so\s+)?"
# Verbs a question opens with, with their texting spellings ("shud i bring").
_VERB = (
    r"(can|could|cud|do|does|did|is|are|r|was|will|would|wud|should|shud|shld|may|might|am|"
    r"have|has)"
)
_WORD = r"(what|wat|wot|what's|whats|where|where's|when|how|how's|why|who|which)"
# A subject right after a question word tells: "when I sit it hurts", "how it
# started", "what I want is"; "how long", "what should I", "when can I" ask.
_NOT_TOLD = r"(?!\s+(i|i'm|im|i've|ive|my|we|it|it's|its|he|she|they)\b)"
# A message opening with a verb or a question word asks ("is a referral
# compulsory", "are loose trousers best"); so does one asking for something
# ("I want to buy a gift card", "prefer a male therapist if poss").
_OPENS_ASKING = re.compile(
    _LEAD + rf"({_VERB}\b|{_WORD}\b{_NOT_TOLD}|tell me\b|i want to know\b|i'd like to know\b"
    r"|i was wondering\b|wondering\b|i wonder\b|i want\b|i wanna\b|i'd like\b|i would like\b)",
    re.IGNORECASE,
)
# Inside a message, a verb asks only when its subject follows it: "is that
# normal", "can you help", "does acupuncture work" ask; "I stretch and do
# yoga" tells.
_ASKING_VERB = re.compile(
    _LEAD + _VERB + r"\s+(i|you|u|we|it|that|this|there|the|a|an|my|your|ur|he|she|they|"
    r"people|someone|anyone|anybody|acupuncture|needles?|treatment|sessions?)\b",
    re.IGNORECASE,
)
_ASKING_WORD = re.compile(_LEAD + _WORD + r"\b" + _NOT_TOLD, re.IGNORECASE)
# Anywhere: a verb before "I" or "you" ("after acupuncture can i go swimming"),
# "or not" at the end ("should I eat before or not"), a request ("if poss").
_ASKS_ANYWHERE = re.compile(
    rf"\b{_VERB}\s+(i|you|u|we)\b|\bor (not|no)\W*$|\b(if poss(ible)?|please|pls|plz)\b",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """Whether ``text`` as a whole reads as a question ("where are you?", "how much is it")."""
    if text.rstrip().endswith("?"):
        return True
    return bool(QUESTION_START.match(text)) and not opens_with_a_name(text)


# Question openers that are also given names: "Will Price" and "May Evans" are names.
_OPENERS_THAT_ARE_NAMES = re.compile(r"^\s*(Will|May)\s+(?=[A-Z])")


def opens_with_a_name(text: str) -> bool:
    """Whether ``text`` opens with a given name that is also a question word ("Will Price").

    Only capitalised, without a question mark and with no function word after it:
    "will it hurt", "May I park?" and "Will You Call Me" ask.
    """
    opener = _OPENERS_THAT_ARE_NAMES.match(text)
    if opener is None or text.rstrip().endswith("?"):
        return False
    rest = re.findall(r"[\w'’-]+", text[opener.end() :].lower())
    return bool(rest) and not any(word in function_words() for word in rest)


def has_a_question_sentence(text: str) -> bool:
    """Whether a sentence of ``text`` reads as a question.

    "before I pick a day - what happens if someone faints? I fainted once" holds one.
    """
    return any(is_question(sentence) for sentence in SENTENCE.findall(text))


def asks_something(text: str) -> bool:
    """Whether a question or a request is made anywhere in ``text``, with or without "?"."""
    if "?" in text or _OPENS_ASKING.match(text) or _ASKS_ANYWHERE.search(text):
        return True
    return any(
        _ASKING_VERB.match(clause) or _ASKING_WORD.match(clause)
        for clause in _CLAUSE_BREAK.split(text)
    )


# A short follow-up to an answer: "and thursdays?", "what about the block of five".
FOLLOW_UP = re.compile(
    r"^\W*(and|what about|how about|and what about|and how about|what of|same for|also)\b",
    re.IGNORECASE,
)
# ...or a day asked of alone: "sat?", "sundays?" after the hours (audit 21 started a booking).
DAY_ASKED_OF = re.compile(
    rf"^\W*(?:(?:and|on|open|what about)\s+)?{WEEKDAY_WORD}s?\s*\?+\W*$", re.IGNORECASE
)
# ...whose subject is the answer's: "and is it free?" after the parking (audit 21 got
# the prices, the classifier's 0.51 for ask_price).
_SUBJECT_OF_THE_ANSWER = re.compile(
    r"^\W*(?:and|also|what about|how about)\s+(?:is|are|does|do|will|would|can|could)\s+"
    r"(?:it|that|they|those|this)\b(?:\s+[\w'-]+){0,2}\W*$",
    re.IGNORECASE,
)
# How sure the classifier must be that a follow-up asks a question of its own
# ("and how much is it?" is the price at 0.95; "and does it hurt?" at 1.0).
# Words that only take in what was said, agreeing to nothing: "right ok. and is the
# acupuncturist registered?" asks, it does not accept the booking offer (audit 23).
ACKNOWLEDGING_WORDS = frozenset(
    {
        "ok", "okay", "oh", "ah", "right", "alright", "fine", "great", "lovely", "cool", "thanks",
        "thank", "you", "cheers", "ta", "hi", "hello", "hey", "and", "but", "so", "also", "first",
        "um", "erm", "hmm", "before", "that", "quick", "question", "sorry", "i", "see", "got",
        "it", "fair", "enough", "interesting", "mm", "hm", "ahh", "ohh", "k", "kk",
    }
)  # fmt: skip


def only_acknowledges(text: str) -> bool:
    """Whether ``text`` has words and all of them only acknowledge ("right ok", "oh I see")."""
    words = re.findall(r"[a-z']+", text.lower())
    return bool(words) and all(word in ACKNOWLEDGING_WORDS for word in words)


# Words saying the clinic has no room, read by the booking form and the time-request
# router alike: "are you fully booked this week", "is friday booked up?", "chock solid".
BOOKED_UP = r"(?:booked|chock|filled) (?:up|solid)|fully booked"

OWN_QUESTION_SURE = 0.5
OWN_QUESTION_SURE_OF_THE_ANSWER = 0.8


def asks_its_own_question(text: str, confidence: float) -> bool:
    """Whether a follow-up the classifier reads as a question at ``confidence`` is its own."""
    if _SUBJECT_OF_THE_ANSWER.match(text):
        return confidence >= OWN_QUESTION_SURE_OF_THE_ANSWER
    return confidence >= OWN_QUESTION_SURE


# How long a visit lasts: "how long is a first session", "how long will I be there".
# Not how long until it helps ("how long before it works") or how many weeks of it.
_ASKS_VISIT_LENGTH = re.compile(
    r"\bhow long\b(?![^?.!]*\b(?:till|until|before|for it to|to work|to feel|to notice|"
    r"to see|to help|weeks?|months?|course|need|keep|go on|relief|effects?|benefits?|results?)\b)"
    r"[^?.!]{0,30}\b(?:session|visit|appointment|treatment|consultation|be there|be in there|"
    r"last|take)s?\b"
    r"|\b(?:length|duration) of (?:a|the|each|my) (?:session|visit|appointment|treatment)\b",
    re.IGNORECASE,
)


_ASKS_WHAT_HAPPENS = re.compile(
    r"\bwhat\s+(?:is|happens|goes on|does it involve)\b|"
    r"\bwhat'?s\s+(?:acupuncture|it like|involved)\b",
    re.IGNORECASE,
)


def asks_visit_length(text: str) -> bool:
    """Whether ``text`` asks how long a visit lasts ("how long does an appointment take?").

    Not when it also asks what happens: that answer holds the length too.
    """
    return bool(_ASKS_VISIT_LENGTH.search(text)) and not _ASKS_WHAT_HAPPENS.search(text)
