"""The appointments database (SQLAlchemy): SQLite by default, PostgreSQL via DATABASE_URL.

Double bookings are impossible by construction: every appointment claims each
grid cell it covers in ``appointment_slots``, whose primary key is the cell's
start time. Two conversations taking the same time at the same instant both
try to insert the same key; the database lets exactly one commit.

A phone number or email holds at most ``max_active`` upcoming bookings
(clinic/profile.yml). A booking first updates the contact's row in
``contact_locks`` (keyed by a hash, not the contact), which makes concurrent
bookings for the same contact wait for each other (a row lock in
PostgreSQL, the write lock in SQLite), then counts, then inserts.

``lookup_failures`` records failed reference + contact pairs for the
lockout of booking lookups (actions/booking/lookup_guard.py), by hashes only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Set

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from clinic_core.db import create_engine
from clinic_core.settings import CoreSettings

logger = logging.getLogger(__name__)

# Easy to read aloud: no 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B.
REFERENCE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
REFERENCE_LENGTH = 6
STATUSES = ("booked", "cancelled", "attended", "no_show")

metadata = sa.MetaData()

appointments = sa.Table(
    "appointments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(12), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False, default="booked"),
    sa.Column("starts_at", sa.DateTime, nullable=False, index=True),  # UTC
    sa.Column("ends_at", sa.DateTime, nullable=False),  # UTC
    sa.Column("appointment_type", sa.String(40), nullable=False),
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("patient_name", sa.String(80), nullable=False),
    sa.Column("phone", sa.String(32)),
    sa.Column("email", sa.String(254)),
    sa.Column("patient_type", sa.String(16), nullable=False),
    sa.Column("notes", sa.Text),
    sa.Column("conversation_id", sa.String(255), index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="contact_given"),
    sa.CheckConstraint(f"status IN {STATUSES}", name="known_status"),
)

appointment_slots = sa.Table(
    "appointment_slots",
    metadata,
    # One row per grid cell an active appointment covers: the primary key is
    # what makes two appointments on the same cell impossible.
    sa.Column("slot_start", sa.DateTime, primary_key=True),  # UTC
    sa.Column(
        "appointment_id",
        sa.Integer,
        sa.ForeignKey("appointments.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)


contact_locks = sa.Table(
    "contact_locks",
    metadata,
    # One row per phone number or email that ever booked (a hash of it): the
    # row every booking for that contact updates first, so they queue.
    sa.Column("contact_hash", sa.String(64), primary_key=True),
    sa.Column("bookings", sa.Integer, nullable=False, default=0),
)

lookup_failures = sa.Table(
    "lookup_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),  # UTC
    sa.Column("conversation_hash", sa.String(64), nullable=False, index=True),
    sa.Column("client_hash", sa.String(64), index=True),
    sa.Column("reference_hash", sa.String(64), nullable=False, index=True),
)


class StoreError(Exception):
    """Base of the store's own errors: callers catch these and nothing broader."""


class SlotTakenError(StoreError):
    """The wanted time overlaps an appointment that is already booked."""


class TooManyBookingsError(StoreError):
    """The phone number or email already holds the most upcoming bookings allowed."""

    def __init__(self, limit: int) -> None:
        """``limit``: the most upcoming bookings per contact."""
        super().__init__(f"already {limit} upcoming bookings for this contact")
        self.limit = limit


class StoreUnavailableError(StoreError):
    """The database could not be reached, or the read or write failed."""


def _unavailable(error: OperationalError) -> StoreUnavailableError:
    """The store's error for a database failure, logged as an ALARM for staff."""
    logger.error(f"ALARM appointments database unavailable: {error.orig}")
    return StoreUnavailableError(str(error.orig))


class NotBookedError(StoreError):
    """The change needs a booked appointment (a cancelled one cannot be moved)."""


@dataclass(frozen=True)
class Booking:
    """What a booking says about the visit and the patient (both stored and requested)."""

    appointment_type: str
    reason: str
    patient_name: str
    phone: Optional[str]
    email: Optional[str]
    patient_type: str
    notes: Optional[str]
    conversation_id: Optional[str]


@dataclass(frozen=True)
class NewAppointment(Booking):
    """What the booking form collected."""

    starts_at: dt.datetime  # timezone-aware
    minutes: int
    grid_minutes: int


@dataclass(frozen=True)
class Appointment(Booking):
    """A stored appointment."""

    id: int
    reference: str
    status: str
    starts_at: dt.datetime  # UTC, aware
    ends_at: dt.datetime


BOOKING_FIELDS = tuple(field.name for field in fields(Booking))


def database_url() -> str:
    """``DATABASE_URL`` or the SQLite file under var/ (clinic_core/settings.py)."""
    return CoreSettings.load().database_url


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _utc_now() -> dt.datetime:
    return _utc(dt.datetime.now(dt.timezone.utc))


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc)


def _cells(start: dt.datetime, minutes: int, grid: int) -> Iterator[dt.datetime]:
    cell = _utc(start)
    end = cell + dt.timedelta(minutes=minutes)
    while cell < end:
        yield cell
        cell += dt.timedelta(minutes=grid)


def digest(value: str) -> str:
    """A SHA-256 hex digest: how contacts and lookup keys are kept in helper tables."""
    return hashlib.sha256(value.encode()).hexdigest()


def contact_hashes(phone: Optional[str], email: Optional[str]) -> List[str]:
    """The hashes of a booking's phone number and email (lower-cased), sorted."""
    keys = [f"phone:{phone}"] if phone else []
    keys += [f"email:{email.lower()}"] if email else []
    return sorted(digest(key) for key in keys)


def _upsert_ignore(connection: sa.engine.Connection, table: sa.Table, **values: object) -> None:
    """INSERT ... ON CONFLICT DO NOTHING in SQLite and PostgreSQL."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        connection.execute(pg_insert(table).values(**values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        connection.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing())


def new_reference() -> str:
    """A random booking reference such as ``K7RM3D``."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class AppointmentStore:
    """Transactional access to appointments."""

    def __init__(self, url: Optional[str] = None) -> None:
        """Connect to ``url`` (default: ``database_url()``) and create tables."""
        self.url = url or database_url()
        self.engine: Engine = create_engine(self.url)
        metadata.create_all(self.engine)

    @contextmanager
    def _reading(self) -> Iterator[sa.engine.Connection]:
        """One connection for reading; database errors become ``StoreUnavailableError``."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except OperationalError as error:
            raise _unavailable(error) from error

    @contextmanager
    def _writing(self) -> Iterator[sa.engine.Connection]:
        """One transaction; database errors become the store's own errors."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except IntegrityError as error:
            raise SlotTakenError(str(error.orig)) from error
        except OperationalError as error:
            raise _unavailable(error) from error

    @staticmethod
    def _id_of(connection: sa.engine.Connection, reference: str) -> Optional[int]:
        row = connection.execute(
            sa.select(appointments.c.id).where(appointments.c.reference == reference.upper())
        ).first()
        return int(row.id) if row else None

    @staticmethod
    def _claim(
        connection: sa.engine.Connection,
        appointment_id: int,
        start: dt.datetime,
        minutes: int,
        grid: int,
    ) -> None:
        """Claim every grid cell of the appointment; a taken cell fails the transaction."""
        connection.execute(
            appointment_slots.delete().where(appointment_slots.c.appointment_id == appointment_id)
        )
        connection.execute(
            appointment_slots.insert(),
            [
                {"slot_start": cell, "appointment_id": appointment_id}
                for cell in _cells(start, minutes, grid)
            ],
        )

    def _reread(self, reference: str) -> Appointment:
        found = self.get(reference)
        if found is None:
            raise KeyError(reference)
        return found

    def book(
        self,
        wanted: NewAppointment,
        max_active: Optional[int] = None,
        now: Optional[dt.datetime] = None,
    ) -> Appointment:
        """Store the appointment and claim its time, all or nothing; at most once.

        Asking again for what a conversation already booked returns that
        booking: a patient who retries after a timeout, whose first request
        did commit, is not told the time is taken by someone else.

        ``max_active``: the most upcoming booked appointments (starting
        after ``now``, default the current time) the phone number or the
        email may hold (None: no limit).

        Raises:
            SlotTakenError: the time overlaps another booked appointment.
            TooManyBookingsError: the contact already holds ``max_active``.
            StoreUnavailableError: the database failed; nothing was stored.

        """
        try:
            return self.already_booked(wanted) or self._insert(wanted, max_active, now)
        except SlotTakenError:
            # A concurrent first attempt of the same conversation may have won.
            existing = self.already_booked(wanted)
            if existing is None:
                raise
            return existing

    def already_booked(self, wanted: NewAppointment) -> Optional[Appointment]:
        """The conversation's booked appointment at exactly this time, if any."""
        if not wanted.conversation_id:
            return None
        with self._reading() as connection:
            row = connection.execute(
                sa.select(appointments).where(
                    appointments.c.conversation_id == wanted.conversation_id,
                    appointments.c.starts_at == _utc(wanted.starts_at),
                    appointments.c.status == "booked",
                )
            ).first()
        return _appointment(row) if row else None

    @staticmethod
    def _hold_contacts(
        connection: sa.engine.Connection, hashes: Sequence[str], max_active: Optional[int]
    ) -> None:
        """Queue behind other bookings for the same contacts, then check the limit.

        The contact rows are updated first (in a fixed order, so two bookings
        never wait for each other crosswise); the update holds them until this
        transaction ends, so the count below cannot be overtaken.
        """
        if max_active is None:
            return
        for contact in hashes:
            _upsert_ignore(connection, contact_locks, contact_hash=contact, bookings=0)
            connection.execute(
                contact_locks.update()
                .where(contact_locks.c.contact_hash == contact)
                .values(bookings=contact_locks.c.bookings + 1)
            )

    @staticmethod
    def _active_for(
        connection: sa.engine.Connection,
        phone: Optional[str],
        email: Optional[str],
        now: dt.datetime,
    ) -> int:
        """Upcoming booked appointments under this phone number or email."""
        matches = [appointments.c.phone == phone] if phone else []
        if email:
            matches.append(sa.func.lower(appointments.c.email) == email.lower())
        if not matches:
            return 0
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(appointments)
                .where(
                    appointments.c.status == "booked",
                    appointments.c.starts_at > _utc(now),
                    sa.or_(*matches),
                )
            ).scalar_one()
        )

    def _insert(
        self,
        wanted: NewAppointment,
        max_active: Optional[int] = None,
        now: Optional[dt.datetime] = None,
    ) -> Appointment:
        moment = now or dt.datetime.now(dt.timezone.utc)
        for _ in range(5):
            reference = new_reference()
            with self._writing() as connection:
                self._hold_contacts(
                    connection, contact_hashes(wanted.phone, wanted.email), max_active
                )
                if max_active is not None and (
                    self._active_for(connection, wanted.phone, wanted.email, moment) >= max_active
                ):
                    raise TooManyBookingsError(max_active)
                if self._id_of(connection, reference) is not None:
                    continue  # reference already used: draw another
                now = _utc_now()
                appointment_id = connection.execute(
                    appointments.insert().values(
                        reference=reference,
                        status="booked",
                        starts_at=_utc(wanted.starts_at),
                        ends_at=_utc(wanted.starts_at + dt.timedelta(minutes=wanted.minutes)),
                        **{name: getattr(wanted, name) for name in BOOKING_FIELDS},
                        created_at=now,
                        updated_at=now,
                    )
                ).inserted_primary_key[0]
                self._claim(
                    connection,
                    appointment_id,
                    wanted.starts_at,
                    wanted.minutes,
                    wanted.grid_minutes,
                )
            return self._reread(reference)
        raise StoreUnavailableError("could not allocate a unique booking reference")

    def get(self, reference: str) -> Optional[Appointment]:
        """The appointment with this reference, if any."""
        with self._reading() as connection:
            row = connection.execute(
                sa.select(appointments).where(appointments.c.reference == reference.upper())
            ).first()
        return _appointment(row) if row else None

    def find_for_patient(
        self, reference: str, phone: Optional[str], email: Optional[str]
    ) -> Optional[Appointment]:
        """The appointment only if the phone or email matches the one given at booking."""
        appointment = self.get(reference)
        if appointment is None:
            return None
        if (phone and appointment.phone == phone) or (
            email and appointment.email and appointment.email.lower() == email.lower()
        ):
            return appointment
        return None

    def cancel(self, reference: str) -> Appointment:
        """Mark the appointment cancelled and free its time."""
        return self.set_status(reference, "cancelled")

    def set_status(self, reference: str, status: str, grid: Optional[int] = None) -> Appointment:
        """Change the status; cancelling gives the time back, un-cancelling claims it again.

        Leaving "cancelled" claims the appointment's grid cells (``grid``
        minutes each) in the same transaction as the status change, so a time
        taken by someone else meanwhile fails the change instead of being
        double booked.

        Raises:
            KeyError: no such appointment.
            ValueError: unknown status, or ``grid`` missing to un-cancel.
            SlotTakenError: un-cancelling, and another appointment holds the time now.

        """
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        with self._writing() as connection:
            row = connection.execute(
                sa.select(appointments).where(appointments.c.reference == reference.upper())
            ).first()
            if row is None:
                raise KeyError(reference)
            connection.execute(
                appointments.update()
                .where(appointments.c.id == row.id)
                .values(status=status, updated_at=_utc_now())
            )
            if status == "cancelled":
                connection.execute(
                    appointment_slots.delete().where(appointment_slots.c.appointment_id == row.id)
                )
            elif row.status == "cancelled":
                if grid is None:
                    raise ValueError("un-cancelling needs the slot grid to claim the time again")
                minutes = int((row.ends_at - row.starts_at).total_seconds() // 60)
                self._claim(connection, row.id, _aware(row.starts_at), minutes, grid)
        return self._reread(reference)

    def reschedule(
        self, reference: str, starts_at: dt.datetime, minutes: int, grid: int
    ) -> Appointment:
        """Move a booked appointment; its old time is kept if the new one is taken.

        Raises:
            KeyError: no such appointment.
            NotBookedError: the appointment is not booked (cancelled, attended...).
            SlotTakenError: the new time overlaps another appointment.

        """
        with self._writing() as connection:
            row = connection.execute(
                sa.select(appointments.c.id, appointments.c.status).where(
                    appointments.c.reference == reference.upper()
                )
            ).first()
            if row is None:
                raise KeyError(reference)
            if row.status != "booked":
                raise NotBookedError(f"{reference} is {row.status}, not booked")
            appointment_id = int(row.id)
            self._claim(connection, appointment_id, starts_at, minutes, grid)
            connection.execute(
                appointments.update()
                .where(appointments.c.id == appointment_id)
                .values(
                    starts_at=_utc(starts_at),
                    ends_at=_utc(starts_at + dt.timedelta(minutes=minutes)),
                    updated_at=_utc_now(),
                )
            )
        return self._reread(reference)

    def taken_cells(
        self,
        start: dt.datetime,
        end: dt.datetime,
        except_conversation: Optional[str] = None,
        except_reference: Optional[str] = None,
    ) -> Set[dt.datetime]:
        """UTC starts (aware) of claimed grid cells between ``start`` and ``end``.

        Cells held by ``except_conversation``'s own appointments are left out:
        a patient confirming again what they already booked is not refused.
        So are those of ``except_reference``, the appointment being moved: a
        move by a quarter of an hour overlaps its own time (audit 19 said the
        day was full), and :meth:`reschedule` releases those cells first.
        """
        query = sa.select(appointment_slots.c.slot_start).where(
            appointment_slots.c.slot_start >= _utc(start),
            appointment_slots.c.slot_start < _utc(end),
        )
        if except_conversation:
            own = sa.select(appointments.c.id).where(
                appointments.c.conversation_id == except_conversation
            )
            query = query.where(appointment_slots.c.appointment_id.not_in(own))
        if except_reference:
            moving = sa.select(appointments.c.id).where(
                appointments.c.reference == except_reference.upper()
            )
            query = query.where(appointment_slots.c.appointment_id.not_in(moving))
        with self._reading() as connection:
            rows = connection.execute(query).all()
        return {_aware(row.slot_start) for row in rows}

    def record_lookup_failure(
        self, conversation: str, client: Optional[str], reference: str
    ) -> None:
        """Note one failed reference + contact pair (hashes only; old rows are purged)."""
        now = _utc_now()
        with self._writing() as connection:
            connection.execute(
                lookup_failures.delete().where(lookup_failures.c.at < now - dt.timedelta(days=1))
            )
            connection.execute(
                lookup_failures.insert().values(
                    at=now,
                    conversation_hash=digest(conversation),
                    client_hash=digest(client) if client else None,
                    reference_hash=digest(reference.upper()),
                )
            )

    def lookup_failures_since(
        self,
        since: dt.datetime,
        conversation: Optional[str] = None,
        client: Optional[str] = None,
        reference: Optional[str] = None,
    ) -> int:
        """Failed lookups since ``since`` by this conversation, client or reference (any)."""
        matches = []
        if conversation:
            matches.append(lookup_failures.c.conversation_hash == digest(conversation))
        if client:
            matches.append(lookup_failures.c.client_hash == digest(client))
        if reference:
            matches.append(lookup_failures.c.reference_hash == digest(reference.upper()))
        if not matches:
            return 0
        with self._reading() as connection:
            return int(
                connection.execute(
                    sa.select(sa.func.count())
                    .select_from(lookup_failures)
                    .where(lookup_failures.c.at >= _utc(since), sa.or_(*matches))
                ).scalar_one()
            )

    def by_conversation(self, conversation_id: str) -> List[Appointment]:
        """Appointments made in one conversation."""
        return self.for_conversations([conversation_id]).get(conversation_id, [])

    def for_conversations(self, conversation_ids: Sequence[str]) -> Dict[str, List[Appointment]]:
        """Appointments made by each of these conversations, by start time."""
        if not conversation_ids:
            return {}
        with self._reading() as connection:
            rows = connection.execute(
                sa.select(appointments)
                .where(appointments.c.conversation_id.in_(list(conversation_ids)))
                .order_by(appointments.c.starts_at, appointments.c.id)
            ).all()
        found: Dict[str, List[Appointment]] = {}
        for row in rows:
            found.setdefault(row.conversation_id, []).append(_appointment(row))
        return found

    def conversation_ids(self) -> Set[str]:
        """Conversations that made at least one appointment."""
        with self._reading() as connection:
            rows = connection.execute(
                sa.select(appointments.c.conversation_id)
                .where(appointments.c.conversation_id.is_not(None))
                .distinct()
            ).all()
        return {row.conversation_id for row in rows}

    def between(
        self, start: dt.datetime, end: dt.datetime, status: Optional[str] = None
    ) -> List[Appointment]:
        """Appointments starting from ``start`` up to (not including) ``end``, by time."""
        query = sa.select(appointments).where(
            appointments.c.starts_at >= _utc(start), appointments.c.starts_at < _utc(end)
        )
        if status:
            query = query.where(appointments.c.status == status)
        with self._reading() as connection:
            rows = connection.execute(
                query.order_by(appointments.c.starts_at, appointments.c.id)
            ).all()
        return [_appointment(row) for row in rows]

    def for_contact(self, phone: Optional[str], email: Optional[str]) -> List[Appointment]:
        """Appointments booked with this phone number or email (any case), by time."""
        matches = [appointments.c.phone == phone] if phone else []
        if email:
            matches.append(sa.func.lower(appointments.c.email) == email.lower())
        if not matches:
            return []
        with self._reading() as connection:
            rows = connection.execute(
                sa.select(appointments).where(sa.or_(*matches)).order_by(appointments.c.starts_at)
            ).all()
        return [_appointment(row) for row in rows]

    def replace_details(self, references: Sequence[str], values: Mapping[str, Any]) -> int:
        """Overwrite columns (``values``) of these appointments; how many changed."""
        if not references:
            return 0
        with self._writing() as connection:
            return int(
                connection.execute(
                    appointments.update()
                    .where(appointments.c.reference.in_(list(references)))
                    .values(**values)
                ).rowcount
            )

    def delete(self, references: Sequence[str]) -> int:
        """Delete these appointments and free their times; how many were deleted."""
        if not references:
            return 0
        with self._writing() as connection:
            return int(
                connection.execute(
                    appointments.delete().where(appointments.c.reference.in_(list(references)))
                ).rowcount
            )

    def replace_details_before(
        self,
        cutoff: dt.datetime,
        values: Mapping[str, Any],
        unless_name: str,
        dry_run: bool = False,
    ) -> int:
        """Overwrite ``values`` of appointments that started before ``cutoff``.

        Appointments whose patient name is already ``unless_name`` are left
        alone. Returns how many changed (or would, with ``dry_run``).
        """
        old = sa.and_(
            appointments.c.starts_at < _utc(cutoff), appointments.c.patient_name != unless_name
        )
        with self._writing() as connection:
            if dry_run:
                return int(
                    connection.execute(
                        sa.select(sa.func.count()).select_from(appointments).where(old)
                    ).scalar_one()
                )
            return int(
                connection.execute(appointments.update().where(old).values(**values)).rowcount
            )

    def dispose(self) -> None:
        """Close the store's pooled connections."""
        self.engine.dispose()


def _appointment(row: sa.engine.Row) -> Appointment:
    values = dict(row._mapping)
    values["starts_at"] = _aware(values["starts_at"])
    values["ends_at"] = _aware(values["ends_at"])
    for key in ("created_at", "updated_at"):
        values.pop(key, None)
    return Appointment(**values)


_store: Optional[AppointmentStore] = None


def get_store() -> AppointmentStore:
    """The process-wide store for the configured database (created on first use)."""
    global _store
    if _store is None or _store.url != database_url():
        _store = AppointmentStore()
    return _store
