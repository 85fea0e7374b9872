"""Validation of the booking forms: one small method per slot (formbot style).

``appointment_form`` books; ``manage_booking_form`` checks, cancels or
reschedules an existing booking. Both share the date and time handling in
:class:`DateTimeValidation`, an abstract base that rasa-sdk does not register
as an action.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.booking.availability import (
    appointment_minutes,
    day_problem,
    free_starts,
    taken_on,
    time_problem,
)
from actions.booking.lookup_guard import LOCKED, locked_out, record_failure
from actions.booking.when import parse_when
from actions.tracker_state import latest_intent
from clinic_core.clock import clinic_now
from clinic_core.contact_details import clean_name, display_phone, find_email, find_phone
from clinic_core.knowledge import load_conditions
from clinic_core.names import ALARM_SLOT
from clinic_core.profile import ClinicProfile, load_profile
from clinic_core.store import StoreUnavailableError, get_store

REQUESTED = "requested_slot"
# Messages that are questions or other requests, never slot values: the form
# rejects them and the rules answer them, then the form asks again.
NOT_AN_ANSWER = {
    "ask_what_is_acupuncture", "ask_how_acupuncture_works", "ask_does_it_hurt",
    "ask_treatment_points", "ask_effectiveness", "ask_opening_hours", "ask_location",
    "ask_price", "ask_insurance", "emergency", "urgent_symptoms", "human_handoff",
    "bot_challenge", "greet", "goodbye", "thank", "book_appointment", "cancel_appointment",
    "check_appointment",
}  # fmt: skip
# Intents that are never a date, even inside a booking form.
QUESTIONS = NOT_AN_ANSWER - {"book_appointment", "cancel_appointment", "check_appointment"}
STOP_WORDS = re.compile(
    r"^\s*(stop|quit|exit|never ?mind|forget (it|about it)|cancel( (it|that|this))?|"
    r"i don'?t want to (book|do this)( anymore)?|no,? stop)\W*$",
    re.IGNORECASE,
)
NOTHING = re.compile(
    r"^\s*(no|nope|none|nothing|n/a|na|no thanks?|nothing( else| to add)?|not really)\W*$", re.I
)
MAX_REASON = 200
MAX_NOTES = 500


def user_text(tracker: Tracker) -> str:
    """The latest message's text ('' for none)."""
    return str((tracker.latest_message or {}).get("text") or "")


def is_answer(tracker: Tracker) -> bool:
    """Whether the latest message can be a slot value (not a question or a stop)."""
    return latest_intent(tracker) not in NOT_AN_ANSWER and not STOP_WORDS.match(user_text(tracker))


def asked(tracker: Tracker, *slots: str) -> bool:
    """Whether the form is asking for one of ``slots``."""
    return tracker.get_slot(REQUESTED) in slots


def format_day(day: dt.date) -> str:
    """``Friday 27 November``."""
    return f"{day:%A} {day.day} {day:%B}"


def time_buttons(starts: List[dt.datetime]) -> List[Dict[str, str]]:
    """Quick replies for free times; the payload is the time as text."""
    return [{"title": f"{s:%H:%M}", "payload": f"{s:%H:%M}"} for s in starts]


class DateTimeValidation(FormValidationAction, ABC):
    """Shared extraction and validation of ``appointment_date`` and ``appointment_time``."""

    @abstractmethod
    def name(self) -> str:
        """Abstract, so rasa-sdk does not register this base class as an action."""

    def profile(self) -> ClinicProfile:
        """The clinic profile (cached by file modification time)."""
        return load_profile()

    def now(self) -> dt.datetime:
        """Reference time in the clinic's timezone."""
        return clinic_now(self.profile().zone)

    def patient_type(self, tracker: Tracker) -> Optional[str]:
        """New or returning, when known: decides the appointment length."""
        value = tracker.get_slot("patient_type")
        return str(value) if value else None

    async def extract_appointment_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Read a day (and a time said with it) while asked for a day, time or confirmation."""
        if not asked(
            tracker, "appointment_date", "appointment_time", "booking_confirmed", "manage_confirmed"
        ):
            return {}
        if latest_intent(tracker) in QUESTIONS or STOP_WORDS.match(user_text(tracker)):
            return {}
        when = parse_when(user_text(tracker), self.now(), self.profile().date_order)
        if when.empty and not is_answer(tracker):
            return {}  # "i want to book" while asked for a day: not a day
        values: Dict[str, Any] = {}
        if when.day is not None:
            values["appointment_date"] = when.day.isoformat()
            if tracker.get_slot("appointment_time") and when.time is None:
                # A new day: the time already chosen must be checked again.
                values["appointment_time"] = tracker.get_slot("appointment_time")
        if when.time is not None:
            values["appointment_time"] = f"{when.time:%H:%M}"
        if asked(tracker, "appointment_date") and when.empty:
            # Not a date at all: validate_appointment_date explains and asks again.
            values["appointment_date"] = "unparsed"
        if asked(tracker, "appointment_time") and when.empty:
            values["appointment_time"] = "unparsed"
        if values and asked(tracker, "booking_confirmed", "manage_confirmed"):
            values[tracker.get_slot(REQUESTED)] = None  # show the new summary again
        return values

    async def validate_appointment_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A day that is not past, within the horizon, and open."""
        if value == "unparsed":
            dispatcher.utter_message(response="utter_date_not_understood")
            return {"appointment_date": None}
        profile, now = self.profile(), self.now()
        day = dt.date.fromisoformat(str(value))
        problem = day_problem(profile, day, now)
        if problem is not None:
            response, detail = problem
            dispatcher.utter_message(response=response, day=format_day(day), detail=detail)
            return {"appointment_date": None}
        # "tomorrow afternoon": remembered so that the times offered are afternoon ones
        # (set here because rasa-sdk keeps only validated slots of the form).
        part = parse_when(user_text(tracker), now, self.profile().date_order).part_of_day
        return {"appointment_date": day.isoformat(), "part_of_day": part}

    async def validate_appointment_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A time within opening hours, on the grid, with notice, and free."""
        if value == "unparsed":
            dispatcher.utter_message(response="utter_time_not_understood")
            return {"appointment_time": None}
        day_value = tracker.get_slot("appointment_date")
        if not day_value or day_value == "unparsed":
            return {"appointment_time": value}  # kept until we know the day
        profile, now = self.profile(), self.now()
        day = dt.date.fromisoformat(str(day_value))
        if day_problem(profile, day, now) is not None:
            return {"appointment_time": value}
        wanted = dt.datetime.combine(day, dt.time.fromisoformat(str(value)), tzinfo=profile.zone)
        minutes = appointment_minutes(profile, self.patient_type(tracker))
        try:
            taken = taken_on(profile, day, get_store(), except_conversation=tracker.sender_id)
        except StoreUnavailableError:
            dispatcher.utter_message(
                response="utter_booking_store_unavailable", **profile.contact_values()
            )
            return {"appointment_time": None}
        free = free_starts(profile, day, minutes, taken, now)
        if wanted in free:
            return {"appointment_time": f"{wanted:%H:%M}"}
        reason = time_problem(profile, wanted, minutes, taken, now)
        dispatcher.utter_message(
            response=reason,
            time=f"{wanted:%H:%M}",
            day=format_day(day),
            hours=profile.hours_text(day),
            grid=profile.booking.slot_grid_minutes,
            notice=profile.booking.min_notice_hours,
        )
        if not free:
            dispatcher.utter_message(response="utter_no_free_times", day=format_day(day))
            return {"appointment_time": None, "appointment_date": None}
        # action_ask_appointment_time then offers the free times nearest to this one.
        return {"appointment_time": None, "rejected_time": f"{wanted:%H:%M}"}


class ValidateAppointmentForm(DateTimeValidation):
    """Validates ``appointment_form``."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "validate_appointment_form"

    async def extract_condition(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """The reason for the visit: a condition intent, entity, or the patient's words."""
        if not asked(tracker, "condition") or not is_answer(tracker):
            return {}
        intent = latest_intent(tracker)
        knowledge = load_conditions()
        if intent in knowledge.conditions:
            return {"condition": intent}
        for value in tracker.get_latest_entity_values("condition"):
            return {"condition": str(value)}
        return {"condition": user_text(tracker)}

    async def validate_condition(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A known condition is stored by key; anything else as short free text."""
        key = load_conditions().find(str(value))
        if key:
            return {"condition": key}
        reason = " ".join(str(value).split())[:MAX_REASON]
        if not reason or reason.startswith("/"):
            dispatcher.utter_message(response="utter_reason_not_understood")
            return {"condition": None}
        return {"condition": reason}

    async def extract_patient_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """The patient's words while asked for a name."""
        if (
            not asked(tracker, "patient_name")
            or not is_answer(tracker)
            or latest_intent(tracker) == "deny"
        ):
            return {}
        return {"patient_name": user_text(tracker)}

    async def validate_patient_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Plausible: not empty, not a sentence, not a number."""
        name, problem = clean_name(str(value))
        if problem:
            dispatcher.utter_message(response=problem)
            return {"patient_name": None}
        return {"patient_name": name}

    async def extract_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A phone number and/or email, while asked for a contact."""
        if (
            not asked(tracker, "contact")
            or not is_answer(tracker)
            or latest_intent(tracker) == "deny"
        ):
            return {}
        return {"contact": user_text(tracker)}

    async def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """At least one of a valid phone number or email, stored normalised."""
        region = self.profile().country
        phone, email = find_phone(str(value), region), find_email(str(value))
        if not phone and not email:
            dispatcher.utter_message(response="utter_contact_not_valid")
            return {"contact": None}
        shown = [display_phone(phone)] if phone else []
        shown += [email] if email else []
        return {"contact": " / ".join(shown), "phone": phone, "email": email}

    async def extract_patient_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """New or returning, from buttons, yes/no or the patient's words."""
        if not asked(tracker, "patient_type") or STOP_WORDS.match(user_text(tracker)):
            return {}
        text, intent = user_text(tracker).lower(), latest_intent(tracker)
        # Keywords first: "first visit" may be classified as book_appointment.
        if re.search(r"\b(new|first|never)\b", text) or intent == "deny":
            return {"patient_type": "new"}
        if intent == "affirm" or re.search(
            r"\b(returning|been before|before|existing|follow.?up|again)\b", text
        ):
            return {"patient_type": "returning"}
        if not is_answer(tracker):
            return {}
        dispatcher.utter_message(response="utter_patient_type_not_understood")
        return {"patient_type": None}

    async def extract_notes(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Anything the acupuncturist should know; "no" means nothing."""
        if not asked(tracker, "notes") or not is_answer(tracker):
            return {}
        text = user_text(tracker).strip()
        if latest_intent(tracker) == "deny" or NOTHING.match(text):
            return {"notes": "none"}
        return {"notes": text[:MAX_NOTES]}

    async def extract_booking_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Yes or no to the summary; a correction is handled by the date extraction."""
        if not asked(tracker, "booking_confirmed") or STOP_WORDS.match(user_text(tracker)):
            return {}
        intent = latest_intent(tracker)
        if intent == "affirm":
            return {"booking_confirmed": True}
        if intent == "deny":
            return {"booking_confirmed": False}
        return {}


class ValidateManageBookingForm(DateTimeValidation):
    """Validates ``manage_booking_form`` (check, cancel, reschedule)."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "validate_manage_booking_form"

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        """Checking needs only the reference and contact; changes need more."""
        task = tracker.get_slot("booking_task")
        slots = ["booking_reference", "booking_contact"]
        if task == "reschedule":
            slots += ["appointment_date", "appointment_time"]
        if task in ("cancel", "reschedule"):
            slots += ["manage_confirmed"]
        return slots

    def patient_type(self, tracker: Tracker) -> Optional[str]:
        """The stored appointment's type decides the new appointment's length."""
        return tracker.get_slot("patient_type")

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Refuse lookups from a locked-out conversation or address; end the form when locked."""
        profile = self.profile()
        if tracker.get_slot("booking_contact") in (None, LOCKED):  # not yet verified
            try:
                locked = locked_out(tracker, get_store(), profile)
            except StoreUnavailableError:
                locked = False  # the lookup itself will say the store is unavailable
            if locked:
                dispatcher.utter_message(
                    response="utter_lookup_locked",
                    minutes=profile.booking.lookup_lockout_minutes,
                    **profile.contact_values(),
                )
                return [
                    SlotSet("booking_reference", None),
                    SlotSet("booking_contact", LOCKED),
                    SlotSet(REQUESTED, None),
                ]
        events = await super().run(dispatcher, tracker, domain)
        if SlotSet("booking_contact", LOCKED) in events:
            events.append(SlotSet(REQUESTED, None))  # the form ends; nothing is asked again
        return events

    async def extract_booking_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A six-character reference in the message."""
        if not asked(tracker, "booking_reference") or not is_answer(tracker):
            return {}
        from clinic_core.store import REFERENCE_ALPHABET, REFERENCE_LENGTH

        text = user_text(tracker).upper()
        # "my ref is K7RM3D", "please cancel K7RM3D" (not "PLEASE": only our
        # alphabet), and "k7r m3d" or "K7R-M3D" when that is all the message says.
        reference = re.compile(rf"\b([{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}})\b")
        match = reference.search(text)
        if match is None and len(text) <= 12:
            match = reference.search(re.sub(r"[\s-]", "", text))
        return {"booking_reference": match.group(1) if match else "unparsed"}

    async def validate_booking_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Looks like one of our references (checked against the contact next)."""
        from clinic_core.store import REFERENCE_ALPHABET, REFERENCE_LENGTH

        text = str(value)
        if len(text) != REFERENCE_LENGTH or any(ch not in REFERENCE_ALPHABET for ch in text):
            dispatcher.utter_message(response="utter_reference_not_valid")
            return {"booking_reference": None}
        return {"booking_reference": text}

    async def extract_booking_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """The phone or email given at booking."""
        if not asked(tracker, "booking_contact") or not is_answer(tracker):
            return {}
        return {"booking_contact": user_text(tracker)}

    async def validate_booking_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """The reference and contact must belong to the same booking."""
        region = self.profile().country
        phone, email = find_phone(str(value), region), find_email(str(value))
        reference = str(tracker.get_slot("booking_reference") or "")
        try:
            appointment = get_store().find_for_patient(reference, phone, email)
        except StoreUnavailableError:
            dispatcher.utter_message(
                response="utter_booking_store_unavailable",
                **self.profile().contact_values(),
            )
            return {"booking_contact": None, "booking_reference": None}
        if appointment is None or appointment.status != "booked":
            # Same answer whether the reference or the contact is wrong: no hints.
            store, profile = get_store(), self.profile()
            try:
                alarm = record_failure(tracker, store, profile, reference)
                locked = locked_out(tracker, store, profile)
            except StoreUnavailableError:
                alarm = locked = False
            raised = {ALARM_SLOT: True} if alarm else {}
            if locked:
                dispatcher.utter_message(
                    response="utter_lookup_locked",
                    minutes=profile.booking.lookup_lockout_minutes,
                    **profile.contact_values(),
                )
                return {"booking_contact": LOCKED, "booking_reference": None, **raised}
            dispatcher.utter_message(response="utter_booking_not_found")
            return {"booking_contact": None, "booking_reference": None, **raised}
        # The contact that matched, not a "verified" flag: the actions that read
        # or change the booking check it against the stored one again.
        matched = phone if phone and appointment.phone == phone else email
        return {
            "booking_contact": matched,
            "patient_type": appointment.patient_type,
        }

    async def extract_manage_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Yes or no to the cancellation or change."""
        if not asked(tracker, "manage_confirmed") or STOP_WORDS.match(user_text(tracker)):
            return {}
        intent = latest_intent(tracker)
        if intent == "affirm":
            return {"manage_confirmed": True}
        if intent == "deny":
            return {"manage_confirmed": False}
        return {}
