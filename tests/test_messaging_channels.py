"""Telegram, SMS/WhatsApp (Twilio) and Messenger, end to end without the internet.

The Rasa server runs with all three channels configured from environment
variables, exactly as a clinic would set them. Each test posts the
provider's documented webhook payload to the server, signed as the provider
signs it; the channels' outgoing clients are pointed at a fake provider on
loopback (tests/fake_providers.py) that records what the patient would
receive. The same booking conversation is then held on every channel and
compared, turn by turn, with a web visitor's over the REST channel.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from twilio.request_validator import RequestValidator

from channels.numbered_choices import PROMPT
from clinic_core.profile import load_profile
from clinic_core.store import AppointmentStore
from ops.servers import AssistantStack, send_rest
from tests.fake_providers import TELEGRAM_BOT, FakeProviders
from tests.servers import stack_in

pytestmark = pytest.mark.servers

PUBLIC = "https://clinic.example"
TELEGRAM = {
    "TELEGRAM_ACCESS_TOKEN": "123456789:AAE-test-token-for-the-fake-api",
    "TELEGRAM_BOT_USERNAME": TELEGRAM_BOT["username"],
    "TELEGRAM_WEBHOOK_URL": f"{PUBLIC}/webhooks/telegram/webhook",
    "TELEGRAM_SECRET_TOKEN": "telegram-webhook-secret",
}
TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "a1" * 16,
    "TWILIO_AUTH_TOKEN": "twilio-auth-token-for-tests",
    "TWILIO_NUMBER": "+15005550006",
    "TWILIO_WEBHOOK_URL": f"{PUBLIC}/webhooks/twilio/webhook",
}
FACEBOOK = {
    "FACEBOOK_VERIFY_TOKEN": "facebook-verify-token",
    "FACEBOOK_APP_SECRET": "facebook-app-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "facebook-page-token",
}
PAGE_ID = "1122334455"
numbers = itertools.count(1000)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviders]:
    providers = FakeProviders().start()
    yield providers
    providers.stop()
    assert providers.rejected == []  # every call was one the real provider accepts


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, fake: FakeProviders
) -> Iterator[AssistantStack]:
    channels = {
        **TELEGRAM,
        "TELEGRAM_API_BASE_URL": f"{fake.base}/telegram",
        **TWILIO,
        "TWILIO_API_BASE_URL": f"{fake.base}/twilio",
        **FACEBOOK,
        "FACEBOOK_GRAPH_URL": f"{fake.base}/graph/v12.0",
    }
    with stack_in(tmp_path_factory.mktemp("channels"), env=channels) as servers:
        yield servers


def post(url: str, body: bytes, headers: Dict[str, str]) -> Tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@dataclass
class Turn:
    """What the patient received after one message: all text, and the choices."""

    text: str
    choices: List[str]

    def normalised(self) -> Tuple[str, List[str]]:
        """Whitespace collapsed and booking references masked, for comparisons."""
        text = re.sub(r"reference is [A-Z0-9]{6}", "reference is <REF>", self.text)
        return " ".join(text.split()), self.choices


# -- one patient per channel, with the same two verbs: say and choose --------


class Patient:
    """A patient on one channel."""

    def __init__(self, stack: AssistantStack, fake: FakeProviders) -> None:
        self.stack, self.fake = stack, fake
        self.last = Turn("", [])
        self.payloads: List[str] = []

    def say(self, text: str) -> Turn:
        raise NotImplementedError

    def choose(self, title: str) -> Turn:
        raise NotImplementedError


class WebVisitor(Patient):
    """The REST channel: the reference every other channel is compared with."""

    sender = ""

    def send(self, text: str) -> Turn:
        self.sender = self.sender or f"web-{uuid.uuid4()}"
        replies = send_rest(self.stack.rasa_url, self.sender, text)
        buttons = [b for r in replies for b in r.get("buttons", [])]
        self.payloads = [b["payload"] for b in buttons]
        self.last = Turn(
            " ".join(r.get("text", "") for r in replies), [b["title"] for b in buttons]
        )
        return self.last

    say = send

    def choose(self, title: str) -> Turn:
        return self.send(self.payloads[self.last.choices.index(title)])


class TelegramPatient(Patient):
    chat_id = 0

    def update(self, **content: Any) -> Dict[str, Any]:
        self.chat_id = self.chat_id or next(numbers)
        return {"update_id": next(numbers), **content}

    def message(self, text: str) -> Dict[str, Any]:
        user = {"id": self.chat_id or next(numbers), "is_bot": False, "first_name": "Ann"}
        self.chat_id = user["id"]
        return {
            "message_id": next(numbers),
            "from": user,
            "chat": {"id": self.chat_id, "type": "private", "first_name": "Ann"},
            "date": int(time.time()),
            "text": text,
        }

    def deliver(self, update: Dict[str, Any], secret: Optional[str] = None) -> int:
        self.fake.clear()
        status, _ = post(
            f"{self.stack.rasa_url}/webhooks/telegram/webhook",
            json.dumps(update).encode(),
            {
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": secret or TELEGRAM["TELEGRAM_SECRET_TOKEN"],
            },
        )
        sent = self.fake.sent("telegram", "sendMessage")
        keyboards = [
            json.loads(s.fields["reply_markup"]) for s in sent if "reply_markup" in s.fields
        ]
        buttons = [b for k in keyboards for row in k["inline_keyboard"] for b in row]
        self.payloads = [b["callback_data"] for b in buttons]
        self.last = Turn(" ".join(s.fields["text"] for s in sent), [b["text"] for b in buttons])
        return status

    def say(self, text: str) -> Turn:
        assert self.deliver(self.update(message=self.message(text))) == 200
        return self.last

    def choose(self, title: str) -> Turn:
        data = self.payloads[self.last.choices.index(title)]
        query = {
            "id": str(next(numbers)),
            "from": {"id": self.chat_id, "is_bot": False, "first_name": "Ann"},
            "message": self.message("(the message with the buttons)"),
            "chat_instance": "42",
            "data": data,
        }
        assert self.deliver(self.update(callback_query=query)) == 200
        assert self.fake.sent("telegram", "answerCallbackQuery")  # the tap is acknowledged
        return self.last


class SmsPatient(Patient):
    """SMS (or WhatsApp, with ``whatsapp:`` numbers) through Twilio."""

    def __init__(self, stack: AssistantStack, fake: FakeProviders, whatsapp: bool = False) -> None:
        super().__init__(stack, fake)
        prefix = "whatsapp:" if whatsapp else ""
        self.phone = f"{prefix}+447700{next(numbers):06d}"
        self.clinic = f"{prefix}{TWILIO['TWILIO_NUMBER']}"

    def form(self, text: str) -> Dict[str, str]:
        """Twilio's incoming-message webhook parameters."""
        sid = f"SM{uuid.uuid4().hex}"
        return {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "AccountSid": TWILIO["TWILIO_ACCOUNT_SID"],
            "From": self.phone,
            "To": self.clinic,
            "Body": text,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }

    def deliver(self, params: Dict[str, str], signature: Optional[str] = None) -> int:
        self.fake.clear()
        validator = RequestValidator(TWILIO["TWILIO_AUTH_TOKEN"])
        signed = signature or validator.compute_signature(TWILIO["TWILIO_WEBHOOK_URL"], params)
        status, _ = post(
            f"{self.stack.rasa_url}/webhooks/twilio/webhook",
            urllib.parse.urlencode(params).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signed},
        )
        sent = self.fake.sent("twilio", "Messages")
        assert all(s.fields["From"] == self.clinic and s.fields["To"] == self.phone for s in sent)
        text, choices = [], []
        for message in sent:
            body, _, options = message.fields["Body"].partition(f"\n\n{PROMPT}\n")
            text.append(body)
            choices = [re.sub(r"^\d+\. ", "", line) for line in options.splitlines()] or choices
        self.last = Turn(" ".join(text), choices)
        return status

    def say(self, text: str) -> Turn:
        assert self.deliver(self.form(text)) == 200
        return self.last

    def choose(self, title: str) -> Turn:
        return self.say(str(self.last.choices.index(title) + 1))  # answering with the number


class MessengerPatient(Patient):
    psid = ""

    def deliver(self, event: Dict[str, Any], signature: Optional[str] = None) -> int:
        self.fake.clear()
        body = json.dumps(
            {"object": "page", "entry": [{"id": PAGE_ID, "time": 0, "messaging": [event]}]}
        ).encode()
        secret = FACEBOOK["FACEBOOK_APP_SECRET"].encode()
        signed = signature or "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        status, _ = post(
            f"{self.stack.rasa_url}/webhooks/facebook/webhook",
            body,
            {"Content-Type": "application/json", "X-Hub-Signature-256": signed},
        )
        sent = [
            s.fields["message"]
            for s in self.fake.sent("facebook", "me/messages")
            if "message" in s.fields
        ]
        replies = [m for m in sent if m.get("quick_replies")]
        quick = replies[-1]["quick_replies"] if replies else []
        self.payloads = [q["payload"] for q in quick]
        texts, choices = [], [q["title"] for q in quick]
        for message in sent:
            body_text, _, options = message["text"].partition(f"\n\n{PROMPT}\n")
            texts.append(body_text)
            if options:  # long titles: numbered in the text, numbers as quick replies
                choices = [re.sub(r"^\d+\. ", "", line) for line in options.splitlines()]
        self.last = Turn(" ".join(texts), choices)
        return status

    def event(self, message: Dict[str, Any]) -> Dict[str, Any]:
        self.psid = self.psid or str(next(numbers))
        return {
            "sender": {"id": self.psid},
            "recipient": {"id": PAGE_ID},
            "timestamp": int(time.time() * 1000),
            "message": {"mid": f"m_{uuid.uuid4().hex}", **message},
        }

    def say(self, text: str) -> Turn:
        assert self.deliver(self.event({"text": text})) == 200
        return self.last

    def choose(self, title: str) -> Turn:
        payload = self.payloads[self.last.choices.index(title)]
        assert self.deliver(self.event({"text": title, "quick_reply": {"payload": payload}})) == 200
        return self.last


def booking_conversation(patient: Patient) -> List[Turn]:
    """Describe pain, book a first visit, confirm: as a patient would type it."""
    turns = [
        patient.say("hi"),
        patient.say("my lower back has been aching for weeks"),  # a short reply, then buttons
        patient.choose("How can acupuncture help?"),
        patient.choose("Book"),
        patient.say("Ann Lee"),
        patient.say("ann.lee@example.com"),
        patient.choose("First visit"),
        patient.say("next tuesday"),
    ]
    turns.append(patient.choose(turns[-1].choices[0]))  # the first free time
    turns.append(patient.choose("Nothing to add"))
    turns.append(patient.choose("Yes, book it"))
    return turns


def book_and_release(stack: AssistantStack, patient: Patient) -> List[Turn]:
    """Hold the booking conversation, check it booked, then free the time again."""
    turns = booking_conversation(patient)
    assert "You're booked" in turns[-1].text
    reference = re.search(r"reference is ([A-Z0-9]{6})", turns[-1].text)
    assert reference is not None
    store = AppointmentStore(stack.env()["DATABASE_URL"])
    appointment = store.get(reference.group(1))
    assert appointment is not None and appointment.patient_name == "Ann Lee"
    store.cancel(appointment.reference)  # the next channel's patient sees the same free times
    return turns


@pytest.fixture(scope="module")
def web_transcript(stack: AssistantStack, fake: FakeProviders) -> List[Turn]:
    return book_and_release(stack, WebVisitor(stack, fake))


@pytest.mark.parametrize(
    "make_patient",
    [
        TelegramPatient,
        SmsPatient,
        lambda stack, fake: SmsPatient(stack, fake, whatsapp=True),
        MessengerPatient,
    ],
    ids=["telegram", "sms", "whatsapp", "messenger"],
)
def test_messaging_patient_gets_the_same_conversation_as_a_web_visitor(
    stack: AssistantStack,
    fake: FakeProviders,
    web_transcript: List[Turn],
    make_patient: Callable[[AssistantStack, FakeProviders], Patient],
) -> None:
    turns = book_and_release(stack, make_patient(stack, fake))
    assert [t.normalised() for t in turns] == [t.normalised() for t in web_transcript]


def tracker_events(stack: AssistantStack, conversation: str) -> List[Dict[str, Any]]:
    database = stack.env()["TRACKER_STORE_URL"][len("sqlite:///") :]
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (conversation,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def slots_of(stack: AssistantStack, conversation: str) -> Dict[str, Any]:
    """The latest value of every slot set in a conversation."""
    return {
        e["name"]: e["value"] for e in tracker_events(stack, conversation) if e["event"] == "slot"
    }


def test_a_rest_message_with_an_sms_patients_number_reaches_a_new_empty_conversation(
    stack: AssistantStack, fake: FakeProviders
) -> None:
    patient = SmsPatient(stack, fake)
    book_and_release(stack, patient)
    assert slots_of(stack, f"sms:{patient.phone}")["patient_name"] == "Ann Lee"
    # an attacker who knows the number asks to book over REST, as the issue describes
    replies = [
        send_rest(stack.rasa_url, patient.phone, text)
        for text in ("book an appointment", '/inform{"condition": "sciatica"}')
    ]
    seen = " ".join(r.get("text", "") for batch in replies for r in batch)
    assert "What name" in seen  # asked like any stranger: nothing carried in
    assert "Ann Lee" not in seen and "ann.lee@example.com" not in seen
    assert all(r["recipient_id"] == f"rest:{patient.phone}" for batch in replies for r in batch)
    taken = slots_of(stack, f"rest:{patient.phone}")
    assert not {"patient_name", "contact", "email", "phone"} & {k for k, v in taken.items() if v}
    # the SMS conversation got nothing from the REST client
    sms_users = [e for e in tracker_events(stack, f"sms:{patient.phone}") if e["event"] == "user"]
    assert all(e["input_channel"] == "twilio" for e in sms_users)
    assert tracker_events(stack, patient.phone) == []  # nothing filed under the bare number


def test_an_sms_patient_keeps_name_and_contact_in_a_new_session(
    stack: AssistantStack, fake: FakeProviders
) -> None:
    """Twilio vouches for the number: the next session does not ask again."""
    patient = SmsPatient(stack, fake)
    book_and_release(stack, patient)
    patient.say("/session_start")  # what an expired session does
    asked = patient.say("i'd like to book an appointment").text
    # name and contact (and what else was answered) carried over: straight to the day
    assert "Which day" in asked
    assert "What name" not in asked and "phone number or email" not in asked


def test_sms_shows_choices_as_numbered_lines(stack: AssistantStack, fake: FakeProviders) -> None:
    patient = SmsPatient(stack, fake)
    patient.say("hello")
    body = fake.sent("twilio", "Messages")[-1].fields["Body"]
    assert f"{PROMPT}\n1. My hip hurts\n2. My back hurts" in body
    assert "/hip_pain" not in body  # payloads stay hidden
    out_of_range = patient.say("9")  # not a choice: read as text
    assert out_of_range.text


def test_sms_gets_the_short_condition_reply_and_links_as_plain_text(
    stack: AssistantStack, fake: FakeProviders
) -> None:
    patient = SmsPatient(stack, fake)
    explanation = patient.say("my lower back has been aching for weeks")
    assert explanation.text.startswith("About lower back pain:")
    assert len(explanation.text.split()) <= 60  # one screen, the rest behind numbers
    assert explanation.choices == ["How can acupuncture help?", "Which points are used?", "Book"]
    assert "Medical research" in patient.choose("How can acupuncture help?").text
    profile = load_profile()
    handoff = patient.say("can i speak to someone")
    assert f"on {profile.phone} or at {profile.email} (" in handoff.text
    location = patient.say("where are you located")
    assert f"{profile.address} ({profile.map_link})." in location.text
    assert "](" not in handoff.text + location.text and "tel:" not in handoff.text


def test_forged_or_unsigned_twilio_request_is_refused(
    stack: AssistantStack, fake: FakeProviders
) -> None:
    patient = SmsPatient(stack, fake)
    params = patient.form("I want to book")
    forged = RequestValidator("not-the-auth-token").compute_signature(
        TWILIO["TWILIO_WEBHOOK_URL"], params
    )
    assert patient.deliver(params, signature=forged) == 403
    status, _ = post(
        f"{stack.rasa_url}/webhooks/twilio/webhook",
        urllib.parse.urlencode(params).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 403
    assert fake.sent("twilio", "Messages") == []  # nothing was sent to anyone


def test_forged_messenger_request_is_refused(stack: AssistantStack, fake: FakeProviders) -> None:
    patient = MessengerPatient(stack, fake)
    event = patient.event({"text": "hello"})
    assert patient.deliver(event, signature="sha256=" + "0" * 64) == 403
    assert patient.deliver(event, signature="sha1=" + "0" * 40) == 403
    assert fake.sent("facebook", "me/messages") == []


def test_messenger_webhook_verification(stack: AssistantStack) -> None:
    query = urllib.parse.urlencode(
        {
            "hub.mode": "subscribe",
            "hub.verify_token": FACEBOOK["FACEBOOK_VERIFY_TOKEN"],
            "hub.challenge": "1158201444",
        }
    )
    url = f"{stack.rasa_url}/webhooks/facebook/webhook?{query}"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"1158201444"
    wrong = url.replace(FACEBOOK["FACEBOOK_VERIFY_TOKEN"], "guess")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(wrong, timeout=10)
    assert refused.value.code == 403


def test_telegram_update_without_the_secret_is_refused(
    stack: AssistantStack, fake: FakeProviders
) -> None:
    patient = TelegramPatient(stack, fake)
    update = patient.update(message=patient.message("hello"))
    assert patient.deliver(update, secret="wrong-secret") == 403
    assert fake.sent("telegram", "sendMessage") == []


def test_telegram_webhook_is_registered_with_its_secret_at_start(
    stack: AssistantStack, fake: FakeProviders
) -> None:
    deadline = time.monotonic() + 30
    while not fake.webhooks and time.monotonic() < deadline:
        time.sleep(0.2)
    assert fake.webhooks == [
        {"url": TELEGRAM["TELEGRAM_WEBHOOK_URL"], "secret_token": TELEGRAM["TELEGRAM_SECRET_TOKEN"]}
    ]


@pytest.mark.parametrize(
    "make_patient",
    [TelegramPatient, SmsPatient, MessengerPatient],
    ids=["telegram", "sms", "messenger"],
)
def test_a_message_over_the_length_limit_gets_the_clear_reply(
    stack: AssistantStack,
    fake: FakeProviders,
    make_patient: Callable[[AssistantStack, FakeProviders], Patient],
) -> None:
    patient = make_patient(stack, fake)
    turn = patient.say("my back hurts " * 100)  # 1,400 characters; the limit is 1,000
    assert "too long for me to read" in turn.text and "under 1000 characters" in turn.text
    assert "Lower back pain" not in turn.text  # not passed on to the assistant
    assert "Monday" in patient.say("when are you open").text


def test_an_sms_sender_over_the_rate_limit_is_told_once(
    stack: AssistantStack, fake: FakeProviders
) -> None:
    patient = SmsPatient(stack, fake)
    for _ in range(20):  # the default: 20 messages a minute
        assert "faster than I can answer" not in patient.say("hi").text
    assert "faster than I can answer" in patient.say("hi").text
    assert patient.say("hi").text == ""  # told once a window: no SMS after SMS to pay for
