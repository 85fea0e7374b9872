"""Slot and intent names (domain.yml) that code in several packages must agree on.

domain.yml declares them; this is the one place Python spells them, read by
the actions, the staff console and the privacy jobs. tests/test_domain.py
checks that every name here is declared in the domain.
"""

from __future__ import annotations

from typing import Tuple

# -- slots --------------------------------------------------------------------
CONDITION_SLOT = "condition"  # a key of clinic/conditions.yml, or the patient's words
EMERGENCY_SLOT = "emergency_flagged"
HANDOFF_SLOT = "handoff_requested"
# Set by the booking lookups' lockout (actions/booking/lookup_guard.py).
ALARM_SLOT = "security_alarm"
LAST_BOOKING_REFERENCE_SLOT = "last_booking_reference"
# The slots that say who the patient is: every piece of code that must treat
# them as personal data reads this list.
NAME_SLOT = "patient_name"
PERSONAL_SLOTS: Tuple[str, ...] = (NAME_SLOT, "contact", "phone", "email")
# The slots that may hold a phone number or an email address.
CONTACT_SLOTS: Tuple[str, ...] = ("phone", "email", "contact", "booking_contact")
# Slots that say nothing about who the patient is (kept when anonymising).
NON_PERSONAL_SLOTS: Tuple[str, ...] = (
    EMERGENCY_SLOT,
    HANDOFF_SLOT,
    "booking_task",
    "patient_type",
    "booking_confirmed",
    "manage_confirmed",
    "requested_slot",
)

# -- intents ------------------------------------------------------------------
FALLBACK_INTENT = "nlu_fallback"
HANDOFF_INTENT = "human_handoff"
# Any other question about the clinic: answered from clinic/practical.yml, else the clinic's number.
CLINIC_QUESTION_INTENT = "ask_clinic_other"

SLOTS: Tuple[str, ...] = (
    CONDITION_SLOT,
    EMERGENCY_SLOT,
    HANDOFF_SLOT,
    ALARM_SLOT,
    LAST_BOOKING_REFERENCE_SLOT,
    *PERSONAL_SLOTS,
    *CONTACT_SLOTS,
    *[slot for slot in NON_PERSONAL_SLOTS if slot != "requested_slot"],  # Rasa's own
)
# A few messages after a red-flag reply, these still get the advice again rather
# than a booking or a menu: asking to book ("can we carry on booking"), a greeting
# ("hello?"), "why?", what the assistant cannot place ("what number do I call if not 999?")
# and more about symptoms ("it's gone now, probably indigestion"). Questions about
# acupuncture or the clinic are answered (rasa_extensions/red_flag_follow_up.py).
# The forms: a new appointment, and checking, moving or cancelling one.
BOOKING_FORM = "appointment_form"
MANAGE_FORM = "manage_booking_form"
BOOKING_INTENT = "book_appointment"  # asking for a new appointment
CANCEL_INTENT = "cancel_appointment"
ANSWER_INTENT = "inform"  # a detail given: a name, a day, a phone number
OTHER_SYMPTOM_INTENT = "other_symptom"  # a complaint outside the hip and back
STILL_REMINDED_INTENTS: Tuple[str, ...] = (
    BOOKING_INTENT,
    "reschedule_appointment",
    "greet",
    "out_of_scope",
    OTHER_SYMPTOM_INTENT,
    "ask_why",  # "why?" after "call 999 now": the advice, not a word on the booking form
    # "book her in wednesday 10am please, name Joan" read as an answer (audit 17 began
    # a booking for an 84-year-old who could not stand after a fall)
    ANSWER_INTENT,
    FALLBACK_INTENT,
)
INTENTS: Tuple[str, ...] = (
    HANDOFF_INTENT,
    CANCEL_INTENT,
    CLINIC_QUESTION_INTENT,
    *[name for name in STILL_REMINDED_INTENTS if name != FALLBACK_INTENT],  # nlu_fallback is Rasa's
)

# -- actions ------------------------------------------------------------------
# The patient's next message after a red-flag reply ("ok", "can I still book
# in?") gets this short reminder, not a menu (rasa_extensions/red_flag_follow_up.py).
RED_FLAG_REMINDER_ACTION = "action_red_flag_reminder"
# "would I need to go to hospital if I couldn't pee?": a red flag asked about as a
# what-if gets what to do if it happens (rasa_extensions/red_flag_follow_up.py).
RED_FLAG_WHAT_IF_ACTION = "action_red_flag_what_if"
# A message in another language: what the assistant reads, and the emergency
# number, in English (clinic_core/language.py; audit 19).
OTHER_LANGUAGE_ACTION = "action_other_language"
ACTIONS: Tuple[str, ...] = (
    RED_FLAG_REMINDER_ACTION,
    RED_FLAG_WHAT_IF_ACTION,
    OTHER_LANGUAGE_ACTION,
)
