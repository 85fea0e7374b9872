"""Misspelt words put right before the intent classifier reads a message.

Patients type fast on phones: "acupunture", "apointmnet", "tiems". The
classifier's character n-grams forgive some of that, not all: with one
typing slip in each held-out message (bench/typos.py), intent accuracy fell
from 0.978 to 0.920; with each word that neither the training examples nor
an English dictionary know replaced by its nearest known word, only to
0.956, and the clean messages did not move (docs/performance.md, "Spelling").

The nearest word is pyspellchecker's (Peter Norvig's method, MIT licence;
its English word frequencies ship in the wheel): among the words one edit
away, the most frequent. The words of the clinic's training examples are
known and preferred over the dictionary's, the more frequent first
("bursits" is "bursitis", not "bursts"). Their own slips stay known ("my
sciatia flared up" is an example): taking them for slips of more frequent
words changed nothing on the slipped set. Only words of at least
``MIN_LENGTH`` letters are put right: short ones have too many neighbours
("wat", "opn"); common text-speak is written out first (``TEXT_SPEAK``:
"wot shud i do", "bk pain v bad"). Nothing is remembered between messages: no cache holds what
patients typed (docs/security.md).

Only the intent classifier reads the corrected text; entities, forms and the
red-flag layer read what the patient wrote.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, Mapping

from spellchecker import SpellChecker

MIN_LENGTH = 4
# Text-speak too short or too far from the word for one edit ("wot", "shud"),
# written out before the spelling is put right.
TEXT_SPEAK = {
    "u": "you", "ur": "your", "r": "are", "v": "very", "pls": "please", "plz": "please",
    "thx": "thanks", "thnx": "thanks", "ty": "thank you", "appt": "appointment",
    "appts": "appointments", "apt": "appointment", "tmrw": "tomorrow", "tmr": "tomorrow",
    "tmrrw": "tomorrow", "2moro": "tomorrow", "2day": "today", "2nite": "tonight",
    "wk": "week", "wks": "weeks", "wkend": "weekend", "hr": "hour", "hrs": "hours",
    "wot": "what", "wat": "what", "wen": "when", "wer": "where", "cud": "could",
    "shud": "should", "wud": "would", "cn": "can", "hv": "have", "abt": "about",
    "b4": "before", "nite": "night", "coz": "because", "cos": "because", "bcoz": "because",
    "gd": "good", "dr": "doctor", "dunno": "don't know", "wanna": "want to",
}  # fmt: skip
# "bk": back before a word of pain ("bk pain v bad"), book otherwise ("can i bk").
_BK = re.compile(r"\bbk\b(?=\s+(pain|pains|ache|aches|hurts|is|problem|problems)\b)", re.I)
MAX_EDITS = 1  # one edit: 0.3 ms an unknown word; two took 66 ms
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_TOKEN = re.compile(r"\b[A-Za-z0-9]+\b(?!')")


class SpellingNormaliser:
    """Puts right the words that neither the clinic's examples nor the dictionary know."""

    def __init__(self, known_words: Mapping[str, int]) -> None:
        """Build from the words of the training examples and how often each occurs."""
        self.known_words: Dict[str, int] = dict(sorted(known_words.items()))
        self._checker = SpellChecker(distance=MAX_EDITS)
        frequencies = self._checker.word_frequency.dictionary
        # Above every dictionary word: among equally near words the clinic's
        # win, the more frequent in its examples first.
        preferred = max(frequencies.values(), default=0) + 1
        self._checker.word_frequency.load_json(
            {word: preferred + count for word, count in self.known_words.items()}
        )

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> SpellingNormaliser:
        """A normaliser that knows every word of ``texts``, their slips too."""
        return cls(Counter(word.lower() for text in texts for word in _WORD.findall(text)))

    def word(self, word: str) -> str:
        """``word`` put right, or as it is when it is known, short or has no near word."""
        lowered = word.lower()
        if len(lowered) < MIN_LENGTH or "'" in lowered or lowered in self._checker:
            return word
        frequency = self._checker.word_frequency.dictionary
        candidates = self._checker.known(self._checker.edit_distance_1(lowered))
        # The most frequent; alphabetical order breaks ties, the same in every process.
        return min(candidates, key=lambda c: (-frequency[c], c)) if candidates else word

    def normalise(self, text: str) -> str:
        """``text`` with text-speak written out and each unknown word put right."""
        text = _BK.sub("back", text)
        text = _TOKEN.sub(
            lambda match: TEXT_SPEAK.get(match.group(0).lower(), match.group(0)), text
        )
        text = re.sub(r"\bbk\b", "book", text, flags=re.I)
        return _WORD.sub(lambda match: self.word(match.group(0)), text)

    def save(self, path: Path) -> None:
        """Write the known words and their counts (JSON) to ``path``."""
        path.write_text(json.dumps({"known_words": self.known_words}), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> SpellingNormaliser:
        """Read a normaliser written by :meth:`save`."""
        return cls(json.loads(path.read_text(encoding="utf-8"))["known_words"])
