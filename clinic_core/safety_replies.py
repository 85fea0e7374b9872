"""What a red flag is answered with, and the note staff read: one place for every process.

The action server answers a red flag (actions/safety.py); when it cannot, the
Rasa process answers it itself (rasa_extensions/resilience.py), so a patient
describing an emergency while the action server is down or slow still hears
the emergency number, not "please try again in a few minutes".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from clinic_core.profile import Emergency
from clinic_core.red_flag_screen import SCREEN_LABEL
from clinic_core.red_flags import Concept, load_red_flags

SELF_HARM_REPLY = "utter_self_harm"
CRISIS_LINE_REPLY = "utter_emergency_crisis_line"
EMERGENCY_REPLY = "utter_emergency"
URGENT_REPLY = "utter_urgent_symptoms"
MENTAL_HEALTH_LINE_REPLY = "utter_mental_health_line"


@dataclass(frozen=True)
class Reply:
    """A response of domain.yml and the values it is filled with."""

    response: str
    values: Dict[str, str] = field(default_factory=dict)


def red_flag_replies(level: str, concepts: Sequence[Concept], emergency: Emergency) -> List[Reply]:
    """The advice for a red flag of ``level`` ("emergency" or "urgent").

    Thoughts of self-harm alone are answered person to person first, the
    crisis line before the emergency number: opening with "what you describe
    can be a sign of something serious" reads as a form letter. Any other
    emergency gets the emergency number, and the crisis line too when one of
    its concepts is answered with it or the concept is unknown.
    """
    if level != "emergency":
        return [
            Reply(
                URGENT_REPLY,
                {
                    "advice_line": emergency.advice_line or "your GP surgery",
                    "emergency_number": emergency.number,
                },
            )
        ]
    if emergency.crisis_line and concepts and all(c.crisis_line for c in concepts):
        replies = [
            Reply(
                SELF_HARM_REPLY,
                {"crisis_line": emergency.crisis_line, "emergency_number": emergency.number},
            )
        ]
        if emergency.mental_health_line:
            replies.append(
                Reply(
                    MENTAL_HEALTH_LINE_REPLY, {"mental_health_line": emergency.mental_health_line}
                )
            )
        return replies
    replies = [Reply(EMERGENCY_REPLY, {"emergency_number": emergency.number})]
    # Also whenever the safety layer could not say what the emergency is.
    if emergency.crisis_line and (not concepts or any(c.crisis_line for c in concepts)):
        replies.append(Reply(CRISIS_LINE_REPLY, {"crisis_line": emergency.crisis_line}))
    return replies


def red_flags_named(concept_ids: Sequence[str]) -> List[Concept]:
    """The listed concepts among ``concept_ids``, in the red-flag file's order."""
    found = set(concept_ids)
    return [concept for concept in load_red_flags().concepts if concept.id in found]


def red_flag_note(level_id: str, concepts: Sequence[Concept], screened: bool = False) -> str:
    """What staff read in the console: the level and what matched.

    ``screened``: the learned screen raised the flag in words the list lacks.
    """
    level = load_red_flags().level(level_id).label
    labels = [concept.label for concept in concepts] + ([SCREEN_LABEL] if screened else [])
    if not labels:
        return f"{level}: recognised by the intent classifier"
    return f"{level}: " + "; ".join(labels)


def level_of_action(action: str) -> Optional[str]:
    """The red-flag level whose reply ``action`` is (None: not a red-flag reply)."""
    return next((level.id for level in load_red_flags().levels if level.action == action), None)
