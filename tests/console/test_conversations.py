"""Tracker-store queries: filters, pages, attention list, transcripts (no server)."""

from __future__ import annotations

import datetime as dt
from typing import Any, List

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from staff_console.conversation_filter import ConversationFilter, parse_filter
from staff_console.db import events
from staff_console.tracker_queries import ConversationStore
from tests.helpers.console import LONDON, Data


@pytest.fixture(scope="module")
def store(data: Data) -> ConversationStore:
    return ConversationStore(data.tracker_url, LONDON)


def ids(store: ConversationStore, size: int = 100, **filters: Any) -> List[str]:
    page = store.page(ConversationFilter(**filters), size)
    return [item.sender_id for item in page.items]


def test_newest_first_and_paginated(store: ConversationStore) -> None:
    first = store.page(ConversationFilter(), 25)
    second = store.page(ConversationFilter(page=2), 25)
    assert first.total == second.total == 39 and first.pages == 2
    assert len(first.items) == 25 and len(second.items) == 14
    everything = [i.sender_id for i in first.items + second.items]
    assert len(set(everything)) == 39
    lasts = [i.last_at for i in first.items + second.items]
    assert lasts == sorted(lasts, reverse=True)
    assert everything[:2] == ["patient-emergency", "whatsapp:+447700900123"]


def test_summary_of_a_conversation(store: ConversationStore) -> None:
    booked = next(
        i for i in store.page(ConversationFilter(), 50).items if i.sender_id == "patient-booked"
    )
    assert booked.user_messages == 4
    assert booked.condition == "hip_bursitis"
    # the preview skips "hello" and the button payload
    assert booked.first_message == "my hip hurts when I kneel"
    assert not (booked.emergency or booked.handoff or booked.low_confidence)
    assert booked.started_at == dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.timezone.utc)


def test_flag_filters(store: ConversationStore) -> None:
    assert ids(store, emergency=True) == ["patient-emergency", "patient-emergency-2"]
    assert ids(store, handoff=True) == ["whatsapp:+447700900123"]
    assert ids(store, low_confidence=True) == ["patient-lowconf"]
    assert set(ids(store, emergency=True, handoff=True)) == {
        "patient-emergency",
        "patient-emergency-2",
        "whatsapp:+447700900123",
    }


def test_date_range_is_in_clinic_days(store: ConversationStore) -> None:
    day = dt.date(2026, 11, 30)
    assert ids(store, date_from=day, date_to=day) == ["patient-emergency", "whatsapp:+447700900123"]
    assert "patient-lowconf" in ids(store, date_to=dt.date(2026, 11, 20))
    assert "patient-booked" not in ids(store, date_to=dt.date(2026, 11, 28))
    # the returning patient's messages were on 1 May 2025 and 25 November 2026
    assert "patient-returning" in ids(
        store, date_from=dt.date(2025, 5, 1), date_to=dt.date(2025, 5, 1)
    )
    assert "patient-returning" not in ids(
        store, date_from=dt.date(2025, 5, 2), date_to=dt.date(2026, 11, 24)
    )


def test_topic_matches_condition_slot_or_intent(store: ConversationStore) -> None:
    assert ids(store, topic="hip_bursitis") == ["patient-booked"]
    assert set(ids(store, topic="back_pain")) == {"patient-unicode", "patient-lowconf"}
    assert ids(store, topic="human_handoff") == ["whatsapp:+447700900123"]
    assert len(ids(store, topic="ask_opening_hours")) == 30
    assert ids(store, topic="no_such_thing") == []


def test_free_text_search(store: ConversationStore) -> None:
    assert ids(store, text="KNEEL") == ["patient-booked"]  # patient text, any case
    assert ids(store, text="bursa") == ["patient-booked"]  # assistant text too
    assert ids(store, text="rücken") == ["patient-unicode"]  # JSON stores \\u escapes
    assert ids(store, text="+4477009") == ["whatsapp:+447700900123"]  # the sender id
    assert ids(store, text="100%") == []  # LIKE wildcards are literal
    assert ids(store, text="h_p") == []  # would match "hip" as a wildcard
    assert store.page(ConversationFilter(text="zzz"), 10, text_senders={"patient-old"}).total == 1


def test_include_and_exclude_senders(store: ConversationStore) -> None:
    page = store.page(ConversationFilter(), 100, include={"patient-booked", "patient-xss", "ghost"})
    assert {i.sender_id for i in page.items} == {"patient-booked", "patient-xss"}
    page = store.page(ConversationFilter(), 100, exclude={"patient-booked"})
    assert page.total == 38
    assert store.page(ConversationFilter(), 100, include=set()).total == 0


def test_attention_lists_unreviewed_emergencies_before_handoffs(store: ConversationStore) -> None:
    attention = store.attention({})
    assert [i.sender_id for i in attention] == [
        "patient-emergency",
        "patient-emergency-2",
        "whatsapp:+447700900123",
    ]
    reviewed = {attention[0].sender_id: attention[0].last_event_id}
    assert next(i.sender_id for i in store.attention(reviewed)) == "patient-emergency-2"
    # a review that predates the red flag does not count
    stale = {attention[0].sender_id: attention[0].flag_event_id - 1}  # type: ignore[operator]
    assert store.attention(stale)[0].sender_id == "patient-emergency"


def test_transcript_has_intents_confidences_buttons_and_flags(store: ConversationStore) -> None:
    transcript = store.transcript("patient-booked")
    assert transcript is not None
    kinds = [t.kind for t in transcript.turns]
    assert kinds[0] == "session" and kinds.count("user") == 4 and kinds.count("bot") == 4
    hip = next(t for t in transcript.turns if t.intent == "hip_pain")
    assert hip.text == "my hip hurts when I kneel" and hip.confidence == pytest.approx(0.88)
    assert hip.entities == (("body_part", "hip"),)
    greeting = next(t for t in transcript.turns if t.kind == "bot")
    assert greeting.buttons == (("My hip hurts", "/hip_pain"), ("My back hurts", "/back_pain"))
    assert transcript.condition == "hip_bursitis"
    assert transcript.intents == ["greet", "hip_pain", "hip_bursitis", "book_appointment"]
    emergency = store.transcript("patient-emergency")
    assert emergency is not None and emergency.emergency
    assert [t.flag for t in emergency.turns if t.flag] == ["emergency", "emergency"]
    low = store.transcript("patient-lowconf")
    assert low is not None and [t.low_confidence for t in low.turns if t.kind == "user"] == [
        True,
        True,
    ]
    assert store.transcript("nobody") is None


def test_the_tracker_store_is_opened_read_only(store: ConversationStore) -> None:
    with pytest.raises(OperationalError, match="readonly"), store.engine.begin() as connection:
        connection.execute(events.delete())


def test_a_missing_tracker_store_shows_nothing(tmp_path: Any) -> None:
    empty = ConversationStore(f"sqlite:///{tmp_path / 'none.db'}", LONDON)
    assert empty.page(ConversationFilter(), 10).total == 0
    assert empty.attention({}) == [] and empty.transcript("x") is None


def test_one_page_costs_a_fixed_number_of_queries(data: Data) -> None:
    """The list never loads each conversation's events: two queries plus one look-up."""
    store = ConversationStore(data.tracker_url, LONDON)
    statements: List[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    store.available()
    statements.clear()
    store.page(ConversationFilter(), 25)
    assert len(statements) == 3
    assert all("GROUP BY" in s for s in statements[:2])
    assert "events.id IN" in statements[2]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"from": "2026-13-01"}, 1),
        ({"booked": "maybe"}, 1),
        ({"page": "-3"}, 1),
        ({"from": "2026-12-02", "to": "2026-12-01"}, 1),
        ({"from": "2026-12-01", "emergency": "1", "q": " hip ", "page": "2"}, 0),
    ],
)
def test_parse_filter(query: Any, errors: int) -> None:
    wanted, problems = parse_filter(query)
    assert len(problems) == errors
    if not errors:
        assert wanted.emergency and wanted.text == "hip" and wanted.page == 2
        assert (
            parse_filter(dict(pair.split("=") for pair in wanted.query().split("&")))[0] == wanted
        )
