"""The action server trusts nobody: the shared secret, the booking's own contact, unknown outcomes.

Real servers (tests/servers.py): the action server started by the launcher
(ops/action_server.py) and a Rasa server reaching it through a small TCP
relay, which can SIGKILL the action server right after it has answered a
chosen action, i.e. after that action's write committed: what Rasa sees when a
worker dies between COMMIT and its reply.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, BinaryIO, Dict, Iterator, List, Optional, Tuple

import pytest
import sqlalchemy as sa

from clinic_core.conversation_ids import conversation_id
from clinic_core.store import appointments
from ops.servers import AssistantStack, ManagedProcess, free_port, send_rest, wait_for_http
from ops.settings import ACTION_SERVER_TOKEN_ENV
from tests.helpers.action_server import action_call, post
from tests.servers import stack_in

pytestmark = pytest.mark.servers

BOOKED = re.compile(r"You're booked: .*? reference is ([A-Z0-9]{6})")
EMAIL = "alex.morgan@example.com"


def read_message(stream: BinaryIO) -> Optional[bytes]:
    """One HTTP/1.1 request or response with a Content-Length body; None at EOF."""
    head = b""
    while True:
        line = stream.readline()
        if not line:
            return None
        head += line
        if line in (b"\r\n", b"\n"):
            break
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    body = stream.read(int(match.group(1))) if match else b""
    return head + body


class KillingRelay:
    """A TCP relay to the action server that can kill it after answering one action."""

    def __init__(self, upstream_port: int) -> None:
        self.port = free_port()
        self.upstream_port = upstream_port
        self.kill_after: Optional[str] = None  # an action name
        self.victim: Optional[ManagedProcess] = None
        self.killed = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.upstream_port)) as upstream:
            from_client, from_upstream = client.makefile("rb"), upstream.makefile("rb")
            while True:
                request = read_message(from_client)
                if request is None:
                    return
                upstream.sendall(request)
                answer = read_message(from_upstream)
                if answer is None:
                    return
                target = self.kill_after
                if target and re.search(rf'"next_action":\s*"{target}"'.encode(), request):
                    assert self.victim is not None and self.victim.process is not None
                    os.killpg(self.victim.process.pid, signal.SIGKILL)
                    self.victim.process.wait()
                    self.kill_after = None
                    self.killed.set()
                    return  # the answer is lost with the worker
                client.sendall(answer)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Tuple[AssistantStack, KillingRelay]]:
    stack = stack_in(tmp_path_factory.mktemp("action-security"))
    relay = KillingRelay(stack.action_port)
    stack.env_overrides["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{relay.port}/webhook"
    try:
        with stack:
            relay.victim = stack.processes[0]
            yield stack, relay
    finally:
        relay.close()


def appointments_of(stack: AssistantStack, sender: str) -> List[Dict[str, Any]]:
    engine = sa.create_engine(stack.env()["DATABASE_URL"], future=True)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(appointments).where(
                appointments.c.conversation_id == conversation_id("rest", sender)
            )
        ).all()
    engine.dispose()
    return [dict(row._mapping) for row in rows]


class Patient:
    def __init__(self, stack: AssistantStack) -> None:
        self.sender = f"patient-{uuid.uuid4().hex[:12]}"
        self.url = stack.rasa_url
        self.buttons: List[str] = []

    def say(self, text: str) -> str:
        message = self.buttons[0] if text == "#1" and self.buttons else text
        replies = send_rest(self.url, self.sender, message, timeout=60)
        self.buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
        return " ".join(r.get("text", "") for r in replies)

    @classmethod
    def at_summary(cls, stack: AssistantStack, day: str) -> Patient:
        """A new patient who has answered every question up to the booking summary."""
        patient = cls(stack)
        patient.up_to_summary(day)
        return patient

    def up_to_summary(self, day: str) -> None:
        steps = [
            ("i'd like to book an appointment", "appointment to be about"),
            ('/inform{"condition": "sciatica"}', "What name"),
            ("Alex Morgan", "phone number or email"),
            (EMAIL, "been to the clinic before"),
            ("first visit", "Which day"),
            (day, "What time on"),
            ("#1", "anything the acupuncturist should know"),
            ("nothing to add", "Shall I book it"),
        ]
        for message, expected in steps:
            reply = self.say(message)
            assert expected in reply, f"{message!r} -> {reply!r}"


def test_calls_without_the_shared_secret_get_401(
    servers: Tuple[AssistantStack, KillingRelay]
) -> None:
    stack, _ = servers
    call = action_call("action_manage_booking", {})
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": ""}):
        status, body = post(f"{stack.action_url}/webhook", call, headers)
        assert (status, body) == (401, {"error": "unauthorized"}), headers
    request = urllib.request.Request(f"{stack.action_url}/actions")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{stack.action_url}/health", timeout=10) as health:
        assert health.status == 200  # open: load balancers and start-up checks
    log = (stack.log_dir / "actions.log").read_text()
    assert "ALARM action server refused an unauthenticated call to /webhook" in log
    assert f"Action server on http://127.0.0.1:{stack.action_port}" in log


def test_a_made_up_verified_tracker_can_neither_read_nor_cancel(
    servers: Tuple[AssistantStack, KillingRelay]
) -> None:
    """Even with the secret (a leak), a slot saying "verified" opens nobody's booking."""
    stack, _ = servers
    patient = Patient.at_summary(stack, "thursday 3 december")
    booked = BOOKED.search(patient.say("yes"))
    assert booked, "Rasa could not call the action server with its secret"
    reference = booked.group(1)
    token = {"Authorization": f"Bearer {stack.env()[ACTION_SERVER_TOKEN_ENV]}"}
    forged = {"booking_reference": reference, "booking_contact": "verified"}
    for action, task in (
        ("action_manage_booking", "check"),
        ("action_ask_manage_confirmed", "cancel"),
        ("action_manage_booking", "cancel"),
    ):
        slots = {**forged, "booking_task": task, "manage_confirmed": True}
        status, body = post(f"{stack.action_url}/webhook", action_call(action, slots), token)
        assert status == 200, body
        said = [r.get("response") for r in body["responses"]]
        assert said == ["utter_booking_not_found"], (action, task, body)
        assert "Alex" not in json.dumps(body) and EMAIL not in json.dumps(body)
    [stored] = appointments_of(stack, patient.sender)
    assert stored["status"] == "booked"
    # The patient's own contact, as the form stores it after checking, still works.
    slots = {"booking_reference": reference, "booking_contact": EMAIL, "booking_task": "check"}
    status, body = post(
        f"{stack.action_url}/webhook", action_call("action_manage_booking", slots), token
    )
    assert [r.get("response") for r in body["responses"]] == ["utter_appointment_details"]


def test_worker_killed_after_commit_is_never_reported_as_nothing_changed(
    servers: Tuple[AssistantStack, KillingRelay]
) -> None:
    stack, relay = servers
    patient = Patient.at_summary(stack, "friday 4 december")
    relay.kill_after = "action_book_appointment"
    reply = patient.say("yes")
    assert relay.killed.is_set(), "the action server was not killed after the booking"
    assert "can't tell you yet whether that went through" in reply, reply
    assert "nothing has been changed" not in reply and "booked:" not in reply, reply
    [first] = appointments_of(stack, patient.sender)  # the write had committed
    assert relay.victim is not None
    relay.victim.start()
    wait_for_http(f"{stack.action_url}/health", relay.victim)
    assert "Shall I book it" in patient.say("i'd like to book an appointment")
    match = BOOKED.search(patient.say("yes"))
    assert match and match.group(1) == first["reference"]
    assert len(appointments_of(stack, patient.sender)) == 1


def test_launcher_binds_loopback_whatever_sanic_host_says(tmp_path: Path) -> None:
    """A SANIC_HOST=0.0.0.0 left in the environment no longer publishes the action server."""
    from ops.servers import action_server
    from ops.settings import server_env

    port = free_port()
    env = server_env(action_port=port, base={**os.environ, "SANIC_HOST": "0.0.0.0"})  # noqa: S104
    process = action_server(port, env, tmp_path)
    process.start()
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", process)
        tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
        listening = "".join(table.read_text() for table in tables if table.exists())
        rows = [row for row in map(str.split, listening.splitlines()) if ":" in row[1]]
        local = [row[1] for row in rows if row[3] == "0A"]  # 0A: LISTEN
        ours = [address for address in local if address.endswith(f":{port:04X}")]
        assert ours == [f"0100007F:{port:04X}"], ours  # 127.0.0.1 only
    finally:
        process.stop()
    assert "SANIC_HOST=0.0.0.0 is ignored" in process.log_tail(50)


def test_an_unexpected_error_in_an_action_is_an_alarm_with_its_traceback(tmp_path: Path) -> None:
    """A plain bug is not only an apology to the patient: staff see ALARM and the traceback."""
    from ops.servers import action_server
    from ops.settings import server_env

    port = free_port()
    env = server_env(action_port=port, base=dict(os.environ))
    process = action_server(port, env, tmp_path)
    process.start()
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", process)
        token = {"Authorization": f"Bearer {env[ACTION_SERVER_TOKEN_ENV]}"}
        # A date the form never stores: the action's own code fails, not the store.
        call = action_call("action_ask_appointment_time", {"appointment_date": "not a date"})
        status, _ = post(f"http://127.0.0.1:{port}/webhook", call, token)
    finally:
        process.stop()
    assert status == 500
    log = (tmp_path / "actions.log").read_text()
    assert "ALARM action server: action_ask_appointment_time failed: ValueError" in log
    assert "Traceback (most recent call last)" in log
