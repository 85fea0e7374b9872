"""The edge limits and a bounded fuzz of the REST channel, against the real servers.

The fuzz sends a fixed number of random and hostile requests (seeded, so
every run sends the same ones): valid JSON with hostile messages, bodies
that are not JSON or not UTF-8, wrong shapes and types, deep nesting, wrong
content types and methods, and bodies over the size limit. No request may
get a 5xx, nothing may fail inside the server, and afterwards a patient
still gets a normal answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import queue
import random
import sqlite3
import string
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
import socketio
import websockets

from channels.guard import clean_text
from channels.web_session import WebSessions
from ops.servers import AssistantStack, send_rest
from tests.servers import stack_in

pytestmark = pytest.mark.servers

SEED = 20261124
FUZZ_REQUESTS = 240
MAX_CHARS = 1000  # the default
MAX_BODY = 65536  # the default
TOO_LONG = "too long for me to read"
SLOW_DOWN = "faster than I can answer"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantStack]:
    # The fuzz sends 240 requests from this one loopback address: the
    # per-address limit is raised explicitly (tests/test_abuse_limits.py tests it).
    env = {"RATE_LIMIT_ADDRESS_MESSAGES": "100000", "RATE_LIMIT_MESSAGES": "20"}
    with stack_in(tmp_path_factory.mktemp("edge"), env=env) as servers:
        yield servers


@dataclass
class Answer:
    status: int
    body: bytes
    headers: Dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    stack: AssistantStack,
    body: bytes,
    headers: Optional[Dict[str, str]] = None,
    method: str = "POST",
    path: str = "/webhooks/rest/webhook",
) -> Answer:
    """One raw HTTP request (no header added for us, unlike urllib)."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.rasa_port, timeout=60)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            connection.putheader(name, value)
        connection.endheaders()
        # the server may answer 413 and close before reading it all
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.send(body)
        response = connection.getresponse()
        return Answer(response.status, response.read(), dict(response.getheaders()))
    finally:
        connection.close()


JSON = {"Content-Type": "application/json"}


def post_json(stack: AssistantStack, payload: Any, **headers: str) -> Answer:
    return request(stack, json.dumps(payload).encode(), {**JSON, **headers})


def texts(answer: Answer) -> str:
    return " ".join(str(reply.get("text", "")) for reply in answer.json())


# -- the limits ----------------------------------------------------------------


def test_a_message_over_the_limit_gets_the_clear_reply_and_is_not_processed(
    stack: AssistantStack,
) -> None:
    sender = f"long-{uuid.uuid4()}"
    answer = post_json(stack, {"sender": sender, "message": "my back hurts " * 100})
    assert answer.status == 200
    conversation = f"rest:{sender}"  # REST conversations carry their channel
    assert answer.json() == [{"recipient_id": conversation, "text": answer.json()[0]["text"]}]
    assert TOO_LONG in texts(answer) and f"under {MAX_CHARS} characters" in texts(answer)
    at_limit = post_json(stack, {"sender": sender, "message": "a" * MAX_CHARS})
    assert at_limit.status == 200 and TOO_LONG not in texts(at_limit)
    assert "Monday" in " ".join(
        r.get("text", "") for r in send_rest(stack.rasa_url, sender, "when are you open")
    )


def test_a_sender_over_the_rate_limit_is_told_to_slow_down(stack: AssistantStack) -> None:
    sender = f"fast-{uuid.uuid4()}"
    for _ in range(20):  # the default: 20 messages a minute
        assert post_json(stack, {"sender": sender, "message": "hi"}).status == 200
    refused = post_json(stack, {"sender": sender, "message": "what are your opening hours"})
    assert refused.status == 429
    assert SLOW_DOWN in texts(refused)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert f"wait {refused.headers['Retry-After']} seconds" in texts(refused)
    # another patient is not affected
    other = post_json(stack, {"sender": f"calm-{uuid.uuid4()}", "message": "when are you open"})
    assert other.status == 200 and "Monday" in texts(other)


def test_a_body_over_the_size_limit_is_refused_with_413(stack: AssistantStack) -> None:
    message = "x" * MAX_BODY
    answer = post_json(stack, {"sender": f"big-{uuid.uuid4()}", "message": message})
    assert answer.status == 413
    just_under = post_json(stack, {"sender": f"big-{uuid.uuid4()}", "message": "x" * 60_000})
    assert just_under.status == 200 and TOO_LONG in texts(just_under)


def test_the_conversation_is_filed_under_the_rest_channel_whatever_the_client_says(
    stack: AssistantStack,
) -> None:
    sender = f"spoof-{uuid.uuid4()}"
    post_json(stack, {"sender": sender, "message": "hi", "input_channel": "telegram"})
    database = stack.env()["TRACKER_STORE_URL"][len("sqlite:///") :]
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'",
            (f"rest:{sender}",),
        ).fetchall()
    assert [json.loads(data)["input_channel"] for (data,) in rows] == ["rest"]


# -- the website's socket.io channel ------------------------------------------


def stored_events(stack: AssistantStack, sender_id: str) -> List[Dict[str, Any]]:
    database = stack.env()["TRACKER_STORE_URL"][len("sqlite:///") :]
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender_id,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


class Widget:
    """A socket.io client that behaves like the chat widget (rasa-webchat), over polling."""

    def __init__(self, stack: AssistantStack) -> None:
        self.stack = stack
        self.client = socketio.Client(reconnection=False)
        self.confirmed: queue.Queue[str] = queue.Queue()
        self.replies: queue.Queue[str] = queue.Queue()
        self.client.on("session_confirm", self.confirmed.put)
        self.client.on("bot_uttered", lambda data: self.replies.put(data.get("text", "")))

    def __enter__(self) -> Widget:
        self.client.connect(self.stack.rasa_url, transports=["polling"])
        return self

    def __exit__(self, *exc: Any) -> None:
        self.client.disconnect()

    def session(self, stored: Optional[str] = None) -> str:
        """The widget's session_request with its stored id; the id the server confirms."""
        self.client.emit("session_request", {"session_id": stored})
        return self.confirmed.get(timeout=10)

    def send(self, text: str, session_id: Any, metadata: Any = None) -> None:
        data: Dict[str, Any] = {"message": text, "session_id": session_id}
        if metadata is not None:
            data["metadata"] = metadata
        self.client.emit("user_uttered", data)

    def replies_within(self, first: float, more: float = 2.0) -> str:
        """Every reply that arrives (the first within ``first`` seconds), joined."""
        texts = []
        with contextlib.suppress(queue.Empty):
            texts.append(self.replies.get(timeout=first))
            while True:
                texts.append(self.replies.get(timeout=more))
        return " ".join(texts)

    def say(self, text: str, session_id: str, metadata: Any = None) -> str:
        """Send a message and return its replies."""
        self.send(text, session_id, metadata)
        return self.replies_within(30)


def test_widget_sessions_are_signed_by_the_server_and_survive_a_reload(
    stack: AssistantStack,
) -> None:
    sessions = WebSessions(stack.env()["WEB_SESSION_SECRET"])
    with Widget(stack) as first_visit:
        issued = first_visit.session(None)
        conversation = sessions.conversation(issued)
        assert conversation is not None and conversation.startswith("web:")
        assert "Monday" in first_visit.say("when are you open", issued)
    with Widget(stack) as reloaded:  # the page reloads: the widget sends its stored id
        assert reloaded.session(issued) == issued
        # not "where are you": typed, a button's title is that button's payload
        assert "Mill Lane" in reloaded.say("what's your address", issued)
    users = [e["text"] for e in stored_events(stack, conversation) if e["event"] == "user"]
    assert users == ["when are you open", "what's your address"]  # one conversation across it
    assert stored_events(stack, issued) == []  # the signature is not part of the id


def test_forged_or_foreign_widget_session_ids_are_refused(stack: AssistantStack) -> None:
    sms_patient = "sms:+447911123456"
    sessions = WebSessions(stack.env()["WEB_SESSION_SECRET"])
    with Widget(stack) as victim:
        own = victim.session(None)
    random_part = own.split(".")[0]
    forged = [sms_patient, random_part, f"{random_part}.{'x' * 43}", "web:" + random_part]
    with Widget(stack) as attacker:
        for session_id in forged:
            confirmed = attacker.session(session_id)
            assert confirmed != session_id  # not joined: a fresh session of its own instead
            assert sessions.conversation(confirmed)
        # messages naming a conversation this socket was not given get nothing
        for session_id in [sms_patient, own, *forged]:
            attacker.send("i'd like to check my booking", session_id)
        assert attacker.replies_within(8) == ""
    for conversation in [sms_patient, f"web:{sms_patient}", f"rest:{sms_patient}", own]:
        assert stored_events(stack, conversation) == []
    victim_conversation = sessions.conversation(own)
    assert victim_conversation is not None
    assert [e for e in stored_events(stack, victim_conversation) if e["event"] == "user"] == []


async def test_a_1_mb_socketio_message_is_refused(stack: AssistantStack) -> None:
    """Engine.IO over a raw WebSocket, as the widget's browser speaks it."""
    sessions = WebSessions(stack.env()["WEB_SESSION_SECRET"])
    url = f"ws://127.0.0.1:{stack.rasa_port}/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(url, max_size=None) as socket:
        assert (await socket.recv()).startswith("0")  # Engine.IO open
        await socket.send("40")  # Socket.IO connect
        assert (await socket.recv()).startswith("40")
        await socket.send('42["session_request",{"session_id":null}]')
        session_id = json.loads((await socket.recv())[2:])[1]
        conversation = sessions.conversation(session_id)
        assert conversation is not None

        async def say(message: str) -> str:
            event = ["user_uttered", {"message": message, "session_id": session_id}]
            await socket.send("42" + json.dumps(event))
            while True:  # skip Engine.IO pings
                packet = await asyncio.wait_for(socket.recv(), 30)
                if packet.startswith("42"):
                    return str(json.loads(packet[2:])[1].get("text", ""))

        # under the 64 kB cap: the clear "too long" reply
        assert TOO_LONG in await say("x" * 20_000)
        with pytest.raises(websockets.ConnectionClosed):
            await say("x" * 1_000_000)  # the server closes the socket
    users = [e for e in stored_events(stack, conversation) if e["event"] == "user"]
    assert users == []  # neither message reached the assistant
    # a polling POST over the cap is refused before it is read
    status, _ = polling_post(stack, b"4" + b"x" * 100_000)
    assert status in (400, 413)


def polling_post(stack: AssistantStack, body: bytes) -> Tuple[int, bytes]:
    """socket.io's long-polling handshake, then one POST of ``body``."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.rasa_port, timeout=30)
    try:
        connection.request("GET", "/socket.io/?EIO=4&transport=polling")
        handshake = connection.getresponse().read().decode()
        sid = json.loads(handshake[handshake.index("{") :])["sid"]
        answer = request(
            stack,
            body,
            {"Content-Type": "text/plain;charset=UTF-8"},
            path=f"/socket.io/?EIO=4&transport=polling&sid={sid}",
        )
        return answer.status, answer.body
    finally:
        connection.close()


def test_oversized_or_deep_widget_metadata_is_dropped_and_the_message_answered(
    stack: AssistantStack,
) -> None:
    deep: Dict[str, Any] = {}
    inner = deep
    for _ in range(20):
        inner["a"] = {}
        inner = inner["a"]
    with Widget(stack) as widget:
        session_id = widget.session(None)
        conversation = WebSessions(stack.env()["WEB_SESSION_SECRET"]).conversation(session_id)
        assert "Monday" in widget.say("when are you open", session_id, {"page": "x" * 10_000})
        assert "Mill Lane" in widget.say("where are you", session_id, deep)
        assert "£" in widget.say("how much is it", session_id, {"page": "/prices"})
        widget.say("hi", session_id, {"client": "chosen-by-the-page"})
    assert conversation is not None
    metadata = [e["metadata"] for e in stored_events(stack, conversation) if e["event"] == "user"]
    # dropped (Rasa adds model_id and assistant_id to every message's metadata itself)
    assert "page" not in metadata[0] and "a" not in metadata[1]
    assert all("client" in m for m in metadata)
    assert metadata[2]["page"] == "/prices"  # small and shallow: kept
    assert metadata[3]["client"] != "chosen-by-the-page"  # the server's pseudonym, always
    assert len({m["client"] for m in metadata}) == 1


# -- the fuzz --------------------------------------------------------------------

HOSTILE_TEXTS = [
    "<script>alert(document.cookie)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "Robert'); DROP TABLE events;--",
    "' OR '1'='1' --",
    "1; SELECT * FROM appointments WHERE 1=1; --",
    "{{7*7}} ${7*7} {0} %s %n %x {max_chars}",
    "../../../../etc/passwd",
    "\r\nSet-Cookie: pwned=1\r\n",
    "\u202eevil\u202c \u200b\u200b zero width",
    "😭😭😭🙏🏽👨‍👩‍👧‍👦🇬🇧",
    "腰が痛いです مرحبا שלום",
    "null\x00byte and \x07bell \x1b[2J",
    "/restart",
    '/inform{"condition": "sciatica", "patient_name": "<b>x</b>"}',
    '/book_appointment{"appointment_date": "2099-01-01"}',
    "/" + "a" * 300,
    "A" * 999,
    "\n\n\n",
    "",
    " ",
]


def random_text(rng: random.Random) -> str:
    kind = rng.randrange(5)
    length = rng.choice([1, 5, 40, 300, 999, 1000, 1001, 3000, 20_000])
    if kind == 0:
        return "".join(rng.choice(string.printable) for _ in range(length))
    if kind == 1:  # any code point outside the surrogates
        return "".join(chr(rng.choice([rng.randrange(0xD800), rng.randrange(0xE000, 0x110000)]))
                       for _ in range(min(length, 2000)))  # fmt: skip
    if kind == 2:
        return " ".join(rng.choice(["hip", "back", "pain", "book", "tuesday", "10am", "no"])
                        for _ in range(length // 4 + 1))  # fmt: skip
    if kind == 3:
        return rng.choice(HOSTILE_TEXTS) * rng.choice([1, 2, 50])
    return "".join(
        rng.choice("\x00\x01\x08\x0b\x1f\x7f\x85\u2028\ufeff\ufffe") for _ in range(length)
    )


def nested(depth: int, kind: str) -> bytes:
    """JSON nested ``depth`` deep (written directly: json.dumps would recurse)."""
    opening, closing = ("[", "]") if kind == "list" else ('{"a": ', "}")
    return (opening * depth + '"leaf"' + closing * depth).encode()


# Each case: (category, body, headers, method, check). ``check`` gets the answer
# and fails the test when it is not what that request deserves.
Check = Callable[[Answer], None]
Case = Tuple[str, bytes, Dict[str, str], str, Check]


def expect(*statuses: int) -> Check:
    def check(answer: Answer) -> None:
        assert answer.status in statuses, (answer.status, answer.body[:200])

    return check


def replies(answer: Answer) -> None:
    assert answer.status == 200, answer.body[:200]
    assert isinstance(answer.json(), list)


def too_long(answer: Answer) -> None:
    assert answer.status == 200 and TOO_LONG in texts(answer), answer.body[:200]


def case(
    category: str,
    body: bytes,
    check: Check,
    headers: Optional[Dict[str, str]] = None,
    method: str = "POST",
) -> Case:
    return (category, body, JSON if headers is None else headers, method, check)


def fuzz_cases(rng: random.Random, count: int) -> List[Case]:
    def sender() -> str:
        return f"fuzz-{rng.getrandbits(64):016x}"

    def valid(message: str) -> Case:
        body = json.dumps({"sender": sender(), "message": message}).encode()
        long = len(clean_text(message)) > MAX_CHARS  # the cleaned text is measured
        check = expect(413) if len(body) > MAX_BODY else too_long if long else replies
        return case("valid JSON, hostile text", body, check)

    def shaped(payload: Any, category: str) -> Case:
        return case(category, json.dumps(payload).encode(), expect(400))

    def object_with(**fields: Any) -> bytes:
        return json.dumps({"sender": sender(), "message": "hello", **fields}).encode()

    senders = [None, 1.5, True, [], {}, "", "  ", "a\x00b", "x" * 500]
    messages = [None, 42, 1.5, True, [], {}, ["hi"]]
    content_types = [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "text/html; charset=utf-8",
    ]
    makers: List[Callable[[], Case]] = [
        lambda: valid(random_text(rng)),
        lambda: valid(rng.choice(HOSTILE_TEXTS)),
        # JSON escapes that Python reads as lone surrogates, which no UTF-8 encoder takes
        lambda: case(
            "valid JSON, lone surrogates", object_with(message="pain \ud800 \udfff"), replies
        ),
        lambda: case(
            "not UTF-8 / not JSON",
            bytes(rng.getrandbits(8) for _ in range(rng.choice([1, 10, 500, 5000]))),
            expect(400),
        ),
        lambda: case(
            "not UTF-8 inside JSON",
            b'{"sender": "' + sender().encode() + b'", "message": "\xff\xfe\xc3\x28 pain"}',
            expect(400),
        ),
        lambda: case("truncated JSON", object_with()[: rng.randrange(1, 30)], expect(400)),
        lambda: case("empty body", b"", expect(400)),
        lambda: shaped(rng.choice([[], [1, 2], "text", 42, None, True, 1.5]), "not an object"),
        lambda: shaped({"message": "hello"}, "missing sender"),
        lambda: shaped({"sender": sender()}, "missing message"),
        lambda: shaped({}, "empty object"),
        lambda: shaped({"sender": rng.choice(senders), "message": "hello"}, "bad sender"),
        lambda: shaped({"sender": sender(), "message": rng.choice(messages)}, "bad message"),
        lambda: case("bad metadata", object_with(metadata=rng.choice(["x", [], 3])), expect(400)),
        lambda: case(
            "deep metadata",
            b'{"sender": "%s", "message": "hi", "metadata": %s}'
            % (sender().encode(), nested(rng.randrange(9, 60), "dict")),
            expect(400),
        ),
        lambda: case(
            "deeply nested JSON",
            nested(rng.choice([100, 900, 5000, 20000]), rng.choice(["list", "dict"])),
            expect(400, 413),
        ),
        lambda: case(
            "huge JSON body",
            object_with(message="x" * rng.randrange(MAX_BODY, 400_000)),
            expect(413),
        ),
        lambda: case(
            "huge JSON, many keys",
            json.dumps({f"k{n}": n for n in range(rng.randrange(8000, 30000))}).encode(),
            expect(400, 413),
        ),
        lambda: case(
            "wrong content type",
            object_with(),
            expect(415),
            headers={"Content-Type": rng.choice(content_types)},
        ),
        lambda: case(
            "form body",
            f"sender={sender()}&message=hello".encode(),
            expect(415),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        lambda: case("no content type", object_with(message="when are you open"), replies, {}),
        lambda: case(
            "UTF-16 JSON",
            json.dumps({"sender": sender(), "message": "hello"}).encode("utf-16"),
            expect(200, 400),
            headers={"Content-Type": "application/json; charset=utf-16"},
        ),
        lambda: case(
            "wrong method", b"", expect(405), method=rng.choice(["GET", "PUT", "DELETE", "PATCH"])
        ),
        lambda: case(
            "extra fields",
            object_with(
                input_channel="telegram",
                metadata={"a": {"b": [1, 2, 3]}},
                stream=True,
                __proto__={"admin": True},
            ),
            replies,
        ),
    ]
    # messages Rasa really processes weigh most: a third random text, a sixth hostile text
    weights = [len(makers) // 2, len(makers) // 4] + [1] * (len(makers) - 2)
    return [rng.choices(makers, weights)[0]() for _ in range(count)]


def rasa_log_problems(stack: AssistantStack) -> List[str]:
    log = (stack.log_dir / "rasa.log").read_text(errors="replace")
    signs = ("Traceback", "Exception occurred", "REST message from")  # Sanic's, ours
    return [line for line in log.splitlines() if any(sign in line for sign in signs)]


def test_fuzzed_requests_never_break_the_server(stack: AssistantStack) -> None:
    rng = random.Random(SEED)  # noqa: S311 (a repeatable fuzz, not a secret)
    cases = fuzz_cases(rng, FUZZ_REQUESTS)
    problems_before = len(rasa_log_problems(stack))
    statuses: Counter = Counter()
    categories: Counter = Counter()
    started = time.monotonic()
    for category, body, headers, method, check in cases:
        answer = request(stack, body, headers, method)
        statuses[answer.status] += 1
        statuses["of which too-long replies"] += (
            answer.status == 200 and TOO_LONG in answer.body.decode()
        )
        categories[category] += 1
        assert answer.status < 500, f"{category}: {answer.status} {answer.body[:300]!r}"
        check(answer)
    elapsed = time.monotonic() - started
    print(f"\nfuzz: {len(cases)} requests in {elapsed:.1f} s; statuses {dict(statuses)}")
    print(f"fuzz categories: {dict(categories.most_common())}")
    assert elapsed < 60
    assert stack.first_dead() is None
    assert rasa_log_problems(stack)[problems_before:] == []  # nothing failed inside
    patient = f"after-fuzz-{uuid.uuid4()}"
    assert "Monday" in " ".join(
        r.get("text", "") for r in send_rest(stack.rasa_url, patient, "what are your opening hours")
    )
