"""Simulated patients talking to the REST channel, one or many at once.

Each simulated patient holds realistic conversations in turn: a greeting and
a clinic question, a condition described in their own words with a follow-up
question, and a whole booking that runs the form, the action server and the
appointments database. Every reply is checked against what that step of the
conversation must produce, so a reply meant for another turn (out of order),
an empty reply (lost) or an error (failed) is counted, never hidden in a
latency figure.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import aiohttp


@dataclass(frozen=True)
class Step:
    """One patient message and what the reply must contain (a regex)."""

    text: str  # a message; "#1" picks the first offered button, "#?" any of them
    expect: str


GREETING_AND_QUESTION = [
    Step("hi there", r"What's bothering you"),
    Step("what are your opening hours?", r"Monday"),
    Step("where are you based?", r"Mill Lane"),
]
CONDITION = [
    Step("i get a shooting pain from my buttock down the back of my leg", r"Sciatica"),
    Step("does acupuncture hurt?", r"not meant to cause pain"),
    Step("no thanks", r"."),
]
QUESTIONS = [
    Step("what is acupuncture exactly", r"[Aa]cupuncture"),
    Step("how much is a first appointment", r"£"),
    Step("my upper back is tight between the shoulder blades", r"Upper back pain"),
]


TAKEN = re.compile(r"already booked|just been taken")


def booking(day: str, email: str = "sam.taylor@example.com") -> List[Step]:
    """A whole first-visit booking on ``day`` ("tuesday 1 december") under ``email``.

    Each simulated patient books under their own email: one contact may hold
    only a few upcoming bookings (clinic/profile.yml).
    """
    return [
        Step("i'd like to book an appointment", r"appointment to be about"),
        Step('/inform{"condition": "hip_arthritis"}', r"What name"),
        Step("Sam Taylor", r"phone number or email"),
        Step(email, r"been to the clinic before"),
        Step("first visit", r"Which day"),
        Step(day, r"What time on|no free times|fully booked|closed"),
        Step("#?", r"anything the acupuncturist should know|Which day|What time|already booked"),
        Step("nothing to add", r"Shall I book it|anything the acupuncturist|What time|Which day"),
        Step("yes", r"You're booked|taken|Which day|What time|anything"),
    ]


def open_days(first: dt.date, count: int) -> List[str]:
    """Days from ``first`` on, Sundays skipped, in the words a patient uses."""
    days: List[str] = []
    day = first
    while len(days) < count:
        if day.weekday() != 6 and (day.month, day.day) not in {(12, 25), (12, 26), (1, 1)}:
            days.append(f"{day:%A} {day.day} {day:%B}".lower())
        day += dt.timedelta(days=1)
    return days


@dataclass
class TurnResult:
    """What happened to one message."""

    seconds: float
    outcome: str  # ok | failed | lost | out_of_order
    users: int
    detail: str = ""  # for anything but ok: what was sent and what came back


@dataclass
class LoadResult:
    """All turns of one load level."""

    users: int
    wall_seconds: float
    turns: List[TurnResult] = field(default_factory=list)
    # (conversation id, message, reply text) of every answered turn, in order
    transcripts: List[Tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> Dict[str, Any]:
        """Latency percentiles (ms), throughput and the error counts."""
        seconds = sorted(t.seconds for t in self.turns)
        counts = {name: 0 for name in ("failed", "lost", "out_of_order")}
        for turn in self.turns:
            if turn.outcome in counts:
                counts[turn.outcome] += 1
        return {
            "users": self.users,
            "turns": len(self.turns),
            "wall_s": round(self.wall_seconds, 2),
            "turns_per_s": round(len(self.turns) / self.wall_seconds, 2),
            "p50_ms": round(1000 * percentile(seconds, 0.50), 1),
            "p95_ms": round(1000 * percentile(seconds, 0.95), 1),
            "mean_ms": round(1000 * statistics.fmean(seconds), 1) if seconds else 0.0,
            **counts,
            "problems": [t.detail for t in self.turns if t.outcome != "ok"][:5],
        }


def percentile(ordered: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


class SimulatedPatient:
    """One patient with their own conversation id, holding scripted conversations."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: Union[str, Sequence[str]],
        name: str,
        days: List[str],
    ):
        # Several URLs: one message to each Rasa process in turn, so that a
        # patient's consecutive messages land on different processes.
        self.urls = [url] if isinstance(url, str) else list(url)
        self.session, self.name, self.days = session, name, days
        self.conversation = 0
        self.sent = 0
        self.buttons: List[str] = []
        self.last_text = ""
        # (conversation id, message sent, reply text) for every turn
        self.transcript: List[Tuple[str, str, str]] = []

    def scripts(self) -> List[List[Step]]:
        """The mix, rotated so that patients start at different points."""
        day = self.days[self.conversation % len(self.days)]
        email = f"{self.name}.{self.conversation}@example.com"
        return [GREETING_AND_QUESTION, CONDITION, booking(day, email), QUESTIONS]

    def message_for(self, step: Step, index: int) -> str:
        """The step's text, or the payload of an offered button ("#?")."""
        if step.text.startswith("#") and self.buttons:
            return self.buttons[index % len(self.buttons)]
        return step.text

    async def send(self, step: Step, users: int, index: int) -> TurnResult:
        """Send one message and classify the reply."""
        body = {
            "sender": f"{self.name}-{self.conversation}",
            "message": self.message_for(step, index),
        }
        url = self.urls[self.sent % len(self.urls)]
        self.sent += 1
        started = time.perf_counter()
        try:
            async with self.session.post(url, json=body) as response:
                payload = await response.text()
                elapsed = time.perf_counter() - started
                if response.status != 200:
                    return TurnResult(elapsed, "failed", users, f"HTTP {response.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            return TurnResult(time.perf_counter() - started, "failed", users, repr(error))
        replies = json.loads(payload)
        if not replies:
            return TurnResult(elapsed, "lost", users, str(body))
        text = " ".join(r.get("text", "") for r in replies)
        self.last_text = text
        self.transcript.append((body["sender"], body["message"], text))
        self.buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
        if re.search(step.expect, text):
            return TurnResult(elapsed, "ok", users)
        return TurnResult(elapsed, "out_of_order", users, f"{body} -> {text[:160]}")

    async def talk(self, turns: int, users: int, results: List[TurnResult], seed: int) -> None:
        """Send ``turns`` messages, conversation after conversation."""
        sent = 0
        script_index = seed
        while sent < turns:
            script = self.scripts()[script_index % 4]
            for step in script:
                if sent >= turns:
                    break
                results.append(await self.send(step, users, seed + sent))
                sent += 1
                # Another patient took the time meanwhile: pick again from
                # the times offered now, as a person would.
                while step.text.startswith("#") and TAKEN.search(self.last_text) and sent < turns:
                    results.append(await self.send(step, users, seed + sent))
                    sent += 1
            script_index += 1
            self.conversation += 1


async def run_load(
    base_url: Union[str, Sequence[str]], users: int, turns_per_user: int, days: List[str], tag: str
) -> LoadResult:
    """``users`` patients at once, each sending ``turns_per_user`` messages.

    With several base URLs, each patient sends to them in turn.
    """
    bases = [base_url] if isinstance(base_url, str) else list(base_url)
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=users)
    results: List[TurnResult] = []
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        urls = [f"{base}/webhooks/rest/webhook" for base in bases]
        patients = [
            SimulatedPatient(session, urls[n % len(urls) :] + urls[: n % len(urls)],
                             f"{tag}-u{users}-p{n}", days[n::users] or days)
            for n in range(users)
        ]  # fmt: skip
        started = time.perf_counter()
        await asyncio.gather(
            *(p.talk(turns_per_user, users, results, seed=n) for n, p in enumerate(patients))
        )
        wall = time.perf_counter() - started
    transcripts = [turn for patient in patients for turn in patient.transcript]
    return LoadResult(users, wall, results, transcripts)


def load(
    base_url: Union[str, Sequence[str]], users: int, turns_per_user: int, days: List[str], tag: str
) -> LoadResult:
    """Synchronous wrapper of :func:`run_load`."""
    return asyncio.run(run_load(base_url, users, turns_per_user, days, tag))


def first_answer_seconds(base_url: str, started: float, timeout: float = 300) -> Optional[float]:
    """Seconds from ``started`` until a message gets a reply (model loaded, warmed up)."""

    async def probe() -> Optional[float]:
        async with aiohttp.ClientSession() as session:
            deadline = time.perf_counter() + timeout
            while time.perf_counter() < deadline:
                try:
                    async with session.post(
                        f"{base_url}/webhooks/rest/webhook",
                        json={"sender": "bench-first-answer", "message": "hello"},
                    ) as response:
                        if response.status == 200 and json.loads(await response.text()):
                            return time.perf_counter() - started
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        return None

    return asyncio.run(probe())
