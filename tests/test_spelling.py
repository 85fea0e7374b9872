"""Misspelt words put right before the intent classifier reads a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic_core.spelling import SpellingNormaliser

CLINIC_WORDS = ["I have sciatica", "hip bursitis", "book an appointment", "acupuncture"]


@pytest.fixture(scope="module")
def spelling() -> SpellingNormaliser:
    return SpellingNormaliser.from_texts(CLINIC_WORDS)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("my sciatia is realy bad", "my sciatica is really bad"),
        ("can i get an apointment", "can i get an appointment"),
        # The clinic's words win over the dictionary's equally near ones.
        ("bursits", "bursitis"),
        ("acupunture", "acupuncture"),
        # Text-speak written out; short or nowhere near a word: as typed.
        ("wat tiems r u opn", "what times are you opn"),
        ("Hello there", "Hello there"),
        ("I'm fine, it's ok", "I'm fine, it's ok"),
        ("07911 123456 or ann@example.com", "07911 123456 or ann@example.com"),
        ("", ""),
    ],
)
def test_unknown_words_are_put_right(spelling: SpellingNormaliser, typed: str, read: str) -> None:
    assert spelling.normalise(typed) == read


def test_it_reads_as_saved(spelling: SpellingNormaliser, tmp_path: Path) -> None:
    spelling.save(tmp_path / "spelling.json")
    loaded = SpellingNormaliser.load(tmp_path / "spelling.json")
    assert loaded.known_words == spelling.known_words
    assert loaded.normalise("my sciatia") == "my sciatica"


def test_it_remembers_nothing_patients_typed(spelling: SpellingNormaliser) -> None:
    """No cache of corrections: the words of one message are gone after it (docs/security.md)."""
    before = dict(vars(spelling))
    spelling.normalise("Mrs Quigglesworth has a sciatia")
    assert vars(spelling) == before
    assert "quigglesworth" not in spelling.known_words


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("bk pain v bad since sat", "back pain very bad since sat"),
        ("can i bk an appt 2moro", "can i book an appointment tomorrow"),
        ("wot shud i do", "what should i do"),
        ("r u open", "are you open"),
    ],
)
def test_text_speak_is_written_out(typed: str, read: str) -> None:
    assert SpellingNormaliser({"back": 1, "pain": 1}).normalise(typed) == read
