"""A day or time the patient could come, said beside the complaint.

"Monday after lunch pls, hip pain", "got anything tomorrow? my hip is sore",
"the 15th first thing, hip arthritis": the classifier reads the complaint (or,
for the first, a question about aftercare) and the rules explain the pain
instead of booking (audit 15). This step, after the practical-question router
and before the safety layer, makes such a message ``inform`` when one of its
clauses says nothing but when to come (:mod:`clinic_core.when_to_come`):
outside a form ``action_inform_outside_form`` starts the booking with the day
and the complaint, and inside one the form takes them as answers. A message
the classifier read as a request, an answer, a greeting or about the clinic's
hours keeps its intent; a red flag still overrides it.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic_core.data_files import ClinicDataError
from clinic_core.knowledge import load_conditions
from clinic_core.message_parts import SECOND_PART
from clinic_core.names import BOOKING_INTENT
from clinic_core.profile import load_profile
from clinic_core.questions import BOOKED_UP, is_question
from clinic_core.when_to_come import clause_saying_when_at
from rasa_extensions.intent_routing import IntentRouter, replace_intent
from rasa_extensions.practical_questions import PRACTICAL_INTENT, routable_intents

logger = logging.getLogger(__name__)

# Questions that keep their answer when a day is said beside them (the second part's).
_QUESTION_INTENT = re.compile(r"^ask_")

WHEN_TO_COME_INTENT = "inform"  # the intent of a day or time given as an answer or a request
# Besides the intents a practical question is taken for, the practical
# answers' own and no intent at all: "Monday after lunch pls" is neither; and
# checking a booking, when the message names none ("got anything tomorrow?"
# asked for a booking reference in audit 16).
CHECK_INTENT = "check_appointment"
ROUTED_TOO = (PRACTICAL_INTENT, "nlu_fallback", CHECK_INTENT)
# Words of a booking the patient has: "when's my appointment on Friday?" is a check.
_OWN_BOOKING = re.compile(
    r"\b(?:my|our|his|her|the)\s+(?:\w+\s+)?(?:appointment|appt|booking|session|slot)s?\b|"
    r"\bbooked\b|\bref(?:erence)?\b|\bam i\b|\bis it\b|\bconfirm\w*\b",
    re.IGNORECASE,
)

# Whether the clinic is booked up, not whether the patient is: "are you fully
# booked this week", "is friday booked up" (tried over REST: the reference asked for).
_CLINIC_BOOKED_UP = re.compile(
    # not "what day is it booked for?": the patient's own booking
    r"\b(?:are you|you'?re|you are|is (?:\w+day|the \w+)|are (?:they|the \w+))\s+"
    r"(?:all\s+|fully\s+|completely\s+|very\s+|quite\s+|really\s+)?"
    r"(?:booked(?! for| in)|busy|full)\b|"
    rf"\b(?:{BOOKED_UP})\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'?m|me|my|we|we'?re|us|our)\b", re.IGNORECASE)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TimeRequestRouter(IntentRouter):
    """Makes a message with a clause that says when to come ``inform``."""

    def __init__(self, config: Dict[str, Any]) -> None:
        """The intents a day said beside the complaint is taken for, read once."""
        super().__init__(config)
        self.routable = {*routable_intents(), *ROUTED_TOO}

    def route(self, message: Message) -> None:
        """Make a message that says when to come beside something else ``inform``."""
        intent = message.get(INTENT) or {}
        name = intent.get(INTENT_NAME_KEY)
        text = str(message.get(TEXT) or "")
        confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        if self._question_beside_a_day(message, str(name), confidence):
            return
        if name not in self.routable:
            return
        if (
            name == CHECK_INTENT
            and _CLINIC_BOOKED_UP.search(text)
            and not _FIRST_PERSON.search(text)
        ):
            logger.info("asks whether the clinic is booked up: %s becomes %s", name, BOOKING_INTENT)
            replace_intent(message, BOOKING_INTENT, confidence)
            return
        if name == CHECK_INTENT and _OWN_BOOKING.search(text):
            return
        clause = _clause_saying_when(text)
        if clause is None:
            return
        logger.info("%r says when to come: %s becomes %s", clause, name, WHEN_TO_COME_INTENT)
        replace_intent(message, WHEN_TO_COME_INTENT, confidence)

    def _question_beside_a_day(self, message: Message, name: str, confidence: float) -> bool:
        """A question in one clause and when to come in another: the day, then the question.

        Returns whether the message was routed so.

        "ok monday is good. how much cost?" was read as the price question alone:
        inside the booking form Monday was taken and the question dropped, outside
        it Monday was forgotten (audit 23). The day becomes the message's intent and
        the question its second part, which is answered too.
        """
        if not _QUESTION_INTENT.match(name) or message.get(SECOND_PART):
            return False
        text = str(message.get(TEXT) or "")
        clause = _clause_saying_when(text)
        if clause is None:
            return False
        start = text.find(clause)
        before, after = text[:start].strip(" ,.;-"), text[start + len(clause) :].strip(" ,.;-")
        rest = after if after and not before else before if before and not after else ""
        if not rest or not is_question(rest):
            return False
        at = text.find(rest)
        logger.info("%r says when to come beside %s: %s second", clause, name, name)
        replace_intent(message, WHEN_TO_COME_INTENT, confidence)
        part = {
            INTENT_NAME_KEY: name,
            PREDICTED_CONFIDENCE_KEY: confidence,
            "text": rest,
            "start": at,
            "end": at + len(rest),
        }
        message.set(SECOND_PART, part, add_to_output=True)
        return True


def _clause_saying_when(text: str) -> Optional[str]:
    """The clause of ``text`` saying only when to come; None too when the clinic files fail."""
    try:
        return clause_saying_when_at(text, load_profile(), load_conditions())
    except (FileNotFoundError, ClinicDataError, ValueError) as error:
        logger.error("ALARM days to come not read: %s: %s", type(error).__name__, error)
        return None
