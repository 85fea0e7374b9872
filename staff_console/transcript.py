"""A conversation as staff read it: the turns of a transcript and its flags."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from clinic_core.names import (
    ALARM_SLOT,
    CONDITION_SLOT,
    EMERGENCY_SLOT,
    HANDOFF_SLOT,
    LAST_BOOKING_REFERENCE_SLOT,
)
from clinic_core.red_flags import RED_FLAG_SLOT
from staff_console.db import event_data, event_time
from staff_console.flags import (
    ALARM,
    EMERGENCY,
    FLAG_SLOTS,
    FLAGS,
    HANDOFF,
    Flag,
    is_low_confidence,
)

# Slots worth showing in a transcript; the others are booking-form plumbing.
SHOWN_SLOTS = (
    CONDITION_SLOT, EMERGENCY_SLOT, RED_FLAG_SLOT, HANDOFF_SLOT, ALARM_SLOT,
    LAST_BOOKING_REFERENCE_SLOT,
)  # fmt: skip


@dataclass(frozen=True)
class Turn:
    """One thing that happened in a conversation, as a transcript shows it."""

    kind: str  # user, bot, slot or session
    at: dt.datetime
    event_id: int
    text: str = ""
    intent: Optional[str] = None
    confidence: Optional[float] = None
    entities: Tuple[Tuple[str, str], ...] = ()
    buttons: Tuple[Tuple[str, str], ...] = ()  # (title, payload)
    attachments: Tuple[str, ...] = ()  # image links, custom payloads: shown as text
    slot: Optional[str] = None
    value: Any = None
    low_confidence: bool = False
    flag: Optional[str] = None  # "emergency", "handoff" or "alarm"

    def as_dict(self) -> Dict[str, Any]:
        """JSON-ready form for the API."""
        base: Dict[str, Any] = {"kind": self.kind, "at": self.at.isoformat()}
        if self.kind == "user":
            base.update(
                text=self.text,
                intent=self.intent,
                confidence=self.confidence,
                entities=[{"entity": name, "value": value} for name, value in self.entities],
                low_confidence=self.low_confidence,
                flag=self.flag,
            )
        elif self.kind == "bot":
            base.update(
                text=self.text,
                buttons=[{"title": t, "payload": p} for t, p in self.buttons],
                attachments=list(self.attachments),
            )
        elif self.kind == "slot":
            base.update(slot=self.slot, value=self.value, flag=self.flag)
        return base


@dataclass(frozen=True)
class Transcript:
    """A whole conversation."""

    sender_id: str
    turns: List[Turn]
    started_at: dt.datetime
    last_at: dt.datetime
    last_event_id: int
    emergency: bool
    handoff: bool
    low_confidence: bool
    condition: Optional[str]
    intents: List[str] = field(default_factory=list)
    red_flag: Optional[str] = None  # what the safety layer matched, newest
    alarm: bool = False


def _pairs(items: Any, first: str, second: str) -> Tuple[Tuple[str, str], ...]:
    """(first, second) of each dict in a JSON list (entities, buttons); others skipped."""
    return tuple(
        (str(item.get(first, "")), str(item.get(second, "")))
        for item in items or []
        if isinstance(item, dict)
    )


def _turn(
    event_id: int, kind: str, timestamp: Optional[float], data: Dict[str, Any]
) -> Optional[Turn]:
    """A transcript line for one stored event, or None for bookkeeping events."""
    at = event_time(timestamp)
    text = str(data.get("text") or "")
    if kind == "user":
        parse = data.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        confidence = (parse.get("intent") or {}).get("confidence")
        confidence = float(confidence) if isinstance(confidence, (int, float)) else None
        flag = next((f.name for f in FLAGS if f.raised_by_intent(intent)), None)
        return Turn(
            "user",
            at,
            event_id,
            text,
            intent=intent,
            confidence=confidence,
            entities=_pairs(parse.get("entities"), "entity", "value"),
            low_confidence=is_low_confidence(intent, confidence),
            flag=flag,
        )
    if kind == "bot":
        extra = data.get("data") or {}
        attachments = []
        if extra.get("image"):
            attachments.append(f"image: {extra['image']}")
        if extra.get("attachment"):
            attachments.append(f"attachment: {json.dumps(extra['attachment'])[:500]}")
        if extra.get("custom"):
            attachments.append(f"custom: {json.dumps(extra['custom'])[:500]}")
        buttons = _pairs(extra.get("buttons"), "title", "payload")
        return Turn("bot", at, event_id, text, buttons=buttons, attachments=tuple(attachments))
    if kind == "slot" and data.get("name") in SHOWN_SLOTS:
        name = data.get("name")
        value = data.get("value")
        flag = next((f.name for f in FLAGS if name in f.true_slots and value is True), None)
        if EMERGENCY.raised_by_slot(name, value) and name in EMERGENCY.valued_slots:
            flag = "red_flag"  # shown with what the safety layer matched
        if name in FLAG_SLOTS and not value:
            return None  # the initial "false" says nothing worth reading
        return Turn(kind="slot", at=at, event_id=event_id, slot=str(name), value=value, flag=flag)
    if kind == "session_started":
        return Turn(kind="session", at=at, event_id=event_id)
    return None


def raised(flag: Flag, turn: Turn) -> bool:
    """Whether ``turn`` raises ``flag`` (staff_console/flags.py)."""
    if turn.kind == "slot":
        return flag.raised_by_slot(turn.slot, turn.value)
    return turn.kind == "user" and flag.raised_by_intent(turn.intent)


def build(sender_id: str, rows: Sequence[Any]) -> Optional[Transcript]:
    """The transcript of one conversation's event rows (id, type_name, timestamp, data)."""
    if not rows:
        return None
    turns: List[Turn] = []
    intents: List[str] = []
    condition: Optional[str] = None
    for row in rows:
        turn = _turn(int(row.id), row.type_name, row.timestamp, event_data(row.data))
        if turn is None:
            continue
        turns.append(turn)
        if turn.kind == "user" and turn.intent and turn.intent not in intents:
            intents.append(turn.intent)
        if turn.kind == "slot" and turn.slot == CONDITION_SLOT and turn.value:
            condition = str(turn.value)
    return Transcript(
        sender_id=sender_id,
        turns=turns,
        started_at=event_time(min(row.timestamp or 0.0 for row in rows)),
        last_at=event_time(max(row.timestamp or 0.0 for row in rows)),
        last_event_id=max(int(row.id) for row in rows),
        emergency=any(raised(EMERGENCY, t) for t in turns),
        handoff=any(raised(HANDOFF, t) for t in turns),
        alarm=any(raised(ALARM, t) for t in turns),
        low_confidence=any(t.low_confidence for t in turns),
        condition=condition,
        intents=intents,
        red_flag=next((str(t.value) for t in reversed(turns) if t.flag == "red_flag"), None),
    )
