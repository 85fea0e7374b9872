"""Properties of the contact-detail readers and the booking forms' slot validators.

Whatever a patient types, a validator either stores a value in its valid,
normalised form or stores nothing and says why; it never raises and never
stores something invalid. Valid details typed in ordinary ways are accepted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import unicodedata
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional, Tuple

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import assume, example, given
from hypothesis import strategies as st
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.forms import (
    MAX_REASON,
    ValidateAppointmentForm,
    ValidateManageBookingForm,
)
from clinic_core.clock import REFERENCE_NOW_ENV, TEST_CLOCK_ENV
from clinic_core.contact_details import (
    COURTESY_WORDS,
    MAX_NAME_LENGTH,
    PRONOUNS,
    clean_name,
    contact_taken_back,
    display_phone,
    find_email,
    find_phone,
    is_a_sentence,
)
from clinic_core.knowledge import load_conditions
from clinic_core.profile import load_profile
from clinic_core.store import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    AppointmentStore,
    lookup_failures,
)
from clinic_core.time_of_day import PARTS_OF_DAY
from tests.helpers.appointments import new_appointment
from tests.helpers.trackers import make_tracker

PROFILE = load_profile()
REGION = PROFILE.country
NAME_PROBLEMS = {
    "utter_name_empty",
    "utter_name_too_long",
    "utter_name_has_digits",
    "utter_name_not_a_name",
}
NAME_SEPARATORS = " '’.-"
# Words the name reader strips as an introduction ("my name is", "I'm", "hi, it's").
COURTESY_BEFORE = {"ok", "okay", "sure", "yes", "yeah", "yep", "of", "no"}
INTRODUCTION_WORDS = {"hi", "hello", "hey", "my", "name", "i", "im", "its", "this", "call", "it"}
FILLER = ["please", "thanks", "you", "can", "reach", "me", "on", "or", "at", "cheers", "hello"]

texts = st.one_of(st.text(max_size=200), st.text(max_size=5000))
# Text that looks like contact details: digits, separators, @, dots, plus signs.
contactish = st.text(alphabet="0123456789 +-().@abcxyz_'\"<>:,;", max_size=80)
fillers = st.lists(st.sampled_from(FILLER), max_size=3).map(" ".join)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# --- names -------------------------------------------------------------------------


def assert_valid_name(name: str) -> None:
    assert 1 <= len(name) <= MAX_NAME_LENGTH, name
    assert name == name.strip()
    assert len(name.split(" ")) <= 5
    for ch in name:
        # Letters and the separators of names only: no digits, no control or
        # format characters, no combining marks left dangling, no markup.
        assert ch.isalpha() or ch in NAME_SEPARATORS, (name, ch, unicodedata.category(ch))
    assert not re.search(r"[ '’.\-]{2}", name), name


@given(text=st.one_of(texts, st.text(alphabet=st.characters(categories=["L", "Z", "M", "P"]))))
@example(text="Ann\n.")  # was accepted as "Ann\n": `$` matches before a final newline
@example(text="my name is Ann Lee\n!")
@example(text="KİRAZ")  # was "Ki̇raz", with a dangling combining dot
@example(text="ŉ" * 60)  # upper-casing "ŉ" gives two characters: 60 became 61
def test_a_name_is_valid_or_refused_with_a_reason(text: str) -> None:
    name, problem = clean_name(text)
    assert (name is None) != (problem is None)
    if name is None:
        assert problem in NAME_PROBLEMS
        return
    assert_valid_name(name)
    assert clean_name(name)[0] is not None  # what we store reads back as a name


@st.composite
def names(draw: st.DrawFn) -> str:
    """Mixed-case names: "Ann Lee", "Zoë O'Brien-Smith", "Łukasz", "Анна", "Li 王芳"."""
    words = []
    for _ in range(draw(st.integers(1, 4))):
        head = draw(st.characters(categories=["Lu", "Lo"]))
        tail = draw(st.text(alphabet=st.characters(categories=["Ll", "Lo"]), max_size=8))
        words.append(head + tail)
        if draw(st.integers(0, 4)) == 0:  # a double-barrelled or O'Brien-style part
            words[-1] += draw(st.sampled_from("-'’")) + draw(st.characters(categories=["Lu"]))
    name = " ".join(words)
    assume(len(name) <= MAX_NAME_LENGTH)
    assume(words[0].lower() not in INTRODUCTION_WORDS | COURTESY_BEFORE)
    assume(words[-1].lower() not in COURTESY_WORDS)
    assume(name not in (name.lower(), name.upper()))  # mixed case is kept as typed
    assume(not all(part in PRONOUNS for part in re.split(r"[ '’-]+", name.lower())))  # "Me"
    return name


@given(
    name=names(),
    intro=st.sampled_from(["", "my name is ", "Hi, I'm ", "it's ", "name: "]),
    end=st.sampled_from(["", ".", "!", " "]),
)
def test_a_typed_name_is_kept_as_typed(name: str, intro: str, end: str) -> None:
    assert clean_name(intro + name + end) == (name, None)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("hannah Moreau", "Hannah Moreau"),
        ("Ann van Dijk", "Ann van Dijk"),
        ("maria de Souza", "Maria de Souza"),
        ("Jean-luc Picard", "Jean-luc Picard"),
    ],
)
def test_a_lower_case_word_among_capitalised_ones_is_capitalised(typed: str, stored: str) -> None:
    assert clean_name(typed) == (stored, None)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("sean o'neill", "Sean O'Neill"),  # audit 12 saw "O'neill"
        ("ANNE-MARIE D'ARCY", "Anne-Marie D'Arcy"),
        ("ann van dijk", "Ann van Dijk"),
        ("van dijk", "Van Dijk"),  # a particle first is the start of the name
    ],
)
def test_a_name_typed_in_one_case_is_capitalised_part_by_part(typed: str, stored: str) -> None:
    assert clean_name(typed) == (stored, None)


@given(
    name=names(),
    before=st.sampled_from(["", "ok, ", "Sure - ", "yes "]),
    after=st.sampled_from([", thanks", " thank you!", " please", ", cheers.", " thanks so much"]),
)
def test_courtesy_around_a_name_is_not_part_of_it(name: str, before: str, after: str) -> None:
    assert clean_name(before + name + after) == (name, None)


@given(words=st.lists(st.from_regex(r"[a-z]{1,10}", fullmatch=True), min_size=1, max_size=5))
def test_a_name_in_one_case_is_capitalised(words: List[str]) -> None:
    assume(words[0] not in INTRODUCTION_WORDS | COURTESY_BEFORE)
    assume(words[-1] not in COURTESY_WORDS)
    expected = " ".join(w.capitalize() for w in words)
    assume(len(expected) <= MAX_NAME_LENGTH)
    assume(not all(word in PRONOUNS for word in words))  # "me", "it s": who, not a name
    assume(not is_a_sentence(" ".join(words)))  # "just me for now then", "i think"
    assert clean_name(" ".join(words)) == (expected, None)
    assert clean_name(" ".join(words).upper()) == (expected, None)


# --- email addresses ---------------------------------------------------------------


def normalised_email(address: str) -> Optional[str]:
    try:
        return str(validate_email(address, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


@given(text=st.one_of(texts, contactish))
def test_a_found_email_is_valid_and_normalised(text: str) -> None:
    email = find_email(text)
    if email is not None:
        assert normalised_email(email) == email
        assert not any(ch.isspace() for ch in email)
        assert find_email(email) == email


@given(
    address=st.emails(),
    wrap=st.sampled_from(["{}", "<{}>", "({})", "{}.", "{},", "'{}'", '"{}"', "email:{}", "[{}]"]),
    left=fillers,
    right=fillers,
)
@example(address="sean.o'brien@example.com", wrap="{}", left="", right="")  # was brien@...
@example(address="o'neill@example.com", wrap="'{}'", left="it's", right="")
def test_an_email_in_a_sentence_is_found(address: str, wrap: str, left: str, right: str) -> None:
    expected = normalised_email(address)
    assume(expected is not None)
    # "'o'@x.com'" is ambiguous: are the outer apostrophes quotes or the address?
    assume(not (wrap == "'{}'" and address.startswith("'")))
    assert find_email(f"{left} {wrap.format(address)} {right}") == expected


# --- phone numbers -----------------------------------------------------------------


def assert_valid_e164(phone: str) -> None:
    assert re.fullmatch(r"\+[1-9]\d{6,14}", phone), phone
    number = phonenumbers.parse(phone, None)
    assert phonenumbers.is_valid_number(number)
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
    shown = display_phone(phone)
    assert phonenumbers.parse(shown, None) == number


@given(text=st.one_of(texts, contactish, st.from_regex(r"[+0-9 ()\-.]{0,40}", fullmatch=True)))
def test_a_found_phone_number_is_valid_e164(text: str) -> None:
    phone = find_phone(text, REGION)
    if phone is not None:
        assert_valid_e164(phone)
        assert find_phone(phone, REGION) == phone


@st.composite
def gb_numbers(draw: st.DrawFn) -> Tuple[str, str]:
    """A valid UK number as typed (national or international style) and its E.164 form."""
    kind = draw(st.sampled_from(["mobile", "london"]))
    if kind == "mobile":
        national = (
            "7" + draw(st.sampled_from("45789")) + draw(st.from_regex(r"[0-9]{8}", fullmatch=True))
        )
        groups = [national[:4], national[4:]]
    else:
        national = (
            "20" + draw(st.sampled_from("378")) + draw(st.from_regex(r"[0-9]{7}", fullmatch=True))
        )
        groups = [national[:2], national[2:6], national[6:]]
    number = phonenumbers.parse("+44" + national, None)
    assume(phonenumbers.is_valid_number(number))
    sep = draw(st.sampled_from([" ", "", "-"]))
    style = draw(st.sampled_from(["0{}", "+44 {}", "+44{}", "0044 {}", "+44 (0){}", "(0{})"]))
    if style == "(0{})":
        typed = f"(0{groups[0]}) {sep.join(groups[1:])}"
    else:
        typed = style.format(sep.join(groups))
    return typed, "+44" + national


@given(number=gb_numbers(), left=fillers, right=fillers)
def test_a_uk_number_in_a_sentence_is_found(number: Tuple[str, str], left: str, right: str) -> None:
    typed, e164 = number
    assert find_phone(f"{left} {typed} {right}", REGION) == e164


@given(region=st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)), left=fillers)
def test_an_international_number_is_found(region: str, left: str) -> None:
    number = phonenumbers.example_number(region)
    assume(number is not None)
    typed = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    assert find_phone(f"{left} {typed}", REGION) == expected


# --- the forms' validators ---------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def clinic_time_and_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('properties') / 'appointments.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TEST_CLOCK_ENV, "1")
        patch.setenv(REFERENCE_NOW_ENV, "2026-11-25T11:00")
        patch.setenv("DATABASE_URL", url)
        yield url


@contextmanager
def clinic_now(moment: dt.datetime) -> Iterator[None]:
    """Pin the clinic's "now" for one example (fixtures are per test, not per example)."""
    before = os.environ[REFERENCE_NOW_ENV]
    os.environ[REFERENCE_NOW_ENV] = moment.isoformat()
    try:
        yield
    finally:
        os.environ[REFERENCE_NOW_ENV] = before


def validate(
    method: str,
    value: Any,
    tracker: Optional[Tracker] = None,
    form: Any = None,
) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """Call ``form.validate_<method>``; return its slots and what it said."""
    dispatcher = CollectingDispatcher()
    form = form or ValidateAppointmentForm()
    result = run(getattr(form, method)(value, dispatcher, tracker or make_tracker(), {}))
    return result, dispatcher.messages


def said(messages: List[Dict[str, Any]]) -> List[str]:
    return [m.get("response") for m in messages]


@given(text=st.one_of(texts, names()))
def test_validate_patient_name(text: str) -> None:
    result, messages = validate("validate_patient_name", text)
    assert set(result) == {"patient_name"}
    if result["patient_name"] is None:
        assert len(messages) == 1 and said(messages)[0] in NAME_PROBLEMS
    else:
        assert_valid_name(result["patient_name"])
        assert messages == []


@given(text=st.one_of(texts, contactish))
def test_validate_contact_on_any_text(text: str) -> None:
    result, messages = validate("validate_contact", text)
    if result == {"contact": None}:
        assert said(messages) in (
            ["utter_contact_not_valid"],
            ["utter_phone_not_usable"],
            ["utter_phone_for_drama"],
        )
        return
    assert set(result) == {"contact", "phone", "email"} and messages == []
    phone, email = result["phone"], result["email"]
    assert phone or email
    if phone:
        assert_valid_e164(phone)
    if email:
        assert normalised_email(email) == email
    shown = ([display_phone(phone)] if phone else []) + ([email] if email else [])
    assert result["contact"] == " / ".join(shown)


@given(
    number=st.one_of(st.none(), gb_numbers()),
    address=st.one_of(st.none(), st.emails().filter(lambda a: normalised_email(a) is not None)),
    joiner=st.sampled_from([" ", " or ", ", ", " / ", " and email "]),
)
@example(  # the phone was lost: "07911 123456 1984" was read as one invalid number
    number=("07911 123456", "+447911123456"), address="1984ann@example.com", joiner=" "
)
def test_validate_contact_accepts_a_phone_and_or_an_email(
    number: Optional[Tuple[str, str]], address: Optional[str], joiner: str
) -> None:
    assume(number or address)
    typed = joiner.join(p for p in (number and number[0], address) if p)
    result, messages = validate("validate_contact", typed)
    assert messages == []
    assert result["phone"] == (number[1] if number else None), typed
    assert result["email"] == (normalised_email(address) if address else None), typed


CONDITIONS = load_conditions()
CONDITION_NAMES = sorted(
    (name, key)
    for key, condition in CONDITIONS.conditions.items()
    for name in (key, key.replace("_", " "), condition.name, *condition.aliases)
)


@given(text=texts)
def test_validate_condition_on_any_text(text: str) -> None:
    result, messages = validate("validate_condition", text)
    reason = result["condition"]
    if reason is None:
        # Asked again: not understood, the "Something else" button in any case
        # ("SOMETHING ELSE"), another part of the body, or a name typed instead.
        assert said(messages) in (
            ["utter_reason_not_understood"],
            ["utter_ask_reason_in_words"],
            ["utter_reason_not_covered"],
            ["utter_reason_after_name"],
        )
    elif reason in CONDITIONS.conditions:
        assert messages == []
    else:
        # Free text: one line, single-spaced, short, not a /command.
        assert messages == [] and 1 <= len(reason) <= MAX_REASON
        assert reason == " ".join(text.split())[:MAX_REASON]
        assert not reason.startswith("/") and "  " not in reason and "\n" not in reason


@given(
    name_and_key=st.sampled_from(CONDITION_NAMES),
    case=st.sampled_from([str.lower, str.upper, str.title, str]),
    pad=st.sampled_from(["", " ", "  \n"]),
)
def test_validate_condition_knows_every_name_and_alias(
    name_and_key: Tuple[str, str], case: Any, pad: str
) -> None:
    name, key = name_and_key
    result, _ = validate("validate_condition", pad + case(name) + pad)
    assert result == {"condition": key}


manage = ValidateManageBookingForm()
references = st.text(
    alphabet=REFERENCE_ALPHABET, min_size=REFERENCE_LENGTH, max_size=REFERENCE_LENGTH
)


@given(
    text=st.one_of(texts, references, st.text(alphabet=REFERENCE_ALPHABET + "ab01 ", max_size=8))
)
def test_validate_booking_reference(text: str) -> None:
    result, messages = validate("validate_booking_reference", text, form=manage)
    if result["booking_reference"] is None:
        assert said(messages) == ["utter_reference_not_valid"]
    else:
        assert result["booking_reference"] == text and messages == []
        assert len(text) == REFERENCE_LENGTH and set(text) <= set(REFERENCE_ALPHABET)


@given(
    reference=references,
    form=st.sampled_from(
        [
            "{}",
            "{} please",
            "my ref is {}",
            "ref {}",
            "it's {}",
            "ref: {}",
            "please cancel booking {}",
            "my booking number is {}",
            "{} thanks",
        ]
    ),
    case=st.sampled_from([str.upper, str.lower]),
    spaced=st.booleans(),
)
@example(reference="ACD347", form="please cancel booking {}", case=str.upper, spaced=False)
@example(reference="ACD347", form="ref {}", case=str.upper, spaced=False)  # was "unparsed"
def test_a_typed_reference_is_read_and_accepted(
    reference: str, form: str, case: Any, spaced: bool
) -> None:
    # "k7r m3d" and "K7R-M3D" are read as K7RM3D when that is all the message says.
    typed = reference[:3] + " " + reference[3:] if spaced and form == "{}" else reference
    tracker = make_tracker(
        text=case(form.format(typed)), slots={"requested_slot": "booking_reference"}
    )
    extracted = run(manage.extract_booking_reference(CollectingDispatcher(), tracker, {}))
    assert extracted == {"booking_reference": reference}, tracker.latest_message["text"]
    result, _ = validate("validate_booking_reference", reference, tracker, manage)
    assert result == {"booking_reference": reference}


@pytest.fixture(scope="module")
def booked(clinic_time_and_database: str) -> Any:
    return AppointmentStore(clinic_time_and_database).book(
        new_appointment(phone="+447911123456", email="Ann.Lee@example.com", conversation_id="p")
    )


def test_validate_booking_contact_finds_only_the_booking_s_own_contact(booked: Any) -> None:
    @given(
        text=st.one_of(
            texts,
            contactish,
            st.sampled_from(
                [
                    "07911 123456",
                    "+44 7911 123456",
                    "ann.lee@EXAMPLE.com",
                    "ANN.LEE@example.com",
                    "07911 123457",
                    "ann.le@example.com",
                ]
            ),
        ),
        reference=st.sampled_from([booked.reference, booked.reference.lower(), "ACDEFH"]),
    )
    def check(text: str, reference: str) -> None:
        # Each example is a first attempt: the lockout after repeated wrong
        # pairs has its own tests (tests/test_abuse_limits.py).
        with AppointmentStore(os.environ["DATABASE_URL"]).engine.begin() as connection:
            connection.execute(lookup_failures.delete())
        tracker = make_tracker(slots={"booking_reference": reference})
        result, messages = validate("validate_booking_contact", text, tracker, manage)
        phone, email = find_phone(text, REGION), find_email(text)
        matches = reference.upper() == booked.reference and (
            phone == booked.phone or (email or "").lower() == booked.email.lower()
        )
        if matches:
            matched = phone if phone == booked.phone else email
            assert result == {"booking_contact": matched, "patient_type": "new"}
        else:
            assert result == {"booking_contact": None, "booking_reference": None}
            assert said(messages) == ["utter_booking_not_found"]

    check()


# Dates and times: generated "now", days around the booking horizon, any clock time.
nows = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31), allow_imaginary=False
).map(lambda moment: moment.replace(second=0, microsecond=0))


def bookable_hours(day: dt.date, now: dt.datetime) -> bool:
    """Independently of day_problem: not past, within the horizon, open."""
    horizon = now.date() + dt.timedelta(days=PROFILE.booking.horizon_days)
    return now.date() <= day <= horizon and bool(PROFILE.hours_on(day))


@given(
    now=nows, offset=st.integers(-5, PROFILE.booking.horizon_days + 5), text=st.text(max_size=40)
)
def test_validate_appointment_date(now: dt.datetime, offset: int, text: str) -> None:
    day = now.date() + dt.timedelta(days=offset)
    with clinic_now(now):
        result, messages = validate(
            "validate_appointment_date", day.isoformat(), make_tracker(text=text)
        )
    if bookable_hours(day, now):
        assert result["appointment_date"] == day.isoformat() and messages == []
        assert result["part_of_day"] in (None, *PARTS_OF_DAY)
    else:
        # The refused day is kept so that the next question offers the nearest open days.
        assert result == {"appointment_date": None, "rejected_date": day.isoformat()}
        assert len(messages) == 1 and said(messages)[0].startswith("utter_date_")


@given(
    now=nows,
    offset=st.integers(0, 14),
    minutes=st.integers(0, 24 * 60 - 1),
    patient_type=st.sampled_from([None, "new", "returning"]),
)
def test_validate_appointment_time(
    now: dt.datetime, offset: int, minutes: int, patient_type: Optional[str]
) -> None:
    day = now.date() + dt.timedelta(days=offset)
    assume(bookable_hours(day, now))
    at = dt.time(minutes // 60, minutes % 60)
    slots = {"appointment_date": day.isoformat(), "patient_type": patient_type}
    with clinic_now(now):
        result, messages = validate(
            "validate_appointment_time", f"{at:%H:%M}", make_tracker(slots=slots)
        )
    length = 45 if patient_type == "returning" else 75
    start = dt.datetime.combine(day, at, tzinfo=PROFILE.zone)
    fits = any(
        opens <= at
        and (start + dt.timedelta(minutes=length)).time() <= closes
        and start.date() == (start + dt.timedelta(minutes=length)).date()
        for opens, closes in PROFILE.hours_on(day)
    )
    on_grid = minutes % PROFILE.booking.slot_grid_minutes == 0
    notice = start >= now.replace(tzinfo=PROFILE.zone) + dt.timedelta(
        hours=PROFILE.booking.min_notice_hours
    )
    if result["appointment_time"] is None:
        assert messages and said(messages)[0].startswith("utter_time_")
        assert not (fits and on_grid and notice) or said(messages)[0] == "utter_time_taken"
    else:
        assert result == {"appointment_time": f"{at:%H:%M}"} and messages == []
        assert fits and on_grid and notice


@given(
    text=st.one_of(texts, st.sampled_from(["tomorrow at 10", "friday 2pm", "the 3rd", "noon"])),
    asked=st.sampled_from(["appointment_date", "appointment_time"]),
)
def test_whatever_is_typed_for_a_date_validates_cleanly(text: str, asked: str) -> None:
    # The extraction feeds the validators only what they can read: any text,
    # extracted then validated, ends in valid slots or in None and a message.
    form = ValidateAppointmentForm()
    tracker = make_tracker(text=text, slots={"requested_slot": asked})
    extracted = run(form.extract_appointment_date(CollectingDispatcher(), tracker, {}))
    if "appointment_date" in extracted:
        result, _ = validate("validate_appointment_date", extracted["appointment_date"], tracker)
        day = result["appointment_date"]
        assert day is None or dt.date.fromisoformat(day)
        tracker.slots["appointment_date"] = day
    if "appointment_time" in extracted:
        result, _ = validate("validate_appointment_time", extracted["appointment_time"], tracker)
        value = result["appointment_time"]
        assert value is None or re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        # audit 16: "That doesn't look like a name"
        ("fine. Martin Clarke", "Martin Clarke"),
        ("Becky Lawson (like i said)", "Becky Lawson"),
        # the same words as a name's own, without a stop after them
        ("Oh Min-ji", "Oh Min-ji"),
        ("Fine Young", "Fine Young"),
    ],
)
def test_assent_before_a_name_and_an_aside_after_it_are_not_part_of_it(
    typed: str, name: str
) -> None:
    assert clean_name(typed) == (name, None)


@pytest.mark.parametrize(
    ("text", "dropped"),
    [
        ("please take off the 0161 number, it's dead now, just the email", "phone"),
        ("can you remove my email address", "email"),
        ("only use her mobile", "email"),
        ("email only please", "phone"),
        ("don't use the landline, nobody answers it", "phone"),
        ("can you take the note off please", None),
        ("my number is 07911 123456", None),
    ],
)
def test_a_contact_taken_back_is_named(text: str, dropped: Optional[str]) -> None:
    """Audit 23: a contact taken back at the summary had stopped the booking."""
    assert contact_taken_back(text) == dropped
