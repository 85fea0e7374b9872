"""The production profile with real servers, and the faults it must survive.

One PostgreSQL, one Redis, two Rasa processes, an action server with two
Sanic workers and nginx in front, all started here on loopback ports in a
temporary folder (ops/production.py, as `make run-prod` starts them) and
stopped at the end. PostgreSQL and nginx are installed from Debian on first
use.

The tests run in file order: the concurrency test first, then one fault at a
time, each restoring what it broke. The stack runs at production's action
deadline (a slow turn under load is not a fault) and its Redis lock lifetime.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import psycopg2
import psycopg2.errors
import pytest
import sqlalchemy as sa

from bench.load import LoadResult, load, open_days
from clinic_core.clock import pinned_env
from clinic_core.conversation_ids import conversation_id
from clinic_core.settings import ROOT, ActionSettings
from clinic_core.store import appointment_slots, appointments
from ops.postgres import ACTIONS_ROLE, CONSOLE_ROLE, PRIVACY_ROLE, SUPERUSER, TRACKER_ROLE
from ops.production import ProductionStack
from ops.servers import ManagedProcess, send_rest, wait_for_http, wait_for_port
from ops.training import model_path
from tests.browser import artifact
from tests.servers import REFERENCE_NOW

pytestmark = pytest.mark.servers

ACTION_TIMEOUT_S = ActionSettings.__fields__["timeout_seconds"].default
# As in production (ops/production.py): twice the deadline, so that a turn with
# two slow calls to the action server still holds its conversation's lock.
LOCK_LIFETIME_S = 2 * int(ACTION_TIMEOUT_S)
PHONE = "+44 20 7946 0123"  # clinic/profile.yml
BOOKED = re.compile(r"You're booked: .*? reference is ([A-Z0-9]{6})")


@pytest.fixture(scope="module")
def prod() -> Iterator[ProductionStack]:
    model = model_path()
    if not model.exists():
        pytest.fail(f"no model at {model}: run `make test`, which trains it first")
    stack = ProductionStack.throwaway(
        model,
        console=True,
        env_overrides={
            "CONSOLE_SECRET_KEY": "console-secret-key-for-tests-only",
            **pinned_env(REFERENCE_NOW),
            "ACTION_SERVER_TIMEOUT_SECONDS": str(ACTION_TIMEOUT_S),
            "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME_S),
            # 24 patients' load from this one loopback address: raised explicitly.
            "RATE_LIMIT_ADDRESS_MESSAGES": "100000",
            "RATE_LIMIT_MESSAGES": "100000",
        },
    )
    try:
        with stack:
            yield stack
    finally:
        stack.remove_folder()


@pytest.fixture(scope="module")
def clinic_db(prod: ProductionStack) -> Iterator[sa.engine.Engine]:
    assert prod.postgres is not None
    engine = sa.create_engine(prod.postgres.url("clinic"), future=True, pool_pre_ping=True)
    yield engine
    engine.dispose()


class Patient:
    """One patient's conversation, sent to whichever Rasa process a test picks."""

    def __init__(self, prod: ProductionStack) -> None:
        self.sender = f"patient-{uuid.uuid4().hex[:12]}"
        self.urls = prod.assistant.rasa_urls if prod.assistant else []
        self.buttons: List[str] = []

    def say(self, text: str, process: int = 0, timeout: float = 30) -> str:
        """Send ``text`` ("#1": the first offered button) to Rasa process ``process``."""
        message = self.buttons[0] if text == "#1" and self.buttons else text
        replies = send_rest(self.urls[process], self.sender, message, timeout=timeout)
        self.buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
        return " ".join(r.get("text", "") for r in replies)

    def up_to_summary(self, day: str) -> str:
        """A first-visit booking up to "Shall I book it?", alternating processes."""
        steps = [
            ("i'd like to book an appointment", "appointment to be about"),
            ('/inform{"condition": "sciatica"}', "What name"),
            ("Alex Morgan", "phone number or email"),
            # one email per patient: a contact holds at most 3 upcoming bookings
            (f"alex.morgan.{self.sender}@example.com", "been to the clinic before"),
            ("first visit", "Which day"),
            (day, "What time on"),
            ("#1", "anything the acupuncturist should know"),
            ("nothing to add", "Shall I book it"),
        ]
        text = ""
        for number, (message, expected) in enumerate(steps):
            text = self.say(message, process=number % 2)
            assert expected in text, f"{message!r} -> {text!r}"
        return text


def appointments_of(engine: sa.engine.Engine, sender: str) -> List[Dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(appointments).where(
                appointments.c.conversation_id == conversation_id("rest", sender)
            )
        ).all()
    return [dict(row._mapping) for row in rows]


def events_of(prod: ProductionStack, senders: List[str]) -> Dict[str, List[Tuple[str, str]]]:
    """(type, text) of every user and bot event per conversation, in stored order."""
    assert prod.postgres is not None
    engine = sa.create_engine(prod.postgres.url("rasa"), future=True)
    found: Dict[str, List[Tuple[str, str]]] = defaultdict(list)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT sender_id, type_name, data FROM events WHERE sender_id = ANY(:senders) "
                "AND type_name IN ('user', 'bot') ORDER BY id"
            ),
            {"senders": senders},
        ).all()
    engine.dispose()
    for sender, kind, data in rows:
        found[sender].append((kind, json.loads(data).get("text") or ""))
    return found


def test_twenty_four_patients_across_two_processes(
    prod: ProductionStack, clinic_db: sa.engine.Engine
) -> None:
    """Every turn answered in order, every booking stored once, every event kept."""
    assert prod.assistant is not None
    days = open_days(dt.date(2026, 11, 26), 24)
    result: LoadResult = load(prod.assistant.rasa_urls, 24, 12, days, tag=uuid.uuid4().hex[:6])
    summary = result.summary()
    artifact("production-load.json").write_text(json.dumps(summary, indent=2))
    assert summary["turns"] == 24 * 12
    assert (summary["failed"], summary["lost"], summary["out_of_order"]) == (0, 0, 0), summary

    confirmed = {}
    for sender, _, reply in result.transcripts:
        match = BOOKED.search(reply)
        if match:
            confirmed[match.group(1)] = conversation_id("rest", sender)
    unfinished = [t for t in result.transcripts if t[1] == "yes" and not BOOKED.search(t[2])]
    detail = [t for t in result.transcripts if unfinished and t[0] == unfinished[0][0]]
    assert len(confirmed) >= 10, detail  # half of the patients reach the end of a booking

    senders = sorted({conversation_id("rest", sender) for sender, _, _ in result.transcripts})
    with clinic_db.connect() as connection:
        stored = connection.execute(
            sa.select(appointments.c.reference, appointments.c.conversation_id).where(
                appointments.c.conversation_id.in_(senders)
            )
        ).all()
        claimed = connection.execute(
            sa.select(sa.func.count(sa.distinct(appointment_slots.c.appointment_id)))
        ).scalar()
    references = [row.reference for row in stored]
    assert sorted(references) == sorted(confirmed), "a booking is missing or stored twice"
    assert all(confirmed[row.reference] == row.conversation_id for row in stored)
    assert claimed is not None and claimed >= len(stored)  # every booking holds its time

    stored_events = events_of(prod, senders)
    for sender in senders:
        sent = [
            message
            for who, message, _ in result.transcripts
            if conversation_id("rest", who) == sender
        ]
        events = stored_events[sender]
        users = [text for kind, text in events if kind == "user"]
        assert users == sent, f"{sender}: stored user messages differ from those sent"
        # Each message is followed by at least one reply before the next one.
        kinds = [kind for kind, _ in events]
        answered = [kinds[i + 1] == "bot" for i, k in enumerate(kinds) if k == "user"]
        assert all(answered), f"{sender}: a message without a stored reply"


def test_staff_console_reads_postgresql(prod: ProductionStack, clinic_db: sa.engine.Engine) -> None:
    """The console's API, with a token made by the documented command, on PostgreSQL."""
    assert prod.postgres is not None and prod.assistant is not None
    env = {
        **os.environ,
        "CONSOLE_DATABASE_URL": prod.postgres.url("clinic"),
        "CONSOLE_SECRET_KEY": "console-secret-key-for-tests-only",
    }
    command = [sys.executable, "-m", "staff_console.accounts", "create-token", "integration"]
    made = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    token = made.stdout.strip()

    def api(path: str) -> Any:
        request = urllib.request.Request(
            f"{prod.assistant.console_url}/api{path}",  # type: ignore[union-attr]
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.loads(response.read())

    with clinic_db.connect() as connection:
        booked = connection.execute(
            sa.select(appointments.c.reference, appointments.c.conversation_id).where(
                appointments.c.status == "booked"
            )
        ).all()
    listed = api("/appointments?from=2026-11-25&to=2027-01-31")["appointments"]
    assert sorted(a["reference"] for a in listed) == sorted(row.reference for row in booked)
    conversations = api("/conversations?page_size=100")
    assert conversations["total"] >= 24
    one = booked[0].conversation_id
    transcript = api(f"/conversations/{one}")
    assert transcript["id"] == one
    assert [a["reference"] for a in transcript["appointments"]] == [booked[0].reference]


def test_nginx_keeps_socketio_sessions_and_does_not_publish_rest(prod: ProductionStack) -> None:
    """deploy/nginx-assistant.conf in front of both processes."""
    patient = f"edge-{uuid.uuid4().hex[:8]}"
    # The REST channel is not public (docs/security.md): nginx answers 404
    # and no conversation is started; the Rasa processes still serve it on loopback.
    with pytest.raises(urllib.error.HTTPError) as unpublished:
        send_rest(prod.edge_url, patient, "my lower back hurts")
    assert unpublished.value.code == 404
    assert prod.assistant is not None
    replies = send_rest(prod.assistant.rasa_urls[0], patient, "my lower back hurts")
    assert "lower back pain" in " ".join(r.get("text", "") for r in replies)

    # socket.io's polling handshake, then a second request with its session id:
    # it must reach the same process, or socket.io answers 400.
    def get(path: str) -> Tuple[int, str]:
        with urllib.request.urlopen(f"{prod.edge_url}{path}", timeout=10) as response:
            return response.status, response.read().decode()

    status, body = get("/socket.io/?EIO=4&transport=polling")
    assert status == 200
    sid = json.loads(body[body.index("{") :])["sid"]
    for _ in range(3):
        request = urllib.request.Request(
            f"{prod.edge_url}/socket.io/?EIO=4&transport=polling&sid={sid}",
            data=b"40",
            headers={"Content-Type": "text/plain;charset=UTF-8"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

    huge = json.dumps({"sender": patient, "message": "x" * 100_000}).encode()
    request = urllib.request.Request(
        f"{prod.edge_url}/webhooks/telegram/webhook",
        data=huge,
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 413
    with pytest.raises(urllib.error.HTTPError) as hidden:
        urllib.request.urlopen(f"{prod.edge_url}/status", timeout=10)
    assert hidden.value.code == 404


def restart(process: ManagedProcess, ready_url: str) -> None:
    process.stop()
    process.start()
    wait_for_http(ready_url, process)


def test_killed_rasa_process_other_one_continues(prod: ProductionStack) -> None:
    assert prod.assistant is not None
    first = prod.assistant.rasa_processes[0]
    patient = Patient(prod)
    assert "appointment to be about" in patient.say("i want to book an appointment", 0)
    assert "What name" in patient.say('/inform{"condition": "hip_bursitis"}', 0)
    assert first.process is not None
    os.killpg(first.process.pid, signal.SIGKILL)
    first.process.wait(10)
    try:
        # The form goes on where it was, on the other process.
        assert "phone number or email" in patient.say("Robin Lee", 1)
        assert "been to the clinic before" in patient.say("+44 7911 123456", 1)
    finally:
        restart(first, f"{prod.assistant.rasa_urls[0]}/webhooks/rest/")
    # ...and on the restarted one.
    assert "Which day" in patient.say("returning", 0)


def test_rasa_process_killed_mid_message(prod: ProductionStack) -> None:
    """The message in flight is lost with its process; the next one, elsewhere, is answered.

    The dead process's lock on the conversation expires after
    TICKET_LOCK_LIFETIME; until then the other process waits for it.
    """
    assert prod.assistant is not None
    first, actions = prod.assistant.rasa_processes[0], prod.assistant.processes[0]
    assert first.process is not None and actions.process is not None
    patient = Patient(prod)
    assert "appointment to be about" in patient.say("i want to book an appointment", 0)
    in_flight: List[BaseException] = []

    def send() -> None:
        try:
            patient.say('/inform{"condition": "sciatica"}', 0)
        except BaseException as error:  # the connection dies with the process
            in_flight.append(error)

    os.killpg(actions.process.pid, signal.SIGSTOP)  # hold the turn inside Rasa
    try:
        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(1)
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
        sender.join(10)
    finally:
        os.killpg(actions.process.pid, signal.SIGCONT)
    try:
        assert in_flight, "the message in flight should have failed with its process"
        started = time.monotonic()
        reply = patient.say('/inform{"condition": "sciatica"}', 1)
        assert time.monotonic() - started < LOCK_LIFETIME_S + 5
        assert "What name" in reply, reply
    finally:
        restart(first, f"{prod.assistant.rasa_urls[0]}/webhooks/rest/")
    assert "phone number or email" in patient.say("Sam Rivers", 0)


def test_action_server_down_then_back(prod: ProductionStack, clinic_db: sa.engine.Engine) -> None:
    assert prod.assistant is not None
    actions = prod.assistant.processes[0]
    patient = Patient(prod)
    patient.up_to_summary("thursday 3 december")
    actions.stop()
    try:
        started = time.monotonic()
        reply = patient.say("yes", 1)
        assert time.monotonic() - started < ACTION_TIMEOUT_S + 5
        assert "nothing has been changed" in reply and PHONE in reply, reply
        assert "booked:" not in reply
        assert appointments_of(clinic_db, patient.sender) == []
    finally:
        restart(actions, f"{prod.assistant.action_url}/health")
    # The form still waits for the confirmation: saying yes again books, once.
    assert BOOKED.search(patient.say("yes", 0))
    assert len(appointments_of(clinic_db, patient.sender)) == 1


def test_action_server_hangs_then_recovers(
    prod: ProductionStack, clinic_db: sa.engine.Engine
) -> None:
    """A frozen action server: an apology within the deadline, not a 5-minute wait."""
    assert prod.assistant is not None
    actions = prod.assistant.processes[0]
    assert actions.process is not None
    patient = Patient(prod)
    assert "appointment to be about" in patient.say("can i make an appointment", 0)
    os.killpg(actions.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        reply = patient.say('/inform{"condition": "lower_back_pain"}', 1)
        waited = time.monotonic() - started
        assert ACTION_TIMEOUT_S - 0.5 < waited < ACTION_TIMEOUT_S + 5
        assert "taking too long" in reply and PHONE in reply, reply
    finally:
        os.killpg(actions.process.pid, signal.SIGCONT)
    # When it answers again, the patient's answer to the same question is taken.
    assert "What name" in patient.say("lower back pain", 0)
    assert "phone number or email" in patient.say("Jo Bloggs", 1)


def test_booking_write_too_slow_is_never_confirmed_and_never_doubled(
    prod: ProductionStack, clinic_db: sa.engine.Engine
) -> None:
    """The write blocks past the deadline, commits later; a retry finds it, not a 2nd one."""
    assert prod.postgres is not None
    patient = Patient(prod)
    patient.up_to_summary("friday 4 december")
    blocker = psycopg2.connect(prod.postgres.url("clinic"))
    try:
        with blocker.cursor() as cursor:  # reads go on, new claims wait
            cursor.execute("LOCK TABLE appointment_slots IN SHARE MODE")
        reply = patient.say("yes", 0)
        assert "taking too long" in reply and "booked:" not in reply, reply
    finally:
        blocker.rollback()
        blocker.close()
    deadline = time.monotonic() + 15
    while not appointments_of(clinic_db, patient.sender) and time.monotonic() < deadline:
        time.sleep(0.2)  # the late write commits once the lock is gone
    first = appointments_of(clinic_db, patient.sender)
    assert len(first) == 1
    assert "Shall I book it" in patient.say("i'd like to book an appointment", 1)
    match = BOOKED.search(patient.say("yes", 0))
    assert match and match.group(1) == first[0]["reference"]
    assert len(appointments_of(clinic_db, patient.sender)) == 1


def set_connections(prod: ProductionStack, database: str, allowed: bool) -> None:
    assert prod.postgres is not None
    admin = psycopg2.connect(prod.postgres.url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (database,),
            )
    admin.close()


def test_appointments_database_unreachable_at_confirmation(
    prod: ProductionStack, clinic_db: sa.engine.Engine
) -> None:
    patient = Patient(prod)
    patient.up_to_summary("monday 7 december")
    set_connections(prod, "clinic", allowed=False)
    try:
        reply = patient.say("yes", 1)
        assert "booked:" not in reply and "reference" not in reply, reply
        assert re.search(r"nothing has been (booked|changed)", reply), reply
    finally:
        set_connections(prod, "clinic", allowed=True)
    assert appointments_of(clinic_db, patient.sender) == []
    # Once the database is back, the patient can confirm again.
    if "Shall I book it" not in reply:
        assert "Shall I book it" in patient.say("i'd like to book an appointment", 0)
    assert BOOKED.search(patient.say("yes", 0))
    assert len(appointments_of(clinic_db, patient.sender)) == 1


def rasa_logs(prod: ProductionStack) -> str:
    return "".join(p.read_text(errors="replace") for p in prod.log_dir.glob("rasa*.log"))


def test_redis_unreachable_apology_and_alarm(prod: ProductionStack) -> None:
    assert prod.redis is not None
    patient = Patient(prod)
    assert "What's bothering you" in patient.say("hello", 0)
    prod.redis.stop()
    try:
        for process in (0, 1):
            started = time.monotonic()
            reply = patient.say("what are your opening hours?", process, timeout=20)
            assert time.monotonic() - started < 8, "the message hung"
            assert PHONE in reply and "isn't responding" in reply, reply
        assert "ALARM lock store unavailable" in rasa_logs(prod)
    finally:
        prod.redis.start()
        wait_for_port(prod.redis_port, prod.redis)
    assert "Monday" in patient.say("what are your opening hours?", 1)


def test_redis_not_answering_apology_within_its_timeout(prod: ProductionStack) -> None:
    """A frozen Redis accepts connections and never answers: bounded by socket_timeout (2 s)."""
    assert prod.redis is not None and prod.redis.process is not None
    patient = Patient(prod)
    assert "What's bothering you" in patient.say("hello", 1)
    os.killpg(prod.redis.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        reply = patient.say("what are your opening hours?", 0, timeout=30)
        waited = time.monotonic() - started
        assert waited < 6, f"the message waited {waited:.1f} s"
        assert PHONE in reply and "isn't responding" in reply, reply
    finally:
        os.killpg(prod.redis.process.pid, signal.SIGCONT)
    assert "Monday" in patient.say("what are your opening hours?", 0)


def can(prod: ProductionStack, database: str, role: str, statement: str) -> bool:
    """Whether ``role`` may connect to ``database`` and run ``statement`` (rolled back)."""
    assert prod.postgres is not None
    try:
        connection = psycopg2.connect(prod.postgres.url(database, role), connect_timeout=5)
    except psycopg2.OperationalError as error:
        assert "permission denied for database" in str(error), error
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
        return True
    except psycopg2.errors.InsufficientPrivilege:
        return False
    finally:
        connection.rollback()
        connection.close()


def test_each_component_connects_with_its_own_role_and_least_rights(
    prod: ProductionStack,
) -> None:
    """Rasa cannot read appointments; the console reads the tracker read-only."""
    assert prod.assistant is not None
    new_event = "INSERT INTO events (sender_id, type_name) VALUES ('x', 'user')"
    new_appointment = "INSERT INTO appointments (reference) VALUES ('XXXXXX')"
    assert can(prod, "rasa", TRACKER_ROLE, "SELECT count(*) FROM events")
    assert not can(prod, "clinic", TRACKER_ROLE, "SELECT 1")  # no appointments for Rasa
    assert can(prod, "clinic", ACTIONS_ROLE, "SELECT count(*) FROM appointments")
    assert not can(prod, "rasa", ACTIONS_ROLE, "SELECT 1")  # no conversations
    assert can(prod, "rasa", CONSOLE_ROLE, "SELECT count(*) FROM events")
    for change in (new_event, "UPDATE events SET data = data", "DELETE FROM events"):
        assert not can(prod, "rasa", CONSOLE_ROLE, change), change
    assert can(prod, "clinic", CONSOLE_ROLE, "UPDATE appointments SET status = status")
    assert can(prod, "clinic", CONSOLE_ROLE, "DELETE FROM appointment_slots WHERE false")
    assert not can(prod, "clinic", CONSOLE_ROLE, new_appointment)  # only the action server books
    assert not can(prod, "clinic", CONSOLE_ROLE, "DROP TABLE appointments")
    assert can(prod, "rasa", PRIVACY_ROLE, "DELETE FROM events WHERE false")
    assert not can(prod, "rasa", PRIVACY_ROLE, new_event)
    assert not can(prod, "clinic", PRIVACY_ROLE, "SELECT 1")

    def environment(name: str) -> Dict[str, str]:
        [process] = [p for p in prod.assistant.processes if p.name == name]  # type: ignore[union-attr]
        assert process.process is not None
        raw = Path(f"/proc/{process.process.pid}/environ").read_bytes()
        return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)

    rasa, actions = environment("Rasa server"), environment("action server")
    console = environment("staff console")
    assert f"//{TRACKER_ROLE}:" in rasa["TRACKER_STORE_URL"] and "DATABASE_URL" not in rasa
    assert f"//{ACTIONS_ROLE}:" in actions["DATABASE_URL"] and "TRACKER_STORE_URL" not in actions
    assert f"//{CONSOLE_ROLE}:" in console["TRACKER_STORE_URL"]
    assert f"//{CONSOLE_ROLE}:" in console["DATABASE_URL"]
    assert f"//{PRIVACY_ROLE}:" in console["PRIVACY_TRACKER_STORE_URL"]
    everything = json.dumps([rasa, actions, console])
    assert f"//{SUPERUSER}:" not in everything


def test_every_server_still_up(prod: ProductionStack) -> None:
    dead: Optional[ManagedProcess] = prod.first_dead()
    assert dead is None, f"{dead.name} died:\n{dead.log_tail()}" if dead else ""
