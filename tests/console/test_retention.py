"""Retention: old conversations are deleted or anonymised; appointments stay."""

from __future__ import annotations

import io
import shutil
import sqlite3
from pathlib import Path
from typing import List, Tuple

import pytest
import yaml

from clinic_core.data_files import parse_model
from clinic_core.profile import ClinicProfile, load_profile
from clinic_core.store import AppointmentStore
from staff_console.audit import AuditLog
from staff_console.conversation_filter import ConversationFilter
from staff_console.db import console_engine
from staff_console.retention import apply_retention, main
from staff_console.reviews import Reviews
from staff_console.settings import Settings
from staff_console.tracker_queries import ConversationStore
from tests.helpers.console import CLINIC_NOW, LONDON, ROOT, Data, make_settings


@pytest.fixture
def settings(data: Data, tmp_path: Path) -> Settings:
    """A private copy of the tracker store, so that deleting from it harms no other test."""
    shutil.copy(data.folder / "tracker.db", tmp_path / "tracker.db")
    copy = Data(tmp_path, f"sqlite:///{tmp_path / 'tracker.db'}", data.appointments_url, {})
    settings = make_settings(copy, tmp_path, utc_now=lambda: CLINIC_NOW)
    reviews = Reviews(console_engine(settings.console_database_url), settings.utc_now)
    reviews.add_note("patient-old", "bob", "Olga asked us to call her back")
    reviews.add_note("patient-booked", "bob", "Kept: recent")
    reviews.mark("patient-old", "bob", 1)
    return settings


def rows(settings: Settings) -> List[Tuple[str, str, str]]:
    path = settings.tracker_store_url[len("sqlite:///") :]
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT sender_id, type_name, data FROM events").fetchall()


def senders(settings: Settings) -> List[str]:
    store = ConversationStore(settings.tracker_store_url, LONDON)
    return [i.sender_id for i in store.page(ConversationFilter(), 100).items]


def test_the_retention_period_is_in_the_clinic_profile() -> None:
    assert load_profile().privacy.conversation_retention_days == 365
    raw = yaml.safe_load((ROOT / "clinic" / "profile.yml").read_text())
    raw.pop("privacy")
    older = parse_model(yaml.safe_dump(raw), ClinicProfile)
    assert older.privacy.conversation_retention_days == 365  # old files still load


def test_old_conversations_are_deleted_and_recent_sessions_kept(settings: Settings) -> None:
    before = rows(settings)
    dry = apply_retention(settings, dry_run=True)
    assert rows(settings) == before
    assert (dry.conversations_removed, dry.conversations_trimmed, dry.notes_deleted) == (1, 1, 1)

    report = apply_retention(settings)
    assert report.conversations_removed == 1 and report.conversations_trimmed == 1
    assert report.events == dry.events > 0
    remaining = senders(settings)
    assert "patient-old" not in remaining and "patient-returning" in remaining
    assert len(remaining) == 38
    text = str(rows(settings))
    assert "Olga" not in text and "Rita" not in text and "hello again" in text
    reviews = Reviews(console_engine(settings.console_database_url), settings.utc_now)
    assert reviews.notes_for("patient-old") == [] and reviews.get("patient-old") is None
    assert [n.body for n in reviews.notes_for("patient-booked")] == ["Kept: recent"]
    log = AuditLog(console_engine(settings.console_database_url), settings.utc_now)
    entry = log.recent(1)[0][0]
    assert entry.action == "retention" and "deleted" in entry.detail
    assert apply_retention(settings).events == 0  # nothing left to do


def test_anonymising_keeps_statistics_but_no_personal_text(settings: Settings) -> None:
    report = apply_retention(settings, anonymise=True)
    assert report.conversations_removed == 1 and report.anonymised
    remaining = senders(settings)
    assert "patient-old" not in remaining
    anonymous = [s for s in remaining if s.startswith("anonymised-")]
    assert len(anonymous) == 2  # the old conversation and the returning patient's first session
    text = str(rows(settings))
    assert "Olga" not in text and "Rita" not in text and "parking" not in text
    store = ConversationStore(settings.tracker_store_url, LONDON)
    kept = [store.transcript(s) for s in anonymous]
    intents = {i for t in kept if t for i in t.intents}
    assert intents == {"sciatica", "ask_location"}
    assert any(t and t.condition == "sciatica" for t in kept)


def test_appointments_are_kept(settings: Settings, data: Data) -> None:
    store = AppointmentStore(data.appointments_url)
    before = [a.reference for a in store.by_conversation("patient-booked")]
    apply_retention(settings, days=1)
    assert "patient-booked" not in senders(settings)
    assert [a.reference for a in store.by_conversation("patient-booked")] == before


def test_command_line(settings: Settings) -> None:
    out = io.StringIO()
    assert main(["--dry-run", "--days", "400"], settings=settings, stdout=out) == 0
    assert out.getvalue().startswith("would have deleted")
    with pytest.raises(ValueError):
        apply_retention(settings, days=0)
