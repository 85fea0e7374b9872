"""`make bench-dialogue`: scripted patients hold whole conversations over REST.

Each scenario (bench/dialogue_scenarios.yml) is a patient with a goal (book,
check, reschedule or cancel an appointment, or be told to get help at once)
and facts (name, phone or email, condition, wanted day and time, first visit
or follow-up). The patient is a small policy, not a transcript: it reads
which question the assistant asks (the reply's response in domain.yml, recognised from its text and
buttons) and answers from its facts in one of several phrasings
(bench/dialogue_phrasings.yml), chosen by a seeded random generator; each
scenario runs with several seeds. It also checks what it is shown: the
booking summary must hold its own day, time, name, contact and notes.

Per scenario (medians over seeds; turns over the runs that reached the
goal): turns to the goal, questions asked twice
(a slot asked again after the patient had given a valid value for it),
failures (goal not reached in MAX_TURNS or given up after GIVE_UP_AFTER
answers to one question, a fallback reply, an unexpected or unrecognised
reply, a wrong value shown back) and wall time. Writes
bench/results/dialogue.json and dialogue.md.

The servers run as `make run` runs them (ops/servers.py), on free loopback
ports, with a temporary tracker store and appointments database and the
test clock (CLINIC_REFERENCE_NOW), so that the days are fixed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple
from zoneinfo import ZoneInfo

import yaml

from bench.common import REFERENCE_NOW, RESULTS, local_stack
from ops.servers import AssistantStack
from ops.settings import ROOT
from ops.training import model_path

PHRASINGS = ROOT / "bench" / "dialogue_phrasings.yml"
DOMAIN = ROOT / "domain.yml"
PROFILE = ROOT / "clinic" / "profile.yml"
SEEDS = 3
MAX_TURNS = 20
GIVE_UP_AFTER = 4  # answers to the same question before the patient gives up
# Each patient is someone else at their own address, as if behind the
# production profile's nginx: loopback is a trusted proxy and every patient
# sends its own X-Forwarded-For (a documentation address, RFC 5737). One
# patient's failed booking lookups then lock out only that patient (README,
# "Security"), and the per-address rate limit holds per patient.
SERVER_ENV = {"TRUSTED_PROXIES": "127.0.0.1"}

# ---------------------------------------------------------------- replies --

# Which slot a response asks for (again). Responses named utter_ask_<slot>
# ask for <slot> by Rasa's convention and need no entry here.
ASKS = {
    "utter_reason_not_understood": "condition",
    "utter_name_empty": "patient_name",
    "utter_name_too_long": "patient_name",
    "utter_name_has_digits": "patient_name",
    "utter_name_not_a_name": "patient_name",
    "utter_contact_not_valid": "contact",
    "utter_patient_type_not_understood": "patient_type",
    "utter_date_not_understood": "appointment_date",
    "utter_date_in_past": "appointment_date",
    "utter_date_beyond_horizon": "appointment_date",
    "utter_date_closure": "appointment_date",
    "utter_date_closed_day": "appointment_date",
    "utter_no_free_times": "appointment_date",
    "utter_time_choices": "appointment_time",
    "utter_time_not_understood": "appointment_time",
    "utter_time_too_soon": "appointment_time",
    "utter_time_off_grid": "appointment_time",
    "utter_time_closed": "appointment_time",
    "utter_time_taken": "appointment_time",
    "utter_nearest_free_times": "appointment_time",
    "utter_booking_summary": "booking_confirmed",
    "utter_ask_notes_told": "notes",
    "utter_reference_not_valid": "booking_reference",
    "utter_reference_after_contact": "booking_reference",
    "utter_booking_not_found": "booking_reference",
    "utter_ask_confirm_cancel": "manage_confirmed",
    "utter_ask_confirm_reschedule": "manage_confirmed",
}
GOALS = {
    "book": "utter_booked",
    "check": "utter_appointment_details",
    "cancel": "utter_cancelled",
    "reschedule": "utter_rescheduled",
    "emergency": "utter_emergency",
}
# Replies that reach the same goal in other words: a booking less than the
# cancellation notice away is confirmed with how to change it by phone.
SAME_GOAL = {"utter_booked": frozenset({"utter_booked_short_notice"})}
MANAGE_SLOTS = {"booking_reference", "booking_contact", "manage_confirmed"}
FALLBACKS = {"utter_fallback_help", "utter_default", "utter_not_an_answer", "utter_out_of_scope"}
# Replies that belong to the booking and manage forms: an answer to one of
# their questions should get nothing else.
FORM_REPLIES = (
    set(ASKS)
    | set(GOALS.values())
    # the notes named a caution: the booking reply adds the number to call first
    | {"utter_booking_slot_taken", "utter_short_notice", "utter_booked_with_caution"}
    | set().union(*SAME_GOAL.values())
)
UNRECOGNISED = "?"
PLACEHOLDER = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Template:
    """One response text of domain.yml as a pattern that reads the values back."""

    response: str
    pattern: re.Pattern[str]
    buttons: Tuple[str, ...]
    literal_chars: int


@dataclass(frozen=True)
class Reply:
    """One message from the assistant, recognised."""

    response: str  # the domain response, or UNRECOGNISED
    text: str
    values: Dict[str, str]  # the template's {placeholders} as filled
    buttons: Tuple[Tuple[str, str], ...]  # (title, payload)


def templates(domain: Path = DOMAIN) -> List[Template]:
    """Every response variation in the domain, most specific first."""
    responses = (yaml.safe_load(domain.read_text()) or {}).get("responses", {})
    found = []
    for name, variations in responses.items():
        for variation in variations:
            text = str(variation.get("text", ""))
            parts, seen, literal = [], set(), 0
            for index, piece in enumerate(PLACEHOLDER.split(text)):
                if index % 2 == 0:
                    parts.append(re.escape(piece))
                    literal += len(piece)
                elif piece in seen:
                    parts.append(f"(?P={piece})")
                else:
                    seen.add(piece)
                    parts.append(f"(?P<{piece}>.+?)")
            payloads = tuple(
                str(b.get("payload", "")).replace("{{", "{").replace("}}", "}")
                for b in variation.get("buttons", [])
            )
            pattern = re.compile("".join(parts), re.DOTALL)
            found.append(Template(name, pattern, payloads, literal))
    return sorted(found, key=lambda t: -t.literal_chars)


def recognise(message: Dict[str, Any], known: Sequence[Template]) -> Reply:
    """The response a REST message came from, and the values filled into it.

    A template that is all placeholder (``{answer}``) counts only when the
    message's buttons are its own.
    """
    text = str(message.get("text") or "")
    buttons = tuple(
        (str(b.get("title", "")), str(b.get("payload", ""))) for b in message.get("buttons", [])
    )
    payloads = tuple(payload for _, payload in buttons)
    best: Optional[Tuple[Tuple[bool, int], Template, re.Match[str]]] = None
    for template in known:
        match = template.pattern.fullmatch(text)
        if match is None:
            continue
        same_buttons = bool(template.buttons) and template.buttons == payloads
        if template.literal_chars == 0 and not same_buttons:
            continue
        rank = (same_buttons, template.literal_chars)
        if best is None or rank > best[0]:
            best = (rank, template, match)
    if best is None:
        return Reply(UNRECOGNISED, text, {}, buttons)
    return Reply(best[1].response, text, best[2].groupdict(), buttons)


def asked_slot(response: str, slots: Set[str]) -> Optional[str]:
    """The slot a response asks for, if it asks for one."""
    if response in ASKS:
        return ASKS[response]
    slot = response.removeprefix("utter_ask_")
    return slot if slot != response and slot in slots else None


def form_reply(response: str, slots: Set[str]) -> bool:
    """Whether a response belongs to the booking and manage forms."""
    return response in FORM_REPLIES or asked_slot(response, slots) is not None


# ------------------------------------------------------------------ facts --


def format_day(day: dt.date) -> str:
    """As the assistant writes a day: ``Tuesday 1 December``."""
    return f"{day:%A} {day.day} {day:%B}"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 22nd."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10)
    return f"{number}{suffix or 'th'}"


def day_phrases(day: dt.date, today: dt.date) -> List[str]:
    """Ways a patient names ``day``, none of them ambiguous on ``today``."""
    ahead = (day - today).days
    phrases = [format_day(day), f"{day.day} {day:%B}", f"{day:%B} {ordinal(day.day)}",
               f"{day.day}/{day.month}"]  # fmt: skip
    if 1 <= ahead <= 27:  # no other day of that number comes first
        phrases += [f"{day:%A} the {ordinal(day.day)}", f"the {ordinal(day.day)}"]
    if 1 <= ahead <= 6:
        phrases += [f"{day:%A}", f"this {day:%A}", f"{day:%A}".lower()]
    if ahead == 1:
        phrases.append("tomorrow")
    return phrases


def time_phrases(moment: dt.time) -> List[str]:
    """Ways a patient says a time on the half hour."""
    hour12 = moment.hour % 12 or 12
    meridiem = "am" if moment.hour < 12 else "pm"
    part = "morning" if moment.hour < 12 else "afternoon" if moment.hour < 17 else "evening"
    if moment.minute == 0:
        return [
            f"{hour12}{meridiem}",
            f"{hour12} {meridiem}",
            f"{moment:%H:%M}",
            f"{hour12} o'clock in the {part}",
        ]
    return [
        f"{hour12}:{moment:%M}{meridiem}",
        f"{moment:%H:%M}",
        f"half past {hour12} in the {part}",
    ]


def open_slots(profile_path: Path, first: dt.date, days: int) -> List[dt.datetime]:
    """Starts on open days, the longest appointment and a grid step apart (clinic/profile.yml).

    Every conversation gets its own, so that no patient finds their time
    taken by another of the benchmark's patients.
    """
    profile = yaml.safe_load(profile_path.read_text())
    zone = ZoneInfo(profile["timezone"])
    closed = {dt.date.fromisoformat(str(c["date"])) for c in profile.get("closures") or []}
    longest = dt.timedelta(minutes=max(int(t["minutes"]) for t in profile["appointment_types"]))
    grid = dt.timedelta(minutes=int(profile["booking"]["slot_grid_minutes"]))
    starts = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        if day in closed:
            continue
        for opens, closes in profile["opening_hours"].get(f"{day:%A}".lower()) or []:
            moment = dt.datetime.combine(day, dt.time.fromisoformat(opens), tzinfo=zone)
            end = dt.datetime.combine(day, dt.time.fromisoformat(closes), tzinfo=zone)
            while moment + longest <= end:
                starts.append(moment)
                moment += longest + grid
    return starts


@dataclass
class Facts:
    """What a patient knows and wants."""

    first: str
    last: str
    phone: str  # as a UK patient types it
    email: str
    use_email: bool  # gives the email, else the phone
    condition: str  # a key of clinic/conditions.yml
    new: bool
    when: dt.datetime  # wanted start
    notes: Optional[str] = None
    spare: Optional[dt.datetime] = None  # another free start, for a change of mind
    reference: Optional[str] = None  # an existing booking's
    booked: Optional[dt.datetime] = None  # an existing booking's start

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first} {self.last}"

    @property
    def contact(self) -> str:
        """The contact the patient gives."""
        return self.email if self.use_email else self.phone


# -------------------------------------------------------------- patients --


@dataclass
class Say:
    """One thing the patient says, and what it should get."""

    text: str
    gives: Set[str] = field(default_factory=set)  # slots it states validly
    expect: Set[str] = field(default_factory=set)  # one of these responses must come
    asks_again: bool = False  # the question asked before must be asked again
    answer: bool = False  # an answer to a form question: only form replies may follow
    then: Optional[Callable[[Facts], None]] = None  # a change of mind, applied once sent


@dataclass
class Scenario:
    """A kind of patient: a goal, how they open, and what they do at some questions."""

    name: str
    description: str
    goal: str  # a key of GOALS
    opening: Callable[[Patient], List[Say]] = lambda patient: [patient.request()]
    # At the first time a slot is asked: say this instead of answering.
    interject: Dict[str, Callable[[Patient], Say]] = field(default_factory=dict)
    typos: bool = False
    place_name: bool = False
    returning: bool = False
    existing: bool = False  # a booking made before the conversation


@dataclass
class Failure:
    """Something that went wrong in one turn."""

    kind: str  # goal_not_reached | fallback | unexpected_reply | wrong_value | error
    turn: int
    detail: str


@dataclass
class Run:
    """One scenario with one seed."""

    scenario: str
    seed: int
    reached: bool = False
    turns: int = 0
    asked_twice: int = 0
    seconds: float = 0.0
    failures: List[Failure] = field(default_factory=list)
    transcript: List[Dict[str, Any]] = field(default_factory=list)


class Patient:
    """Reads the assistant's question and answers it from the facts."""

    def __init__(
        self,
        scenario: Scenario,
        facts: Facts,
        rng: random.Random,
        phrasings: Dict[str, Any],
        slots: Set[str],
        today: dt.date,
    ) -> None:
        self.scenario, self.facts, self.rng = scenario, facts, rng
        self.words, self.slots, self.today = phrasings, slots, today
        self.given: Set[str] = set()
        self.interjections = dict(scenario.interject)
        self.queue: List[Say] = []
        self.question: Optional[str] = None
        self.buttons: Tuple[Tuple[str, str], ...] = ()
        self.corrections = 0
        self.answered: Dict[str, int] = {}  # answers given to each slot's question
        self.requests = 0
        self.wrong: List[str] = []
        self.done = False

    # -- phrasing ----------------------------------------------------------
    def pick(self, options: Sequence[str], **extra: str) -> str:
        """One of ``options``, filled with the facts."""
        return self.fill(self.rng.choice(list(options)), **extra)

    def fill(self, template: str, **extra: str) -> str:
        """A phrasing with its placeholders filled from the facts."""
        facts = self.facts
        values = {
            "name": facts.name,
            "first": facts.first,
            "last": facts.last,
            "first_lower": facts.first.lower(),
            "last_lower": facts.last.lower(),
            "phone": facts.phone,
            "phone_compact": facts.phone.replace(" ", ""),
            "email": facts.email,
            "contact": facts.contact,
            "day": self.day_words(),
            "time": self.time_words(),
            "condition": self.rng.choice(self.words["condition_nouns"][facts.condition]),
            "visit": self.rng.choice(self.words["visit"]["new" if facts.new else "returning"]),
            **extra,
        }
        return template.format(**values)

    def day_words(self) -> str:
        """The wanted day in one of the ways people say it."""
        return self.rng.choice(day_phrases(self.facts.when.date(), self.today))

    def time_words(self) -> str:
        """The wanted time in one of the ways people say it."""
        return self.rng.choice(time_phrases(self.facts.when.time()))

    def typo(self, key: str) -> bool:
        """Whether this answer is written with typos (typo scenarios, when there are some)."""
        return self.scenario.typos and key in self.words

    def request(self) -> Say:
        """Asking for what the patient came for."""
        if self.scenario.goal in ("book", "emergency"):
            if self.scenario.typos:
                return Say(self.pick(self.words["requests_typos"]["book"]))
            return Say(self.pick(self.words["requests"]["book"]))
        return Say(self.pick(self.words["requests"][self.scenario.goal]))

    # -- answers -----------------------------------------------------------
    def button(self, wanted: Callable[[str, str], bool]) -> Optional[str]:
        """Sometimes a patient taps a matching button instead of typing."""
        matching = [payload for title, payload in self.buttons if wanted(title, payload)]
        return matching[0] if matching and self.rng.random() < 0.3 else None

    def answer(self, slot: str) -> Say:
        """The answer to the question for ``slot``."""
        facts, words = self.facts, self.words
        text: Optional[str] = None
        if slot == "condition":
            text = self.button(lambda _t, p: f'"{facts.condition}"' in p)
            key = "condition_typos" if self.typo("condition_typos") else "conditions"
            text = text or self.rng.choice(words[key][facts.condition])
        elif slot == "patient_name":
            text = self.pick(words["name_typos"] if self.typo("name_typos") else words["name"])
        elif slot in ("contact", "booking_contact"):
            kind = "email" if facts.use_email else "phone"
            key = "contact_typos" if self.typo("contact_typos") else "contact"
            text = self.pick(words[key][kind])
        elif slot == "patient_type":
            kind = "new" if facts.new else "returning"
            text = self.button(lambda t, _p: t.lower().startswith("first") == facts.new)
            key = "patient_type_typos" if self.typo("patient_type_typos") else "patient_type"
            text = text or self.pick(words[key][kind])
        elif slot == "appointment_date":
            text = self.pick(words["day"])
        elif slot == "appointment_time":
            wanted = f"{facts.when:%H:%M}"
            offered = [p for _, p in self.buttons if re.fullmatch(r"\d\d:\d\d", p)]
            if self.answered.get(slot, 0) >= 2 and offered and wanted not in offered:
                # Refused twice: take a time offered, as a person would.
                chosen = dt.time.fromisoformat(offered[0])
                facts.when = facts.when.replace(hour=chosen.hour, minute=chosen.minute)
                text = offered[0]
            else:
                text = self.button(lambda _t, p: p == wanted) or self.pick(words["time"])
        elif slot == "notes":
            if facts.notes:
                text = facts.notes
            else:
                text = self.button(lambda t, _p: "nothing" in t.lower())
                options = words["notes_typos"] if self.typo("notes_typos") else words["notes"]
                text = text or self.pick(options["none"] if isinstance(options, dict) else options)
        elif slot in ("booking_confirmed", "manage_confirmed"):
            text = self.button(lambda _t, p: p == "/affirm")
            text = text or self.pick(words["confirm_typos" if self.scenario.typos else "confirm"])
        elif slot == "booking_reference" and facts.reference:
            text = self.rng.choice([facts.reference, f"it's {facts.reference}"])
        if not self.can_answer(slot):
            return Say(self.pick(words["stop"]))  # not what this patient came for
        if text is None:
            return Say(self.request().text)  # a question this patient cannot answer
        self.answered[slot] = self.answered.get(slot, 0) + 1
        return Say(text, gives={slot}, answer=True)

    def can_answer(self, slot: str) -> bool:
        """Whether ``slot`` is a question for this patient's goal."""
        goal = self.scenario.goal
        if goal in ("check", "cancel", "reschedule"):
            moving = goal == "reschedule" and slot in ("appointment_date", "appointment_time")
            return slot in MANAGE_SLOTS or moving
        return slot in self.slots and slot not in MANAGE_SLOTS

    # -- the turn ----------------------------------------------------------
    def first(self) -> Say:
        """The opening message; the rest of the opening is queued."""
        self.queue = list(self.scenario.opening(self))
        return self.queue.pop(0)

    def next(self) -> Optional[Say]:
        """What to say after the assistant's last reply; None: the patient gives up."""
        if self.queue:
            return self.queue.pop(0)
        if self.wrong:
            self.corrections += 1
            if self.corrections > 2:
                return None
            wrong, self.wrong = self.wrong, []
            if "contact" in wrong:
                return Say(self.pick(self.words["correct_email"]), gives={"contact"})
            if "patient_name" in wrong:
                return Say(f"the name should be {self.facts.name}", gives={"patient_name"})
            if "notes" in wrong:
                text = self.facts.notes or "no notes please, nothing to add"
                return Say(f"the notes should be: {text}", gives={"notes"})
            return Say(
                self.pick(self.words["correct_day_and_time"]),
                gives={"appointment_date", "appointment_time"},
            )
        if self.question is None:
            self.requests += 1
            return self.request() if self.requests <= 3 else None
        if self.question in self.interjections:
            return self.interjections.pop(self.question)(self)
        if self.answered.get(self.question, 0) >= GIVE_UP_AFTER:
            return None  # a person would leave (or call) by now
        return self.answer(self.question)

    def check_shown(self, reply: Reply) -> List[str]:
        """The facts the assistant shows back wrongly (summary, reschedule, details)."""
        facts, values = self.facts, reply.values
        if reply.response == "utter_booking_summary":
            return self.summary_errors(values)
        if reply.response in ("utter_appointment_details", "utter_ask_confirm_cancel"):
            booked = facts.booked
            return [] if booked is None or shows(values, booked, with_time=False) else ["booked"]
        if reply.response == "utter_ask_confirm_reschedule":
            return [] if shows(values, facts.when, prefix="new_") else ["appointment_date"]
        return []

    def summary_errors(self, values: Dict[str, str]) -> List[str]:
        """What the booking summary shows differently from the facts."""
        facts, wrong = self.facts, []
        if not shows(values, facts.when):
            wrong.append("appointment_date")
        if values.get("patient_name") != facts.name:
            wrong.append("patient_name")
        shown = values.get("contact", "")
        digits = re.sub(r"\D", "", facts.phone)[1:]  # without the leading 0
        if facts.email not in shown and (facts.use_email or digits not in re.sub(r"\D", "", shown)):
            wrong.append("contact")
        if (values.get("notes") or "none") != (facts.notes or "none"):
            wrong.append("notes")
        return wrong


def shows(
    values: Dict[str, str], moment: dt.datetime, prefix: str = "", with_time: bool = True
) -> bool:
    """Whether a reply's {day} and {time} (or {new_day}...) are ``moment``."""
    if values.get(f"{prefix}day") != format_day(moment.date()):
        return False
    return not with_time or values.get(f"{prefix}time") == f"{moment:%H:%M}"


def send(url: str, sender: str, text: str, address: str) -> List[Dict[str, Any]]:
    """One message to the REST channel from ``address``; the replies."""
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": address},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        replies = json.loads(response.read())
    if not isinstance(replies, list):
        raise ValueError(f"not a list of replies: {replies!r}")
    return replies


def form_ended(
    url: str, sender: str, address: str, patient: Patient, run: Run, known: Sequence[Template]
) -> bool:
    """After the emergency reply, one more message: the form must not ask anything.

    This check turn is in the transcript but not in the turns to the goal.
    """
    text = patient.pick(patient.words["after_emergency"])
    try:
        replies = [recognise(m, known) for m in send(url, sender, text, address)]
    except (OSError, ValueError) as error:
        run.failures.append(Failure("error", run.turns, f"{text!r}: {error!r}"))
        return False
    names = [r.response for r in replies]
    run.transcript.append(
        {"patient": text, "assistant": [[r.response, r.text[:300]] for r in replies]}
    )
    if any(asked_slot(name, patient.slots) for name in names):
        run.failures.append(Failure("unexpected_reply", run.turns, f"the form went on: {names}"))
        return False
    return True


def converse(url: str, sender: str, address: str, patient: Patient, run: Run) -> None:
    """Hold one conversation until the goal, a give-up or MAX_TURNS."""
    known = templates()
    goal = GOALS[patient.scenario.goal]
    say: Optional[Say] = patient.first()
    started = time.perf_counter()
    while say is not None and run.turns < MAX_TURNS:
        run.turns += 1
        turn = run.turns
        try:
            messages = send(url, sender, say.text, address)
        except (OSError, ValueError) as error:
            run.failures.append(Failure("error", turn, f"{say.text!r}: {error!r}"))
            break
        replies = [recognise(m, known) for m in messages]
        run.transcript.append(
            {"patient": say.text, "assistant": [[r.response, r.text[:300]] for r in replies]}
        )
        if say.then is not None:
            say.then(patient.facts)
        names = [r.response for r in replies]
        for reply in replies:
            if reply.response == UNRECOGNISED:
                run.failures.append(
                    Failure("unexpected_reply", turn, f"unrecognised: {reply.text[:120]!r}")
                )
            elif reply.response in FALLBACKS:
                run.failures.append(Failure("fallback", turn, f"{say.text!r} -> {reply.response}"))
            elif say.answer and not form_reply(reply.response, patient.slots):
                run.failures.append(
                    Failure("unexpected_reply", turn, f"answer {say.text!r} -> {reply.response}")
                )
        if say.expect and not say.expect & set(names):
            run.failures.append(
                Failure(
                    "unexpected_reply",
                    turn,
                    f"{say.text!r}: expected {sorted(say.expect)}, got {names}",
                )
            )
        asks = [s for s in (asked_slot(n, patient.slots) for n in names) if s is not None]
        question = asks[-1] if asks else None
        if question is not None and not patient.can_answer(question):
            detail = f"{say.text!r}: asked for {question}, which this patient does not have"
            run.failures.append(Failure("unexpected_reply", turn, detail))
        if say.asks_again and question != patient.question:
            run.failures.append(
                Failure(
                    "unexpected_reply",
                    turn,
                    f"{say.text!r}: {patient.question} not asked again, got {names}",
                )
            )
        patient.given |= say.gives
        if question is not None and question in patient.given and not say.asks_again:
            run.asked_twice += 1
        if goal in names or SAME_GOAL.get(goal, frozenset()) & set(names):
            if patient.scenario.goal == "emergency" and (
                question is not None
                or any(p == "/book_appointment" for r in replies for _, p in r.buttons)
            ):
                run.failures.append(
                    Failure("unexpected_reply", turn, f"the booking went on: {names}")
                )
            else:
                run.reached = form_ended(url, sender, address, patient, run, known)
            break
        if patient.scenario.goal == "emergency" and say.expect == {goal}:
            break  # the emergency was not recognised: nothing more to learn
        for reply in replies:
            wrong = patient.check_shown(reply)
            if wrong:
                run.failures.append(Failure("wrong_value", turn, f"{reply.text[:200]!r}: {wrong}"))
                patient.wrong = wrong
        patient.question, patient.buttons = question, tuple(
            button for reply in replies for button in reply.buttons
        )
        say = patient.next()
    run.seconds = round(time.perf_counter() - started, 3)
    if not run.reached:
        asked = f"the {patient.question} question" if patient.question else "no question"
        why = f"gave up at {asked}" if say is None else "turn limit"
        why = why if run.turns >= MAX_TURNS or say is None else "stopped"
        run.failures.append(Failure("goal_not_reached", run.turns, why))


# ------------------------------------------------------------- scenarios --


def everything(patient: Patient) -> List[Say]:
    """One message with the name, contact, visit type, condition, day and time."""
    gives = {"patient_name", "contact", "patient_type", "condition"}
    text = patient.pick(patient.words["everything_at_once"])
    return [Say(text, gives=gives | {"appointment_date", "appointment_time"})]


def follow_up(patient: Patient) -> List[Say]:
    """A follow-up request with the day, the time and the condition."""
    text = patient.pick(patient.words["follow_up_request"])
    return [Say(text, gives={"patient_type", "condition", "appointment_date", "appointment_time"})]


def condition_first(patient: Patient) -> List[Say]:
    """The pain described, a question about it, then the booking."""
    story = patient.rng.choice(patient.words["condition_stories"][patient.facts.condition])
    explained = {
        "utter_condition_overview",
        "utter_condition_overview_described",
        "utter_ask_which_condition",
    }
    question = patient.pick(patient.words["questions"]["utter_acupuncture_answer"])
    return [
        Say(story, gives={"condition"}, expect=explained),
        Say(question, expect={"utter_acupuncture_answer"}),
        patient.request(),
    ]


def question(patient: Patient) -> Say:
    """A clinic or acupuncture question in the middle of the form."""
    response = patient.rng.choice(sorted(patient.words["questions"]))
    text = patient.pick(patient.words["questions"][response])
    return Say(text, expect={response}, asks_again=True)


def closed_day(patient: Patient) -> Say:
    """A Sunday first (the clinic never opens on Sundays)."""
    text = patient.pick(patient.words["closed_day"])
    return Say(text, expect={"utter_date_closed_day"}, asks_again=True)


def past_day(patient: Patient) -> Say:
    """A day that has passed first."""
    text = patient.pick(patient.words["past_day"])
    return Say(text, expect={"utter_date_in_past"}, asks_again=True)


def emergency(patient: Patient) -> Say:
    """Red-flag symptoms in the middle of the booking."""
    return Say(patient.pick(patient.words["emergency"]), expect={"utter_emergency"})


def change_day_and_time(patient: Patient) -> Say:
    """A change of mind about the day and time."""
    spare = patient.facts.spare
    assert spare is not None
    day = patient.rng.choice(day_phrases(spare.date(), patient.today))
    at = patient.rng.choice(time_phrases(spare.time()))
    text = patient.pick(patient.words["correct_day_and_time"], day=day, time=at)

    def changed(facts: Facts) -> None:
        facts.when = spare

    return Say(text, gives={"appointment_date", "appointment_time"}, then=changed)


def change_email(patient: Patient) -> Say:
    """A corrected email address at the summary."""
    email = patient.facts.email.replace("@example.com", ".home@example.org")
    text = patient.pick(patient.words["correct_email"], email=email)

    def changed(facts: Facts) -> None:
        facts.email, facts.use_email = email, True

    return Say(text, gives={"contact"}, then=changed)


SCENARIOS_FILE = ROOT / "bench" / "dialogue_scenarios.yml"
# What bench/dialogue_scenarios.yml may name, by function name.
OPENINGS = {step.__name__: step for step in (everything, follow_up, condition_first)}
INTERJECTIONS = {
    step.__name__: step
    for step in (question, closed_day, past_day, emergency, change_day_and_time, change_email)
}


def load_scenarios(path: Path = SCENARIOS_FILE) -> List[Scenario]:
    """The scenarios in ``path``, their openings and interjections resolved to functions."""
    scenarios = []
    for row in yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]:
        fields = dict(row)
        if "opening" in fields:
            fields["opening"] = OPENINGS[fields["opening"]]
        interject = fields.pop("interject", {})
        fields["interject"] = {slot: INTERJECTIONS[name] for slot, name in interject.items()}
        scenarios.append(Scenario(**fields))
    return scenarios


SCENARIOS = load_scenarios()
BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}


# ---------------------------------------------------------------- running --


class Diary:
    """Hands out free appointment starts, each once, in a seeded order."""

    def __init__(self, today: dt.date) -> None:
        """Starts from tomorrow over six weeks (within the booking horizon)."""
        self.starts = open_slots(PROFILE, today + dt.timedelta(days=1), 42)
        random.Random(0).shuffle(self.starts)
        self.today = today

    def take(self, days_ahead: int = 1) -> dt.datetime:
        """A start at least ``days_ahead`` days away, never handed out before."""
        for index, start in enumerate(self.starts):
            if (start.date() - self.today).days >= days_ahead:
                return self.starts.pop(index)
        raise RuntimeError("no free starts left for the benchmark's patients")


def reference_now() -> dt.datetime:
    """The test clock in the clinic's time zone."""
    zone = ZoneInfo(yaml.safe_load(PROFILE.read_text())["timezone"])
    return dt.datetime.fromisoformat(REFERENCE_NOW).replace(tzinfo=zone)


def book_beforehand(database_url: str, facts: Facts, sender: str) -> str:
    """The existing booking of a check/reschedule/cancel patient, written to the store."""
    from clinic_core.store import AppointmentStore, NewAppointment

    assert facts.booked is not None
    profile = yaml.safe_load(PROFILE.read_text())
    visit = next(t for t in profile["appointment_types"] if t["id"] == "new_patient")
    wanted = NewAppointment(
        starts_at=facts.booked,
        minutes=int(visit["minutes"]),
        grid_minutes=int(profile["booking"]["slot_grid_minutes"]),
        appointment_type=str(visit["id"]),
        reason=facts.condition,
        patient_name=facts.name,
        phone="+44" + re.sub(r"\D", "", facts.phone)[1:],
        email=facts.email,
        patient_type="new",
        notes=None,
        conversation_id=f"{sender}-earlier",
    )
    return AppointmentStore(database_url).book(wanted).reference


def run_one(
    url: str,
    database_url: str,
    scenario: Scenario,
    seed: int,
    number: int,
    diary: Diary,
    phrasings: Dict[str, Any],
    slots: Set[str],
) -> Run:
    """One scenario with one seed; ``number`` makes the patient's contact unique."""
    rng = random.Random(f"{scenario.name}-{seed}")
    names = phrasings["names"]
    first = rng.choice(names["first"])
    last = rng.choice(names["place_words"] if scenario.place_name else names["last"])
    facts = Facts(
        first=first,
        last=last,
        phone=f"07911 200{number:03d}",
        email=f"{first}.{last}{number}@example.com".lower(),
        use_email=rng.random() < 0.5,
        condition=rng.choice(sorted(phrasings["conditions"])),
        new=not scenario.returning and not scenario.existing and rng.random() < 0.6,
        when=diary.take(),
        notes=rng.choice(phrasings["notes"]["some"]) if rng.random() < 0.25 else None,
    )
    facts.spare = diary.take()
    sender = f"dialogue-{scenario.name}-{seed}-{uuid.uuid4().hex[:8]}"
    address = f"198.51.100.{number % 250 + 1}"
    if scenario.existing:
        facts.booked = diary.take(days_ahead=2)  # changes need a day's notice
        facts.reference = book_beforehand(database_url, facts, sender)
    patient = Patient(scenario, facts, rng, phrasings, slots, diary.today)
    run = Run(scenario.name, seed)
    converse(url, sender, address, patient, run)
    return run


def run_all(
    url: str, database_url: str, scenarios: Sequence[Scenario], seeds: Sequence[int]
) -> List[Run]:
    """Every scenario with every seed, one conversation after another."""
    phrasings = yaml.safe_load(PHRASINGS.read_text())
    slots = set((yaml.safe_load(DOMAIN.read_text()) or {}).get("slots", {}))
    diary = Diary(reference_now().date())
    runs, number = [], 0
    for scenario in scenarios:
        for seed in seeds:
            number += 1
            run = run_one(url, database_url, scenario, seed, number, diary, phrasings, slots)
            runs.append(run)
            print(
                f"{scenario.name} seed {seed}: {'reached' if run.reached else 'NOT reached'} "
                f"in {run.turns} turns, {run.asked_twice} asked twice, "
                f"{len(run.failures)} failures, {run.seconds:.1f} s",
                flush=True,
            )
    return runs


def summary(runs: Sequence[Run]) -> Dict[str, Dict[str, Any]]:
    """Per scenario: medians over seeds, failed runs and failures by kind."""
    table: Dict[str, Dict[str, Any]] = {}
    for name in dict.fromkeys(run.scenario for run in runs):
        mine = [run for run in runs if run.scenario == name]
        kinds: Dict[str, int] = {}
        for run in mine:
            for failure in run.failures:
                kinds[failure.kind] = kinds.get(failure.kind, 0) + 1
        table[name] = {
            "description": BY_NAME[name].description if name in BY_NAME else "",
            "goal": BY_NAME[name].goal if name in BY_NAME else "",
            "runs": len(mine),
            "reached": sum(run.reached for run in mine),
            "failed_runs": sum(bool(run.failures) for run in mine),
            # turns to the goal: of the runs that reached it
            "median_turns": median([run.turns for run in mine if run.reached]),
            "median_asked_twice": statistics.median(run.asked_twice for run in mine),
            "median_seconds": round(statistics.median(run.seconds for run in mine), 2),
            "failures": kinds,
            "first_failure": next(
                (
                    f"seed {r.seed}, turn {f.turn}: {f.kind}: {f.detail}"
                    for r in mine
                    for f in r.failures
                ),
                "",
            ),
        }
    return table


def median(values: Sequence[float]) -> Optional[float]:
    """The median, None for no values."""
    return statistics.median(values) if values else None


def markdown(result: Dict[str, Any]) -> str:
    """The per-scenario table and the first failure of each scenario."""
    lines = [
        f"# Dialogue benchmark {result['finished']}",
        "",
        f"{result['machine']}; command: `{result['command']}`; seeds per scenario: "
        f"{result['seeds']}; at most {MAX_TURNS} turns; wall time {result['wall_s']} s "
        f"(servers ready after {result['startup_s']} s)",
        "",
        "| scenario | goal | reached | turns to the goal (median) | asked twice (median) "
        "| runs with failures | failures by kind | seconds (median) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in result["scenarios"].items():
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(row["failures"].items()))
        lines.append(
            f"| {name} | {row['goal']} | {row['reached']}/{row['runs']} "
            f"| {'–' if row['median_turns'] is None else row['median_turns']} "
            f"| {row['median_asked_twice']} | {row['failed_runs']}/{row['runs']} | {kinds or '–'} "
            f"| {row['median_seconds']} |"
        )
    lines += ["", "First failure of each scenario:", ""]
    for name, row in result["scenarios"].items():
        if row["first_failure"]:
            lines.append(f"- {name}: {row['first_failure'][:300]}")
    return "\n".join(lines) + "\n"


def serve(folder: Path) -> AssistantStack:
    """The servers as `make run` starts them, with state in ``folder`` and the test clock."""
    return local_stack(model_path(), folder, SERVER_ENV)


def main() -> None:
    """Start the servers, run every scenario with every seed, write the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=SEEDS, help="seeds per scenario")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(BY_NAME),
        default=None,
        help="only these scenarios (repeatable)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    scenarios = [BY_NAME[name] for name in args.scenario] if args.scenario else SCENARIOS
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-dialogue-") as scratch, serve(
        Path(scratch)
    ) as stack:
        ready = time.perf_counter() - started
        print(f"servers ready after {ready:.0f} s", flush=True)
        runs = run_all(stack.rasa_url, stack.env()["DATABASE_URL"], scenarios, range(args.seeds))
    result = {
        "command": "make bench-dialogue",
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
        f"Python {platform.python_version()}",
        "finished": dt.datetime.now().isoformat(timespec="seconds"),
        "reference_now": REFERENCE_NOW,
        "seeds": args.seeds,
        "max_turns": MAX_TURNS,
        "startup_s": round(ready, 1),
        "wall_s": round(time.perf_counter() - started, 1),
        "scenarios": summary(runs),
        "runs": [
            {
                "scenario": r.scenario,
                "seed": r.seed,
                "reached": r.reached,
                "turns": r.turns,
                "asked_twice": r.asked_twice,
                "seconds": r.seconds,
                "failures": [vars(f) for f in r.failures],
                "transcript": r.transcript,
            }
            for r in runs
        ],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dialogue.json").write_text(json.dumps(result, indent=1))
    report = markdown(result)
    (args.out / "dialogue.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
