"""Actions around the booking forms: questions with live data, the write, stop, manage."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking.availability import (
    appointment_minutes,
    free_starts,
    nearest,
    nearest_open_days,
    taken_on,
    too_late_to_change,
)
from actions.booking.details import booking_request, details_in_latest_message, is_correction
from actions.booking.forms import (
    DAY_TALKED_OF,
    DAYS_OFFERED,
    LATER_OR_EARLIER,
    MOVE_INSTEAD,
    NOTES_REMOVED,
    REASON_ASKED_IN_WORDS,
    STOP_WORDS,
    SUMMARY,
    WHAT_TO_CHANGE,
    ValidateManageBookingForm,
    cautions_told,
    describe,
    format_day,
    notes_with,
    reason_text,
    time_buttons,
    user_text,
)
from actions.booking.interruptions import QUESTION_GROUP, load_interruptions
from actions.booking.lookup_guard import LOOKUP_ENDED, verified_appointment
from actions.conditions import reason_for_booking
from actions.questions import (
    CLINIC_QUESTION_INTENT,
    OPENING_HOURS_INTENT,
    answer_clinic_question,
    answer_practical_question,
    answer_question,
)
from actions.tracker_state import (
    last_response,
    latest_intent,
    moving_reference,
    responses_this_turn,
    this_session,
)
from clinic_core.cautions import cautions_said, sentences_telling
from clinic_core.clock import clinic_now
from clinic_core.contact_details import contact_taken_back, shown_contact
from clinic_core.names import (
    BOOKING_FORM,
    FALLBACK_INTENT,
    LAST_BOOKING_REFERENCE_SLOT,
    MANAGE_FORM,
)
from clinic_core.profile import ClinicProfile, load_profile
from clinic_core.questions import has_a_question_sentence
from clinic_core.store import (
    NewAppointment,
    NotBookedError,
    SlotTakenError,
    StoreUnavailableError,
    TooManyBookingsError,
    get_store,
)
from clinic_core.time_of_day import said_as
from clinic_core.when_to_come import asks_when_open

logger = logging.getLogger(__name__)

# Cleared after a booking ends; name and contact stay so they are not asked again.
BOOKING_ATTEMPT_SLOTS = (
    "appointment_date", "appointment_time", "part_of_day", "rejected_time", "rejected_date",
    DAY_TALKED_OF, "notes", "booking_confirmed",
)  # fmt: skip
MANAGE_SLOTS = ("booking_reference", "booking_contact", "manage_confirmed", "booking_task")
MAX_TIME_BUTTONS = 6


def reset(*slots: str) -> List[EventType]:
    """SlotSet(None) for each slot."""
    return [SlotSet(slot, None) for slot in slots]


def starts_at(profile: ClinicProfile, tracker: Tracker) -> dt.datetime:
    """The chosen start as an aware datetime in the clinic's timezone."""
    day = dt.date.fromisoformat(str(tracker.get_slot("appointment_date")))
    time = dt.time.fromisoformat(str(tracker.get_slot("appointment_time")))
    return dt.datetime.combine(day, time, tzinfo=profile.zone)


def spread(items: List[dt.datetime], count: int) -> List[dt.datetime]:
    """Up to ``count`` items spread evenly over the list (morning to evening)."""
    if len(items) <= count:
        return items
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def day_buttons(days: List[Tuple[dt.date, Optional[dt.time]]]) -> List[Dict[str, str]]:
    """Quick replies for open days: "Sat 28 Nov 11:00" when the wanted time is free then."""
    buttons = []
    for day, time in days:
        title, payload = f"{day:%a} {day.day} {day:%b}", format_day(day)
        if time is not None:
            title, payload = f"{title} {time:%H:%M}", f"{payload} at {time:%H:%M}"
        buttons.append({"title": title, "payload": payload})
    return buttons


class ActionInformOutsideForm(Action):
    """Details with no question asked: a booking request starts the booking form."""

    # What is said when the message is neither a booking request nor a reference.
    otherwise = "utter_default"

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_inform_outside_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """The form for "this is Sam Reed, can I book Thursday at 10:30?", else the default.

        So is a day or time said on its own ("tuesday at 3 then", "friday
        morning?"): outside a booking, that is when the patient could come.

        A booking reference given out of the blue ("when is K7RM3D? my number
        is ...") asks for that appointment: it is looked up as a check.
        """
        if just_booked_and_moving(tracker):
            logger.info("a new day or time right after booking moves the booking just made")
            return [SlotSet("booking_task", "reschedule"), FollowupAction(MANAGE_FORM)]
        text = user_text(tracker)
        if ValidateManageBookingForm.reference_in(text, whole_message=False):
            # "ref KATRV9. can we make it later in the day?" moves that booking (audit
            # 16 started a new one); a reference alone asks for it.
            moving = MOVE_INSTEAD.search(text) or LATER_OR_EARLIER.search(text)
            task = "reschedule" if moving or booking_request(tracker, day_alone=True) else "check"
            logger.info("a booking reference read as inform: %s", task)
            return [SlotSet("booking_task", task), FollowupAction(MANAGE_FORM)]
        if asks_when_open(text):
            logger.info("times of any week asked about outside a booking: the opening hours")
            answer_clinic_question(dispatcher, OPENING_HOURS_INTENT, text)
            return []
        if booking_request(tracker, day_alone=True):
            logger.info("a booking request read as inform starts the booking form")
            return [FollowupAction(BOOKING_FORM)]
        self.answer_otherwise(dispatcher, tracker)
        return []

    def answer_otherwise(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """What is said to a message that is neither a booking request nor a reference."""
        if not tells_a_caution(dispatcher, tracker):
            dispatcher.utter_message(response=self.otherwise)


def question_after_stop(tracker: Tracker) -> Optional[str]:
    """The intent of a question asked after the stop, if one was.

    "I didn't ask to book yet. how much is it?": the form is left and the price
    given (audit 20 left the question unanswered).
    """
    text = user_text(tracker)
    stop = STOP_WORDS.match(text)
    intent = latest_intent(tracker) or ""
    declaration = load_interruptions()
    if stop is None or declaration.group_of(intent) != QUESTION_GROUP:
        return None
    if not has_a_question_sentence(text[stop.end() :]):
        return None
    return intent


def just_booked_and_moving(tracker: Tracker) -> bool:
    """Whether a correction with a day or time follows a booking made in this conversation.

    "oh wait can i make that 11 instead" right after "You're booked" moves
    that booking (audit 11: it started a second booking, which "actually
    cancel it" then stopped, leaving the first one booked).
    """
    if not tracker.get_slot(LAST_BOOKING_REFERENCE_SLOT):
        return False
    text = user_text(tracker)
    return is_correction(text) and not details_in_latest_message(tracker, load_profile()).when.empty


def tells_a_caution(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """A caution told out of the blue is acknowledged: "I'm on warfarin", "im 10 weeks".

    Audit 9: "im 10 weeks" got "Sorry, I'm not sure how to help with that".
    """
    texts = [str(e.get("text") or "") for e in this_session(tracker) if e.get("event") == "user"]
    latest = cautions_said(texts)[len(cautions_said(texts[:-1])) :]
    if not any(not said.question for said in latest):
        return False
    dispatcher.utter_message(response="utter_caution_noted", **load_profile().contact_values())
    return True


class ActionFallbackOutsideForm(ActionInformOutsideForm):
    """A message the classifier could not place, read for a booking request or a reference.

    "ok i want book. monday or tuesday afternoon. my name Andrzej Kowalski
    telephone 07911 123610" fell between ``inform`` and ``book_appointment``
    and got "Sorry, I didn't quite get that"; so did "can I eat before?",
    which ``clinic/practical.yml`` answers.
    """

    otherwise = "utter_fallback_help"

    def answer_otherwise(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """A practical question's answer, else the fallback's help.

        Only a message the classifier half took for a question about the
        clinic (``ask_clinic_other`` among its two likeliest intents) is
        looked up: the practical topics know nothing of the assistant's other
        answers, so "what's acupuncture, roughly" must not reach them.
        """
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        # Rasa's FallbackClassifier puts nlu_fallback first: the intents are after it.
        intents = [str(entry.get("name")) for entry in ranking]
        likeliest = [name for name in intents if name != FALLBACK_INTENT][:2]
        if CLINIC_QUESTION_INTENT in likeliest and answer_practical_question(
            dispatcher, user_text(tracker)
        ):
            return
        if not tells_a_caution(dispatcher, tracker):
            dispatcher.utter_message(response=self.otherwise)

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_fallback_outside_form"


class ActionAskCondition(Action):
    """Ask the reason for the visit, unless the reply just given asked it in words."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_condition"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """The question with its buttons, or nothing when it was just asked another way."""
        if not set(responses_this_turn(tracker)) & set(REASON_ASKED_IN_WORDS):
            dispatcher.utter_message(response="utter_ask_condition")
        return []


class ActionAskNotes(Action):
    """Ask what the acupuncturist should know; what the patient told already is passed on."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_notes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Quote "I'm 24 weeks pregnant" said earlier rather than ask whether she is pregnant."""
        earlier = cautions_told(tracker)
        if earlier:
            quoted = ", ".join(f"“{sentence}”" for sentence in earlier)
            dispatcher.utter_message(response="utter_ask_notes_told", told=quoted)
        else:
            dispatcher.utter_message(response="utter_ask_notes")
        return []


class ActionAskAppointmentDate(Action):
    """Ask for a day; after a refused day, offer the nearest open days as buttons."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_appointment_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """The plain question, or the nearest open days to the one just refused."""
        rejected = tracker.get_slot("rejected_date")
        if not rejected:
            if not set(DAYS_OFFERED) & set(responses_this_turn(tracker)):
                # Free times on the days said were just offered, with "or tell me
                # another day": not the day question again (audit 9).
                dispatcher.utter_message(response="utter_ask_appointment_date")
            return []
        profile = load_profile()
        now = clinic_now(profile.zone)
        wanted_time = tracker.get_slot("appointment_time")
        try:
            at = dt.time.fromisoformat(str(wanted_time)) if wanted_time else None
        except ValueError:
            at = None
        minutes = appointment_minutes(profile, tracker.get_slot("patient_type"))
        try:
            days = nearest_open_days(
                profile,
                dt.date.fromisoformat(str(rejected)),
                now,
                minutes,
                get_store(),
                at,
                moving=moving_reference(tracker),
            )
        except StoreUnavailableError:
            logger.exception("ALARM appointment store unreachable while offering days")
            dispatcher.utter_message(
                response="utter_booking_store_unavailable", **profile.contact_values()
            )
            return [SlotSet("rejected_date", None)]
        if days:
            dispatcher.utter_message(response="utter_nearest_free_days", buttons=day_buttons(days))
        else:
            dispatcher.utter_message(response="utter_ask_appointment_date")
        # The refused day stays the one talked of: "the tuesday after then".
        return [SlotSet("rejected_date", None), SlotSet(DAY_TALKED_OF, rejected)]


class ActionAskAppointmentTime(Action):
    """Ask for a time on the chosen day, offering free times as buttons."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_appointment_time"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Offer free times (within the part of day the patient said, if any)."""
        profile = load_profile()
        now = clinic_now(profile.zone)
        day = dt.date.fromisoformat(str(tracker.get_slot("appointment_date")))
        minutes = appointment_minutes(profile, tracker.get_slot("patient_type"))
        try:
            taken = taken_on(profile, day, get_store(), moving=moving_reference(tracker))
        except StoreUnavailableError:
            dispatcher.utter_message(
                response="utter_booking_store_unavailable", **profile.contact_values()
            )
            return []
        part = tracker.get_slot("part_of_day")
        in_part = free_starts(profile, day, minutes, taken, now, part) if part else []
        free = in_part or free_starts(profile, day, minutes, taken, now)
        if not free:
            dispatcher.utter_message(response="utter_no_free_times", day=format_day(day))
            return [
                SlotSet("appointment_date", None),
                SlotSet("requested_slot", "appointment_date"),
            ]
        rejected = tracker.get_slot("rejected_time")
        if rejected:
            wanted = dt.datetime.combine(day, dt.time.fromisoformat(rejected), tzinfo=profile.zone)
            dispatcher.utter_message(
                response="utter_nearest_free_times", buttons=time_buttons(nearest(free, wanted))
            )
            return [SlotSet("rejected_time", None)]
        if part and not in_part:
            # "after 4" with nothing free after 4 that day: said, not offered as if it fitted.
            dispatcher.utter_message(
                response="utter_none_free_in_part",
                day=format_day(day),
                part=said_as(part),
                buttons=time_buttons(spread(free, MAX_TIME_BUTTONS)),
            )
            return []
        dispatcher.utter_message(
            response="utter_time_choices",
            day=format_day(day),
            buttons=time_buttons(spread(free, MAX_TIME_BUTTONS)),
        )
        return []


class ActionAskBookingConfirmed(Action):
    """Show the summary and ask for a yes before anything is written."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_booking_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Utter the summary with Yes / No buttons; after a no to it, ask what to change."""
        profile = load_profile()
        if (
            latest_intent(tracker) == "deny"
            and last_response(tracker) == SUMMARY
            and not details_in_latest_message(tracker, profile).anything
        ):  # a bare no; "no, make it Friday" gets the new summary
            dispatcher.utter_message(response=WHAT_TO_CHANGE)
            return []
        start = starts_at(profile, tracker)
        notes = tracker.get_slot("notes")
        if too_late_to_change(profile, start, clinic_now(profile.zone)):
            # Said before the yes: once booked, it can't be changed online (audit 7).
            dispatcher.utter_message(
                response="utter_short_notice",
                notice=profile.booking.cancellation_notice_hours,
                **profile.contact_values(),
            )
        dispatcher.utter_message(
            response=SUMMARY,
            reason=reason_text(reason_for_booking(tracker)),
            day=format_day(start.date()),
            time=f"{start:%H:%M}",
            minutes=appointment_minutes(profile, tracker.get_slot("patient_type")),
            patient_name=tracker.get_slot("patient_name"),
            contact=tracker.get_slot("contact"),
            notes=notes if notes and notes != "none" else "none",
        )
        return []


class ActionBookAppointment(Action):
    """Write the confirmed appointment; only a committed write is called "booked"."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_book_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Book, or explain plainly why nothing was booked."""
        profile = load_profile()
        if tracker.get_slot("booking_confirmed") is not True:
            dispatcher.utter_message(response="utter_booking_not_made")
            return reset(*BOOKING_ATTEMPT_SLOTS)
        patient_type = tracker.get_slot("patient_type") or "new"
        wanted = NewAppointment(
            starts_at=starts_at(profile, tracker),
            minutes=appointment_minutes(profile, patient_type),
            grid_minutes=profile.booking.slot_grid_minutes,
            appointment_type="returning_patient" if patient_type == "returning" else "new_patient",
            reason=str(reason_for_booking(tracker) or "consultation"),
            patient_name=str(tracker.get_slot("patient_name")),
            phone=tracker.get_slot("phone"),
            email=tracker.get_slot("email"),
            patient_type=patient_type,
            notes=None
            if tracker.get_slot("notes") in (None, "none")
            else tracker.get_slot("notes"),
            conversation_id=tracker.sender_id,
        )
        # Everything the reply needs but the reference, before the write.
        start = wanted.starts_at
        late = too_late_to_change(profile, start, clinic_now(profile.zone))
        reply = {
            "response": "utter_booked_short_notice" if late else "utter_booked",
            "day": format_day(start.date()),
            "time": f"{start:%H:%M}",
            "reason": reason_text(wanted.reason),
            "patient_name": wanted.patient_name,
            "notice": profile.booking.cancellation_notice_hours,
            **profile.contact_values(),
        }
        try:
            appointment = get_store().book(
                wanted,
                max_active=profile.booking.max_active_bookings_per_contact,
                now=clinic_now(profile.zone),
            )
        except SlotTakenError:
            dispatcher.utter_message(response="utter_booking_slot_taken")
            # The form asks the time again (with the nearest free ones); the rest is kept.
            return [
                SlotSet("appointment_time", None),
                SlotSet("booking_confirmed", None),
                FollowupAction(BOOKING_FORM),
            ]
        except TooManyBookingsError as error:
            dispatcher.utter_message(
                response="utter_booking_limit_reached",
                limit=error.limit,
                **profile.contact_values(),
            )
            return reset(*BOOKING_ATTEMPT_SLOTS)
        except StoreUnavailableError:
            dispatcher.utter_message(response="utter_booking_failed", **profile.contact_values())
            return [SlotSet("booking_confirmed", None)]
        dispatcher.utter_message(**reply, reference=appointment.reference)
        told = sentences_telling([wanted.notes or ""])
        if told:
            # "notes: I'm 12 weeks pregnant": the team may want to check first (audit 12).
            dispatcher.utter_message(
                response="utter_booked_with_caution",
                told="; ".join(told),
                **profile.contact_values(),
            )
        return [
            *reset(*BOOKING_ATTEMPT_SLOTS),
            SlotSet(LAST_BOOKING_REFERENCE_SLOT, appointment.reference),
        ]


class ActionStopBooking(Action):
    """Leave a booking or management form cleanly and say that nothing changed."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_stop_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Deactivate the form and clear what this attempt collected.

        "can you take the note off please" at the summary, read as a request to
        cancel, takes the notes back and shows the summary again (audit 12: it
        had stopped the booking).
        """
        if (
            (tracker.active_loop or {}).get("name") == BOOKING_FORM
            and tracker.get_slot("notes")
            and NOTES_REMOVED.search(user_text(tracker))
        ):
            logger.info("the notes taken back, read as a stop: the booking goes on")
            return [
                SlotSet("notes", notes_with(cautions_told(tracker), None)),
                FollowupAction(BOOKING_FORM),
            ]
        dropped = contact_taken_back(user_text(tracker))
        if (tracker.active_loop or {}).get("name") == BOOKING_FORM and dropped:
            # "take off the 0161 number, just the email" at the summary: the contact
            # corrected, not the booking stopped (audit 23). The last contact stays.
            kept = {"phone": tracker.get_slot("phone"), "email": tracker.get_slot("email")}
            if kept[dropped] and any(value for key, value in kept.items() if key != dropped):
                kept[dropped] = None
            logger.info("a contact taken back, read as a stop: the booking goes on")
            return [
                SlotSet("phone", kept["phone"]),
                SlotSet("email", kept["email"]),
                SlotSet("contact", shown_contact(kept["phone"], kept["email"])),
                FollowupAction(BOOKING_FORM),
            ]
        if (
            (tracker.active_loop or {}).get("name") == MANAGE_FORM
            and tracker.get_slot("booking_task") == "cancel"
            and (tracker.latest_message.get("intent") or {}).get("name") == "cancel_appointment"
        ):
            # "I just mean I need to cancel my appointment" while the cancellation
            # asks for the reference is the task said again, not a stop (audit 14).
            logger.info("the cancellation asked for again, read as a stop: it goes on")
            return [FollowupAction(MANAGE_FORM)]
        dispatcher.utter_message(response="utter_booking_stopped")
        asked = question_after_stop(tracker)
        if asked is not None:
            answer_question(dispatcher, tracker, domain, asked, user_text(tracker))
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            *reset(*BOOKING_ATTEMPT_SLOTS, *MANAGE_SLOTS),
            # Then listen, also when the form's own check ran this (a stop read
            # as another intent, whose rules would otherwise answer it too).
            FollowupAction("action_listen"),
        ]


class ActionManageBooking(Action):
    """Check, cancel or reschedule a verified booking."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_manage_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Carry out the task the patient asked for."""
        profile = load_profile()
        task = tracker.get_slot("booking_task") or "check"
        done = reset(*MANAGE_SLOTS, "appointment_date", "appointment_time", "part_of_day")
        if tracker.get_slot("booking_contact") in LOOKUP_ENDED:
            return done  # the form already said lookups are refused, or the booking cancelled
        store = get_store()
        try:
            appointment = verified_appointment(tracker, store, profile)
        except StoreUnavailableError:
            dispatcher.utter_message(response="utter_booking_failed", **profile.contact_values())
            return done
        if appointment is None:
            dispatcher.utter_message(response="utter_booking_not_found")
            return done
        # Proved in this conversation: "can we make it 11 instead?" or "please cancel
        # it" next needs neither again (ValidateManageBookingForm.booked_here).
        done += [
            SlotSet(LAST_BOOKING_REFERENCE_SLOT, appointment.reference),
            SlotSet("phone", appointment.phone)
            if appointment.phone
            else SlotSet("email", appointment.email),
        ]
        details = describe(appointment, profile)
        if task == "check":
            dispatcher.utter_message(response="utter_appointment_details", **details)
            return done
        # Said as soon as the booking is found (the form asks nothing more), and
        # checked again here: the clock moves while the patient chooses.
        if too_late_to_change(profile, appointment.starts_at, clinic_now(profile.zone)):
            dispatcher.utter_message(
                response="utter_change_too_late",
                notice=profile.booking.cancellation_notice_hours,
                **profile.contact_values(),
                **details,
            )
            return done
        if tracker.get_slot("manage_confirmed") is not True:
            dispatcher.utter_message(response="utter_manage_not_changed", **details)
            return done
        # The reply is built before the write: nothing can fail after it commits.
        if task == "cancel":
            reply = {"response": "utter_cancelled", **details}
        else:
            new_start = starts_at(profile, tracker)
            reply = {
                "response": "utter_rescheduled",
                **details,
                "day": format_day(new_start.date()),
                "time": f"{new_start:%H:%M}",
            }
        try:
            if task == "cancel":
                store.cancel(appointment.reference)
            else:
                store.reschedule(
                    appointment.reference,
                    new_start,
                    appointment_minutes(profile, appointment.patient_type),
                    profile.booking.slot_grid_minutes,
                )
        except SlotTakenError:
            dispatcher.utter_message(response="utter_booking_slot_taken")
            return done
        except (KeyError, NotBookedError):
            dispatcher.utter_message(response="utter_booking_not_found")
            return done
        except StoreUnavailableError:
            dispatcher.utter_message(response="utter_booking_failed", **profile.contact_values())
            return done
        # The reference stays after a cancellation: "can you check it's gone?" is told it
        # was cancelled (audit 19 asked for the reference again, and looped).
        dispatcher.utter_message(**reply)
        return done


class ActionAskManageConfirmed(Action):
    """Ask to confirm a cancellation or a change, stating the notice rule."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_manage_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Utter what will change, with Yes / No buttons."""
        profile = load_profile()
        appointment = verified_appointment(tracker, get_store(), profile)
        if appointment is None:
            dispatcher.utter_message(response="utter_booking_not_found")
            return [SlotSet("manage_confirmed", False)]
        details = describe(appointment, profile)
        notice = profile.booking.cancellation_notice_hours
        if tracker.get_slot("booking_task") == "cancel":
            dispatcher.utter_message(response="utter_ask_confirm_cancel", notice=notice, **details)
        else:
            new = starts_at(profile, tracker)
            dispatcher.utter_message(
                response="utter_ask_confirm_reschedule",
                new_day=format_day(new.date()),
                new_time=f"{new:%H:%M}",
                notice=notice,
                **details,
            )
        return []
