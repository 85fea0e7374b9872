"""The domain's responses, with no booking button once a red flag was answered.

Menus such as ``utter_glad_to_help`` and ``utter_out_of_scope`` end with a
"Book an appointment" button. After "my family would be better off without
me" and the crisis reply, the next "ok" got "Glad to help" with that button
(audit 17); tapping it met the advice again, but the offer itself must not be
made. Rather than a second, button-less copy of every such response in
domain.yml, the responses pass through this generator (``nlg`` in the
endpoints files), which drops buttons that start a booking for the rest of a
conversation in which a red flag of either level was answered (the
``red_flag`` slot, which holds what matched for staff and is never reset).
Typing a request still reaches the dialogue, where the red-flag follow-up
decides.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from clinic_core.names import BOOKING_INTENT
from clinic_core.red_flags import RED_FLAG_SLOT

BOOKING_PAYLOAD = f"/{BOOKING_INTENT}"


def without_booking_buttons(message: Dict[str, Any]) -> Dict[str, Any]:
    """The message with every button that would start a booking left out."""
    buttons: List[Dict[str, Any]] = message.get("buttons") or []
    kept = [
        button
        for button in buttons
        if not str(button.get("payload", "")).strip().startswith(BOOKING_PAYLOAD)
    ]
    if len(kept) == len(buttons):
        return message
    trimmed = {key: value for key, value in message.items() if key != "buttons"}
    if kept:
        trimmed["buttons"] = kept
    return trimmed


class RedFlagAwareResponses(TemplatedNaturalLanguageGenerator):
    """Rasa's response templates; no booking button after a red-flag reply."""

    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None
    ) -> None:
        """Rasa builds it from the ``nlg`` endpoint and keeps its responses current."""
        super().__init__(domain.responses if domain else {})

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Optional[Dict[str, Any]]:
        """The response's message; its booking buttons dropped in a flagged conversation."""
        message = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if message is None or not tracker.get_slot(RED_FLAG_SLOT):
            return message
        return without_booking_buttons(message)
