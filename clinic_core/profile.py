"""The clinic profile: contact details, hours, closures, prices and booking rules."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import pydantic

from clinic_core.data_files import StrictModel, clinic_dir, load_model
from clinic_core.when import WEEKDAYS

OpeningRange = Tuple[dt.time, dt.time]
# The map link for the clinic's address: OpenStreetMap's search, a plain link
# that needs no third-party script on the page.
MAP_SEARCH_URL = "https://www.openstreetmap.org/search?query="


class Emergency(StrictModel):
    """Who to call when a patient describes red-flag symptoms."""

    number: str
    advice_line: Optional[str] = None
    crisis_line: Optional[str] = None
    # An urgent mental-health line, offered with the crisis line (NHS 111's mental health option).
    mental_health_line: Optional[str] = None


class Closure(StrictModel):
    """A day the clinic is closed despite its weekly hours."""

    date: dt.date
    reason: str


class Price(StrictModel):
    """One line of the price list."""

    item: str
    price: float = pydantic.Field(..., ge=0)
    minutes: Optional[int] = pydantic.Field(None, gt=0)


class AppointmentType(StrictModel):
    """A kind of appointment and its length."""

    id: str = pydantic.Field(..., regex=r"^[a-z_]+$")
    name: str
    minutes: int = pydantic.Field(..., gt=0, le=480)


class BookingRules(StrictModel):
    """How far ahead, on what grid and with what notice patients can book."""

    slot_grid_minutes: int = pydantic.Field(..., gt=0, le=240)
    horizon_days: int = pydantic.Field(..., gt=0, le=730)
    min_notice_hours: int = pydantic.Field(0, ge=0)
    cancellation_notice_hours: int = pydantic.Field(..., ge=0)
    # Upcoming booked appointments one phone number or email may hold (online).
    max_active_bookings_per_contact: int = pydantic.Field(3, ge=1, le=50)
    # Failed reference + contact pairs before a conversation is refused
    # lookups, and for how long.
    lookup_attempts: int = pydantic.Field(5, ge=1, le=50)
    # The same for one client address, which many patients can share (a care
    # home's wifi, a mobile network's NAT): higher, so a neighbour's typos do
    # not lock them out, while one address opening conversation after
    # conversation to guess is still stopped.
    lookup_attempts_per_address: int = pydantic.Field(20, ge=1, le=500)
    lookup_lockout_minutes: int = pydantic.Field(15, ge=1, le=1440)
    # What the clinic charges for a late cancellation or a missed appointment,
    # in its own words; the assistant says so when asked ("is there a fee if I
    # cancel?"), and says to ask the clinic when it is not set.
    late_cancellation: Optional[str] = None
    # Patients younger than this are not booked or advised online: the team
    # decides whether and how a child or young person can be seen.
    minimum_age: int = pydantic.Field(18, ge=0, le=25)

    @pydantic.validator("lookup_attempts_per_address")
    def _address_allows_a_conversation(cls, value: int, values: Dict[str, Any]) -> int:
        """An address is never locked before one of its conversations would be."""
        if value < values.get("lookup_attempts", 0):
            raise ValueError("must be at least booking.lookup_attempts")
        return value


class Privacy(StrictModel):
    """How long conversations and appointments are kept (the console's retention command)."""

    conversation_retention_days: int = pydantic.Field(default=365, gt=0, le=3650)
    # Appointments older than this keep their time, type and status for the
    # clinic's figures; the patient's name, contact, reason and notes go.
    appointment_retention_days: int = pydantic.Field(default=2920, gt=0, le=36500)


# The variables ``ClinicProfile.contact_values`` gives the clinic's answers.
CONTACT_VALUE_NAMES = ("phone", "phone_link", "email", "address", "map_link")
# ...and ``ClinicProfile.answer_values`` the practical answers (clinic/practical.yml): the
# emergency number and the same-day advice line too ("when should I go to A&E?").
ANSWER_VALUE_NAMES = (*CONTACT_VALUE_NAMES, "emergency_number", "advice_line")


class ClinicProfile(StrictModel):
    """Contents of ``clinic/profile.yml``."""

    version: int
    name: str
    address: str
    directions: Optional[str] = None
    phone: str
    email: str
    website: Optional[str] = None
    timezone: str
    country: str = pydantic.Field("GB", regex=r"^[A-Z]{2}$")
    emergency: Emergency
    opening_hours: Dict[str, List[OpeningRange]]
    closures: List[Closure] = []
    currency_symbol: str = ""
    prices: List[Price] = pydantic.Field(..., min_items=1)
    insurance: str
    appointment_types: List[AppointmentType] = pydantic.Field(..., min_items=1)
    booking: BookingRules
    privacy: Privacy = Privacy()

    @pydantic.validator("timezone")
    def known_timezone(cls, value: str) -> str:
        """The timezone must be an IANA name such as Europe/London."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown timezone '{value}'") from error
        return value

    @pydantic.validator("opening_hours")
    def valid_week(cls, hours: Dict[str, List[OpeningRange]]) -> Dict[str, List[OpeningRange]]:
        """Weekday names are spelled out; each range opens before it closes."""
        unknown = sorted(set(hours) - set(WEEKDAYS))
        if unknown:
            raise ValueError(f"unknown weekday(s): {', '.join(unknown)}")
        for day, ranges in hours.items():
            for start, end in ranges:
                if start >= end:
                    raise ValueError(f"{day}: {start:%H:%M} is not before {end:%H:%M}")
            ordered = sorted(ranges)
            for (_, end), (start, _) in itertools.pairwise(ordered):
                if start < end:
                    raise ValueError(f"{day}: opening ranges overlap")
        return {day: sorted(ranges) for day, ranges in hours.items()}

    @property
    def date_order(self) -> str:
        """Order of numeric dates such as 7/3: month first only in the US."""
        return "MDY" if self.country == "US" else "DMY"

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's timezone."""
        return ZoneInfo(self.timezone)

    @property
    def phone_link(self) -> str:
        """The phone number as a ``tel:`` URL (E.164 when the number parses)."""
        try:
            number = phonenumbers.parse(self.phone, self.country)
            return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            return "tel:" + "".join(c for c in self.phone if c.isdigit() or c == "+")

    @property
    def map_link(self) -> str:
        """An OpenStreetMap search for the clinic's address."""
        return MAP_SEARCH_URL + quote_plus(self.address)

    def contact_values(self) -> Dict[str, str]:
        """The variables responses use for the clinic's contact details.

        ``[{phone}]({phone_link})``, ``[{email}](mailto:{email})`` and
        ``[{address}]({map_link})`` in domain.yml are links on the website and
        plain text on SMS and messengers (channels/plain_links.py).
        """
        return {name: str(getattr(self, name)) for name in CONTACT_VALUE_NAMES}

    def answer_values(self) -> Dict[str, str]:
        """The variables of the practical answers: the contact details and where to get help."""
        return {
            **self.contact_values(),
            "emergency_number": self.emergency.number,
            "advice_line": self.emergency.advice_line or "your GP surgery",
        }

    def hours_on(self, day: dt.date) -> List[OpeningRange]:
        """Opening ranges on ``day``: empty when closed (weekly or a closure)."""
        if self.closure_on(day) is not None:
            return []
        return list(self.opening_hours.get(WEEKDAYS[day.weekday()], []))

    def closure_on(self, day: dt.date) -> Optional[Closure]:
        """The closure that falls on ``day``, if any."""
        return next((c for c in self.closures if c.date == day), None)

    def hours_text(self, day: dt.date) -> str:
        """Opening hours on ``day`` as text, such as ``09:00–13:00, 14:00–20:00``."""
        return describe_ranges(self.hours_on(day))

    def weekly_hours_lines(self) -> List[str]:
        """One human-readable line per weekday, consecutive equal days merged."""
        lines: List[str] = []
        groups: List[Tuple[List[str], str]] = []
        for day in WEEKDAYS:
            text = describe_ranges(self.opening_hours.get(day, []))
            if groups and groups[-1][1] == text:
                groups[-1][0].append(day)
            else:
                groups.append(([day], text))
        for days, text in groups:
            label = days[0].title() if len(days) == 1 else f"{days[0].title()}–{days[-1].title()}"
            lines.append(f"{label}: {text}")
        return lines

    def upcoming_closures(self, today: dt.date, within_days: int = 60) -> List[Closure]:
        """Closures from ``today`` up to ``within_days`` ahead."""
        last = today + dt.timedelta(days=within_days)
        return [c for c in sorted(self.closures, key=lambda c: c.date) if today <= c.date <= last]

    def visit_lengths(self) -> List[str]:
        """How long each kind of appointment takes, as ``75 minutes for a first visit``."""
        return [
            f"{kind.minutes} minutes for a {kind.name.lower()}" for kind in self.appointment_types
        ]

    def price_lines(self) -> List[str]:
        """One human-readable line per price."""
        return [
            f"{p.item}"
            + (f" ({p.minutes} min)" if p.minutes else "")
            + f": {self.currency_symbol}{p.price:g}"
            for p in self.prices
        ]


def describe_ranges(ranges: List[OpeningRange]) -> str:
    """``[(9:00, 13:00), (14:00, 20:00)]`` as ``09:00–13:00, 14:00–20:00``."""
    if not ranges:
        return "closed"
    return ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in ranges)


def load_profile() -> ClinicProfile:
    """Load ``profile.yml`` from the clinic folder."""
    return load_model(clinic_dir() / "profile.yml", ClinicProfile)
