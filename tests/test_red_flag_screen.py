"""The learned red-flag screen: trained with the model, a second opinion on new wording."""

from __future__ import annotations

import fractions
from pathlib import Path
from typing import Optional

import pytest
import skops.io
from rasa.shared.nlu.training_data.message import Message

from clinic_core.data_files import ClinicDataError
from clinic_core.learned_reader import OTHER, LearnedReader, read_learned
from clinic_core.red_flag_screen import (
    MEASURED_ONLY_DIR_NAME,
    NAMED_AT,
    NOT_TRAINED_DIR_NAME,
    ROUTINE,
    SCREEN_CONCEPT,
    RedFlagScreen,
    ScreenExample,
    ScreenPolicy,
    load_examples,
    negation_marked,
    without_attending,
    without_negations,
)
from clinic_core.red_flags import Assessment, LearnedReaderSpec, RedFlagDetector, SetAside
from clinic_core.sentence_encoder import SentenceEncoder
from clinic_core.settings import SENTENCE_ENCODER_DIR
from ops.training import input_files
from rasa_extensions.red_flags import LearnedParts, RedFlagClassifier
from tests.helpers.model import trained_agent

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def trained() -> RedFlagClassifier:
    """The component of the model `make test` trains, loaded as the Rasa server loads it.

    `rasa train` fits it with config.yml's settings and persists it; loading it
    back here checks the round trip (training it again would add 15 minutes).
    """
    agent = trained_agent()
    for node in agent.processor.graph_runner._instantiated_nodes.values():  # test only
        if isinstance(node._component, RedFlagClassifier):
            return node._component
    pytest.fail("the model has no RedFlagClassifier")


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("No numbness down there", "NOT_numbness NOT_down NOT_there"),
        ("I can't feel my legs", "i NOT_feel NOT_my NOT_legs"),
        ("not dizzy, but my leg is weak", "NOT_dizzy but my leg is weak"),
        ("my back hurts", "my back hurts"),
    ],
)
def test_negated_words_are_marked_up_to_a_clause_end(text: str, marked: str) -> None:
    assert negation_marked(text) == marked


def test_the_characters_are_counted_without_the_negations() -> None:
    # "can't" is in many red flags: its characters ("an't") must not alarm alone.
    assert without_negations("I can't hear you, it won't load") == "i hear you , it load"


def test_the_clinic_examples_are_validated_with_the_field_named(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(
        "version: 1\nred_flags:\n  - text: can't pee\n    level: critical\n"
        "    concept: cauda_equina\nlookalikes: []\n"
    )
    with pytest.raises(ClinicDataError, match="level"):
        load_examples(tmp_path)


def test_the_clinic_examples_cover_every_level() -> None:
    levels = {example.level for example in load_examples()}
    assert levels == {"emergency", "urgent", ROUTINE}


def test_the_fast_scorer_gives_scikit_learns_probabilities(trained: RedFlagClassifier) -> None:
    screen = trained.screen
    assert screen is not None
    for text in ["i cant feel my legs", "no numbness at all", "", "zzz qqq", "Book me in!"]:
        expected = screen.classifier.model.predict_proba([text])[0]
        got = screen.probabilities(text)
        assert [got[level] for level in screen.levels] == pytest.approx(list(expected))


def test_a_saved_screen_loads_and_foreign_objects_are_refused(
    trained: RedFlagClassifier, tmp_path: Path
) -> None:
    assert trained.screen is not None
    trained.screen.save(tmp_path / "screen.npz")
    again = RedFlagScreen.load(tmp_path / "screen.npz")
    assert again.probabilities("my leg gave way") == trained.screen.probabilities("my leg gave way")
    skops.io.dump({"weights": fractions.Fraction(1, 3)}, tmp_path / "foreign.skops")
    with pytest.raises(ValueError, match="unexpected types"):
        RedFlagScreen.load(tmp_path / "foreign.skops")


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        # Written for this test: none of them matches the red-flag list.
        ("i took every tablet in the house about an hour ago", "suicide_self_harm"),
        ("my husband went grey and sweaty and keeps pressing on his breastbone", "heart_attack"),
    ],
)
def test_a_flag_only_the_screen_raised_is_named_when_it_is_sure(
    trained: RedFlagClassifier, text: str, concept: str
) -> None:
    """The reply depends on the concept: the crisis line is for thoughts of self-harm."""
    assessment = trained.assess(text)["assessment"]
    assert assessment.concepts == (SCREEN_CONCEPT, concept)


def test_a_flag_the_screen_cannot_name_keeps_only_the_screens_finding(
    trained: RedFlagClassifier,
) -> None:
    assert trained.screen is not None
    text = "he hit his head and now he is being sick and very drowsy"
    assert max(trained.screen.concept_probabilities(text).values()) < NAMED_AT
    assert trained.assess(text)["assessment"].concepts == (SCREEN_CONCEPT,)


def test_the_concepts_are_saved_with_the_screen(trained: RedFlagClassifier, tmp_path: Path) -> None:
    assert trained.screen is not None
    trained.screen.save(tmp_path / "screen.npz")
    again = RedFlagScreen.load(tmp_path / "screen.npz")
    text = "my chest is tight and i'm all clammy"
    assert again.concept_probabilities(text) == trained.screen.concept_probabilities(text)


def test_fitting_needs_two_levels() -> None:
    with pytest.raises(ValueError, match="two levels"):
        RedFlagScreen.fit([ScreenExample("my back hurts", ROUTINE)] * 3)


def test_the_screen_flags_red_flags_the_list_has_no_words_for(
    trained: RedFlagClassifier,
) -> None:
    # Written for this test: none of them matches the red-flag list.
    texts = [
        "i took every tablet in the house about an hour ago",
        "my husband went grey and sweaty and keeps pressing on his breastbone",
        "he hit his head and now he is being sick and very drowsy",
    ]
    for text in texts:
        assert not trained.detector.assess(text).flagged, text
        assessment = trained.assess(text)["assessment"]
        assert assessment.level == "emergency", text
        assert assessment.concepts[0] == SCREEN_CONCEPT  # then the concept, when sure


def test_the_screen_leaves_ordinary_messages_alone(trained: RedFlagClassifier) -> None:
    for text in [
        "I'm new",
        "im new",
        "I am new here",
        "can I book a follow-up for my sciatica next week",
        "how much is a first session",
        "my lower back has been stiff since I started working from home",
        "do you take card payments",
    ]:
        assert trained.assess(text)["assessment"].level == ROUTINE, text


def test_a_long_message_alarms_no_more_than_its_loudest_sentences() -> None:
    """Weak hints spread over several sentences do not add up to an alarm."""
    alarming = [ScreenExample("walrus teapot violin harbour", "emergency")] * 6
    words = ["walrus", "teapot", "violin", "harbour", "walrus teapot", "violin harbour", "pencil"]
    screen = RedFlagScreen.fit(alarming + [ScreenExample(w, ROUTINE) for w in words * 2])
    spread = "Walrus. Teapot. Violin. Harbour."
    assert 1 - screen.probabilities(spread)[ROUTINE] > 0.8
    assert 1 - screen.flag_probabilities(spread)[ROUTINE] < 0.7
    # Told in one sentence, or two adjacent ones, it counts in full.
    for told in ("walrus teapot violin harbour", "Walrus teapot. Violin harbour."):
        assert screen.flag_probabilities(told) == screen.probabilities(told)


def test_a_forms_questions_answered_no_are_read_without_them_too(
    red_flag_detector: RedFlagDetector,
) -> None:
    """Example set 56: "Any weight loss: no. Fever: no." read as urgent by the screen (1.00)."""
    alarming = [ScreenExample("walrus teapot", "urgent")] * 12
    quiet = [ScreenExample(w, ROUTINE) for w in ("back pain", "reason for visit")] * 4
    screen = RedFlagScreen.fit(alarming + quiet)
    text = "Reason for visit: back pain. Walrus teapot: no."
    denied = red_flag_detector.assess(text).denied
    assert [text[start:end] for start, end in denied] == ["Walrus teapot: no."]
    assert (
        screen.flag_probabilities(text)[ROUTINE]
        < screen.flag_probabilities(text, denied=denied)[ROUTINE]
    )
    assert 1 - screen.flag_probabilities(text, denied=denied)[ROUTINE] < 0.5


def test_a_red_flag_among_ordinary_sentences_is_still_found(trained: RedFlagClassifier) -> None:
    flagged = (
        "Good afternoon, I am 83 and my typing is slow. My son found you on the internet."
        " I took every tablet in the house about an hour ago."
    )
    assert trained.assess(flagged)["assessment"].level == "emergency"


def test_everyday_cant_and_wont_are_not_alarms(trained: RedFlagClassifier) -> None:
    # Written for this test: inability and refusal about ordinary things. With
    # the negation words counted, the screen alone flagged 6 of 20 such messages.
    for text in [
        "sorry, I won't be able to make Monday after all",
        "I can't log in to the booking page on my laptop",
        "can't afford more than one session a month at the moment",
        "my printer won't work so I can't fill in the form before I come",
        "I can't stop yawning today, long week at work",
        "won't be able to come in until after the school holidays",
        "I couldn't find the entrance last time, is it round the back",
    ]:
        assert trained.assess(text)["assessment"].level == ROUTINE, text


def test_cancelling_in_despairs_words_is_no_alarm_but_despair_beside_an_appointment_is(
    trained: RedFlagClassifier,
) -> None:
    # Written for this test (audit 14's class: "something came up and i can't make
    # it anymore" got the 999 reply; example set 49 measured 38 of 220 like it).
    for text in [
        "hi so sorry, something has come up and i can't make it anymore on thursday",
        "I won't be coming anymore, could you cancel the rest of my sessions please",
        "my husband doesn't need the appointment anymore, his back has settled",
        "can't make it to my session tomorrow after all, the car has broken down",
        "hello, I won't be around on the 9th, my booking is PX3K7M",
    ]:
        assert trained.assess(text)["assessment"].level == ROUTINE, text
    # Despair beside an appointment keeps its alarm: only the words about attending go.
    for text in [
        "cancel my appointment, there's no point anymore, everyone would be better off without me",
        "i don't want to be here anymore so please cancel my booking on friday",
    ]:
        assert trained.assess(text)["assessment"].level == "emergency", text


@pytest.mark.parametrize(
    ("text", "read"),
    [
        (
            "something came up and i can't make it tomorrow anymore",
            "something came up and i tomorrow",
        ),
        ("I won't be coming anymore, please cancel", "I , please cancel"),
        ("i don't need the appointment anymore", "i"),
        # giving up the treatment (audit 16)
        ("I need to cancel, I'm done with this, it's not working for me", "I need to cancel, ,"),
        # Nothing about an appointment: nothing is taken out.
        ("i can't make it anymore", None),
        ("i can't go on anymore, cancel my appointment", None),
    ],
)
def test_the_words_about_attending_are_taken_out_only_about_an_appointment(
    text: str, read: Optional[str]
) -> None:
    assert without_attending(text) == read


def test_words_the_list_set_aside_are_not_flagged_again(
    red_flag_detector: RedFlagDetector,
) -> None:
    vocabulary = red_flag_detector.assess("no numbness down below and my bladder is fine")
    assert vocabulary.set_aside and not vocabulary.flagged
    sure = {"emergency": 0.99, "urgent": 0.0, ROUTINE: 0.01}
    decided = ScreenPolicy().decide("…", vocabulary, sure, red_flag_detector.spec)
    assert decided == vocabulary


def test_a_screen_nearly_sure_outweighs_what_context_set_aside(
    red_flag_detector: RedFlagDetector,
) -> None:
    spec = red_flag_detector.spec
    text = "I have had no fever, but something is badly wrong with my legs"
    aside = Assessment(ROUTINE, None, (), (SetAside("spinal_infection", "negated", "no fever"),))
    nearly_sure = {"emergency": 0.96, "urgent": 0.01, ROUTINE: 0.03}
    fairly_sure = {"emergency": 0.9, "urgent": 0.0, ROUTINE: 0.1}
    decided = ScreenPolicy(over_set_aside=0.95).decide(text, aside, nearly_sure, spec)
    assert (decided.level, decided.concepts) == ("emergency", (SCREEN_CONCEPT,))
    assert decided.set_aside == aside.set_aside  # staff still see what was set aside
    assert ScreenPolicy(over_set_aside=0.95).decide(text, aside, fairly_sure, spec) == aside
    assert ScreenPolicy().decide(text, aside, nearly_sure, spec) == aside
    # Too few words for the screen alone, however sure.
    assert ScreenPolicy(over_set_aside=0.95).decide("no fever", aside, nearly_sure, spec) == aside
    # Someone else's red flag: the screen learned the words, not whose they are.
    text = "my brother's legs went weak on the stairs, he's in hospital now being looked after"
    theirs = Assessment(ROUTINE, None, (), (SetAside("leg_weakness", "family", "legs went weak"),))
    certain = {"emergency": 1.0, "urgent": 0.0, ROUTINE: 0.0}
    assert ScreenPolicy(over_set_aside=0.95).decide(text, theirs, certain, spec) == theirs


def test_pain_that_comes_and_goes_is_flagged_by_the_screen_only_when_nearly_sure(
    red_flag_detector: RedFlagDetector,
) -> None:
    """Audit 23: a vague ache "some days worse than others" was sent to the GP today at 0.85."""
    spec = red_flag_detector.spec
    text = "my hips and lower back ache on and off, no idea what's going on with them"
    routine = Assessment(ROUTINE, None)
    fairly_sure = {"emergency": 0.05, "urgent": 0.8, ROUTINE: 0.15}
    nearly_sure = {"emergency": 0.01, "urgent": 0.96, ROUTINE: 0.03}
    policy = ScreenPolicy(over_set_aside=0.95)
    assert policy.decide(text, routine, fairly_sure, spec) == routine
    assert policy.decide(text, routine, nearly_sure, spec).level == "urgent"
    steady = "my hips and lower back ache all the time, no idea what's going on with them"
    assert policy.decide(steady, routine, fairly_sure, spec).level == "urgent"


@pytest.mark.parametrize(
    ("text", "over"),
    [
        ("my feet were tingly for a week after the flare, all cleared now", True),
        ("my feet were tingly, all cleared now, but since yesterday it's come back", False),
        ("since yesterday my feet have been tingly again, all cleared now though", True),
        (
            "dark thoughts last winter, on the other side of it now. since sunday they're back",
            False,
        ),
        ("dark thoughts last winter, on the other side of it now. my back is back to aching", True),
    ],
)
def test_what_was_over_and_is_said_to_be_back_is_not_over(
    red_flag_detector: RedFlagDetector, text: str, over: bool
) -> None:
    """Sets 124 to 130: "they went away [...] since last night they're back" needed 0.95."""
    assert red_flag_detector.assess(text).says_over is over


def test_a_symptom_said_to_be_over_is_flagged_by_the_screen_only_when_nearly_sure(
    red_flag_detector: RedFlagDetector,
) -> None:
    """Legs "gone to sleep" on a seat, "fine after", read as an emergency at 0.75."""
    spec = red_flag_detector.spec
    over = "stood up after an hour at my desk and my thighs had gone numb, it wore off"
    still = "stood up after an hour at my desk and my thighs had gone numb, cant shift it"
    assert red_flag_detector.assess(over).says_over
    assert not red_flag_detector.assess(still).says_over
    fairly_sure = {"emergency": 0.8, "urgent": 0.05, ROUTINE: 0.15}
    nearly_sure = {"emergency": 0.97, "urgent": 0.01, ROUTINE: 0.02}
    policy = ScreenPolicy(over_set_aside=0.95)
    assessed = red_flag_detector.assess(over)
    assert policy.decide(over, assessed, fairly_sure, spec).level == ROUTINE
    assert policy.decide(over, assessed, nearly_sure, spec).level == "emergency"
    kept = red_flag_detector.assess(still)
    assert policy.decide(still, kept, fairly_sure, spec).level == "emergency"


def test_the_screen_never_vetoes_what_a_message_says_is_back(
    red_flag_detector: RedFlagDetector,
) -> None:
    """The screen learned old histories as routine; "it's back" is now (example sets 120-123)."""
    spec = red_flag_detector.spec
    unlikely = {"emergency": 0.02, "urgent": 0.01, ROUTINE: 0.97}
    back = "had foot drop after my op in 2020, and the drop foot is back since monday"
    assessment = red_flag_detector.assess(back)
    assert assessment.recurs and assessment.concepts == ("leg_weakness",)
    assert ScreenPolicy(veto=0.1).decide(back, assessment, unlikely, spec) == assessment
    once = "my foot has been dragging since monday"
    first = red_flag_detector.assess(once)
    assert first.flagged and not first.recurs
    assert ScreenPolicy(veto=0.1).decide(once, first, unlikely, spec).level == ROUTINE


def test_the_policy_adds_keeps_and_can_veto(red_flag_detector: RedFlagDetector) -> None:
    spec = red_flag_detector.spec
    flagged = red_flag_detector.assess("i cant feel my legs at all now")
    quiet = red_flag_detector.assess("something is badly wrong with me, i know it")
    unlikely = {"emergency": 0.02, "urgent": 0.01, ROUTINE: 0.97}
    likely_urgent = {"emergency": 0.3, "urgent": 0.5, ROUTINE: 0.2}
    assert ScreenPolicy().decide("x", flagged, unlikely, spec) == flagged
    vetoed = ScreenPolicy(veto=0.1).decide(
        "i cant feel my legs at all now", flagged, unlikely, spec
    )
    assert vetoed.level == ROUTINE
    # Heart and breath flags are never vetoed (veto: 0.0 in the file), whatever the screen.
    chest = "my chest is tight and the pain is going down my left arm"
    heart = red_flag_detector.assess(chest)
    assert heart.concepts == ("heart_attack",)
    sure = {"emergency": 0.001, "urgent": 0.0, ROUTINE: 0.999}
    assert ScreenPolicy(veto=0.1).decide(chest, heart, sure, spec) == heart
    # Another concept's own veto, when the file sets one, replaces the policy's.
    legs = "i cant feel my legs at all now"
    lower = spec.copy(
        update={
            "concepts": [
                c.copy(update={"veto": 0.01}) if c.id == "leg_weakness" else c
                for c in spec.concepts
            ]
        }
    )
    assert ScreenPolicy(veto=0.1).decide(legs, flagged, unlikely, lower) == flagged
    # Too few words for the screen to overrule the list: "heart attack" stands.
    short = red_flag_detector.assess("heart attack")
    assert short.level == "emergency"
    assert ScreenPolicy(veto=0.1).decide("heart attack", short, unlikely, spec) == short
    words = "something is badly wrong with me, i know it"
    added = ScreenPolicy(threshold=0.7).decide(words, quiet, likely_urgent, spec)
    assert (added.level, added.intent, added.concepts) == (
        "urgent",
        "urgent_symptoms",
        (SCREEN_CONCEPT,),
    )
    assert ScreenPolicy(threshold=0.9).decide(words, quiet, likely_urgent, spec) == quiet
    # Too few words for the screen alone: "I'm new" is not "new pain".
    assert ScreenPolicy().decide("i am new here", quiet, likely_urgent, spec) == quiet
    # Nor six plain words: nearly every urgent example speaks of back pain.
    plain = red_flag_detector.assess("i feel pain in my back")
    assert ScreenPolicy().decide("i feel pain in my back", plain, likely_urgent, spec) == plain


def test_the_trained_component_records_both_verdicts(trained: RedFlagClassifier) -> None:
    message = Message(data={"text": "my lower back hurts and i cant wee since last night"})
    message.set("intent", {"name": "back_pain", "confidence": 0.8}, add_to_output=True)
    trained.process([message])
    triage = message.get("triage")
    assert message.get("intent")["name"] == "emergency"
    assert triage["vocabulary_level"] == "emergency"
    assert set(triage["screen"]) == {"emergency", "urgent", ROUTINE}


def test_the_examples_are_part_of_the_fingerprint(tmp_path: Path) -> None:
    config = {**RedFlagClassifier.get_default_config(), "examples": str(tmp_path)}
    (tmp_path / "a.yml").write_text("version: 1\nred_flags: []\nlookalikes: []\n")
    before = RedFlagClassifier.fingerprint_addon(config)
    (tmp_path / "a.yml").write_text(
        "version: 1\nred_flags: []\nlookalikes:\n  - text: hi\n    kind: ordinary\n"
    )
    assert RedFlagClassifier.fingerprint_addon(config) != before


def test_sets_kept_out_of_training_are_valid_and_not_learned() -> None:
    """clinic/red_flag_examples/not_trained/: checked by the vocabulary, not learned."""
    trained = {example.text for example in load_examples()}
    kept_out = [
        example for example in load_examples(with_not_trained=True) if example.text not in trained
    ]
    assert kept_out and {example.level for example in kept_out} >= {"emergency", "urgent"}


def test_measured_sets_are_learned_by_the_broad_parts_alone(trained: RedFlagClassifier) -> None:
    """clinic/red_flag_examples/measured_only/: the list and the first parts never learn them."""
    learned = {example.text for example in load_examples(with_not_trained=True)}
    kept = {example.text for example in load_examples(with_not_trained=True, with_measured=True)}
    assert kept - learned
    # a training input (a new measured set trains the model again), learned by the broad parts
    assert any(MEASURED_ONLY_DIR_NAME in path.parts for path in input_files(ROOT))
    assert trained.broad is not None and set(trained.broad.readers) == set(trained.readers)


def test_the_broad_screen_alone_vetoes_and_the_broad_readers_add(
    trained: RedFlagClassifier,
) -> None:
    """Where the pairs disagree, the broad pair decides a listed flag, else the severer stands."""
    assert trained.broad is not None
    narrow, broad = LearnedParts(trained.screen, trained.readers), trained.broad
    severity = {level.id: rank for rank, level in enumerate(trained.detector.spec.levels)}
    texts = [e.text for e in load_examples(with_not_trained=True, with_measured=True)[::40]]
    disagreements = 0
    for text in texts:
        vocabulary = trained.detector.assess(text)
        first = trained._read(text, vocabulary, narrow)["assessment"].level
        second = trained._read(text, vocabulary, broad, screen_adds=False)["assessment"].level
        verdict = trained.assess(text)
        if first == second:
            assert verdict["assessment"].level == first
            continue
        disagreements += 1
        if vocabulary.flagged:
            expected = second
        else:
            expected = min(first, second, key=lambda level: severity.get(level, len(severity)))
        assert verdict["assessment"].level == expected, text
        assert verdict["record"].get("broad", False) == (expected == second)
    assert disagreements  # the broad parts learned more look-alikes: they do disagree


def test_the_parts_fitted_side_by_side_are_the_parts_fitted_here(
    trained: RedFlagClassifier,
) -> None:
    """Training fits the screens and readers in other processes: the same fits, returned whole."""
    examples = load_examples(with_not_trained=True)[::25]
    encoder = SentenceEncoder(SENTENCE_ENCODER_DIR)
    vectors = encoder.encode([example.text for example in examples])
    fitted = trained._fit_parts(
        {"first": (examples[::2], examples, vectors), "second": (examples, examples, vectors)},
        encoder,
    )
    assert set(fitted) == {"first", "second"}
    here = RedFlagScreen.fit(examples[::2])
    text = "i fell off a ladder and now i cant feel my feet"
    assert fitted["first"].screen.probabilities(text) == pytest.approx(
        here.probabilities(text), abs=1e-9
    )
    assert set(fitted["second"].readers) == set(trained.readers)
    for name, reader in fitted["second"].readers.items():
        spec = trained.detector.spec
        alone = LearnedReader.fit(name, examples, spec, encoder, vectors)
        # (The last bits may differ: another process's BLAS may add up in another order.)
        assert reader.probabilities(text) == pytest.approx(alone.probabilities(text), abs=1e-9)


def test_one_numb_leg_with_sciatica_is_no_emergency(trained: RedFlagClassifier) -> None:
    """The broad screen learned outside writers' one numb leg as an emergency: it adds none."""
    verdict = trained.assess("my left leg has gone numb with the sciatica")
    assert verdict["assessment"].level == "routine", verdict["record"]


def test_sets_kept_out_of_the_screens_training_are_the_readers(tmp_path: Path) -> None:
    """A new example set in not_trained/ trains the model again: the learned readers learn it."""
    assert any(NOT_TRAINED_DIR_NAME in path.parts for path in input_files(ROOT))
    config = {**RedFlagClassifier.get_default_config(), "examples": str(tmp_path)}
    (tmp_path / NOT_TRAINED_DIR_NAME).mkdir()
    kept_out = tmp_path / NOT_TRAINED_DIR_NAME / "set1.yml"
    kept_out.write_text("version: 1\nred_flags: []\nlookalikes: []\n")
    before = RedFlagClassifier.fingerprint_addon(config)
    kept_out.write_text(
        "version: 1\nred_flags: []\nlookalikes:\n  - text: hi\n    kind: ordinary\n"
    )
    assert RedFlagClassifier.fingerprint_addon(config) != before


def test_the_crisis_reader_flags_a_farewell_told_as_the_last_of_ones_affairs(
    trained: RedFlagClassifier,
) -> None:
    """Neither the list nor the screen has words for a goodbye said through admin."""
    threshold = trained.detector.spec.readers["crisis"].threshold
    for text in [
        "Can you put my brother down as the contact on my file? He'll be the one dealing "
        "with everything after this weekend.",
        "Please close my account and pass what's left on my card to my sister, I've put "
        "everything in order for her.",
    ]:
        verdict = trained.assess(text)
        assert verdict["assessment"].level == "emergency", text
        assert verdict["assessment"].concepts == ("suicide_self_harm",), text
        assert verdict["record"]["read_by"] == "crisis", text
        crisis = verdict["record"]["readers"]["crisis"]
        assert sum(p for c, p in crisis.items() if c != OTHER) >= threshold


@pytest.mark.parametrize(
    "text",
    [
        "Please cancel my appointment on Thursday, I have a work meeting I cannot move.",
        "Can you send the receipt to my husband's email instead of mine? He does our accounts.",
        "I'd like to transfer my last two sessions to my sister as I'm moving to Leeds.",
        "My back is much better now so I won't need any more appointments, thank you all.",
    ],
)
def test_the_crisis_reader_leaves_ordinary_admin_alone(
    trained: RedFlagClassifier, text: str
) -> None:
    assert trained.assess(text)["assessment"].level == ROUTINE


def test_the_spine_reader_reads_weakness_told_through_what_no_longer_works(
    trained: RedFlagClassifier,
) -> None:
    """A foot that no longer does what it is told is leg weakness; pins and needles are not."""
    spine = trained.readers["spine"]
    threshold = trained.detector.spec.readers["spine"].threshold
    weak = spine.probabilities(
        "since yesterday my right foot won't point, I tell the muscles to move and nothing "
        "arrives, my back has been sore for days"
    )
    assert 1 - weak[OTHER] >= threshold
    assert max((c for c in weak if c != OTHER), key=lambda c: weak[c]) == "leg_weakness"
    ordinary = spine.probabilities(
        "I get pins and needles down my left leg when I sit too long, it goes when I walk about"
    )
    assert 1 - ordinary[OTHER] < 0.5


def test_a_learned_reader_only_adds_to_what_nothing_flagged(
    red_flag_detector: RedFlagDetector,
) -> None:
    spec = red_flag_detector.spec
    sure = {"crisis": {"suicide_self_harm": 0.95, OTHER: 0.05}}
    text = "please send my notes to my brother, he will deal with everything after"
    quiet = red_flag_detector.assess(text)
    flagged, read_by = read_learned(text, quiet, sure, spec)
    assert (flagged.level, flagged.concepts, read_by) == (
        "emergency",
        ("suicide_self_harm",),
        "crisis",
    )
    unsure = {"crisis": {"suicide_self_harm": 0.5, OTHER: 0.5}}
    assert read_learned(text, quiet, unsure, spec) == (quiet, None)
    assert read_learned(text, quiet, {}, spec) == (quiet, None)
    # Too few words or a flag already raised: left as it is.
    assert read_learned("i'm done", quiet, sure, spec) == (quiet, None)
    legs = red_flag_detector.assess("i cant feel my legs at all now")
    assert read_learned("i cant feel my legs at all now", legs, sure, spec) == (legs, None)


def test_a_learned_reader_reads_set_aside_words_only_when_nearly_sure(
    red_flag_detector: RedFlagDetector,
) -> None:
    """ConText reads "I had crush fractures before" as past, even beside a new one."""
    spec = red_flag_detector.spec
    text = "please send my notes to my brother, he will deal with everything after"
    aside = Assessment(ROUTINE, None, (), (SetAside("suicide_self_harm", "negated", "no"),))
    over = spec.readers["crisis"].over_set_aside
    assert over is not None and over > spec.readers["crisis"].threshold
    fairly_sure = {"crisis": {"suicide_self_harm": over - 0.01, OTHER: 1.01 - over}}
    assert read_learned(text, aside, fairly_sure, spec) == (aside, None)
    nearly_sure = {"crisis": {"suicide_self_harm": over, OTHER: 1 - over}}
    flagged, read_by = read_learned(text, aside, nearly_sure, spec)
    assert (flagged.concepts, read_by) == (("suicide_self_harm",), "crisis")
    assert flagged.set_aside == aside.set_aside  # staff still see what was set aside
    # Nor, however sure, words set aside as someone else's.
    theirs = Assessment(ROUTINE, None, (), (SetAside("suicide_self_harm", "family", "end it"),))
    certain = {"crisis": {"suicide_self_harm": 1.0, OTHER: 0.0}}
    assert read_learned(text, theirs, certain, spec) == (theirs, None)
    # A reader without over_set_aside never reads set-aside words.
    never = spec.copy(
        update={"readers": {**spec.readers, "crisis": LearnedReaderSpec(threshold=0.7)}}
    )
    assert read_learned(text, aside, certain, never) == (aside, None)


def test_a_reader_cannot_read_set_aside_words_more_readily_than_others() -> None:
    with pytest.raises(ValueError, match=r"0\.5 is below threshold 0\.7"):
        LearnedReaderSpec(threshold=0.7, over_set_aside=0.5)


def test_the_spine_reader_is_nearly_sure_of_a_new_fracture_beside_an_old_one(
    trained: RedFlagClassifier,
) -> None:
    """ConText reads the old fractures as past and the new pain with them; the reader does not."""
    text = (
        "Retired postman, 70. I had two crush fractures in my spine in the past from thin "
        "bones. On Sunday I bent to pick up the paper and got a sudden severe pain in my "
        "back, very like before."
    )
    verdict = trained.assess(text)
    assert verdict["assessment"].set_aside, "ConText reads the message as past"
    assert verdict["assessment"].level == "emergency"
    spine = trained.readers["spine"].probabilities(text)
    over = trained.detector.spec.readers["spine"].over_set_aside
    assert over is not None and 1 - spine[OTHER] >= over


def test_each_reader_flags_at_its_own_threshold(red_flag_detector: RedFlagDetector) -> None:
    """``readers:`` in the red-flag file: the spine reader must be surer than the crisis reader."""
    spec = red_flag_detector.spec
    text = "my right foot has been doing its own thing on the stairs since the weekend"
    quiet = red_flag_detector.assess(text)
    between = (spec.readers["crisis"].threshold + spec.readers["spine"].threshold) / 2
    spine = {"spine": {"leg_weakness": between, "spinal_fracture": 0.0, OTHER: 1 - between}}
    crisis = {"crisis": {"suicide_self_harm": between, OTHER: 1 - between}}
    assert read_learned(text, quiet, spine, spec) == (quiet, None)
    flagged, read_by = read_learned(text, quiet, crisis, spec)
    assert (flagged.concepts, read_by) == (("suicide_self_harm",), "crisis")
    surer = {"spine": {"leg_weakness": 0.95, "spinal_fracture": 0.0, OTHER: 0.05}}
    flagged, read_by = read_learned(text, quiet, surer, spec)
    assert (flagged.concepts, read_by) == (("leg_weakness",), "spine")
    assert "read by the spine reader" in flagged.findings[0].label


def test_example_files_without_a_readers_concept_train_no_such_reader(
    red_flag_detector: RedFlagDetector,
) -> None:
    examples = [
        ScreenExample("my legs gave way", "emergency", "leg_weakness"),
        ScreenExample("my back hurts", ROUTINE),
    ]
    spec, encoder = red_flag_detector.spec, SentenceEncoder(SENTENCE_ENCODER_DIR)
    with pytest.raises(ValueError, match="crisis reader needs examples of its concepts"):
        LearnedReader.fit("crisis", examples, spec, encoder)


def test_a_concept_naming_an_unknown_reader_is_refused_naming_it() -> None:
    from clinic_core.red_flags import RedFlagSpec, load_red_flags

    data = load_red_flags().dict()
    data["readers"] = {"spine": data["readers"]["spine"]}
    with pytest.raises(ValueError, match="suicide_self_harm: reader 'crisis' is not in readers"):
        RedFlagSpec.parse_obj(data)


def test_the_safety_benchmark_reads_what_each_reader_added() -> None:
    """`make bench-safety` reports the sealed sets without each learned reader's flags."""
    from bench.safety import CONFIGURED, level, without_reader

    read = {"triage": {"level": "emergency", "vocabulary_level": ROUTINE, "read_by": "crisis"}}
    listed = {"triage": {"level": "emergency", "vocabulary_level": "emergency"}}
    spine = {"triage": {"level": "emergency", "vocabulary_level": ROUTINE, "read_by": "spine"}}
    records = (read, listed, spine)
    assert [level(r, CONFIGURED) for r in records] == ["emergency"] * 3
    assert [level(r, without_reader("crisis")) for r in records] == [
        ROUTINE,
        "emergency",
        "emergency",
    ]
    assert [level(r, without_reader("spine")) for r in records][2] == ROUTINE
