"""A red flag told over two messages, read by the dialogue policy.

Real detector, real domain, trackers built from events; the same policy
through the real servers is in tests/test_red_flags_live.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    EntitiesAdded,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from clinic_core.message_parts import OTHER_LANGUAGE
from clinic_core.names import (
    OTHER_LANGUAGE_ACTION,
    RED_FLAG_REMINDER_ACTION,
    RED_FLAG_WHAT_IF_ACTION,
)
from clinic_core.red_flags import RED_FLAG_ENTITY, load_red_flags
from rasa_extensions.red_flag_follow_up import RedFlagFollowUpPolicy
from rasa_extensions.red_flags import RedFlagClassifier

ROOT = Path(__file__).resolve().parent.parent
START = 1_700_000_000.0


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> RedFlagFollowUpPolicy:
    storage = LocalModelStorage(tmp_path_factory.mktemp("policy"))
    context = ExecutionContext(GraphSchema({}), "test")
    config = {
        **RedFlagFollowUpPolicy.get_default_config(),
        "spacy_pipeline": str(ROOT / ".spacy" / "en_clinic"),
    }
    return RedFlagFollowUpPolicy.load(config, storage, Resource("follow_up"), context)


def test_the_policy_shares_the_nlu_components_detector(policy: RedFlagFollowUpPolicy) -> None:
    """One spaCy and medspaCy pipeline per process, not one per graph node."""
    config = {
        **RedFlagClassifier.get_default_config(),
        "spacy_pipeline": str(ROOT / ".spacy" / "en_clinic"),
    }
    assert RedFlagClassifier._detector(config) is policy.detector


def conversation(
    domain: Domain,
    first: str,
    second: str,
    seconds_apart: float = 20,
    second_intent: str = "sciatica",
    form: Optional[str] = None,
) -> DialogueStateTracker:
    """Two patient messages with the assistant's answer between them."""
    events: List[Event] = [ActionExecuted(ACTION_LISTEN_NAME, timestamp=START - 1)]
    if form:
        events.append(ActiveLoop(form, timestamp=START - 1))
    events += [
        UserUttered(first, {"name": "sciatica", "confidence": 0.9}, timestamp=START),
        ActionExecuted("utter_sciatica", timestamp=START + 1),
        BotUttered("Acupuncture for sciatica...", timestamp=START + 1),
        ActionExecuted(ACTION_LISTEN_NAME, timestamp=START + 1),
        UserUttered(
            second, {"name": second_intent, "confidence": 0.9}, timestamp=START + seconds_apart
        ),
    ]
    return DialogueStateTracker.from_events("patient", events, domain.slots)


def legs_in_a_form(domain: Domain) -> DialogueStateTracker:
    """Both legs over two messages while the booking form is open."""
    return conversation(
        domain,
        "my left leg has gone numb with the sciatica",
        "now the right one is going too",
        form="appointment_form",
    )


def decision(
    policy: RedFlagFollowUpPolicy, tracker: DialogueStateTracker
) -> Tuple[Optional[str], List[str]]:
    decided = policy.decide(tracker)
    if decided is None:
        return None, []
    action, events = decided
    concepts = [
        e["value"] for event in events if isinstance(event, EntitiesAdded) for e in event.entities
    ]
    return action, concepts


@pytest.mark.parametrize(
    ("first", "second", "action", "concept"),
    [
        ("my left leg has gone numb with the sciatica", "now the right one is going too",
         "action_emergency", "leg_weakness"),
        ("I've got a temperature and feel shivery", "and my lower back is in agony",
         "action_urgent_symptoms", "spinal_infection"),
        ("I had breast cancer a few years ago", "now I've got this new pain in my lower back",
         "action_urgent_symptoms", "cancer_history"),
        ("I fell down the stairs this morning", "my back is really hurting",
         "action_emergency", "spinal_fracture"),
    ],
)  # fmt: skip
def test_a_red_flag_told_in_two_messages_gets_the_safety_reply(
    policy: RedFlagFollowUpPolicy,
    domain: Domain,
    first: str,
    second: str,
    action: str,
    concept: str,
) -> None:
    assert policy.detector.assess(first).level == policy.detector.assess(second).level == "routine"
    assert decision(policy, conversation(domain, first, second)) == (action, [concept])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Context set aside in one message is not carried into the other.
        ("I had a fever last week but it's gone", "and my back hurts"),
        ("my dad had a stroke years ago", "can I book for my back"),
        # A question is not a report.
        ("does acupuncture help people who have had cancer?", "and my back hurts"),
        ("no numbness anywhere", "both legs ache after running"),
    ],
)
def test_two_ordinary_messages_stay_ordinary(
    policy: RedFlagFollowUpPolicy, domain: Domain, first: str, second: str
) -> None:
    assert decision(policy, conversation(domain, first, second)) == (None, [])


def test_a_reply_minutes_later_is_joined_only_when_it_continues(
    policy: RedFlagFollowUpPolicy, domain: Domain
) -> None:
    first = "I've got a temperature and feel shivery"
    later = conversation(domain, first, "my lower back is in agony", seconds_apart=300)
    continued = conversation(domain, first, "and my lower back is in agony", seconds_apart=300)
    next_day = conversation(domain, first, "and my lower back is in agony", seconds_apart=86_400)
    assert decision(policy, later) == (None, [])
    assert decision(policy, continued)[0] == "action_urgent_symptoms"
    assert decision(policy, next_day) == (None, [])


def test_a_message_the_nlu_step_flagged_is_left_to_it(
    policy: RedFlagFollowUpPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain, "my left leg is numb", "now both legs have gone weak", second_intent="emergency"
    )
    assert decision(policy, tracker) == (None, [])


def assert_the_form_ends_then_the_assistant_listens(
    policy: RedFlagFollowUpPolicy, domain: Domain, tracker: DialogueStateTracker
) -> None:
    """After the safety reply: the form ends, the assistant listens, then the policy rests."""
    assert decision(policy, tracker)[0] == ACTION_DEACTIVATE_LOOP_NAME
    tracker.update_with_events(
        [ActiveLoop(None), ActionExecuted(ACTION_DEACTIVATE_LOOP_NAME)], domain
    )
    assert decision(policy, tracker)[0] == ACTION_LISTEN_NAME
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    assert decision(policy, tracker) == (None, [])


@pytest.mark.parametrize(
    ("intent", "action"),
    [("emergency", "action_emergency"), ("urgent_symptoms", "action_urgent_symptoms")],
)
def test_a_red_flag_in_one_message_inside_a_form_is_answered_before_the_form_reads_it(
    policy: RedFlagFollowUpPolicy, domain: Domain, intent: str, action: str
) -> None:
    # It names a condition: read by the form first, it was a correction of the reason.
    tracker = conversation(
        domain,
        "friday at 10",
        "my sciatica is in both legs now and i can't pee",
        second_intent=intent,
        form="appointment_form",
    )
    prediction = policy.predict_action_probabilities(tracker, domain)
    assert domain.action_names_or_texts[prediction.max_confidence_index] == action
    assert prediction.is_no_user_prediction and prediction.policy_priority > 6
    tracker.update(ActionExecuted(action))
    assert_the_form_ends_then_the_assistant_listens(policy, domain, tracker)


def test_after_the_safety_reply_the_form_ends_and_the_assistant_listens(
    policy: RedFlagFollowUpPolicy, domain: Domain
) -> None:
    tracker = legs_in_a_form(domain)
    action, events = policy.decide(tracker) or ("", [])
    tracker.update_with_events([*events, ActionExecuted(action)], domain)
    assert tracker.latest_message.entities[0]["entity"] == RED_FLAG_ENTITY
    assert_the_form_ends_then_the_assistant_listens(policy, domain, tracker)


def test_the_prediction_outranks_a_form_and_the_rules(
    policy: RedFlagFollowUpPolicy, domain: Domain
) -> None:
    tracker = legs_in_a_form(domain)
    prediction = policy.predict_action_probabilities(tracker, domain)
    assert domain.action_names_or_texts[prediction.max_confidence_index] == "action_emergency"
    assert prediction.is_no_user_prediction and prediction.policy_priority > 6
    assert any(isinstance(event, EntitiesAdded) for event in prediction.optional_events)


def test_a_message_already_answered_is_not_read_again_with_the_next(
    policy: RedFlagFollowUpPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain, "I fell down the stairs this morning", "my back is really hurting"
    )
    action, events = policy.decide(tracker) or ("", [])
    assert action == "action_emergency"
    tracker.update_with_events(
        [*events, ActionExecuted(action), ActionExecuted(ACTION_LISTEN_NAME)], domain
    )
    # The patient says it again: read with the answered message, the words
    # would make the same red flag a second time.
    repeat = "I fell down the stairs"
    assert policy.spanning("my back is really hurting", repeat)
    tracker.update(
        UserUttered(repeat, {"name": "back_pain", "confidence": 0.9}, timestamp=START + 40)
    )
    # Not a second red flag: the advice again (the next test), not the level's reply.
    assert decision(policy, tracker) == (RED_FLAG_REMINDER_ACTION, [])


def answered_as_a_red_flag(domain: Domain, text: str, intent: str) -> DialogueStateTracker:
    """A bladder emergency answered, then ``text`` (read as ``intent``)."""
    events: List[Event] = [
        ActionExecuted(ACTION_LISTEN_NAME, timestamp=START - 1),
        UserUttered("my back is bad and i can't pee", {"name": "emergency"}, timestamp=START),
        ActionExecuted("action_emergency", timestamp=START + 1),
        BotUttered("Please call 999 now...", timestamp=START + 1),
        ActionExecuted(ACTION_LISTEN_NAME, timestamp=START + 1),
        UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=START + 30),
    ]
    return DialogueStateTracker.from_events("patient", events, domain.slots)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ok", "affirm"),
        ("can I still book in for this week?", "book_appointment"),
        ("is that something acupuncture can sort?", "ask_effectiveness"),
        ("wot shud i do", "nlu_fallback"),
    ],
)
def test_the_message_after_a_red_flag_reply_gets_the_advice_again_once(
    policy: RedFlagFollowUpPolicy, domain: Domain, text: str, intent: str
) -> None:
    tracker = answered_as_a_red_flag(domain, text, intent)
    prediction = policy.predict_action_probabilities(tracker, domain)
    assert domain.action_names_or_texts[prediction.max_confidence_index] == RED_FLAG_REMINDER_ACTION
    assert prediction.is_no_user_prediction and prediction.policy_priority > 6
    tracker.update(ActionExecuted(RED_FLAG_REMINDER_ACTION))
    assert decision(policy, tracker) == (ACTION_LISTEN_NAME, [])
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    tracker.update(UserUttered("ok", {"name": "affirm", "confidence": 0.9}, timestamp=START + 90))
    assert decision(policy, tracker) == (None, [])  # "ok" again: the patient is heard as usual


def later_message(
    domain: Domain,
    policy: RedFlagFollowUpPolicy,
    count: int,
    seconds: float,
    text: str,
    intent: str,
) -> Optional[str]:
    """What the policy does with ``text``, the ``count``-th message after the red-flag reply."""
    tracker = answered_as_a_red_flag(domain, "ok", "affirm")
    tracker.update_with_events(
        [ActionExecuted(RED_FLAG_REMINDER_ACTION), ActionExecuted(ACTION_LISTEN_NAME)], domain
    )
    for n in range(2, count):
        tracker.update_with_events(
            [
                UserUttered(
                    "what are your hours", {"name": "ask_opening_hours"}, timestamp=START + n
                ),
                ActionExecuted("utter_opening_hours"),
                ActionExecuted(ACTION_LISTEN_NAME),
            ],
            domain,
        )
    tracker.update(
        UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=START + seconds)
    )
    return decision(policy, tracker)[0]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("it's gone now, probably indigestion. can we carry on booking", "book_appointment"),
        ("hello?", "greet"),
        ("what number do i call if it's not 999", "out_of_scope"),
        ("i feel a bit better now", "other_symptom"),
    ],
)
def test_a_few_messages_later_booking_or_what_is_not_a_question_still_gets_the_advice(
    policy: RedFlagFollowUpPolicy, domain: Domain, text: str, intent: str
) -> None:
    """Found by an outside audit: two messages after a 999 reply, "Book" started the form."""
    assert later_message(domain, policy, 3, 300, text, intent) == RED_FLAG_REMINDER_ACTION
    assert later_message(domain, policy, 4, 300, text, intent) == RED_FLAG_REMINDER_ACTION
    # Later, or after half an hour, the patient is heard as usual.
    assert later_message(domain, policy, 5, 300, text, intent) is None
    assert later_message(domain, policy, 3, 1900, text, intent) is None


def test_questions_after_the_advice_are_answered(
    policy: RedFlagFollowUpPolicy, domain: Domain
) -> None:
    assert (
        later_message(domain, policy, 2, 60, "what are your opening hours", "ask_opening_hours")
        is None
    )


def test_asking_for_a_person_after_a_red_flag_reply_is_left_to_the_rules(
    policy: RedFlagFollowUpPolicy, domain: Domain
) -> None:
    tracker = answered_as_a_red_flag(domain, "can I talk to someone", "human_handoff")
    assert decision(policy, tracker) == (None, [])


@pytest.mark.parametrize(
    "text",
    [
        "I'm not in danger, I only wanted to book",
        "false alarm sorry, it was a figure of speech. can we book",
        "you misunderstood me, it's not an emergency",
        # found by a sixth audit: a patient seen since, and a fever read as self-harm
        "that was last month, I went to A&E and the MRI was all clear. can I book?",
        "I have been seen. can I book now please",
        "I'm not harming myself, I just feel ill",
        # found by an eighth audit: a booking message read as urgent by the screen
        "what?? i just said my name. its only back pain, been a week",
        # found by a ninth audit: when it was, said after the reply
        "sorry i should say, that was last year, the infection got treated. can i book?",
        # found by a twelfth audit: a cold taken for a breathing emergency; a patient
        # already in hospital who wants to cancel had got "call 999" again
        "what?? it's just a blocked nose, i can breathe fine through my mouth",
        "i'm literally in hospital already. i just want to cancel the appointment please",
        "i'm already under the hospital for it. can you just cancel the appointment for now",
    ],
)
def test_a_patient_who_says_the_reply_misread_them_is_heard_again(
    policy: RedFlagFollowUpPolicy, domain: Domain, text: str
) -> None:
    """Found by an outside audit: a misread "what's the point of asking" locked booking out."""
    tracker = answered_as_a_red_flag(domain, text, "book_appointment")
    assert decision(policy, tracker) == (None, [])
    # "I'm fine" alone is what someone minimising chest pain says: the advice again.
    tracker = answered_as_a_red_flag(domain, "I'm fine, book me in", "book_appointment")
    assert decision(policy, tracker)[0] == RED_FLAG_REMINDER_ACTION


@pytest.mark.parametrize(
    ("flagged", "heard"),
    [
        (["suicide_self_harm"], True),
        (["overdose", "suicide_self_harm"], False),
        (["overdose"], False),
    ],
)
def test_not_suicidal_answers_only_a_reply_about_self_harm(
    policy: RedFlagFollowUpPolicy, domain: Domain, flagged: List[str], heard: bool
) -> None:
    """Audit 21: "lol im not suicidal, just in pain. so can i book" after an overdose taken
    by mistake ("16 of the 30/500 ones since yesterday, sick and sleepy") started a booking."""
    entities = [{"entity": RED_FLAG_ENTITY, "value": concept} for concept in flagged]
    events: List[Event] = [
        ActionExecuted(ACTION_LISTEN_NAME, timestamp=START - 1),
        UserUttered("i've had 16 of them since yesterday", {"name": "emergency"}, entities,
                    timestamp=START),
        ActionExecuted("action_emergency", timestamp=START + 1),
        ActionExecuted(ACTION_LISTEN_NAME, timestamp=START + 1),
        UserUttered("lol im not suicidal, just in pain. so can i book or not",
                    {"name": "book_appointment", "confidence": 0.9}, timestamp=START + 30),
    ]  # fmt: skip
    tracker = DialogueStateTracker.from_events("patient", events, domain.slots)
    expected = None if heard else RED_FLAG_REMINDER_ACTION
    assert decision(policy, tracker)[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "ambulance is on its way, should I cancel my appointment?",
        "my wife rang 999, they said 20 mins",
        "ok hubby's driving me to A&E now",
    ],
)
def test_help_on_its_way_is_acknowledged_once_then_the_patient_is_heard(
    policy: RedFlagFollowUpPolicy, domain: Domain, text: str
) -> None:
    """Audit 8: "ambulance is on its way, should I cancel?" got the 999 advice again."""
    assert policy.detector.spec.says_help_coming(text)
    tracker = answered_as_a_red_flag(domain, text, "cancel_appointment")
    assert decision(policy, tracker) == (RED_FLAG_REMINDER_ACTION, [])
    tracker.update_with_events(
        [ActionExecuted(RED_FLAG_REMINDER_ACTION), ActionExecuted(ACTION_LISTEN_NAME)], domain
    )
    tracker.update(
        UserUttered("yes cancel it please", {"name": "cancel_appointment"}, timestamp=START + 60)
    )
    assert decision(policy, tracker) == (None, [])  # the cancellation goes ahead
    # Help coming said later than the reminder's window is heard as usual.
    assert later_message(domain, policy, 3, 1900, text, "cancel_appointment") is None


def booking_asked_after_help_coming(domain: Domain, text: str) -> DialogueStateTracker:
    """A red-flag reply, "ok ambulance is coming" (reminded), then ``text`` asking to book."""
    tracker = answered_as_a_red_flag(domain, "ok ambulance is coming", "affirm")
    tracker.update_with_events(
        [ActionExecuted(RED_FLAG_REMINDER_ACTION), ActionExecuted(ACTION_LISTEN_NAME)], domain
    )
    tracker.update(UserUttered(text, {"name": "book_appointment"}, timestamp=START + 60))
    return tracker


def test_a_new_booking_after_help_on_its_way_waits_until_the_patient_is_seen(
    policy: RedFlagFollowUpPolicy, domain: Domain
) -> None:
    """Audit 16 booked a man on his way to hospital with tearing pain through to his chest."""
    waiting = booking_asked_after_help_coming(domain, "can i book him something for 2 weeks time")
    assert decision(policy, waiting) == (RED_FLAG_REMINDER_ACTION, [])
    # Once seen, the booking goes ahead.
    seen = booking_asked_after_help_coming(domain, "been seen, all clear, can I book for next week")
    assert decision(policy, seen) == (None, [])


def asked_as_a_what_if(
    domain: Domain, text: str, concept: str, form: Optional[str] = None, words: str = ""
) -> DialogueStateTracker:
    """A message whose red-flag words the safety layer set aside as a what-if."""
    aside = {"concept": concept, "reason": "hypothetical", "words": words}
    return one_question(domain, text, {"triage": {"level": "routine", "set_aside": [aside]}}, form)


def one_question(
    domain: Domain, text: str, parse_data: Dict[str, Any], form: Optional[str] = None
) -> DialogueStateTracker:
    """A conversation of one message, read unsurely as a question, with ``parse_data``."""
    events: List[Event] = [ActionExecuted(ACTION_LISTEN_NAME, timestamp=START - 1)]
    if form:
        events.append(ActiveLoop(form, timestamp=START - 1))
    events.append(
        UserUttered(
            text, {"name": "ask_clinic_other", "confidence": 0.4}, parse_data=parse_data,
            timestamp=START,
        )
    )  # fmt: skip
    return DialogueStateTracker.from_events("patient", events, domain.slots)


@pytest.mark.parametrize(
    ("text", "concept", "action"),
    [
        # Audit 12: "I'd rather not guess", and the health-conditions answer.
        ("would I need to go to hospital if I ever couldn't pee?", "cauda_equina",
         RED_FLAG_WHAT_IF_ACTION),
        ("if someone suddenly couldn't control their bladder would you still treat them?",
         "cauda_equina", RED_FLAG_WHAT_IF_ACTION),
        # What the needles could cause, what may happen in a session and a medicine's
        # effects are the clinic's answers' (side effects, health conditions); a
        # statement asks nothing.
        ("could the needles make me pass out?", "collapse", None),
        ("could I faint during the session?", "collapse", None),
        ("will I bleed a lot if I'm on warfarin?", "severe_bleeding", None),
        ("I worry I might lose control of my bladder one day", "cauda_equina", None),
        # ...unless it asks where to go if it happens (audit 14).
        ("what if my groin went numb after acupuncture, would that be an emergency?",
         "cauda_equina", RED_FLAG_WHAT_IF_ACTION),
        ("if my leg went numb during a session should I go to A&E?", "leg_weakness",
         RED_FLAG_WHAT_IF_ACTION),
    ],
)  # fmt: skip
def test_a_red_flag_asked_about_as_a_what_if_gets_what_to_do_if_it_happens(
    policy: RedFlagFollowUpPolicy, domain: Domain, text: str, concept: str, action: Optional[str]
) -> None:
    assert decision(policy, asked_as_a_what_if(domain, text, concept)) == (action, [])


def test_a_what_if_reported_in_a_statement_leaves_the_question_beside_it() -> None:
    """Audit 13: the physio's advice, reported, then a question about acupuncture."""
    text = (
        "my physio told me that if I ever couldn't pee I'd need to go straight to A&E. "
        "I don't have any of that. is acupuncture ok for sciatica?"
    )
    aside = [{"concept": "cauda_equina", "reason": "hypothetical", "words": "couldn't pee"}]
    assert load_red_flags().what_if_level(text, aside) is None
    asked = "would I need A&E if I ever couldn't pee?"
    assert load_red_flags().what_if_level(asked, aside) == "emergency"


@pytest.mark.parametrize(
    ("form", "then"), [(None, ACTION_LISTEN_NAME), ("appointment_form", "appointment_form")]
)
def test_after_a_what_if_the_form_asks_again_or_the_assistant_listens(
    policy: RedFlagFollowUpPolicy, domain: Domain, form: Optional[str], then: str
) -> None:
    text = "would I need to go to hospital if I ever couldn't pee?"
    tracker = asked_as_a_what_if(domain, text, "cauda_equina", form=form)
    assert decision(policy, tracker) == (RED_FLAG_WHAT_IF_ACTION, [])
    tracker.update(ActionExecuted(RED_FLAG_WHAT_IF_ACTION, timestamp=START + 1), domain)
    assert decision(policy, tracker) == (then, [])


def test_a_call_put_off_is_not_help_on_its_way(policy: RedFlagFollowUpPolicy) -> None:
    """Audit 17: "i'll ring 111 later maybe" got "I'm glad help is on its way"."""
    spec = policy.detector.spec
    assert not spec.says_help_coming("she doesnt want a fuss, i'll ring 111 later maybe")
    assert not spec.says_help_coming("i'll call the gp monday")
    assert spec.says_help_coming("ok ill take her to a&e")


def test_a_booking_read_as_an_answer_still_gets_the_advice(
    policy: RedFlagFollowUpPolicy, domain: Domain
) -> None:
    """Audit 17 began a booking: "book her in wednesday 10am please, name Joan" read as inform."""
    text = "book her in wednesday 10am please, name Joan Fairweather"
    assert later_message(domain, policy, 3, 300, text, "inform") == RED_FLAG_REMINDER_ACTION


@pytest.mark.parametrize(
    "text",
    [
        "just cancel the 16th one then please, ill go to a&e",
        "taking him to a&e now. please cancel the 19th",
        "paramedics are here, cancel my appointment",
    ],
)
def test_a_cancellation_asked_for_with_help_on_its_way_goes_ahead(
    policy: RedFlagFollowUpPolicy, domain: Domain, text: str
) -> None:
    """Audit 17 answered three such requests with "you can cancel it later"."""
    assert policy.detector.spec.says_help_coming(text)
    tracker = answered_as_a_red_flag(domain, text, "cancel_appointment")
    assert decision(policy, tracker) == (None, [])


def test_help_sought_only_if_it_gets_worse_or_later_is_not_help_on_its_way(
    policy: RedFlagFollowUpPolicy,
) -> None:
    spec = policy.detector.spec
    assert not spec.says_help_coming("if it gets worse ill go to a&e")
    assert not spec.says_help_coming("ill go to a&e tomorrow if its no better")
    assert spec.says_help_coming("ok ill go to a&e now, just cancel my appointment")


@pytest.mark.parametrize(
    ("text", "intent", "action"),
    [
        # Nothing else asked: acknowledged (audit 18 got "only covers hip and back pain").
        (
            "i HAVE been checked. the doctor saw me today.",
            "other_symptom",
            RED_FLAG_REMINDER_ACTION,
        ),
        ("back from a&e, ecg and bloods all fine", "nlu_fallback", RED_FLAG_REMINDER_ACTION),
        # A booking or a question goes ahead.
        ("the gp squeezed him in, said its fine. thursday 17th morning?", "book_appointment", None),
        ("been seen, all clear. how much is it?", "ask_price", None),
        # Audit 19: what those who treat found, in the patient's words.
        (
            "ok the paramedics came and did an ECG, all normal, they said it was reflux. "
            "can I book now?",
            "book_appointment",
            None,
        ),
        ("the ambulance crew checked me over and said its muscular", "nlu_fallback",
         RED_FLAG_REMINDER_ACTION),
    ],
)  # fmt: skip
def test_being_seen_since_is_acknowledged_or_the_request_goes_ahead(
    policy: RedFlagFollowUpPolicy, domain: Domain, text: str, intent: str, action: Optional[str]
) -> None:
    assert policy.detector.spec.says_seen(text)
    assert later_message(domain, policy, 3, 300, text, intent) == action


def in_another_language(domain: Domain, form: Optional[str] = None) -> DialogueStateTracker:
    """A message the NLU step read as another language, with no red flag it could read."""
    text = "je n'arrive plus à uriner depuis ce matin"
    parse_data = {"triage": {"level": "routine", "set_aside": []}, OTHER_LANGUAGE: True}
    return one_question(domain, text, parse_data, form)


@pytest.mark.parametrize("form", [None, "appointment_form", "manage_booking_form"])
def test_a_message_in_another_language_gets_the_emergency_number_in_english(
    policy: RedFlagFollowUpPolicy, domain: Domain, form: Optional[str]
) -> None:
    """Audit 19: a red flag in French got "I can't answer that one here"."""
    tracker = in_another_language(domain, form)
    assert decision(policy, tracker) == (OTHER_LANGUAGE_ACTION, [])
    tracker.update(ActionExecuted(OTHER_LANGUAGE_ACTION, timestamp=START + 1))
    # In a form the question is asked again; otherwise the assistant listens.
    assert decision(policy, tracker) == (form or ACTION_LISTEN_NAME, [])


@pytest.mark.parametrize(
    "text", ["the doctor said to call 999", "my doctor said i should get it checked"]
)
def test_advice_to_be_seen_is_not_being_seen(policy: RedFlagFollowUpPolicy, text: str) -> None:
    assert not policy.detector.spec.says_seen(text)


def test_a_name_in_another_language_at_the_name_question_is_the_name(
    policy: RedFlagFollowUpPolicy, domain: Domain
) -> None:
    parse_data = {"triage": {"level": "routine", "set_aside": []}, OTHER_LANGUAGE: True}
    tracker = one_question(domain, "wojciech szczepański kowalczyk", parse_data, "appointment_form")
    tracker.update(SlotSet("requested_slot", "patient_name"))
    assert decision(policy, tracker) == (None, [])
