"""Validate the action server's replies with a schema compiled once.

For every custom action call, Rasa 3.6 checks the action server's reply with
``jsonschema.validate(reply, schema)``. That function first validates the
schema itself against the JSON Schema meta-schema (draft 2020-12 when the
schema names none, whose ``$dynamicRef`` resolution is slow), on every
call: measured with py-spy, 55% of the Rasa server's time per patient turn.

:func:`install` keeps the check (an invalid reply is still refused with
Rasa's message) but compiles the validator once, for draft 7, which every
keyword of Rasa's schema belongs to.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

from jsonschema import Draft7Validator, ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def response_validator() -> Draft7Validator:
    """The compiled validator of Rasa's action-server response schema."""
    schema = RemoteAction.action_response_format_spec()
    Draft7Validator.check_schema(schema)  # once, not per call
    return Draft7Validator(schema)


def validate_action_result(_: RemoteAction, result: Dict[str, Any]) -> bool:
    """Rasa's ``RemoteAction._validate_action_result`` with the compiled validator."""
    try:
        response_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format "
            f"visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def install() -> None:
    """Use the compiled validator in this process (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
