"""Booking lookups that cannot be guessed: lockout and alarm.

``manage_booking_form`` asks for a booking reference and the phone or email
given at booking. Each wrong pair is recorded (as hashes, in the appointments
database, so every action server process sees it). After
``booking.lookup_attempts`` wrong pairs (5) within
``booking.lookup_lockout_minutes`` (15), the conversation is refused lookups
until the window has passed; after ``booking.lookup_attempts_per_address``
(20), so is every conversation from the client address it came from
(``metadata.client``, a pseudonym the REST and website channels attach,
channels/guard.py). The address allows more because patients share one (a
care home's wifi, a mobile network's NAT). The reply never says which half
was wrong.

When one reference collects that many wrong pairs in the window, from any
conversations, someone is probably guessing at a real patient's booking: an
``ALARM`` line is logged and the conversation gets the ``security_alarm``
slot, which puts it on the staff console's "Needs attention" list. The
reference itself is not locked, so its patient can still manage it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Dict, Optional

from rasa_sdk import Tracker

from clinic_core.contact_details import find_email, find_phone
from clinic_core.conversation_ids import CLIENT_KEY
from clinic_core.profile import ClinicProfile
from clinic_core.store import Appointment, AppointmentStore

logger = logging.getLogger(__name__)
LOCKED = "locked"  # booking_contact when the lookup was refused
# booking_contact when the reference and contact matched a cancelled booking: said so,
# and nothing more is asked ("can you check it's gone" after a cancellation, audit 19).
WAS_CANCELLED = "was cancelled"
# The values of booking_contact that end the lookup without a booking to act on.
LOOKUP_ENDED = (LOCKED, WAS_CANCELLED)


def client_of(tracker: Tracker) -> Optional[str]:
    """The client address pseudonym of the latest message (None on messaging channels)."""
    metadata: Dict[str, Any] = (tracker.latest_message or {}).get("metadata") or {}
    if not metadata:
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                metadata = event.get("metadata") or {}
                break
    value = metadata.get(CLIENT_KEY)
    return str(value) if value else None


def window_start(profile: ClinicProfile) -> dt.datetime:
    """The start of the lockout window that ends now."""
    minutes = profile.booking.lookup_lockout_minutes
    return dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes)


def locked_out(tracker: Tracker, store: AppointmentStore, profile: ClinicProfile) -> bool:
    """Whether this conversation or its client address used up its attempts."""
    since, limit = window_start(profile), profile.booking.lookup_attempts
    if store.lookup_failures_since(since, conversation=tracker.sender_id) >= limit:
        return True
    client, address_limit = client_of(tracker), profile.booking.lookup_attempts_per_address
    return bool(client) and store.lookup_failures_since(since, client=client) >= address_limit


def record_failure(
    tracker: Tracker, store: AppointmentStore, profile: ClinicProfile, reference: str
) -> bool:
    """Record one wrong pair; whether it raised an alarm for staff."""
    client = client_of(tracker)
    store.record_lookup_failure(tracker.sender_id, client, reference)
    since, limit = window_start(profile), profile.booking.lookup_attempts
    minutes = profile.booking.lookup_lockout_minutes
    alarm = False
    against_reference = store.lookup_failures_since(since, reference=reference)
    if against_reference >= limit:
        logger.error(
            "ALARM booking reference lookups: %d wrong reference + contact pairs for one "
            "reference in %d minutes, the latest from conversation %s; someone may be "
            "guessing a patient's booking (the reference stays usable by its patient)",
            against_reference,
            minutes,
            tracker.sender_id,
        )
        alarm = True
    by_conversation = store.lookup_failures_since(since, conversation=tracker.sender_id)
    by_client = store.lookup_failures_since(since, client=client) if client else 0
    if by_conversation >= limit or by_client >= profile.booking.lookup_attempts_per_address:
        logger.error(
            "ALARM booking reference lookups: conversation %s (%d wrong pairs, %d from its "
            "client address) is refused lookups for %d minutes",
            tracker.sender_id,
            by_conversation,
            by_client,
            minutes,
        )
        alarm = True
    return alarm


def verified_appointment(
    tracker: Tracker, store: AppointmentStore, profile: ClinicProfile
) -> Optional[Appointment]:
    """The booked appointment of the reference slot, only if the contact slot is its contact.

    Checked against the stored appointment in the action that reads or
    changes it: a slot value alone (a tracker made up by whoever calls the
    action server) proves nothing.
    """
    reference = str(tracker.get_slot("booking_reference") or "")
    contact = str(tracker.get_slot("booking_contact") or "")
    phone, email = find_phone(contact, profile.country), find_email(contact)
    return booked_for_patient(store, reference, phone, email)


def booked_for_patient(
    store: AppointmentStore, reference: str, phone: Optional[str], email: Optional[str]
) -> Optional[Appointment]:
    """The booked appointment of ``reference`` whose contact is ``phone`` or ``email``."""
    if not reference or not (phone or email):
        return None
    appointment = store.find_for_patient(reference, phone, email)
    return appointment if appointment is not None and appointment.status == "booked" else None
