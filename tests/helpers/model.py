"""The trained model, loaded the way the Rasa server loads it, for NLU tests."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import pytest
from rasa.core.agent import Agent

from ops.training import model_path


def trained_agent() -> Agent:
    """The current model in models/, or a failure that says how to train it."""
    path = model_path()
    if not path.exists():
        pytest.fail(f"no model at {path}: run `make test`, which trains it first")
    return Agent.load(str(path))


def parse(agent: Agent, text: str) -> Dict[str, Any]:
    """The model's parse of ``text`` (intent, entities, ranking)."""
    return dict(asyncio.run(agent.parse_message(text)))
