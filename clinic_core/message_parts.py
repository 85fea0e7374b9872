"""Names shared by the NLU step that reads two things in one message and the actions.

``rasa_extensions.clauses`` keeps the question asked second in a message under
``SECOND_PART`` in the parse data, and any further ones under ``MORE_PARTS``;
``action_answer_second_part`` (``actions/questions.py``) answers them.
"""

from typing import Any, Dict

SECOND_PART = "second_part"  # parse-data key: {"name", "confidence", "text", "start", "end"}
# parse-data key: the third and later questions of a message that asks several ("where
# are you, do you take bupa, and can my husband come in with me?"), each like SECOND_PART;
# action_answer_second_part answers them after the second.
MORE_PARTS = "more_parts"
SECOND_PART_ACTION = "action_answer_second_part"
# What a form's rules say to a message it rejects; a message with a part answered says
# something, so that part's answer stands in for it (audit 19: "Sorry, I didn't get
# that" before the answer to "before I say yes, is the acupuncturist a woman?").
NOT_AN_ANSWER = "utter_not_an_answer"
# parse-data key: {"name", "confidence"} of a "yes" in front of a request
# ("yes, please book me in for Friday"); the request is the message's intent.
OPENER = "opener"
# parse-data key: the safety layer's verdict on the message (rasa_extensions/red_flags.py):
# {"level", "concepts", "set_aside": [{"concept", "reason"}], ...}
TRIAGE = "triage"
# parse-data key: True when the message reads as another language and carries no
# red flag (clinic_core/language.py); the safety policy then answers it.
OTHER_LANGUAGE = "other_language"


def message_part(intent: str, confidence: float, text: str, start: int, end: int) -> Dict[str, Any]:
    """A part of a message as the parse data keeps it (``SECOND_PART``, ``MORE_PARTS``).

    Args:
        intent: the part's intent.
        confidence: how sure its reading is.
        text: the whole message.
        start: where the part starts in ``text``.
        end: where it ends.

    """
    return {
        "name": intent,
        "confidence": confidence,
        "text": text[start:end],
        "start": start,
        "end": end,
    }
