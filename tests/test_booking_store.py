"""The appointments database: double bookings, failed writes, verification."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import List
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from clinic_core.store import (
    REFERENCE_ALPHABET,
    AppointmentStore,
    NotBookedError,
    SlotTakenError,
    StoreUnavailableError,
    TooManyBookingsError,
    appointment_slots,
    appointments,
    contact_locks,
    lookup_failures,
)
from tests.helpers.appointments import new_appointment, race

LONDON = ZoneInfo("Europe/London")
TEN = dt.datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)


def count_appointments(url: str) -> int:
    with sa.create_engine(url).connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(appointments)).scalar()
        )


@pytest.fixture
def store(tmp_path: Path) -> AppointmentStore:
    return AppointmentStore(f"sqlite:///{tmp_path / 'appointments.db'}")


def test_book_and_read_back(store: AppointmentStore) -> None:
    booked = store.book(new_appointment())
    assert len(booked.reference) == 6 and set(booked.reference) <= set(REFERENCE_ALPHABET)
    assert booked.starts_at == TEN and booked.status == "booked"
    assert store.by_conversation("conversation-1") == [booked]


def test_overlapping_appointment_is_refused(store: AppointmentStore) -> None:
    store.book(new_appointment(minutes=75))  # 10:00-11:15
    with pytest.raises(SlotTakenError):
        store.book(new_appointment(TEN + dt.timedelta(minutes=60)))  # 11:00 overlaps
    store.book(new_appointment(TEN + dt.timedelta(minutes=75)))  # 11:15 is free


def test_asking_again_for_the_same_booking_returns_it_once(store: AppointmentStore) -> None:
    """A retry after a timeout whose first request committed: no second row, no "taken"."""
    first = store.book(new_appointment())
    again = store.book(new_appointment())
    assert again == first
    assert count_appointments(store.url) == 1
    with pytest.raises(SlotTakenError):  # another conversation still cannot take it
        store.book(new_appointment(conversation_id="conversation-2"))
    store.cancel(first.reference)
    assert store.book(new_appointment()).reference != first.reference


def test_same_slot_race_lets_exactly_one_win(tmp_path: Path) -> None:
    """Two conversations, two connections, the same time, the same instant."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    AppointmentStore(url)
    contenders = 8

    def take_slot(own_store: AppointmentStore, index: int) -> str:
        try:
            own_store.book(new_appointment(conversation_id=f"conversation-{index}"))
            return "booked"
        except SlotTakenError:
            return "taken"

    results = race(url, contenders, take_slot)
    assert sorted(results) == ["booked"] + ["taken"] * (contenders - 1)
    assert count_appointments(url) == 1


def test_failed_write_stores_nothing(store: AppointmentStore, tmp_path: Path) -> None:
    broken = AppointmentStore(f"sqlite:///{tmp_path / 'broken.db'}")
    with broken.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE appointment_slots")
    with pytest.raises((StoreUnavailableError, SlotTakenError)):
        broken.book(new_appointment())
    assert count_appointments(broken.url) == 0


def test_unreachable_database_is_reported(tmp_path: Path) -> None:
    store = AppointmentStore(f"sqlite:///{tmp_path / 'gone.db'}")
    (tmp_path / "gone.db").unlink()
    (tmp_path / "gone.db").mkdir()  # the file is now a directory: writes fail
    store.engine.dispose()
    with pytest.raises(StoreUnavailableError):
        store.book(new_appointment())


def test_quotes_and_sql_are_stored_as_text(store: AppointmentStore) -> None:
    name = "Robert'); DROP TABLE appointments;--"
    booked = store.book(
        new_appointment(patient_name=name, notes='"; DELETE FROM appointment_slots; --')
    )
    assert store.get(booked.reference).patient_name == name  # type: ignore[union-attr]
    assert store.get(booked.reference).notes.startswith('"; DELETE')  # type: ignore[union-attr]


def test_only_the_patients_contact_finds_the_booking(store: AppointmentStore) -> None:
    booked = store.book(new_appointment(email="ann@example.com"))
    assert store.find_for_patient(booked.reference, "+447911123456", None) == booked
    assert store.find_for_patient(booked.reference, None, "ANN@example.com") == booked
    assert store.find_for_patient(booked.reference, "+447911999999", None) is None
    assert store.find_for_patient(booked.reference, None, "someone@example.com") is None
    assert store.find_for_patient("AAAAAA", "+447911123456", None) is None


def test_cancel_frees_the_time_and_reschedule_keeps_old_time_on_conflict(
    store: AppointmentStore,
) -> None:
    first = store.book(new_appointment())
    second = store.book(new_appointment(TEN + dt.timedelta(hours=2)))
    with pytest.raises(SlotTakenError):
        store.reschedule(second.reference, TEN, 45, 15)
    assert store.get(second.reference).starts_at == TEN + dt.timedelta(hours=2)  # type: ignore[union-attr]
    assert store.cancel(first.reference).status == "cancelled"
    moved = store.reschedule(second.reference, TEN, 45, 15)
    assert moved.starts_at == TEN
    assert store.taken_cells(TEN, TEN + dt.timedelta(hours=4)) == {
        (TEN + dt.timedelta(minutes=m)).astimezone(dt.timezone.utc) for m in (0, 15, 30)
    }


def booked_cells(url: str) -> List[dt.datetime]:
    with sa.create_engine(url).connect() as connection:
        rows = connection.execute(sa.select(appointment_slots.c.slot_start)).all()
    return sorted(row.slot_start for row in rows)


def test_uncancelling_claims_the_time_again(store: AppointmentStore) -> None:
    first = store.book(new_appointment())
    store.cancel(first.reference)
    assert booked_cells(store.url) == []
    restored = store.set_status(first.reference, "booked", grid=15)
    assert restored.status == "booked"
    assert len(booked_cells(store.url)) == 3  # 45 minutes on a 15-minute grid
    with pytest.raises(SlotTakenError):  # the restored time really is held
        store.book(new_appointment(conversation_id="conversation-2"))


def test_uncancelling_a_retaken_time_fails_and_leaves_one_booking(
    store: AppointmentStore,
) -> None:
    first = store.book(new_appointment())
    store.cancel(first.reference)
    second = store.book(new_appointment(TEN + dt.timedelta(minutes=30), conversation_id="c2"))
    for status in ("booked", "attended", "no_show"):
        with pytest.raises(SlotTakenError):
            store.set_status(first.reference, status, grid=15)
    assert store.get(first.reference).status == "cancelled"  # type: ignore[union-attr]
    with sa.create_engine(store.url).connect() as connection:
        active = connection.execute(
            sa.select(appointments.c.reference).where(appointments.c.status != "cancelled")
        ).all()
    assert [row.reference for row in active] == [second.reference]
    assert len(booked_cells(store.url)) == 3  # only the second appointment's cells


def test_reschedule_refuses_a_cancelled_booking(store: AppointmentStore) -> None:
    first = store.book(new_appointment())
    store.cancel(first.reference)
    with pytest.raises(NotBookedError):
        store.reschedule(first.reference, TEN + dt.timedelta(days=1), 45, 15)
    assert store.get(first.reference).status == "cancelled"  # type: ignore[union-attr]
    assert booked_cells(store.url) == []


# -- bookings per contact --------------------------------------------------------

NOW = dt.datetime(2026, 11, 25, 11, 0, tzinfo=LONDON)


def test_a_contact_holds_at_most_the_cap_of_upcoming_bookings(store: AppointmentStore) -> None:
    for day in (1, 2, 3):
        start = dt.datetime(2026, 12, day, 10, 0, tzinfo=LONDON)
        store.book(new_appointment(start, conversation_id=f"c{day}"), max_active=3, now=NOW)
    fourth = new_appointment(dt.datetime(2026, 12, 4, 10, 0, tzinfo=LONDON), conversation_id="c4")
    with pytest.raises(TooManyBookingsError) as refused:
        store.book(fourth, max_active=3, now=NOW)
    assert refused.value.limit == 3
    # the same email under another phone number counts too (case does not matter)
    by_email = new_appointment(
        dt.datetime(2026, 12, 7, 10, 0, tzinfo=LONDON),
        phone=None,
        email="ann@example.com",
        conversation_id="e1",
    )
    for day in (8, 9):
        start = dt.datetime(2026, 12, day, 10, 0, tzinfo=LONDON)
        store.book(
            new_appointment(start, phone="+447700900999", email="Ann@Example.com",
                            conversation_id=f"e{day}"),
            max_active=3, now=NOW,
        )  # fmt: skip
    store.book(by_email, max_active=3, now=NOW)
    with pytest.raises(TooManyBookingsError):
        store.book(
            new_appointment(dt.datetime(2026, 12, 10, 10, 0, tzinfo=LONDON), phone=None,
                            email="ANN@example.com", conversation_id="e10"),
            max_active=3, now=NOW,
        )  # fmt: skip
    # a cancelled booking, or one in the past, frees its place
    store.cancel(store.by_conversation("c1")[0].reference)
    assert store.book(fourth, max_active=3, now=NOW).conversation_id == "c4"
    later = dt.datetime(2026, 12, 2, 12, 0, tzinfo=LONDON)  # c2 has started by then
    fifth = new_appointment(dt.datetime(2026, 12, 11, 10, 0, tzinfo=LONDON), conversation_id="c5")
    assert store.book(fifth, max_active=3, now=later).conversation_id == "c5"
    with store.engine.connect() as connection:  # no phone number or email in the helper table
        hashes = [row.contact_hash for row in connection.execute(sa.select(contact_locks))]
    assert hashes and all(len(h) == 64 and "@" not in h and "+" not in h for h in hashes)


def test_the_cap_holds_when_bookings_for_one_contact_race(tmp_path: Path) -> None:
    """Ten conversations book different times for one phone number at the same instant."""
    url = f"sqlite:///{tmp_path / 'cap.db'}"
    AppointmentStore(url)
    contenders = 10

    def book(own_store: AppointmentStore, index: int) -> str:
        start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=LONDON) + dt.timedelta(hours=index)
        try:
            own_store.book(
                new_appointment(start, conversation_id=f"race-{index}"), max_active=3, now=NOW
            )
            return "booked"
        except TooManyBookingsError:
            return "refused"

    results = race(url, contenders, book)
    assert sorted(results) == ["booked"] * 3 + ["refused"] * (contenders - 3)
    assert count_appointments(url) == 3


def test_lookup_failures_are_counted_by_hash_per_conversation_client_and_reference(
    store: AppointmentStore,
) -> None:
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=15)
    store.record_lookup_failure("rest:a", "client-1", "K7RM3D")
    store.record_lookup_failure("rest:b", "client-1", "k7rm3d")
    store.record_lookup_failure("sms:+447700900001", None, "AAAAAA")
    assert store.lookup_failures_since(since, conversation="rest:a") == 1
    assert store.lookup_failures_since(since, client="client-1") == 2
    assert store.lookup_failures_since(since, reference="K7RM3D") == 2
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
    assert store.lookup_failures_since(future, client="client-1") == 0
    with store.engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(sa.select(lookup_failures))]
    stored = " ".join(str(v) for row in rows for v in row.values())
    assert "K7RM3D" not in stored and "rest:a" not in stored and "+4477" not in stored


def test_a_failed_read_is_the_stores_own_error_and_an_alarm(
    store: AppointmentStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Callers catch only the store's errors: a broken database never leaks OperationalError."""
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE appointment_slots"))
        connection.execute(sa.text("DROP TABLE appointments"))
    with pytest.raises(StoreUnavailableError):
        store.taken_cells(TEN, TEN + dt.timedelta(days=1))
    for read in (store.conversation_ids, lambda: store.between(TEN, TEN), lambda: store.get("X")):
        with pytest.raises(StoreUnavailableError):
            read()
    assert "ALARM appointments database unavailable: no such table" in caplog.text
