"""What makes a conversation need staff: each flag defined once, for SQL and for Python.

The conversation list computes the flags in SQL over Rasa's ``events`` table
(staff_console/tracker_queries.py); a transcript computes them in Python from
the same events (staff_console/transcript.py). Both read the definitions
below, so the list and the transcript can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from clinic_core.names import (
    ALARM_SLOT,
    EMERGENCY_SLOT,
    FALLBACK_INTENT,
    HANDOFF_INTENT,
    HANDOFF_SLOT,
)
from clinic_core.red_flags import RED_FLAG_SLOT, load_red_flags

# A user message whose intent confidence is below this is "low confidence".
LOW_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Flag:
    """A reason for staff to look at a conversation."""

    name: str
    # A slot set to true raises it (the actions set these).
    true_slots: Tuple[str, ...] = ()
    # A slot set to any value raises it (what the safety layer matched).
    valued_slots: Tuple[str, ...] = ()
    # A user message with one of these intents raises it.
    intents: Tuple[str, ...] = ()

    def raised_by_slot(self, slot: Optional[str], value: Any) -> bool:
        """Whether setting ``slot`` to ``value`` raises the flag."""
        return (slot in self.true_slots and value is True) or bool(
            slot in self.valued_slots and value
        )

    def raised_by_intent(self, intent: Optional[str]) -> bool:
        """Whether a user message with ``intent`` raises the flag."""
        return intent in self.intents


EMERGENCY = Flag(
    "emergency",
    true_slots=(EMERGENCY_SLOT,),
    valued_slots=(RED_FLAG_SLOT,),
    # Red flags (clinic/red_flags.yml): both levels need staff's attention.
    intents=tuple(load_red_flags().intent_levels()),
)
HANDOFF = Flag("handoff", true_slots=(HANDOFF_SLOT,), intents=(HANDOFF_INTENT,))
# Wrong booking lookups: someone may be guessing (actions/booking/lookup_guard.py).
ALARM = Flag("alarm", true_slots=(ALARM_SLOT,))
FLAGS = (EMERGENCY, HANDOFF, ALARM)
# Slots that only ever raise a flag: their initial "false" says nothing.
FLAG_SLOTS = tuple(slot for flag in FLAGS for slot in flag.true_slots)


def is_low_confidence(intent: Optional[str], confidence: Optional[float]) -> bool:
    """Whether NLU was unsure of a user message: the fallback intent or a low score."""
    return intent == FALLBACK_INTENT or (confidence is not None and confidence < LOW_CONFIDENCE)
