"""Small helpers that turn the clinic's lists into readable sentences."""

from __future__ import annotations

from typing import Sequence


def join_list(items: Sequence[str], conjunction: str = "and") -> str:
    """Join ``["a", "b", "c"]`` as ``"a, b and c"``."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def bullet_lines(lines: Sequence[str]) -> str:
    """One ``• line`` per item, for multi-line chat messages."""
    return "\n".join(f"• {line}" for line in lines)
