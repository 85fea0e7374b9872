"""The console tests' world: a real Rasa tracker store, real appointments, a live console.

Conversations are saved by Rasa's own ``SQLTrackerStore`` from real
``DialogueStateTracker`` events, so the console reads the schema Rasa writes.
The console runs in a background thread on a free loopback port (sanic-testing
is not installed), and tests talk to it over HTTP like a browser or a script.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import itertools
import re
import threading
import urllib.parse
import warnings
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import yaml
from sanic import Sanic

from clinic_core.store import AppointmentStore
from ops.servers import free_port
from staff_console.app import create_app
from staff_console.auth import Accounts, Tokens
from staff_console.db import console_engine
from staff_console.settings import Settings
from tests.helpers.appointments import RETURNING_PATIENT, new_appointment

ROOT = Path(__file__).resolve().parents[2]
LONDON = ZoneInfo("Europe/London")
CLINIC_NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
PASSWORDS = {"alice": "alice-long-password-1", "bob": "bob-long-password-22"}
SECRET = b"k" * 48
_app_numbers = itertools.count(1)

UserTurn = Tuple[str, str, float]  # text, intent, confidence


def at(day: str, hour: int, minute: int = 0) -> float:
    """A clinic-local time as a Unix timestamp."""
    moment = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), LONDON)
    return moment.timestamp()


@dataclass
class Script:
    """What one conversation consists of, turn by turn."""

    sender_id: str
    start: float
    steps: List[Tuple[str, Any]] = field(default_factory=list)

    def user(self, text: str, intent: str, confidence: float, **entities: str) -> Script:
        self.steps.append(("user", (text, intent, confidence, entities)))
        return self

    def bot(self, text: str, buttons: Optional[List[Tuple[str, str]]] = None) -> Script:
        self.steps.append(("bot", (text, buttons or [])))
        return self

    def slot(self, name: str, value: Any) -> Script:
        self.steps.append(("slot", (name, value)))
        return self

    def session(self, start: float) -> Script:
        self.steps.append(("session", start))
        return self


CONVERSATIONS = ROOT / "tests" / "fixtures" / "console_conversations.yml"


def local_time(text: str) -> float:
    """A clinic-local ``YYYY-MM-DD HH:MM`` as a Unix timestamp."""
    day, clock = str(text).split()
    hour, minute = clock.split(":")
    return at(day, int(hour), int(minute))


def script_from(entry: Dict[str, Any]) -> Script:
    """One conversation of ``CONVERSATIONS`` as a script."""
    script = Script(entry["sender"], local_time(entry["start"]))
    for step in entry["steps"]:
        if "user" in step:
            entities = step.get("entities", {})
            script.user(step["user"], step["intent"], step["confidence"], **entities)
        elif "bot" in step:
            script.bot(step["bot"], list(step.get("buttons", {}).items()))
        elif "slot" in step:
            [(name, value)] = step["slot"].items()
            script.slot(name, value)
        else:
            script.session(local_time(step["session"]))
    return script


def scripts() -> List[Script]:
    """The conversations every console test sees."""
    entries = yaml.safe_load(CONVERSATIONS.read_text(encoding="utf-8"))["conversations"]
    conversations = [script_from(entry) for entry in entries]
    for number in range(30):
        start = at("2026-11-01", 9) + number * 3600 * 13
        conversations.append(
            Script(f"patient-filler-{number:02d}", start)
            .user("what are your opening hours", "ask_opening_hours", 0.95)
            .bot("We're open Monday to Friday 09:00-18:00.")
        )
    return conversations


def tracker_events(script: Script) -> List[Any]:
    """Rasa events for a script, with timestamps a few seconds apart."""
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    clock = itertools.count()

    def tick(base: float) -> float:
        return base + next(clock) * 5

    base = script.start
    events: List[Any] = [
        ActionExecuted("action_session_start", timestamp=tick(base)),
        SessionStarted(timestamp=tick(base)),
        ActionExecuted("action_listen", timestamp=tick(base)),
    ]
    for kind, value in script.steps:
        if kind == "user":
            text, intent, confidence, entities = value
            entity_list = [
                {"entity": name, "value": v, "start": 0, "end": len(v)}
                for name, v in entities.items()
            ]
            parse = {
                "text": text,
                "intent": {"name": intent, "confidence": confidence},
                "entities": entity_list,
                "intent_ranking": [{"name": intent, "confidence": confidence}],
            }
            events.append(
                UserUttered(
                    text,
                    parse["intent"],
                    entity_list,
                    parse_data=parse,  # type: ignore[arg-type]
                    timestamp=tick(base),
                    input_channel="rest",
                )
            )
        elif kind == "bot":
            text, buttons = value
            data = {"buttons": [{"title": t, "payload": p} for t, p in buttons]} if buttons else {}
            events.append(BotUttered(text, data, {"utter_action": "utter_x"}, timestamp=tick(base)))
            events.append(ActionExecuted("action_listen", timestamp=tick(base)))
        elif kind == "slot":
            events.append(SlotSet(value[0], value[1], timestamp=tick(base)))
        elif kind == "session":
            base = value
            clock = itertools.count()
            events.extend(
                [
                    ActionExecuted("action_session_start", timestamp=tick(base)),
                    SessionStarted(timestamp=tick(base)),
                    ActionExecuted("action_listen", timestamp=tick(base)),
                ]
            )
    return events


def build_tracker_store(url: str) -> None:
    """Save every script with Rasa's SQLTrackerStore."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Rasa's notes on the domain, not the console's
        domain = Domain.load(str(ROOT / "domain.yml"))
    store = SQLTrackerStore(domain=domain, host=url)

    async def save_all() -> None:
        for script in scripts():
            tracker = DialogueStateTracker.from_events(
                script.sender_id, tracker_events(script), slots=domain.slots
            )
            await store.save(tracker)

    asyncio.run(save_all())
    store.engine.dispose()


def build_appointments(url: str) -> Dict[str, str]:
    """Appointments around the clinic's "now"; returns name -> reference."""
    store = AppointmentStore(url)
    day = dt.date(2026, 12, 1)

    def when(offset: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(hour, minute), LONDON)

    wanted = {
        "ann": new_appointment(
            when(0, 10),
            patient_name="Ann Lee",
            conversation_id="patient-booked",
            reason="hip_bursitis",
        ),
        "bob": new_appointment(
            when(0, 14),
            75,
            **RETURNING_PATIENT,
            patient_name="Bob Stone",
            conversation_id="whatsapp:+447700900123",
            notes='=HYPERLINK("http://evil.example","x")',
            phone="+447911000111",
        ),
        "cara": new_appointment(
            when(1, 9, 30),
            **RETURNING_PATIENT,
            patient_name="Cara Diaz",
            conversation_id=None,
            phone=None,
            email="cara@example.com",
        ),
        "dan": new_appointment(
            when(2, 11),
            **RETURNING_PATIENT,
            patient_name="Dan Moss",
            conversation_id="patient-filler-03",
        ),
        "eve": new_appointment(
            when(3, 16), **RETURNING_PATIENT, patient_name="Eve Park", conversation_id=None
        ),
        "zoe": new_appointment(
            when(4, 12),
            **{**RETURNING_PATIENT, "reason": "@SUM(A1)"},
            patient_name="Zoë <b>Bold</b>",
            conversation_id=None,
        ),
    }
    references = {key: store.book(value).reference for key, value in wanted.items()}
    store.set_status(references["cara"], "cancelled")
    store.engine.dispose()
    return references


@dataclass(frozen=True)
class Data:
    """Where the test databases are."""

    folder: Path
    tracker_url: str
    appointments_url: str
    references: Dict[str, str]


def make_settings(data: Data, folder: Path, **changes: Any) -> Settings:
    values: Dict[str, Any] = dict(
        console_database_url=f"sqlite:///{folder / 'console.db'}",
        tracker_store_url=data.tracker_url,
        appointments_database_url=data.appointments_url,
        secret_key=SECRET,
        clinic_name="Willow Acupuncture Clinic",
        zone=LONDON,
        retention_days=365,
        clinic_now=lambda: CLINIC_NOW,
    )
    values.update(changes)
    return Settings(**values)


def add_accounts(settings: Settings) -> str:
    """alice (admin) and bob (staff); returns a new API token."""
    engine = console_engine(settings.console_database_url)
    accounts = Accounts(engine, settings.utc_now)
    accounts.create_user("alice", PASSWORDS["alice"], is_admin=True)
    accounts.create_user("bob", PASSWORDS["bob"])
    token = Tokens(engine, settings.utc_now).create("reporting")
    engine.dispose()
    return token


class ThreadedServer:
    """A Sanic app served from a background thread with its own event loop."""

    def __init__(self, app: Sanic, port: int) -> None:
        self.app = app
        self.port = port
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.ready = threading.Event()
        self.error: Optional[BaseException] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop
        try:
            server = loop.run_until_complete(
                self.app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True)
            )
            assert server is not None
            loop.run_until_complete(server.startup())
            loop.run_until_complete(server.before_start())
            loop.run_until_complete(server.after_start())
        except BaseException as error:  # reported by start()
            self.error = error
            self.ready.set()
            return
        self.ready.set()
        try:
            loop.run_forever()
        finally:
            close = server.close()
            if close is not None:
                loop.run_until_complete(close)
            loop.run_until_complete(server.before_stop())
            loop.run_until_complete(server.after_stop())
            loop.close()

    def start(self) -> ThreadedServer:
        self.thread.start()
        self.ready.wait(30)
        if self.error is not None:
            raise self.error
        return self

    def stop(self) -> None:
        if self.loop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@dataclass
class Response:
    status: int
    headers: Dict[str, List[str]]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8-sig")

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower(), [])
        return values[0] if values else ""

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class Client:
    """A tiny HTTP client that keeps cookies and never follows redirects."""

    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.cookies: Dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: Optional[Dict[str, str]] = None,
        headers: Optional[Dict[str, str]] = None,
        raw_path: bool = False,
    ) -> Response:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        sent = dict(headers or {})
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        collected: Dict[str, List[str]] = {}
        for name, value in answer.getheaders():
            collected.setdefault(name.lower(), []).append(value)
        response = Response(answer.status, collected, answer.read())
        connection.close()
        for line in collected.get("set-cookie", []):
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: Dict[str, str], **kwargs: Any) -> Response:
        return self.request("POST", path, form=form, **kwargs)

    def login(self, username: str, password: Optional[str] = None) -> Response:
        page = self.get("/login")
        return self.post(
            "/login",
            {
                "csrf_token": csrf_token(page.text),
                "username": username,
                "password": password if password is not None else PASSWORDS[username],
                "next": "/",
            },
        )


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@dataclass(frozen=True)
class Console:
    """A running console and what tests need to use it."""

    url: str
    app: Sanic
    settings: Settings
    token: str
    data: Data


def start_console(data: Data, folder: Path, **changes: Any) -> Tuple[ThreadedServer, Console]:
    settings = make_settings(data, folder, **changes)
    token = add_accounts(settings)
    app = create_app(settings, name=f"console_test_{next(_app_numbers)}", configure_logging=False)
    server = ThreadedServer(app, free_port()).start()
    return server, Console(server.url, app, settings, token, data)
