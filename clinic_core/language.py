"""Whether a message is written in a language other than English.

The assistant reads English only. A red flag written in French got "I can't
answer that one here" (audit 19), with no emergency number. A message that
reads as another language is answered, in English, with what the assistant
reads and the emergency number, so the patient is never left without it.

Three signals must agree, because short or slangy English ("cnt feel my legs
rn", "me nan fell") fools any one of them:

* langid.py (a naive Bayes model over byte n-grams, shipped in its package)
  gives English a probability below ``MAX_ENGLISH_PROBABILITY``;
* fewer than ``MAX_FUNCTION_WORD_SHARE`` of the words are English function
  words ("my", "the", "can"), which nearly every English sentence has;
* fewer than ``MAX_DICTIONARY_SHARE`` of the words are in an English
  dictionary (pyspellchecker's, which also lists many foreign words).

A message mostly in another script (Arabic, Chinese, Cyrillic, Devanagari,
Greek...) is another language whatever its length. Measured on the 27,265
English messages of the training data, the NLU test set and the red-flag
example sets: 3 read as another language (names with English words, such as
"Grzegorz Wiśniewski - aching hips - evenings pls"); 39 of 40 messages in 20
other languages written for the test were found (tests/test_language.py).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from clinic_core.names import NAME_SLOT

MIN_WORDS = 3  # "ok ta", "hiya", "sciatica": too short to tell
MAX_ENGLISH_PROBABILITY = 0.01
MAX_FUNCTION_WORD_SHARE = 0.25
MAX_DICTIONARY_SHARE = 0.7
MIN_OTHER_SCRIPT_SHARE = 0.5
MAX_NAME_WORDS = 4  # "Wojciech Szczepański Kowalczyk": capitalised words are a name

_WORD = re.compile(r"[^\W\d_]{2,}")
_LETTER = re.compile(r"[^\W\d_]")


def reads_as_other_language(text: str) -> bool:
    """Whether ``text`` is written in a language other than English."""
    letters = _LETTER.findall(text)
    if not letters:
        return False
    other_script = sum(1 for letter in letters if not _latin(letter))
    if other_script / len(letters) > MIN_OTHER_SCRIPT_SHARE:
        return True
    said = _WORD.findall(text)
    words = [word.lower() for word in said]
    if len(words) < MIN_WORDS:
        return False
    if len(said) <= MAX_NAME_WORDS and all(word[:1].isupper() for word in said):
        return False  # a name, answering "What name should the appointment be under?"
    function_words_said = sum(1 for word in words if word in function_words())
    if function_words_said / len(words) >= MAX_FUNCTION_WORD_SHARE:
        return False
    in_dictionary = sum(1 for word in words if word in _dictionary())
    if in_dictionary / len(words) >= MAX_DICTIONARY_SHARE:
        return False
    english = dict(_identifier().rank(text)).get("en", 0.0)
    return bool(english < MAX_ENGLISH_PROBABILITY)


def answers_with_a_name(text: str, asked: object) -> bool:
    """Whether ``text`` may be the name asked for ("wojciech szczepański kowalczyk").

    At the name question a few words of another language are a name, not a
    message to answer in English.
    """
    return asked == NAME_SLOT and len(_WORD.findall(text)) <= MAX_NAME_WORDS


def _latin(letter: str) -> bool:
    return "LATIN" in unicodedata.name(letter, "")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """langid.py's packaged model, with probabilities (about 1 s to load, once)."""
    from langid.langid import LanguageIdentifier, model

    return LanguageIdentifier.from_modelstring(model, norm_probs=True)


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """English function words ("the", "for", "then": scikit-learn's list)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


@lru_cache(maxsize=1)
def _dictionary() -> Any:
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1)


def warm_up() -> None:
    """Load the model and word lists now rather than at the first message."""
    reads_as_other_language("bonjour tout le monde")
