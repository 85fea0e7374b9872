"""Abuse limits that hold, against the real servers: guessing and flooding.

One stack (Rasa, the action server and the staff console) whose rate-limit
window is an hour, so that a slow machine cannot let a flood slip into a new
window. Clients are told apart by ``X-Forwarded-For``, which the servers
believe only because the test runs them with ``TRUSTED_PROXIES=127.0.0.1``,
as the production profile does behind its nginx.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, Iterator, List, Tuple
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bench.load import open_days
from clinic_core.profile import load_profile
from clinic_core.settings import ROOT
from clinic_core.store import AppointmentStore, appointments
from ops.servers import AssistantStack
from staff_console.service import Console
from staff_console.settings import Settings
from tests.helpers.appointments import new_appointment
from tests.servers import stack_in

pytestmark = pytest.mark.servers

LONDON = ZoneInfo("Europe/London")
NOT_FOUND = "couldn't find an active booking"
LOCKED = "can't look up bookings from here for the next 15 minutes"
AT_THE_CAP = "as many as I can book online"
PHONE = "+44 20 7946 0123"  # clinic/profile.yml
ADDRESS_LIMIT = 120  # the default RATE_LIMIT_ADDRESS_MESSAGES


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantStack]:
    env = {"RATE_LIMIT_WINDOW_SECONDS": "3600", "TRUSTED_PROXIES": "127.0.0.1"}
    with stack_in(tmp_path_factory.mktemp("abuse"), console=True, env=env) as servers:
        yield servers


def send(stack: AssistantStack, client: str, sender: str, text: str) -> Tuple[int, str, List]:
    """One REST message from ``client`` (as nginx would forward it): status, text, buttons."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json", "X-Forwarded-For": client},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, replies = response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        status, replies = error.code, json.loads(error.read() or b"[]")
    text = " ".join(r.get("text", "") for r in replies)
    buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
    return status, text, buttons


def test_the_sixth_wrong_reference_attempt_is_refused_and_staff_see_the_alarm(
    stack: AssistantStack,
) -> None:
    store = AppointmentStore(stack.env()["DATABASE_URL"])
    real = store.book(
        new_appointment(
            dt.datetime(2026, 12, 2, 10, 0, tzinfo=LONDON),
            patient_name="Rosa Real",
            phone="+447911234567",
            conversation_id="sms:+447911234567",
        )
    )
    guesser, sender = "198.51.100.7", f"guesser-{uuid.uuid4().hex[:8]}"
    said: List[str] = []

    def say(text: str, client: str = guesser, conversation: str = sender) -> str:
        status, reply, _ = send(stack, client, conversation, text)
        assert status == 200, reply
        said.append(reply)
        return reply

    assert "booking reference" in say("i want to check my booking")
    for attempt in range(1, 6):
        assert "phone number or email" in say(real.reference)
        wrong = say(f"07911 2000{attempt:02d}")  # the right reference, a wrong contact
        assert (LOCKED if attempt == 5 else NOT_FOUND) in wrong, (attempt, wrong)
        assert PHONE in wrong or attempt < 5
    # the 6th attempt is refused even with the right contact, in this conversation...
    sixth = say("i want to check my booking") + say(real.reference) + say("07911 234567")
    assert LOCKED in sixth
    # ...but not another patient's conversation from the same (shared) address, until the
    # address itself has used up its attempts in conversation after conversation
    limits = load_profile().booking
    per_address, per_conversation = limits.lookup_attempts_per_address, limits.lookup_attempts
    failures = per_conversation
    while failures < per_address:
        other = f"guesser-{uuid.uuid4().hex[:8]}"  # a neighbour, short of its own limit
        assert "booking reference" in say("i want to check my booking", conversation=other)
        for _ in range(min(per_conversation - 1, per_address - failures)):
            assert "phone number or email" in say(real.reference, conversation=other)
            failures += 1
            wrong = say(f"07911 2001{failures:02d}", conversation=other)
            assert (LOCKED if failures == per_address else NOT_FOUND) in wrong, (failures, wrong)
    other = f"guesser-{uuid.uuid4().hex[:8]}"
    elsewhere = [say(t, conversation=other) for t in ("check my booking", real.reference)]
    assert LOCKED in " ".join(elsewhere) + say("07911 234567", conversation=other)
    everything = " ".join(said)
    assert "Rosa Real" not in everything and "2 December" not in everything

    # the reply never says which half was wrong: a wrong reference reads the same
    third = f"mistyped-{uuid.uuid4().hex[:8]}"
    say("i want to check my booking", client="203.0.113.60", conversation=third)
    say("AAAAAA" if real.reference != "AAAAAA" else "CCCCCC", "203.0.113.60", third)
    wrong_reference = say("07911 234567", client="203.0.113.60", conversation=third)
    first_wrong_contact = said[2]
    assert NOT_FOUND in wrong_reference and wrong_reference == first_wrong_contact

    # the real patient, from elsewhere, is not locked out of their booking
    patient = f"patient-{uuid.uuid4().hex[:8]}"
    say("i want to check my booking", client="203.0.113.50", conversation=patient)
    say(real.reference, client="203.0.113.50", conversation=patient)
    details = say("07911 234567", client="203.0.113.50", conversation=patient)
    assert "under the name Rosa Real" in details

    # staff: an ALARM line in the log and the conversation on the attention list
    log = (stack.log_dir / "actions.log").read_text()
    assert "ALARM booking reference lookups" in log
    console = Console(Settings.from_env(stack.env()))
    attention = {item.summary.sender_id: item for item in console.attention()}
    assert f"rest:{sender}" in attention
    assert attention[f"rest:{sender}"].summary.alarm and attention[f"rest:{sender}"].needs_review
    listed = console_api(stack, "/conversations?page_size=100")["conversations"]
    flagged = {c["id"] for c in listed if c["alarm"] and c["needs_review"]}
    assert f"rest:{sender}" in flagged and f"rest:{patient}" not in flagged


def console_api(stack: AssistantStack, path: str) -> Dict[str, Any]:
    """The staff console's API, with a token made by the documented command."""
    made = subprocess.run(
        [sys.executable, "-m", "staff_console.accounts", "create-token", "abuse-test"],
        env=stack.env(),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    request = urllib.request.Request(
        f"{stack.console_url}/api{path}",
        headers={"Authorization": f"Bearer {made.stdout.strip()}"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return dict(json.loads(response.read()))


def test_200_booking_attempts_from_one_address_book_at_most_the_cap(
    stack: AssistantStack,
) -> None:
    client, email = "198.51.100.9", f"flood-{uuid.uuid4().hex[:6]}@example.com"
    days = open_days(dt.date(2026, 11, 27), 40)
    statuses: List[int] = []
    texts: List[str] = []
    for attempt in range(200):
        sender = f"flood-{attempt}-{uuid.uuid4().hex[:6]}"  # a new sender id each time
        steps = [
            "i'd like to book an appointment",
            '/inform{"condition": "sciatica"}',
            "Flo Od",
            email,
            "first visit",
            days[attempt % len(days)],
            "#1",
            "nothing to add",
            "yes",
        ]
        buttons: List[str] = []
        for step in steps:
            message = buttons[0] if step == "#1" and buttons else step
            status, text, buttons = send(stack, client, sender, message)
            statuses.append(status)
            texts.append(text)
            if status == 429:
                break  # slowed down: this attempt goes no further
    with sa.create_engine(stack.env()["DATABASE_URL"]).connect() as connection:
        booked = connection.execute(
            sa.select(sa.func.count())
            .select_from(appointments)
            .where(appointments.c.email == email, appointments.c.status == "booked")
        ).scalar_one()
    answered = statuses.count(200)
    print(f"\nflood: {len(statuses)} messages, {answered} answered, {booked} booked")
    assert booked == 3  # the per-contact cap
    assert any(AT_THE_CAP in t and PHONE in t for t in texts)  # the kind refusal
    assert answered == ADDRESS_LIMIT  # whatever the sender ids, the address limit held
    assert statuses.count(429) >= 200 - ADDRESS_LIMIT // len(steps) - 1
    assert all(
        re.search(r"faster than I can answer", t)
        for s, t in zip(statuses, texts, strict=True)
        if s == 429
    )
