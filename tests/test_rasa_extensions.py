"""The process-wide fixes installed with rasa_extensions (fast loading is covered
by every test that loads the trained model)."""

from __future__ import annotations

from pathlib import Path
from typing import Tuple

import pytest
import sqlalchemy as sa
import yaml
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import rasa_extensions  # noqa: F401 (installs the fixes)
from clinic_core.red_flags import RED_FLAG_SLOT
from rasa_extensions.action_response_validation import validate_action_result
from rasa_extensions.fast_loading import (
    FastLoadingDIET,
    FastLoadingDIETClassifier,
    FastLoadingTED,
    FastLoadingTEDPolicy,
)
from rasa_extensions.responses import RedFlagAwareResponses, without_booking_buttons


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


def _generator_and_tracker(
    flagged: bool, endpoints: str = "endpoints.yml"
) -> Tuple[RedFlagAwareResponses, DialogueStateTracker]:
    """The generator as Rasa builds it from an endpoints file, and a conversation."""
    domain = Domain.load("domain.yml")
    nlg = yaml.safe_load(Path(endpoints).read_text(encoding="utf-8"))["nlg"]
    generator = NaturalLanguageGenerator.create(EndpointConfig.from_dict(nlg), domain)
    assert isinstance(generator, RedFlagAwareResponses)
    tracker = DialogueStateTracker.from_events("patient", [], slots=domain.slots)
    tracker.update(SlotSet(RED_FLAG_SLOT, "urgent: fever with back pain" if flagged else None))
    return generator, tracker


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints-production.yml"])
async def test_no_booking_button_is_offered_once_a_red_flag_was_answered(endpoints: str) -> None:
    """Audit 17: "ok" after the crisis reply got "Glad to help" with "Book an appointment"."""
    generator, tracker = _generator_and_tracker(flagged=True, endpoints=endpoints)
    for response in ("utter_glad_to_help", "utter_greet", "utter_out_of_scope"):
        message = await generator.generate(response, tracker, "rest")
        assert message is not None and message["text"], response
        payloads = [button["payload"] for button in message.get("buttons", [])]
        assert not any(payload.startswith("/book_appointment") for payload in payloads), payloads
    # The other buttons stay: asking about acupuncture, talking to a person.
    glad = await generator.generate("utter_glad_to_help", tracker, "rest")
    assert glad is not None and len(glad["buttons"]) == 2


async def test_booking_buttons_are_offered_in_other_conversations() -> None:
    generator, tracker = _generator_and_tracker(flagged=False)
    message = await generator.generate("utter_glad_to_help", tracker, "rest")
    assert message is not None
    assert "/book_appointment" in [button["payload"] for button in message["buttons"]]


def test_a_message_whose_only_button_was_a_booking_has_no_buttons_left() -> None:
    booking = {"title": "Book", "payload": "/book_appointment"}
    message = {"text": "Anything else?", "buttons": [booking]}
    assert without_booking_buttons(message) == {"text": "Anything else?"}
