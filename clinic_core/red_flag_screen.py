"""A learned second opinion on red flags, for what the vocabulary lacks.

The red-flag file (:mod:`clinic_core.red_flags`) recognises the words it was
written with; patients keep finding new ones ("the leg is not obeying me",
"black sticky poos and dizzy"). The screen is a small text classifier trained
on the clinic's examples (``clinic/red_flag_examples/``: red flags with their
level, and look-alikes that must not alarm) and on the assistant's own NLU
examples. It only adds a flag when the vocabulary found none and ConText set
nothing aside, and it needs high confidence to do so (docs/clinic.md, "Safety").

Features: word uni- and bigrams in which the three words after a negation are
marked (``no numb`` differs from ``numb``), and character n-grams within words,
so misspellings still count. A logistic regression gives a probability per
triage level.

The negation words themselves are not features: only the marks they leave
are. Red flags are often said with "can't" and "won't" ("can't feel my legs",
"won't stop bleeding"), so a screen that counts the word, or its characters
("an't"), learns that "can't" alarms: "i won't be able to pay until friday"
and "i can't hear the video" were flagged as emergencies. What matters is the
word negated (``NOT_feel``), which the marks keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple

import pydantic

from clinic_core.data_files import clinic_dir, load_model
from clinic_core.linear_text import LinearTextClassifier, word_and_character_features
from clinic_core.questions import SENTENCE_END
from clinic_core.red_flags import Assessment, Finding, RedFlagSpec

ROUTINE = "routine"
SCREEN_CONCEPT = "unlisted"  # the concept id of a flag only the screen raised
EXAMPLES_DIR_NAME = "red_flag_examples"
# Sets the vocabulary is checked against but the screen does not learn from:
# trained on, set 47 cost a sealed red flag (docs/clinic.md, "Example set 47").
NOT_TRAINED_DIR_NAME = "not_trained"
# Outside sets the first screen and readers never learn (sets 108 to 115,
# learned by them, cost a sealed emergency and a held-out alarm; docs/clinic.md,
# "The spine reader"); only the broad screen and readers learn them (docs/clinic.md,
# "The broad parts"). The vocabulary is checked against them like the rest.
MEASURED_ONLY_DIR_NAME = "measured_only"
_NEGATION = re.compile(
    r"^(no|not|never|without|nothing|none|nor|neither|cannot|"
    r"dont|didnt|doesnt|havent|hasnt|hadnt|isnt|arent|wasnt|werent|wont|cant|couldnt)$"
)
_COMES_AND_GOES = re.compile(
    r"\b(?:on and off|off and on|comes and goes|come and go|coming and going|"
    r"some days (?:are )?(?:worse|better) than others|good days and bad days|"
    r"(?:good|better) days and (?:bad|worse) days|ups and downs)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.,;:!?]")
NEGATION_REACH = 3  # words after a negation that are marked as negated
# A message about an appointment shares despair's little words: "something came up
# and i can't make it anymore", "I won't be coming anymore - ref XU7PR4" read as
# thoughts of suicide (audit 14; 38 of the 220 such messages of example set 49
# alarmed the screen, and training on them cost sealed red flags). The screen reads
# such a message with its words about attending taken out as well, and alarms no
# more than that reading. Without a word about the appointment ("I can't make it
# anymore") nothing is taken out.
_ABOUT_AN_APPOINTMENT = re.compile(
    r"\b(?:cancel\w*|appointments?|bookings?|booked|sessions?|slots?|reschedul\w*|"
    r"something(?:'s| has)? c[ao]me up|ref|today|tomorrow|tmrw|this week|next week|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|the \d{1,2}(?:st|nd|rd|th))\b",
    re.IGNORECASE,
)
_ATTENDING = re.compile(
    r"\b(?:can'?t|cannot|can not|won'?t|will not|not going to|not gonna|unable to|not able to|"
    r"(?:do|does)n'?t need to|no longer need to)\s+(?:be able to\s+)?"
    r"(?:make it|come(?: in)?|be coming|attend|get there|do it)\b"
    r"|\b(?:won'?t|will not|not going to|not gonna) be (?:around|here|about|available|free)\b"
    r"|\b(?:do|does)n'?t need (?:the|my|her|his|it)(?: \w+)?"
    # giving up the treatment: "I need to cancel, I'm done with this, it's not working
    # for me" (audit 16)
    r"|\b(?:i'?m|i am) done with "
    r"(?:this|it|acupuncture|the acupuncture|the treatment|the sessions)\b"
    r"|\b(?:it'?s|its|it is) not (?:working|helping)(?: for me)?\b",
    re.IGNORECASE,
)


def without_attending(text: str) -> Optional[str]:
    """``text`` without its words about attending, if it is about an appointment; else None."""
    if not (_ABOUT_AN_APPOINTMENT.search(text) and _ATTENDING.search(text)):
        return None
    out = []
    end = 0
    for match in _ATTENDING.finditer(text):
        out.append(text[end : match.start()])
        end = match.end()
        # "...anymore" or "...after all" up to three words on goes with the phrase
        tail = re.match(r"((?:\s+[\w']+){0,3}?)\s+(?:any ?more|after all)\b", text[end:], re.I)
        if tail:
            out.append(tail.group(1))
            end += tail.end()
    out.append(text[end:])
    return re.sub(r"\s+", " ", " ".join(out)).strip()


# What a saved screen may hold beyond a TF-IDF model's types.
_TRUSTED_TYPES = {f"{__name__}.negation_marked", f"{__name__}.without_negations"}


class _Example(pydantic.BaseModel, extra=pydantic.Extra.forbid):
    text: pydantic.constr(strip_whitespace=True, min_length=1)  # type: ignore[valid-type]


class _RedFlagExample(_Example):
    level: Literal["emergency", "urgent"]
    concept: str


class _LookAlike(_Example):
    kind: Literal["negated", "past", "hypothetical", "family", "ordinary", "word_overlap"]


class ExampleFile(pydantic.BaseModel, extra=pydantic.Extra.forbid):
    """One file of ``clinic/red_flag_examples/``."""

    version: Literal[1]
    red_flags: List[_RedFlagExample]
    lookalikes: List[_LookAlike]


@dataclass(frozen=True)
class ScreenExample:
    """A message and the triage level it should get."""

    text: str
    level: str  # a level id of the red-flag file, or "routine"
    concept: Optional[str] = None  # a red flag's concept, where its file names one


def _features() -> List[Any]:
    """Words with negation marks and characters within words (the module's docstring)."""
    return word_and_character_features(
        preprocessor=negation_marked,
        character_ngrams=(2, 5),
        character_min_df=2,
        character_preprocessor=without_negations,
    )


def _concepts_path(path: Path) -> Path:
    """Where the concept classifier of the screen saved at ``path`` is."""
    return path.with_name(f"{path.stem}_concepts{path.suffix}")


def examples_dir() -> Path:
    """The clinic's red-flag examples (``CLINIC_DATA_DIR`` moves them)."""
    return clinic_dir() / EXAMPLES_DIR_NAME


def example_files(
    directory: Optional[Path] = None, with_not_trained: bool = False, with_measured: bool = False
) -> List[Path]:
    """The example files the screen trains on, and others (the readers' and the measured ones).

    ``with_not_trained`` adds the sets the learned readers learn too,
    ``with_measured`` the outside sets only the broad screen and readers learn
    (rasa_extensions/red_flags.py, ``broad_parts``).
    """
    folder = directory or examples_dir()
    files = sorted(folder.glob("*.yml"))
    if with_not_trained:
        files += sorted((folder / NOT_TRAINED_DIR_NAME).glob("*.yml"))
    if with_measured:
        files += sorted((folder / MEASURED_ONLY_DIR_NAME).glob("*.yml"))
    return files


def load_examples(
    directory: Optional[Path] = None, with_not_trained: bool = False, with_measured: bool = False
) -> List[ScreenExample]:
    """Every example of the clinic's files, validated (errors name the field).

    Raises:
        ClinicDataError: a file is malformed.

    """
    found: List[ScreenExample] = []
    for path in example_files(directory, with_not_trained, with_measured):
        data = load_model(path, ExampleFile)
        found += [ScreenExample(item.text, item.level, item.concept) for item in data.red_flags]
        found += [ScreenExample(item.text, ROUTINE) for item in data.lookalikes]
    return found


def word_count(text: str) -> int:
    """How many words ``text`` has (clause marks not counted)."""
    return sum(word[0].isalnum() for word in _WORD.findall(text.lower()))


def _words(text: str) -> List[str]:
    """The words and clause marks of ``text``, lower case, "can't" spelt "cant"."""
    return _WORD.findall(text.lower().replace("\u2019", "'").replace("n't", "nt"))


def negation_marked(text: str) -> str:
    """``text``'s words with those after a negation prefixed ``NOT_``, the negation left out."""
    words: List[str] = []
    reach = 0
    for word in _words(text):
        if word in ".,;:!?":
            reach = 0
        elif _NEGATION.match(word):
            reach = NEGATION_REACH
        else:
            words.append(f"NOT_{word}" if reach else word)
            reach = max(0, reach - 1)
    return " ".join(words)


def without_negations(text: str) -> str:
    """``text``'s words and marks without the negations, for the character n-grams."""
    return " ".join(word for word in _words(text) if not _NEGATION.match(word))


class RedFlagScreen:
    """Probabilities of each triage level for a message, and of each concept for a red flag."""

    def __init__(
        self, classifier: LinearTextClassifier, concepts: Optional[LinearTextClassifier] = None
    ) -> None:
        """Wrap fitted classifiers (use :meth:`fit` or :meth:`load`)."""
        self.classifier = classifier
        self.concepts = concepts
        self.levels: List[str] = classifier.labels

    @classmethod
    def fit(cls, examples: Sequence[ScreenExample], regularisation: float = 5.0) -> RedFlagScreen:
        """Train on ``examples`` (a few seconds for a few thousand)."""
        if len({example.level for example in examples}) < 2:
            raise ValueError("the red-flag screen needs examples of at least two levels")
        classifier = LinearTextClassifier.fit(
            [example.text for example in examples],
            [example.level for example in examples],
            _features(),
            regularisation,
            balanced=True,
        )
        # Which red flag, from the examples whose file names it: what the
        # reply says depends on it (the crisis line is for thoughts of self-harm).
        named = [example for example in examples if example.concept]
        concepts = None
        if len({example.concept for example in named}) >= 2:
            concepts = LinearTextClassifier.fit(
                [example.text for example in named],
                [str(example.concept) for example in named],
                _features(),
                regularisation,
                balanced=True,
            )
        return cls(classifier, concepts)

    def probabilities(self, text: str) -> Dict[str, float]:
        """The probability of each level ("routine" included) for ``text``."""
        return self.classifier.probabilities(text)

    def concept_probabilities(self, text: str) -> Dict[str, float]:
        """The probability of each red-flag concept for ``text`` (empty without examples)."""
        return self.concepts.probabilities(text) if self.concepts is not None else {}

    def flag_probabilities(
        self,
        text: str,
        whole: Optional[Dict[str, float]] = None,
        denied: Sequence[Tuple[int, int]] = (),
    ) -> Dict[str, float]:
        """The probabilities the screen flags on: a long message's, only as high as one part's.

        A linear screen adds up weak hints over a long message: "Hello dear,
        I'm 81 and not very good with computers. My granddaughter says you
        might help my bad back. How do I go about seeing someone?" read as an
        emergency (0.73) though no sentence of it, nor two together, gets
        past 0.3. A red flag is told in a sentence or two, so a message of
        several sentences alarms no more than its most alarming sentence or
        pair of adjacent sentences. (On the sealed sets, 210 of whose
        messages have several sentences, this changed nothing.) ``whole``:
        the whole message's probabilities, if already computed. ``denied``: the
        character ranges of a form's questions answered "no" ("Fever: no",
        :attr:`Assessment.denied`); the message is also read without them.
        """
        readings = [self._by_sentences(text, whole)]
        if denied:
            kept = "".join(
                text[start:end]
                for start, end in zip(
                    [0, *(e for _, e in sorted(denied))],
                    [*(s for s, _ in sorted(denied)), len(text)],
                    strict=True,
                )
            )
            readings.append(self._by_sentences(kept) if kept.strip() else {ROUTINE: 1.0})
        # A message about an appointment is also read without its words about
        # attending (``without_attending``): "something came up and i can't make it
        # anymore" alarms no more than "something came up and i".
        unattended = without_attending(text)
        if unattended is not None:
            readings.append(self._by_sentences(unattended) if unattended else {ROUTINE: 1.0})
        return max(readings, key=lambda found: found.get(ROUTINE, 0.0))

    def _by_sentences(
        self, text: str, whole: Optional[Dict[str, float]] = None
    ) -> Dict[str, float]:
        """The whole message's probabilities, or its loudest sentence's or pair's if quieter."""
        whole = whole if whole is not None else self.probabilities(text)
        sentences = [part for part in SENTENCE_END.split(text.strip()) if part.strip()]
        if len(sentences) < 2:
            return whole
        windows = sentences + [f"{a} {b}" for a, b in pairwise(sentences)]
        loudest = max(
            (self.probabilities(window) for window in windows),
            key=lambda found: 1.0 - found.get(ROUTINE, 0.0),
        )
        return loudest if loudest.get(ROUTINE, 0.0) > whole.get(ROUTINE, 0.0) else whole

    def save(self, path: Path) -> None:
        """Write the fitted screen to ``path`` (arrays and JSON: no code runs on loading)."""
        self.classifier.save(path)
        if self.concepts is not None:
            self.concepts.save(_concepts_path(path))

    @classmethod
    def load(cls, path: Path) -> RedFlagScreen:
        """Read a screen written by :meth:`save`.

        Raises:
            ValueError: the file holds types other than the screen's own.

        """
        concepts_path = _concepts_path(path)
        concepts = (
            LinearTextClassifier.load(concepts_path, trusted=_TRUSTED_TYPES)
            if concepts_path.exists()
            else None  # a model trained before the screen named concepts
        )
        return cls(LinearTextClassifier.load(path, trusted=_TRUSTED_TYPES), concepts)


@dataclass(frozen=True)
class ScreenPolicy:
    """How the screen's probabilities combine with the vocabulary's verdict.

    Attributes:
        threshold: the screen flags a message the vocabulary did not when the
            probability of a red flag (any level) is at least this.
        veto: a vocabulary flag in a message of at least ``min_words`` words
            stands unless the screen's probability of a red flag is below this
            (0 keeps every vocabulary flag).
        min_words: the screen alone flags, or vetoes a flag of the vocabulary
            in, only messages of at least this many words.
        over_set_aside: the screen flags a message whose words ConText set
            aside (negated, hypothetical, past, a relative's) only when its
            probability of a red flag is at least this; None: never.

    """

    threshold: float = 0.7
    veto: float = 0.0
    # A few words carry too little for the screen alone ("I'm new" at the
    # first-visit question read as "new pain"); short red flags are the
    # list's alone: "can't breathe" is flagged whatever the screen says, and
    # "heart attack" is not vetoed because the screen learned the words from
    # "my dad had a heart attack" (it gave it 0.02). Six words are still too
    # few: a plain complaint ("I feel pain in my back") read as urgent at 0.74,
    # since nearly every urgent example speaks of back pain.
    min_words: int = 7
    over_set_aside: Optional[float] = None

    def decide(
        self,
        text: str,
        assessment: Assessment,
        probabilities: Dict[str, float],
        spec: RedFlagSpec,
        flag_probabilities: Optional[Dict[str, float]] = None,
    ) -> Assessment:
        """The final triage of ``text`` from the vocabulary's and the screen's verdicts.

        ``probabilities`` are the screen's for the whole message (the veto
        reads them); ``flag_probabilities`` those it flags on
        (:meth:`RedFlagScreen.flag_probabilities`), the whole message's if None.
        """
        alarm = 1.0 - probabilities.get(ROUTINE, 0.0)
        short = word_count(text) < self.min_words
        if assessment.flagged:
            # A concept may set its own veto (heart and breath: lower, since the
            # screen learned their words as routine); the lowest of the findings' counts.
            vetoes = [
                spec.concept(f.concept).veto
                for f in assessment.findings
                if f.concept != SCREEN_CONCEPT
            ]
            veto = min((self.veto if own is None else own for own in vetoes), default=self.veto)
            if alarm >= veto or short or assessment.recurs:
                return assessment
            return Assessment(ROUTINE, None, (), assessment.set_aside)
        if flag_probabilities is not None:
            probabilities = flag_probabilities
            alarm = 1.0 - probabilities.get(ROUTINE, 0.0)
        # Pain that comes and goes ("some days worse than others", "on and off") is
        # what a red flag is not: constant, new or getting worse. The screen alone flags
        # it only when nearly sure ("i just ache everywhere, some days worse than others,
        # dont really know whats going on" read as urgent at 0.85: audit 23). So too a
        # message saying its symptom is over ("both legs went numb on the loo, fine
        # after" read as an emergency at 0.75).
        threshold = self.threshold
        passing = _COMES_AND_GOES.search(text) or assessment.says_over
        if self.over_set_aside is not None and passing:
            threshold = max(threshold, self.over_set_aside)
        if alarm < threshold or short:
            return assessment
        # A screen nearly sure of a red flag knows the look-alikes ConText sets aside
        # ("no numbness", "had a fever last week"): it outweighs a misread rule ("it's
        # gone red" read as over), and only then.
        if assessment.set_aside and (
            self.over_set_aside is None or alarm < self.over_set_aside or assessment.someone_elses
        ):
            return assessment
        levels = [level.id for level in spec.levels]
        level_id = max(levels, key=lambda level: probabilities.get(level, 0.0))
        level = spec.level(level_id)
        finding = Finding(SCREEN_CONCEPT, level.id, SCREEN_LABEL, text, 0, len(text))
        return Assessment(level.id, level.intent, (finding,), assessment.set_aside)


SCREEN_LABEL = "Described in words the red-flag list does not have (learned screen)"

# A flag only the screen raised is named as a listed concept when the concept
# classifier is at least this sure, and that concept is of the flag's level.
NAMED_AT = 0.5
# ...and it is named as anything but a crisis-line concept only when those
# are below this: in doubt, the reply keeps the crisis line.
CRISIS_DOUBT = 0.05


def name_screened(
    screen: RedFlagScreen, text: str, assessment: Assessment, spec: RedFlagSpec
) -> Assessment:
    """``assessment`` with the listed concept a screen-only flag most likely is, when sure.

    "sudden tearing pain between my shoulder blades" flagged by the screen
    alone had no concept, so the reply added the crisis line to the
    emergency number; named (heart attack), it does not. The finding of the
    screen stays, so staff still see that the list did not have the words.
    """
    if not any(finding.concept == SCREEN_CONCEPT for finding in assessment.findings):
        return assessment
    probabilities = screen.concept_probabilities(text)
    if not probabilities:
        return assessment
    best = max(probabilities, key=lambda concept: probabilities[concept])
    concepts = {concept.id: concept for concept in spec.concepts}
    concept = concepts.get(best)
    if concept is None or probabilities[best] < NAMED_AT or concept.level != assessment.level:
        return assessment
    doubt = sum(p for c, p in probabilities.items() if c in concepts and concepts[c].crisis_line)
    if not concept.crisis_line and doubt >= CRISIS_DOUBT:
        return assessment
    finding = Finding(concept.id, concept.level, concept.label, text, 0, len(text))
    return Assessment(
        assessment.level, assessment.intent, (*assessment.findings, finding), assessment.set_aside
    )
