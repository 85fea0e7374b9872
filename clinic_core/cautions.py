"""What the acupuncturist must know, said by the patient in passing.

"I'm 24 weeks pregnant", "I'm on warfarin": said while asking something else,
then forgotten (an outside audit: a pregnant patient was given the general
list of needle points, then asked at booking whether she was pregnant). The
words are in ``clinic/acupuncture.yml`` (``cautions``); this module finds the
sentences that say them, so that answers and the booking's notes question can
take them into account in the patient's own words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, Iterable, List, NamedTuple, Tuple

from clinic_core.knowledge import load_acupuncture_answers, word_pattern
from clinic_core.questions import QUESTION_START, SENTENCE

# "not pregnant", "no longer on warfarin", "never had a pacemaker": set aside.
# The words a caution is denied with come right before it in the clause.
_DENIED = re.compile(
    r"\b(not|no|never|nor|without|isn'?t|aren'?t|wasn'?t|don'?t|doesn'?t|dont|no longer)"
    r"(\W+\w+){0,2}\W*$",
    re.IGNORECASE,
)
# "hi im 24 weeks pregnant and my back is killing me, can i book?": the clause
# that tells is quoted, and a question elsewhere in the sentence does not make it one.
_CLAUSE_BREAK = re.compile(
    r"\s*[,;:]\s*|\s+(?:and|but|so)\s+(?=(?:my|i|i'?m|im|it|the|is|can|could|do|does)\b)",
    re.IGNORECASE,
)
# "im 10 weeks", "20 weeks now": how far along, after a pregnancy was named.
_WEEKS_ALONG = re.compile(
    r"^\W*(i'?m|i am|she'?s|she is|about|around|nearly|almost|just|only)?\s*(over\s+)?"
    r"\d{1,2}(\s*\+\s*\d)?\s*(weeks?|wks?|months?)(\s+(pregnant|along|gone|now|in))?\W*$",
    re.IGNORECASE,
)
PREGNANCY = "pregnancy"


class CautionSaid(NamedTuple):
    """One sentence of the patient's that names a caution."""

    caution: str  # the id in clinic/acupuncture.yml
    sentence: str
    question: bool  # "can I have it while pregnant?" asks; "I'm pregnant" says


@lru_cache(maxsize=4)
def _compiled(cautions: Tuple[Tuple[str, Tuple[str, ...]], ...]) -> Dict[str, re.Pattern[str]]:
    return {
        key: re.compile("|".join(word_pattern(w) for w in words), re.IGNORECASE)
        for key, words in cautions
    }


def _patterns() -> Dict[str, re.Pattern[str]]:
    cautions = load_acupuncture_answers().cautions
    return _compiled(tuple((key, tuple(words)) for key, words in cautions.items()))


def cautions_in(text: str) -> List[CautionSaid]:
    """The sentences of ``text`` that name a caution, not denied."""
    found = []
    for sentence in (m.group(0).strip() for m in SENTENCE.finditer(text)):
        clauses = [c for c in _CLAUSE_BREAK.split(sentence) if c and c.strip()]
        for number, clause in enumerate(clauses):
            for key, pattern in _patterns().items():
                match = pattern.search(clause)
                if match is None or _DENIED.search(clause[: match.start()]):
                    continue
                last = number == len(clauses) - 1
                question = (last and sentence.endswith("?")) or bool(QUESTION_START.match(clause))
                found.append(CautionSaid(key, clause.strip().rstrip(".!?"), question))
    return found


def cautions_said(texts: Iterable[str]) -> List[CautionSaid]:
    """Every caution named in ``texts`` (the patient's messages, oldest first).

    "im 10 weeks" after a message that named a pregnancy tells of it too.
    """
    found: List[CautionSaid] = []
    for text in texts:
        named = cautions_in(text)
        if not named and _WEEKS_ALONG.match(text) and any(s.caution == PREGNANCY for s in found):
            named = [CautionSaid(PREGNANCY, f"{text.strip()} (pregnant)", False)]
        found.extend(named)
    return found


def sentences_telling(texts: Iterable[str]) -> List[str]:
    """The patient's own sentences that tell of a caution (not ask about one), once each."""
    sentences: List[str] = []
    for said in cautions_said(texts):
        if not said.question and said.sentence not in sentences:
            sentences.append(said.sentence)
    return sentences


__all__ = ["CautionSaid", "cautions_in", "cautions_said", "sentences_telling"]
