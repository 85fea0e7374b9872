"""Shared fixtures and the test configuration; helpers live in tests/helpers/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml
from hypothesis import HealthCheck, settings
from rasa_sdk.executor import CollectingDispatcher

from clinic_core.red_flags import RedFlagDetector, shared_detector
from ops.settings import SPACY_PIPELINE_DIR

ROOT = Path(__file__).resolve().parent.parent

# Property-based tests (tests/test_properties_*.py). "ci", the default, is
# reproducible (the same examples on every run, no example database written to
# the checkout) and small enough for the whole set to run in well under a
# minute on two slow cores. HYPOTHESIS_PROFILE=thorough searches far harder
# with fresh random examples each run: use it after changing a parser.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    derandomize=False,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The project's domain.yml as a dict (what the action server receives)."""
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.fixture(scope="session")
def red_flag_detector() -> RedFlagDetector:
    """The safety layer's detector, built once (a few seconds) for every suite."""
    return shared_detector(None, SPACY_PIPELINE_DIR)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """A dispatcher that collects messages."""
    return CollectingDispatcher()
