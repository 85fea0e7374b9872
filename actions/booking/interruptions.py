"""The intents that interrupt a booking form, read from ``clinic/form_interruptions.yml``.

One declaration for the form validators (which messages are not an answer)
and for the rules (what the assistant replies instead); ``ops/form_rules.py``
generates ``data/rules_forms.yml`` from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, FrozenSet, List, Tuple

import pydantic

from clinic_core.data_files import StrictModel, load_model, one_of

PATH = Path(__file__).resolve().parent.parent.parent / "clinic" / "form_interruptions.yml"
THEN = ("resume", "stop", "end")
OVERRIDES = ("always", "when_confident", "never")
# Groups the validators treat apart: questions answered in the form, and stops.
QUESTION_GROUP = "question"
STOP_GROUP = "stop"


class Group(StrictModel):
    """Intents with the same effect on a form: their replies and what follows."""

    then: str
    overrides: str
    intents: Dict[str, str]

    _known_then = one_of("then", THEN)
    _known_overrides = one_of("overrides", OVERRIDES)

    @pydantic.validator("intents")
    def _some_intents(cls, value: Dict[str, str]) -> Dict[str, str]:
        if not value:
            raise ValueError("at least one intent is required")
        return value


class FormInterruptions(StrictModel):
    """Contents of ``clinic/form_interruptions.yml``."""

    version: int
    forms: List[str] = pydantic.Field(..., min_items=1)
    groups: Dict[str, Group]

    @pydantic.validator("groups")
    def _each_intent_once(cls, groups: Dict[str, Group]) -> Dict[str, Group]:
        seen: Dict[str, str] = {}
        for name, group in groups.items():
            for intent in group.intents:
                if intent in seen:
                    raise ValueError(f"{intent} is in both {seen[intent]} and {name}")
                seen[intent] = name
        return groups

    def entries(self) -> List[Tuple[str, str, Group]]:
        """(intent, reply action, group) in file order."""
        return [
            (intent, reply, group)
            for group in self.groups.values()
            for intent, reply in group.intents.items()
        ]

    def overriding(self, *levels: str) -> FrozenSet[str]:
        """The intents whose group ``overrides`` is one of ``levels``."""
        return frozenset(intent for intent, _, group in self.entries() if group.overrides in levels)

    def red_flags(self) -> FrozenSet[str]:
        """Intents that always beat an answer (the safety layer's)."""
        return self.overriding("always")

    def interrupting(self) -> FrozenSet[str]:
        """Intents that beat an answer-like message when the classifier is confident."""
        return self.overriding("always", "when_confident")

    def group_of(self, intent: str) -> str:
        """The name of the group ``intent`` is in ('' when in none)."""
        for name, group in self.groups.items():
            if intent in group.intents:
                return name
        return ""


def load_interruptions(path: Path = PATH) -> FormInterruptions:
    """Load the declaration (cached by modification time)."""
    return load_model(path, FormInterruptions)
