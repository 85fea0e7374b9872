"""Past and vague days through the real servers (Rasa, the action server, SQLite), over REST."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest

from ops.servers import AssistantStack
from tests.servers import say, stack_in, texts

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantStack]:
    with stack_in(tmp_path_factory.mktemp("servers")) as servers:
        yield servers


def test_a_past_day_is_refused_and_a_vague_one_answered_with_free_times(
    stack: AssistantStack,
) -> None:
    patient = f"patient-{uuid.uuid4()}"  # "now" is Wednesday 25 November 2026, 11:00
    say(stack, patient, "i'd like to book an appointment")
    say(stack, patient, '/inform{"condition": "sciatica"}')
    say(stack, patient, "Ann O'Neil")
    say(stack, patient, "07911 123456")
    assert "Which day" in texts(say(stack, patient, "first visit"))
    past = texts(say(stack, patient, "yesterday"))
    assert "Tuesday 24 November has already passed" in past
    assert "couldn't read" not in past
    offered = say(stack, patient, "monday or tuesday next week")
    assert "free times between Monday 30 November and Tuesday 1 December" in texts(offered)
    payloads = [b["payload"] for r in offered for b in r.get("buttons", [])]
    assert len(payloads) == 6 and payloads[0] == "Monday 30 November at 09:00"
    # Tapping one gives the day and the time: the form goes on to the notes.
    chosen = texts(say(stack, patient, payloads[-1]))
    assert "anything the acupuncturist should know" in chosen.lower()
    summary = texts(say(stack, patient, "nothing to add"))
    assert "Tuesday 1 December at 16:45" in summary
