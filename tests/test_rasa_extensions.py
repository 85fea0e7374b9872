"""The process-wide fixes installed with rasa_extensions (fast loading is covered
by every test that loads the trained model)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import rasa_extensions  # noqa: F401 (installs the fixes)
from rasa_extensions.action_response_validation import validate_action_result
from rasa_extensions.fast_loading import (
    FastLoadingDIET,
    FastLoadingDIETClassifier,
    FastLoadingTED,
    FastLoadingTEDPolicy,
)


def test_rasa_uses_the_compiled_response_validator() -> None:
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_valid_action_server_reply_passes() -> None:
    action = RemoteAction("action_explain_condition", None)
    reply = {
        "events": [{"event": "slot", "name": "condition", "value": "sciatica"}],
        "responses": [{"response": "utter_greet"}],
    }
    assert action._validate_action_result(reply)


def test_an_invalid_action_server_reply_is_still_refused() -> None:
    action = RemoteAction("action_explain_condition", None)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_sqlite_databases_are_opened_in_wal_mode(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_config_components_use_the_fast_loading_networks() -> None:
    assert FastLoadingDIETClassifier.model_class() is FastLoadingDIET
    assert FastLoadingTEDPolicy.model_class() is FastLoadingTED
