"""The HTML pages over HTTP: lists, transcripts, reviews, notes, appointments, export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import urllib.parse

import pytest

from clinic_core.store import AppointmentStore, appointments
from staff_console.audit import AuditLog
from staff_console.db import console_engine
from tests.helpers.appointments import RETURNING_PATIENT, new_appointment
from tests.helpers.console import LONDON, Client, Console, csrf_token

pytestmark = pytest.mark.servers


def conversation_ids(html: str) -> list:
    return re.findall(r'<span class="conv-id">([^<]+)</span>', html)


def audit_actions(console: Console, limit: int = 20) -> list:
    log = AuditLog(console_engine(console.settings.console_database_url), console.settings.utc_now)
    return [(e.actor, e.action, e.target, e.detail) for e in log.recent(limit)[0]]


def test_home_shows_unreviewed_emergencies_then_handoffs_first(
    console: Console, bob: Client
) -> None:
    page = bob.get("/")
    assert page.status == 200
    attention = page.text.split("Needs attention")[1].split("</section>")[0]
    order = [sender for sender in conversation_ids(attention)]
    assert order[:1] == ["patient-emergency"]
    assert order.index("whatsapp:+447700900123") == len(order) - 1
    assert set(order) <= {"patient-emergency", "patient-emergency-2", "whatsapp:+447700900123"}
    today = page.text.split("Today ·")[1].split("</section>")[0]
    assert "Tuesday 1 December 2026" in today and "Ann Lee" in today and "Bob Stone" in today
    assert "Cara Diaz" not in today


def test_conversation_list_filters_and_pages(bob: Client) -> None:
    first = bob.get("/conversations")
    assert first.status == 200 and "39 found" in first.text
    assert len(conversation_ids(first.text)) == 25
    assert "Older" in first.text
    second = bob.get("/conversations?page=2")
    assert len(conversation_ids(second.text)) == 14
    assert conversation_ids(bob.get("/conversations?emergency=1").text) == [
        "patient-emergency",
        "patient-emergency-2",
    ]
    assert conversation_ids(bob.get("/conversations?low_confidence=1").text) == ["patient-lowconf"]
    assert set(conversation_ids(bob.get("/conversations?booked=yes").text)) == {
        "patient-booked",
        "whatsapp:+447700900123",
        "patient-filler-03",
    }
    not_booked = bob.get("/conversations?booked=no")
    assert "36 found" in not_booked.text and "patient-booked" not in not_booked.text
    assert conversation_ids(bob.get("/conversations?topic=hip_bursitis").text) == ["patient-booked"]
    dated = bob.get("/conversations?from=2026-11-30&to=2026-11-30")
    assert conversation_ids(dated.text) == ["patient-emergency", "whatsapp:+447700900123"]
    assert conversation_ids(bob.get("/conversations?q=sprockets").text) == ["patient-lowconf"]
    broken = bob.get("/conversations?from=yesterday&booked=perhaps")
    assert broken.status == 200 and "must be a date" in broken.text and "39 found" in broken.text


def test_filters_survive_paging(bob: Client) -> None:
    page = bob.get("/conversations?topic=ask_opening_hours")
    assert "30 found" in page.text
    assert "/conversations?topic=ask_opening_hours&amp;page=2" in page.text


def test_transcript_shows_intents_confidences_and_buttons(bob: Client) -> None:
    page = bob.get("/conversations/patient-booked")
    assert page.status == 200
    assert "my hip hurts when I kneel" in page.text
    assert '<span class="intent">hip_pain</span>' in page.text and "88%" in page.text
    assert '<span class="chip" title="/hip_pain">My hip hurts</span>' in page.text
    assert "Hip bursitis" in page.text  # condition shown by its name
    assert "Ann Lee" in page.text  # the appointment made in this conversation


def test_sender_ids_with_colons_and_plus_signs_open(bob: Client) -> None:
    path = "/conversations/" + urllib.parse.quote("whatsapp:+447700900123", safe="")
    page = bob.get(path)
    assert page.status == 200 and "can I talk to a real person please" in page.text
    assert bob.get("/conversations/nobody-here").status == 404


def test_patient_text_is_escaped(bob: Client) -> None:
    for path in (
        "/conversations/patient-xss",
        "/conversations?q=pwned",
        "/",
        "/appointments?from=2026-12-05",
    ):
        text = bob.get(path).text
        assert "<script>" not in text and "<b>" not in text, path
    transcript = bob.get("/conversations/patient-xss").text
    assert (
        "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in transcript
    )
    assert "Zoë &lt;b&gt;Bold&lt;/b&gt;" in bob.get("/appointments?from=2026-12-05").text


def test_review_and_unreview_are_audited(console: Console, bob: Client) -> None:
    page = bob.get("/conversations/patient-emergency-2")
    token = csrf_token(page.text)
    done = bob.post("/reviews", {"csrf_token": token, "sender_id": "patient-emergency-2"})
    assert done.status == 303
    assert done.header("location") == "/conversations/patient-emergency-2?msg=reviewed"
    page = bob.get(done.header("location"))
    assert "Marked as reviewed." in page.text and "Reviewed by <strong>bob</strong>" in page.text
    assert "patient-emergency-2" not in bob.get("/").text.split("Recent conversations")[0]
    assert ("bob", "review", "patient-emergency-2", "") in audit_actions(console)
    assert conversation_ids(bob.get("/conversations?emergency=1&reviewed=no").text) == [
        "patient-emergency"
    ]
    undone = bob.post(
        "/reviews",
        {"csrf_token": token, "sender_id": "patient-emergency-2", "action": "unreview"},
    )
    assert undone.status == 303
    assert "patient-emergency-2" in bob.get("/").text.split("Recent conversations")[0]
    assert bob.post("/reviews", {"csrf_token": token, "sender_id": "ghost"}).status == 404


def test_staff_notes_are_escaped_searchable_and_audited(console: Console, bob: Client) -> None:
    token = csrf_token(bob.get("/conversations/patient-unicode").text)
    body = "Called back <i>twice</i>; prefers German"
    done = bob.post("/notes", {"csrf_token": token, "sender_id": "patient-unicode", "body": body})
    assert done.status == 303
    page = bob.get(done.header("location")).text
    assert "Called back &lt;i&gt;twice&lt;/i&gt;; prefers German" in page
    assert conversation_ids(bob.get("/conversations?q=prefers+german").text) == ["patient-unicode"]
    assert any(a[:3] == ("bob", "note", "patient-unicode") for a in audit_actions(console))
    empty = bob.post("/notes", {"csrf_token": token, "sender_id": "patient-unicode", "body": "  "})
    assert empty.status == 400 and "cannot be empty" in empty.text


def test_appointments_by_day_in_clinic_time(bob: Client) -> None:
    page = bob.get("/appointments")
    assert page.status == 200
    assert "Tuesday 1 December 2026" in page.text and "Monday 7 December 2026" in page.text
    tuesday = page.text.split("<h2>Tuesday 1 December 2026")[1].split("<h2>Wednesday")[0]
    assert "10:00–10:45" in tuesday and "Ann Lee" in tuesday and "First visit" in tuesday
    assert '/conversations/patient-booked"' in tuesday
    one_day = bob.get("/appointments?from=2026-12-02&days=1")
    assert "Cara Diaz" in one_day.text and "Ann Lee" not in one_day.text
    assert "Cancelled" in one_day.text
    assert "between 1 and" in bob.get("/appointments?days=1000").text


def test_changing_a_status_uses_the_store_and_is_audited(console: Console, bob: Client) -> None:
    reference = console.data.references["eve"]
    page = bob.get("/appointments?from=2026-12-04&days=1")
    token = csrf_token(page.text)
    form = {"csrf_token": token, "return_to": "/appointments?from=2026-12-04&days=1"}
    done = bob.post(f"/appointments/{reference}/status", {**form, "status": "no_show"})
    assert done.status == 303
    assert done.header("location") == "/appointments?from=2026-12-04&days=1&msg=status"
    store = AppointmentStore(console.data.appointments_url)
    assert store.get(reference).status == "no_show"  # type: ignore[union-attr]
    bob.post(f"/appointments/{reference}/status", {**form, "status": "cancelled"})
    assert store.get(reference).status == "cancelled"  # type: ignore[union-attr]
    assert store.by_conversation("nobody") == []
    eve = store.get(reference)
    assert eve is not None and not store.taken_cells(eve.starts_at, eve.ends_at)  # time freed
    bob.post(f"/appointments/{reference}/status", {**form, "status": "booked"})
    assert len(store.taken_cells(eve.starts_at, eve.ends_at)) == 3  # claimed again
    assert (
        "bob",
        "status_change",
        reference,
        "cancelled -> booked",
    ) in audit_actions(console)
    assert bob.post(f"/appointments/{reference}/status", {**form, "status": "lost"}).status == 400
    assert bob.post("/appointments/NOSUCH/status", {**form, "status": "booked"}).status == 404
    off_site = bob.post(
        f"/appointments/{reference}/status",
        {**form, "status": "booked", "return_to": "https://evil.example/"},
    )
    assert off_site.header("location") == "/appointments?msg=status"


def test_csv_export_is_injection_safe_and_audited(console: Console, bob: Client) -> None:
    response = bob.get("/appointments/export.csv?from=2026-12-01&to=2026-12-05")
    assert response.status == 200
    assert response.header("content-type").startswith("text/csv")
    assert 'filename="appointments-2026-12-01-to-2026-12-05.csv"' in response.header(
        "content-disposition"
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["patient_name"] for r in rows][:3] == ["Ann Lee", "Bob Stone", "Cara Diaz"]
    bob_row = rows[1]
    assert bob_row["notes"] == '\'=HYPERLINK("http://evil.example","x")'
    assert bob_row["phone"] == "'+447911000111"
    assert bob_row["start"] == "14:00" and bob_row["date"] == "2026-12-01"
    zoe = next(r for r in rows if r["patient_name"].startswith("Zoë"))
    assert zoe["reason"] == "'@SUM(A1)"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    assert any(
        a[:3] == ("bob", "export", "appointments.csv") and "2026-12-01..2026-12-05" in a[3]
        for a in audit_actions(console)
    )
    one_day = bob.get("/appointments/export.csv?from=2026-12-02")
    assert 'filename="appointments-2026-12-02.csv"' in one_day.header("content-disposition")
    assert len(list(csv.DictReader(io.StringIO(one_day.text)))) == 1
    assert bob.get("/appointments/export.csv?from=2026-12-02&to=2026-01-01").status == 400


def test_audit_log_is_for_administrators(alice: Client, bob: Client) -> None:
    assert bob.get("/audit").status == 403
    assert "Audit log" not in bob.get("/").text
    page = alice.get("/audit")
    assert page.status == 200 and "login" in page.text


def test_uncancelling_a_time_booked_since_fails_and_leaves_one_booking(
    console: Console, bob: Client
) -> None:
    store = AppointmentStore(console.data.appointments_url)
    start = dt.datetime(2027, 1, 12, 10, 0, tzinfo=LONDON)
    first = store.book(
        new_appointment(start, **RETURNING_PATIENT, patient_name="Uma First", conversation_id=None)
    )
    store.cancel(first.reference)
    second = store.book(
        new_appointment(
            start + dt.timedelta(minutes=15),
            **RETURNING_PATIENT,
            patient_name="Vic Second",
            conversation_id=None,
        )
    )
    try:
        page = bob.get("/appointments?from=2027-01-12&days=1")
        form = {"csrf_token": csrf_token(page.text), "status": "booked"}
        refused = bob.post(f"/appointments/{first.reference}/status", form)
        assert refused.status == 409
        assert f"{first.reference} stays cancelled" in refused.text
        active = [
            a.reference
            for a in console.app.ctx.console.appointments.between(start.date(), start.date())
            if a.status != "cancelled"
        ]
        assert active == [second.reference]
        assert store.get(first.reference).status == "cancelled"  # type: ignore[union-attr]
        assert ("bob", "status_change", first.reference, "cancelled -> booked") not in (
            audit_actions(console)
        )
    finally:
        with store.engine.begin() as connection:
            connection.execute(
                appointments.delete().where(
                    appointments.c.reference.in_([first.reference, second.reference])
                )
            )
