"""Privacy rights: one patient's data exported as one JSON file, or erased everywhere.

Real SQLite databases: Rasa's own SQLTrackerStore writes the conversations,
the booking store the appointments, the console its notes and audit log; the
console's pages are used over HTTP like a browser.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import shutil
import sqlite3
import warnings
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

from clinic_core.store import AppointmentStore
from staff_console.audit import AuditLog
from staff_console.db import console_engine
from staff_console.privacy import Patient, erase, export, main
from staff_console.retention import apply_retention
from staff_console.reviews import Reviews
from staff_console.settings import Settings
from tests.helpers.appointments import RETURNING_PATIENT, new_appointment
from tests.helpers.console import (
    CLINIC_NOW,
    LONDON,
    ROOT,
    Client,
    Console,
    Data,
    Script,
    at,
    csrf_token,
    make_settings,
    tracker_events,
)

PHONE = "+447912345678"
EMAIL = "pat.doe@example.com"
# What must be gone after an erasure, in any form it was stored in.
TRACES = ("345678", "2345678", "pat.doe", "Pat Doe", "needles make me faint")


def save_conversations(url: str, scripts: List[Script]) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        domain = Domain.load(str(ROOT / "domain.yml"))
    store = SQLTrackerStore(domain=domain, host=url)

    async def save_all() -> None:
        for script in scripts:
            tracker = DialogueStateTracker.from_events(
                script.sender_id, tracker_events(script), slots=domain.slots
            )
            await store.save(tracker)

    asyncio.run(save_all())
    store.engine.dispose()


def patient_data(settings: Settings) -> str:
    """The patient: an SMS conversation, a web booking, notes, audit entries."""
    save_conversations(
        settings.tracker_store_url,
        [
            Script(f"sms:{PHONE}", at("2026-11-28", 9))
            .user("Hi, it's Pat Doe, 07912 345678, can I move my appointment?", "greet", 0.6)
            .bot("Of course. What's your booking reference?"),
            Script("web-pat", at("2026-11-27", 18))
            .user("i want to book, my back hurts", "book_appointment", 0.95)
            .slot("condition", "my back hurts since the fall")
            .slot("patient_name", "Pat Doe")
            .user(EMAIL, "inform", 0.9)
            .slot("contact", EMAIL)
            .slot("email", EMAIL)
            .bot(f"Shall I book it? Pat Doe, {EMAIL}"),
        ],
    )
    store = AppointmentStore(settings.appointments_database_url)
    booked = store.book(
        new_appointment(
            dt.datetime(2026, 12, 8, 10, 0, tzinfo=LONDON),
            **RETURNING_PATIENT,
            patient_name="Pat Doe",
            conversation_id="web-pat",
            phone=PHONE,
            email=EMAIL,
            notes="needles make me faint",
        )
    )
    store.engine.dispose()
    engine = console_engine(settings.console_database_url)
    reviews = Reviews(engine, settings.utc_now)
    reviews.add_note("web-pat", "bob", "Pat Doe asked for a woman acupuncturist")
    reviews.add_note("patient-lowconf", "bob", f"Same person as {EMAIL}?")
    reviews.add_note("patient-booked", "bob", "Unrelated: Ann prefers mornings")
    reviews.mark("web-pat", "bob", 1)
    log = AuditLog(engine, settings.utc_now)
    log.record("bob", "view", f"sms:{PHONE}", "transcript")
    log.record("bob", "status_change", booked.reference, "booked -> attended")
    log.record("bob", "login", "", "")
    engine.dispose()
    return booked.reference


def dump(url: str, *tables: str) -> str:
    """Every row of ``tables`` (fixed names from this file) as one string."""
    with sqlite3.connect(url[len("sqlite:///") :]) as connection:
        queries = [f"SELECT * FROM {table}" for table in tables]  # noqa: S608
        return json.dumps([connection.execute(query).fetchall() for query in queries])


def everything(settings: Settings) -> Dict[str, str]:
    return {
        "tracker": dump(settings.tracker_store_url, "events"),
        "appointments": dump(settings.appointments_database_url, "appointments"),
        "notes": dump(settings.console_database_url, "console_notes", "console_reviews"),
        "audit": dump(settings.console_database_url, "console_audit_log"),
    }


@pytest.fixture
def private(data: Data, tmp_path: Path) -> Iterator[Tuple[Settings, str, Data]]:
    """Copies of the shared databases plus one patient's data, harming no other test."""
    for name in ("tracker.db", "appointments.db"):
        shutil.copy(data.folder / name, tmp_path / name)
    copy = Data(
        tmp_path,
        f"sqlite:///{tmp_path / 'tracker.db'}",
        f"sqlite:///{tmp_path / 'appointments.db'}",
        data.references,
    )
    settings = make_settings(copy, tmp_path, utc_now=lambda: CLINIC_NOW)
    reference = patient_data(settings)
    yield settings, reference, copy


def test_the_patient_is_found_by_phone_or_email_as_staff_type_them() -> None:
    assert Patient.parse("07912 345678", "", "GB") == Patient(PHONE, None)
    assert Patient.parse("", "Pat.Doe@EXAMPLE.com", "GB") == Patient(None, EMAIL)
    for phone, email in (("", ""), ("12", ""), ("", "not-an-email")):
        with pytest.raises(ValueError):
            Patient.parse(phone, email, "GB")


def test_export_holds_conversations_appointments_and_notes(
    private: Tuple[Settings, str, Data]
) -> None:
    settings, reference, _ = private
    exported = export(settings, Patient(PHONE, None), "alice")
    by_email = export(settings, Patient(None, EMAIL), "alice")
    assert {c["conversation_id"] for c in exported["conversations"]} == {f"sms:{PHONE}", "web-pat"}
    assert {c["conversation_id"] for c in by_email["conversations"]} == {f"sms:{PHONE}", "web-pat"}
    [booked] = exported["appointments"]
    assert booked["reference"] == reference and booked["notes"] == "needles make me faint"
    assert sorted(n["body"] for n in exported["staff_notes"]) == [
        "Pat Doe asked for a woman acupuncturist",
        f"Same person as {EMAIL}?",
    ]
    text = json.dumps(exported)
    assert "07912 345678, can I move" in text and "my back hurts since the fall" in text
    assert "Ann prefers mornings" not in text and "patient-booked" not in text
    json.loads(json.dumps(exported))  # one JSON document
    [entry], _ = AuditLog(console_engine(settings.console_database_url), settings.utc_now).recent(1)
    assert (entry.action, entry.actor, entry.target) == ("export", "alice", "patient data")
    assert entry.detail == f"{EMAIL}: 2 conversations, 1 appointments, 2 staff notes"


def test_erasure_leaves_no_trace_but_its_own_audit_entry(
    private: Tuple[Settings, str, Data]
) -> None:
    settings, reference, _ = private
    export(settings, Patient(PHONE, EMAIL), "alice")  # the export's audit entry names them
    before = everything(settings)
    assert all(any(t in before[part] for t in TRACES) for part in before), before.keys()
    other_rows = before["tracker"].count("patient-booked")
    report = erase(settings, Patient(None, EMAIL), "alice")
    assert (report.conversations, report.appointments, report.notes) == (2, 1, 2)
    after = everything(settings)
    for part, text in after.items():
        found = [t for t in TRACES if t in text] + ([reference] if reference in text else [])
        assert not found, f"{part} still holds {found}"
    assert after["tracker"].count("patient-booked") == other_rows  # others untouched
    assert "Ann prefers mornings" in after["notes"]
    entries, _ = AuditLog(console_engine(settings.console_database_url), settings.utc_now).recent()
    assert entries[0].action == "erasure" and entries[0].actor == "alice"
    assert entries[0].detail.startswith("erased one patient: 2 conversations")
    assert entries[0].target == ""
    assert [e.action for e in entries[1:4]] == ["export", "login", "status_change"]
    # The freed time can be booked again.
    assert (
        AppointmentStore(settings.appointments_database_url).taken_cells(
            dt.datetime(2026, 12, 8, 0, 0, tzinfo=LONDON),
            dt.datetime(2026, 12, 9, 0, 0, tzinfo=LONDON),
        )
        == set()
    )


def test_anonymising_keeps_statistics_without_the_patient(
    private: Tuple[Settings, str, Data]
) -> None:
    settings, reference, _ = private
    report = erase(settings, Patient(PHONE, None), "alice", anonymise=True)
    assert report.anonymised and report.conversations == 2
    after = everything(settings)
    for part, text in after.items():
        assert not [t for t in TRACES if t in text], part
    kept = AppointmentStore(settings.appointments_database_url).get(reference)
    assert kept is not None and kept.status == "booked" and kept.patient_name == "[removed]"
    assert kept.phone is None and kept.reason == "[removed]" and kept.notes is None
    assert after["tracker"].count("anonymised-") > 0
    assert "book_appointment" in after["tracker"]  # intents stay for statistics


def test_retention_anonymises_old_appointments_and_free_text_slots(
    private: Tuple[Settings, str, Data]
) -> None:
    settings, reference, _ = private
    store = AppointmentStore(settings.appointments_database_url)
    report = apply_retention(settings, days=1, anonymise=True, now=CLINIC_NOW)
    assert report.appointments_anonymised == 0  # all of them are recent
    tracker = dump(settings.tracker_store_url, "events")
    assert "my back hurts since the fall" not in tracker  # the patient's own words
    assert "hip_bursitis" in tracker  # a known condition is kept for statistics
    later = CLINIC_NOW + dt.timedelta(days=settings.appointment_retention_days + 30)
    report = apply_retention(settings, anonymise=True, now=later)
    assert report.appointments_anonymised >= 1
    old = store.get(reference)
    assert old is not None and old.patient_name == "[removed]" and old.notes is None
    assert old.starts_at == dt.datetime(2026, 12, 8, 10, 0, tzinfo=LONDON)


def test_command_line_export_and_erase(private: Tuple[Settings, str, Data], tmp_path: Path) -> None:
    settings, _, _ = private
    out = tmp_path / "pat.json"
    assert main(["export", "--phone", "07912 345678", "--out", str(out)], settings=settings) == 0
    assert json.loads(out.read_text())["patient"]["phone"] == PHONE
    assert out.stat().st_mode & 0o077 == 0
    printed = io.StringIO()
    assert main(["erase", "--email", EMAIL], settings=settings, stdout=printed) == 0
    assert printed.getvalue().startswith("erased one patient: 2 conversations")


def test_privacy_pages_for_administrators_only(console: Console, alice: Client) -> None:
    """The shared console (one Sanic app per process): its data is only read, never erased."""
    bob = Client(console.url)
    assert bob.login("bob").status == 303
    assert bob.get("/privacy").status == 403
    form = {"csrf_token": csrf_token(bob.get("/").text), "email": "cara@example.com"}
    assert bob.post("/privacy/export", form).status == 403
    assert bob.post("/privacy/erase", {**form, "confirm": "ERASE"}).status == 403
    page = alice.get("/privacy")
    assert page.status == 200 and "Erase a patient" in page.text
    token = csrf_token(page.text)
    downloaded = alice.post("/privacy/export", {"csrf_token": token, "email": "Cara@Example.com"})
    assert downloaded.status == 200 and "attachment" in downloaded.header("content-disposition")
    assert downloaded.header("cache-control") == "no-store"
    [cara] = downloaded.json()["appointments"]
    assert cara["reference"] == console.data.references["cara"]
    refused = alice.post("/privacy/erase", {"csrf_token": token, "email": "cara@example.com"})
    assert refused.status == 400 and "Type ERASE" in refused.text
    assert alice.post("/privacy/erase", {"csrf_token": token, "confirm": "ERASE"}).status == 400
    nobody = {"csrf_token": token, "email": "nobody@example.com", "confirm": "ERASE"}
    done = alice.post("/privacy/erase", nobody)
    assert done.status == 200 and "erased one patient: 0 conversations" in done.text
    log = AuditLog(console_engine(console.settings.console_database_url), console.settings.utc_now)
    assert [e.action for e in log.recent(2)[0]] == ["erasure", "export"]


def test_transcript_and_appointment_views_are_audited(console: Console, alice: Client) -> None:
    assert alice.get("/conversations/patient-booked").status == 200
    assert alice.get("/appointments?from=2026-12-01&days=3").status == 200
    log = AuditLog(console_engine(console.settings.console_database_url), console.settings.utc_now)
    newest = log.recent(2)[0]
    assert [(e.actor, e.action, e.target, e.detail) for e in newest] == [
        ("alice", "view", "appointments", "2026-12-01..2026-12-03"),
        ("alice", "view", "patient-booked", "transcript"),
    ]
