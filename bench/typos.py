"""One typing slip in each message, as on a phone keyboard, for a robustness figure.

Each message gets one slip in one word of four letters or more, chosen by a
seeded generator: a letter left out, two letters swapped, or a letter
replaced by a neighbouring key of a QWERTY keyboard. Real patients make
more kinds of mistakes (phonetic spellings, text-speak, several per
message); this measures the commonest kind, the same way on every run.
"""

from __future__ import annotations

import random
from typing import List, Sequence, Tuple

SEED = 7
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours(letter: str) -> str:
    """The keys left and right of ``letter``, and those above and below it."""
    for row_index, row in enumerate(_ROWS):
        column = row.find(letter)
        if column < 0:
            continue
        found = [row[i] for i in (column - 1, column + 1) if 0 <= i < len(row)]
        for other in (row_index - 1, row_index + 1):
            if 0 <= other < len(_ROWS) and column < len(_ROWS[other]):
                found.append(_ROWS[other][column])
        return "".join(found)
    return ""


def slip(text: str, rng: random.Random) -> str:
    """``text`` with one slip in one of its longer words (unchanged if it has none)."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
    if not candidates:
        return text
    index = rng.choice(candidates)
    word = words[index]
    at = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        word = word[:at] + word[at + 1 :]
    elif kind == 1:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    else:
        keys = _neighbours(word[at].lower()) or word[at]
        word = word[:at] + rng.choice(keys) + word[at + 1 :]
    words[index] = word
    return " ".join(words)


def with_slips(pairs: Sequence[Tuple[str, str]], seed: int = SEED) -> List[Tuple[str, str]]:
    """Each (text, label) pair with one slip in its text, the same on every run."""
    rng = random.Random(seed)
    return [(slip(text, rng), label) for text, label in pairs]
