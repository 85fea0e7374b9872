"""Two things in one message: the clause step on the trained model, and its action.

The set is tests/multi_intent_set.yml (written for this, never trained on);
the floors catch regressions, `python -m bench.multi_intent` gives the figures
(docs/developers.md, "Two things in one message").
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import CLINIC_ANSWERS, EXPLAINED, ActionAnswerSecondPart
from bench.multi_intent import load_set, score
from clinic_core.knowledge import ACUPUNCTURE_QUESTIONS, load_acupuncture_answers
from clinic_core.message_parts import MORE_PARTS, OPENER, SECOND_PART
from clinic_core.profile import load_profile
from ops.nlu_data import training_texts
from rasa_extensions.clauses import ClauseDIETClassifier, Cut, Reading, Slicer, cuts
from tests.helpers.model import parse, trained_agent
from tests.helpers.responses import render
from tests.helpers.trackers import make_tracker

BOTH_PARTS_FLOOR = 0.85
FALSE_SPLITS_CEILING = 0.05


@pytest.fixture(scope="module")
def agent() -> Agent:
    return trained_agent()


def diet_output(agent: Agent, text: str) -> tuple[ClauseDIETClassifier, Message]:
    """The clause step and the message as it left it (features included)."""
    runner = agent.processor.graph_runner
    name, node = next(
        (name, node)
        for name, node in runner._instantiated_nodes.items()
        if isinstance(node._component, ClauseDIETClassifier)
    )
    outputs = runner.run(inputs={PLACEHOLDER_MESSAGE: [UserMessage(text)]}, targets=[name])
    (message,) = outputs[name]
    return node._component, message


def test_the_set_is_not_training_data() -> None:
    data = load_set()
    texts = {e["text"].lower() for e in data["two_part"] + data["single"]}
    assert len(data["two_part"]) >= 60 and len(data["single"]) >= 60
    assert not texts & training_texts()


@pytest.mark.parametrize(
    "text",
    [
        "my hip is swollen after kneeling in the garden, how much is a first visit?",
        "thanks, and where are you?",
        "what are your opening hours",
    ],
)
def test_a_span_of_the_whole_message_reads_as_the_message(agent: Agent, text: str) -> None:
    """Sliced features summed back are what DIET makes of the featurizers' own."""
    diet, message = diet_output(agent, text)
    tokens = message.get("text_tokens")
    whole = Slicer(message).span(0, len(tokens))
    for ours, theirs in zip(
        whole.get_sparse_features(TEXT), message.get_sparse_features(TEXT), strict=True
    ):
        assert ours is not None and theirs is not None
        assert ours.features.shape == theirs.features.shape
        assert np.allclose(ours.features.toarray(), theirs.features.toarray())
    outputs = diet._infer([whole])
    assert outputs is not None
    (reading,) = diet._readings(message, [(0, len(tokens))], outputs, first_row=0)
    label, _ = diet._predict_label(diet._predict(message))
    assert reading.intent == label["name"]
    assert reading.confidence == pytest.approx(label["confidence"], abs=1e-5)
    # Read in one batch with a shorter span, the message's scores are its own.
    batched = diet._infer([message, Slicer(message).span(0, 1)])
    alone = diet._predict(message)
    assert batched is not None and alone is not None
    assert np.allclose(batched["i_scores"][0], alone["i_scores"][0], atol=1e-5)


def test_the_intent_is_the_linear_classifiers(agent: Agent) -> None:
    """The model reads intents with the linear classifier saved with it, not DIET's head.

    It reads the message's sentence vector from the encoder saved in the model.
    """
    diet, message = diet_output(agent, "what are your opening hours")
    assert diet.intent_model is not None and diet.encoder is not None
    assert diet.intent_model.vector_size == diet.encoder.dimensions == 384
    (vector,) = diet.encoder.encode(["what are your opening hours"])
    probabilities = diet.intent_model.probabilities("what are your opening hours", vector)
    best = max(probabilities, key=probabilities.__getitem__)
    assert message.get("intent")["name"] == best == "ask_opening_hours"
    assert message.get("intent")["confidence"] == pytest.approx(probabilities[best])
    # A side of a cut is read from its own text.
    _, message = diet_output(agent, "thanks, and where are you?")
    tokens = message.get("text_tokens")
    left, right = diet.read_spans(message, [(0, 1), (3, len(tokens))])
    assert (left.intent, right.intent) == ("thank", "ask_location")
    assert message.get("text")[right.start : right.end] == "where are you?"


def test_an_unsure_message_is_its_familys_pain_not_yet_narrowed_down(agent: Agent) -> None:
    diet, _ = diet_output(agent, "hello")
    assert set(diet.families["back_pain"]) >= {"sciatica", "lower_back_pain", "back_pain"}
    assert "hip_bursitis" in diet.families["hip_pain"]
    # Torn between two back conditions: some back pain, surely.
    torn = {"sciatica": 0.34, "lower_back_pain": 0.33, "ask_price": 0.2, "hip_pain": 0.13}
    assert diet._by_family(torn)["back_pain"] == pytest.approx(0.67)
    # Unsure (0.36 against 0.32), but the back conditions add up to less than the top.
    unsure = {"thank": 0.36, "sciatica": 0.32, "ask_price": 0.32}
    assert diet._by_family(unsure) == unsure
    # Sure of one condition: left as it is.
    sure = {"sciatica": 0.9, "lower_back_pain": 0.05, "back_pain": 0.05}
    assert diet._by_family(sure) == sure
    # Unsure, and no family reaches the threshold.
    scattered = {"ask_price": 0.25, "greet": 0.25, "sciatica": 0.2, "hip_pain": 0.2, "deny": 0.1}
    assert diet._by_family(scattered) == scattered


def test_cuts_after_commas_sentences_conjunctions_and_first_words() -> None:
    from rasa.nlu.tokenizers.tokenizer import Token

    text = "hi can I book, and how much is it? thanks"
    tokens = []
    for word in ["hi", "can", "I", "book", ",", "and", "how", "much", "is", "it", "?", "thanks"]:
        start = text.index(word, tokens[-1].end if tokens else 0)
        tokens.append(Token(word, start))
    found = {(c.left_end, c.right_start, c.kind) for c in cuts(tokens, text, 2)}
    assert (5, 6, "mark") in found  # after the comma, "and" dropped from the right side
    assert (11, 11, "mark") in found  # after the question mark
    assert (1, 1, "lead") in found and (2, 2, "lead") in found
    assert not any(kind == "conjunction" for _, _, kind in found)


def test_figures_on_the_set(agent: Agent) -> None:
    data = load_set()
    parses = {e["text"]: parse(agent, e["text"]) for e in data["two_part"] + data["single"]}
    figures = score(parses, data, multi_intent=False)
    assert figures["both_parts"] >= BOTH_PARTS_FLOOR, figures["two_part_misses"]
    assert figures["false_splits"] <= FALSE_SPLITS_CEILING, figures["single_misses"]


def test_the_brief_example_has_both_parts(agent: Agent) -> None:
    result = parse(
        agent, "my hip is swollen after kneeling in the garden, how much is a first visit?"
    )
    assert result["intent"]["name"] in {"hip_bursitis", "hip_pain"}
    assert result[SECOND_PART]["name"] == "ask_price"
    assert result[SECOND_PART]["text"] == "how much is a first visit?"


@pytest.mark.parametrize(
    "text",
    [
        "thanks, and where are you?",
        "hello, what are your prices?",
        # The whole message is unsure (ask_price 0.41 against how-it-works
        # 0.36): a confident greeting on one side of a cut lets the other win.
        "hello, how much is a session?",
        "good evening, do you have parking?",
        "hiya, what do you charge for the first one",
        "thanks so much, are you open on saturdays?",
    ],
)
def test_a_greeting_or_thanks_in_front_does_not_swallow_the_question(
    agent: Agent, text: str
) -> None:
    result = parse(agent, text)
    assert result["intent"]["name"].startswith("ask_")
    assert not result.get(SECOND_PART)


def side(intent: str, confidence: float, words: int = 5) -> Reading:
    return Reading(intent, confidence, 0, 1, words, ({"name": intent, "confidence": confidence},))


@pytest.mark.parametrize(
    ("left", "right", "wins"),
    [
        (side("affirm", 0.97, 1), side("book_appointment", 0.9), "book_appointment"),
        (side("deny", 0.95, 2), side("book_appointment", 0.8), "book_appointment"),
        (side("affirm", 0.97, 1), side("cancel_appointment", 0.9), "cancel_appointment"),
        # A self-introduction in front: the request wins (the form reads the name).
        (side("inform", 0.95, 6), side("book_appointment", 0.9), "book_appointment"),
        # Only a booking request wins over the yes, and only when both are clear.
        (side("affirm", 0.97, 1), side("inform", 0.9), None),
        (side("affirm", 0.97, 1), side("ask_price", 0.9), None),
        (side("affirm", 0.6, 1), side("book_appointment", 0.9), None),
        (side("affirm", 0.97, 1), side("book_appointment", 0.5), None),
        (side("affirm", 0.97, 1), side("book_appointment", 0.9, words=1), None),
    ],
)
def test_a_yes_in_front_of_a_booking_request_gives_the_request(
    agent: Agent, left: Reading, right: Reading, wins: Optional[str]
) -> None:
    step, _ = diet_output(agent, "yes")
    decision = step.decide([Cut(1, 1, "lead")], [left, right], led=False, opened=True)
    if wins is None:
        assert decision is None
        return
    assert decision is not None
    message = Message(data={TEXT: "yes, please book me in on friday"})
    message.set("intent", {"name": left.intent, "confidence": 0.9})
    step.apply(message, decision)
    assert message.get("intent")["name"] == wins
    assert message.get(OPENER)["name"] == left.intent  # the forms read it as the answer
    assert not message.get(SECOND_PART)


def split(intents: Dict[str, float], words: int = 6) -> Reading:
    """A side whose reading is spread over several intents (best first)."""
    ranking = tuple({"name": name, "confidence": value} for name, value in intents.items())
    best = next(iter(intents))
    return Reading(best, intents[best], 0, 1, words, ranking)


@pytest.mark.parametrize(
    ("left", "two_parts"),
    [
        # Surely the hip, unsure which condition: still a complaint and a question.
        (split({"hip_bursitis": 0.5, "hip_pain": 0.3, "hip_arthritis": 0.1}), True),
        (split({"sciatica": 0.45, "lower_back_pain": 0.4, "other_symptom": 0.1}), True),
        # A complaint and whether acupuncture works for it: the complaint's reply covers both.
        (split({"lower_back_pain": 0.6, "ask_effectiveness": 0.31, "back_pain": 0.05}), True),
        # Unsure between the hip and something else: one message, as read whole.
        (split({"hip_bursitis": 0.5, "other_symptom": 0.4}), False),
        (split({"hip_pain": 0.45, "back_pain": 0.4}), False),
        # Whether it works, on the complaint's side, counts only for a complaint.
        (split({"ask_effectiveness": 0.6, "lower_back_pain": 0.3}), False),
    ],
)
def test_a_complaint_sure_of_its_family_is_one_of_two_parts(
    agent: Agent, left: Reading, two_parts: bool
) -> None:
    step, _ = diet_output(agent, "my hip hurts, where are you")
    decision = step.decide([Cut(4, 4, "mark")], [left, side("ask_location", 0.95)], led=False)
    assert (decision is not None and decision.second is not None) == two_parts
    if two_parts:
        assert decision is not None and decision.first.intent == left.intent


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        (
            "Hi there, this is Marco Rossi on 07700 900456. Could I get a first appointment"
            " for my hip, Tuesday afternoon?",
            "book_appointment",
        ),
        ("Dana Whitfield, dana.w@example.org. I need to cancel my visit", "cancel_appointment"),
        # Read whole, an introduction (inform) over a request: the cut decides.
        (
            "Morning, it's Ben Carter, 07700 900654. A first visit for my hip please, this"
            " Friday at 11.",
            "book_appointment",
        ),
    ],
)
def test_a_self_introduction_in_front_of_a_request_gives_the_request(
    agent: Agent, text: str, wanted: str
) -> None:
    result = parse(agent, text)
    assert result["intent"]["name"] == wanted
    assert not result.get(SECOND_PART)


def test_a_yes_and_a_question_are_still_two_parts(agent: Agent) -> None:
    """ "yes, is there parking?" read as a yes: the question is answered too."""
    step, _ = diet_output(agent, "yes")
    left, right = side("affirm", 0.97, 1), side("ask_location", 0.9, 3)
    decision = step.decide([Cut(1, 1, "mark")], [left, right], led=False, opened=True)
    assert decision is not None and decision.kind == "two"
    assert (decision.first.intent, decision.second.intent) == ("affirm", "ask_location")


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("right ok. and is the acupuncturist properly qualified?", "ask_clinic_other"),
        ("oh I see, and how much is the first visit?", "ask_price"),
        ("ok great. where are you based?", "ask_location"),
    ],
)
def test_an_acknowledgement_in_front_of_a_question_gives_the_question_alone(
    agent: Agent, text: str, question: str
) -> None:
    """ "right ok." agrees to nothing: the question alone, so no offer is accepted (audit 23)."""
    result = parse(agent, text)
    assert result["intent"]["name"] == question
    assert not result.get(SECOND_PART)


@pytest.mark.parametrize(
    "text",
    [
        "I've lost control of my bladder and my legs are numb, how much is a session?",
        "how much is a session? I have chest pain and can't breathe",
    ],
)
def test_a_red_flag_in_any_part_leaves_no_second_part(agent: Agent, text: str) -> None:
    result = parse(agent, text)
    assert result["intent"]["name"] in {"emergency", "urgent_symptoms"}
    assert not result.get(SECOND_PART)


@pytest.mark.parametrize(
    ("text", "first", "asked"),
    [
        # Audit 18: "I'm sorry, I can't answer that one here" to all four.
        ("where abouts are you, do i need a referral from my gp, do you take bupa, "
         "and can my husband sit in with me?", "ask_location",
         ["do i need a referral from my gp", "do you take bupa", "can my husband sit in with me?"]),
        ("my back hurts, how much is it, and where are you?", "back_pain",
         ["how much is it", "where are you?"]),
        # Audit 20: a complaint told twice, chatter, and a question whose halves alone
        # ask nothing ("do you take that?"): one question of three was answered.
        ("Morning! Sorry, this will be a ramble. My hip has been playing up since the "
         "summer, it's worse after long walks. The physio thinks it's arthritis. I'm with "
         "Aviva, will they cover it? And do you have a car park? Bit nervous to be honest!",
         "hip_arthritis", ["will they cover it?", "do you have a car park?"]),
        ("do you take bupa? is there parking? my lower back is killing me", "lower_back_pain",
         ["do you take bupa?", "is there parking?"]),
    ],
)  # fmt: skip
def test_several_questions_are_each_kept(
    agent: Agent, text: str, first: str, asked: List[str]
) -> None:
    result = parse(agent, text)
    assert result["intent"]["name"] == first
    parts = [result[SECOND_PART], *result.get(MORE_PARTS, [])]
    assert [part["text"].rstrip(",") for part in parts] == asked


async def test_every_part_after_the_first_is_answered(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = make_tracker("ask_location", text="where are you, how much is it, do you take bupa?")
    tracker.latest_message[SECOND_PART] = {"name": "ask_price", "confidence": 0.9, "start": 15,
                                           "end": 27, "text": "how much is it"}  # fmt: skip
    tracker.latest_message[MORE_PARTS] = [
        {"name": "ask_insurance", "confidence": 0.9, "text": "do you take bupa?"},
        {"name": "ask_price", "confidence": 0.9, "text": "and the price?"},  # asked again
    ]
    await ActionAnswerSecondPart().run(dispatcher, tracker, domain)
    expected = CollectingDispatcher()
    profile = load_profile()
    CLINIC_ANSWERS["ask_price"](expected, profile)
    CLINIC_ANSWERS["ask_insurance"](expected, profile)
    assert dispatcher.messages == expected.messages


def test_a_button_payload_is_never_cut(agent: Agent) -> None:
    result = parse(agent, '/inform{"condition": "sciatica"}')
    assert not result.get(SECOND_PART)


def second_part_tracker(intent: str) -> Any:
    tracker = make_tracker("hip_bursitis", text="my hip, and a question")
    tracker.latest_message[SECOND_PART] = {"name": intent, "confidence": 0.9}
    return tracker


@pytest.mark.parametrize("intent", sorted(CLINIC_ANSWERS))
async def test_second_part_clinic_questions(
    intent: str, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    await ActionAnswerSecondPart().run(dispatcher, second_part_tracker(intent), domain)
    expected = CollectingDispatcher()
    CLINIC_ANSWERS[intent](expected, load_profile())
    assert dispatcher.messages == expected.messages


@pytest.mark.parametrize(("intent", "key"), sorted(ACUPUNCTURE_QUESTIONS.items()))
async def test_second_part_acupuncture_questions(
    intent: str, key: str, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    await ActionAnswerSecondPart().run(dispatcher, second_part_tracker(intent), domain)
    messages: List[Dict[str, Any]] = render(dispatcher.messages, domain)
    assert messages
    if intent in ("ask_effectiveness", "ask_treatment_points"):
        return  # answered for the condition under discussion when there is one
    assert messages[0]["text"].startswith(load_acupuncture_answers().answers[key])


async def test_a_why_asked_second_gets_the_reason_for_the_question(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """ "Jo Marsh, why do you need my number?" at the contact question."""
    tracker = in_the_form("Jo Marsh, why do you need my number?", "ask_why", 10)
    await ActionAnswerSecondPart().run(dispatcher, tracker, domain)
    (message,) = render(dispatcher.messages, domain)
    assert message["text"].startswith("So the clinic can reach you")


def in_the_form(text: str, second_intent: str, start: int) -> Any:
    """A tracker in the booking form whose latest message has a second part from ``start``."""
    tracker = make_tracker("inform", text=text)
    tracker.latest_message[SECOND_PART] = {
        "name": second_intent, "confidence": 0.9, "start": start, "text": text[start:],
    }  # fmt: skip
    tracker.slots["requested_slot"] = "contact"
    tracker.active_loop = {"name": "appointment_form"}
    return tracker


async def test_in_a_form_a_second_part_that_asks_nothing_is_left_to_the_form(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    """Audit 11: "lower down, near my bum" at the name question got the clinic's address."""
    tracker = in_the_form("lower down, near my bum", "ask_location", 12)
    await ActionAnswerSecondPart().run(dispatcher, tracker, domain)
    assert dispatcher.messages == []


def test_every_question_intent_has_a_second_part_answer(domain: Dict[str, Any]) -> None:
    questions = {i for i in domain["intents"] if i.startswith("ask_")}
    assert questions <= set(CLINIC_ANSWERS) | set(ACUPUNCTURE_QUESTIONS) | set(EXPLAINED)


async def test_no_second_part_no_answer(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    await ActionAnswerSecondPart().run(dispatcher, make_tracker("ask_price"), domain)
    assert dispatcher.messages == []
