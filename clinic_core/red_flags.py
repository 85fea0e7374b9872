"""Red flags: which messages need a doctor now or today, whatever else they ask.

The concepts, their lay vocabulary and the context rules live in
``clinic/red_flags.yml``; this module reads them and checks a message:

1. spaCy (the local English pipeline: tokenizer and lookup lemmatizer) splits
   the message into words with their base forms; a word that is not English
   and is close to a word of the file is read as that word ("numbb").
2. Each concept's cues are looked for: all the terms of one cue entry anywhere
   in the message.
3. medspaCy's ConText marks each matched cue negated, hypothetical, historical
   or about a relative, with lay-language rules from the same file; a match
   that is negated or hypothetical, or in the past (unless the concept is
   about history, or the message speaks of now), is set aside.

The result is a triage level (``emergency``, ``urgent`` or ``routine``), the
concepts that matched and those set aside with the reason. It never
diagnoses: it only decides which safety reply the patient gets.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import (
    Any,
    Callable,
    Collection,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import pydantic

from clinic_core.cautions import cautions_in
from clinic_core.data_files import ClinicDataError, StrictModel, clinic_dir, load_model, one_of
from clinic_core.language import function_words
from clinic_core.questions import SENTENCE, asks_something
from clinic_core.when import WEEKDAY_WORD

ROUTINE = "routine"
RED_FLAG_ENTITY = "red_flag"  # each matched concept, stored with the message
RED_FLAG_SLOT = "red_flag"  # what matched, as staff read it in the console
CUE_GROUP = "red_flag_cues"
MAX_GAP = 2  # words allowed between the words of a term
CLAUSE_PUNCTUATION = [".", "!", "?", ",", ";", ":", "…"]
# A sign-off or an emoji the tokenizer keeps with its full stop ("walk straight x. I
# used to run marathons years ago", "the end of it for me ✌️. I had physio last year"):
# it ends the sentence too, so neither the next sentence's words nor ConText's scope
# reach back over it.
SIGN_OFF_STOPS = ["x.", "xx.", "xxx.", "x!", "\ufe0f.", "\ufe0f!"]
CATEGORIES = (
    "NEGATED_EXISTENCE",
    "HYPOTHETICAL",
    "HISTORICAL",
    "FAMILY",
    "PRESENT",  # "I want", "I've been": ends another person's past (clinic/red_flags.yml)
    "TERMINATE",
    "PSEUDO",
)
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO")
MIN_CORRECTED_LENGTH = 5  # shorter unknown words: only one slip from a red-flag word
# Unknown words of 3 and 4 letters are read as every red-flag word one slip away
# that starts with the same letter ("bcak" back, "lfit" lift, "fekl" feel or fell).
MIN_SLIPPED_LENGTH = 3
_ENDS_SENTENCE = re.compile(rf"^(?:[.!?]+|{'|'.join(map(re.escape, SIGN_OFF_STOPS))})$")
CORRECTION_CUTOFF = 0.8
# A capitalised word after another word is a name, not a slip to correct, unless the
# message is longer than a name and this share of its words are capitalised.
MAX_NAME_WORDS = 3
TITLE_TYPING_SHARE = 0.6
# Two or three words of letters and nothing else: a name's shape.
_NAME_SHAPED = re.compile(r"^\s*[^\W\d_]+(?:[ '’-][^\W\d_]+){1,2}\s*$")
_LEXICON_NAME = re.compile(r"^[A-Z][A-Z_]*$")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_ORDINAL_DAY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$", re.I)
_SHORTHAND = re.compile(r"^[a-z0-9]+$")
# Lexicon entries that say only where it hurts: "..., it's gone now. My back is stiff"
# leaves the fever in the past though the back is spoken of after it.
WHERE_ONLY = frozenset({"BACK", "HIP", "PAIN", "LEG", "JOINT"})
RESOLVING_CLAUSE_OPENING = 2  # words before "it's gone" in its clause ("and it's gone")
RESOLVING_CONJUNCTIONS = frozenset({"but", "though", "although"})
# Past forms whose spaCy norm is the present's ("did" in "didn't" is "do").
_PAST_NORMED = {"do": ["did"]}
# A clause this long without a comma or a full stop runs on: it is split before
# a conjunction followed by a subject ("and they rushed me").
RUN_ON_WORDS = 12
RUN_ON_PIECE = 5  # words before the split: not "my wife and i"
RUN_ON_CONJUNCTIONS = frozenset({"and", "but"})  # not "so": "numbed my face so i might talk funny"
# Subjects a symptom, a treatment or a person can be: "and it went away", "but they ...".
THING_SUBJECTS = frozenset({"it", "they", "that", "this"})
THIRD_PERSON_SUBJECTS = THING_SUBJECTS | {"she", "he"}
RUN_ON_SUBJECTS = THIRD_PERSON_SUBJECTS | {"i", "its", "we", "there", "theres", "thats"}
# ...and "and" or "then" with its subject: "got checked and it went away" (example sets
# 168 to 175); not a bare "and" ("numb and went away" is read from its clause opening).
RESOLVING_WITH_SUBJECT = frozenset({"and", "then", "so"})
RESOLVING_SUBJECTS = THIRD_PERSON_SUBJECTS | {"all", "everything"}
UNTIL = frozenset({"until", "till", "til", "untill"})
# Words that turn from what was denied to what is happening now.
TURNS = frozenset({"but", "until", "till", "since", "however", "suddenly"})
# A clause that is only a past time ("many years ago", "back in 2016") may open
# with this many words before it ("oh, long time ago").
TIME_CLAUSE_OPENING = 1
# A long-past time ("years ago", "in 2009") opening a sentence, after at most this many
# words ("About five years ago"), dates that sentence.
LONG_PAST_OPENING = 2
# A lasting condition's duration follows it within this many words ("on steroids for
# her lungs for years"): it is the condition that lasts, not the symptom beside it.
LASTING_REACH = 4
# ...while someone else's symptom told as lasting has it within this many words
# ("legs give way a lot these days", "she sometimes passes out").
LASTING_NEAR = 2
_LONG_SPANS = r"years|yrs|decades?"
_LONG_AGO = re.compile(rf"\b(?:{_LONG_SPANS})\b|#year\b")
# ...unless it compares with or comes up to now ("same as 2017", "since 2019", "never
# again until..."): these beside the lexicon's CURRENT and CURRENT_CLAUSE words.
_COMES_UP_TO_NOW = re.compile(
    r"\b(?:same|like|than|since|until|till|yesterday|lately|recently|anymore|this week|"
    r"last night)\b"
)
# ...and names a distance in time: not "back in bits", "lost my wife", "when i was hoovering".
_TIME_AGO = re.compile(rf"\b(?:ago|{_LONG_SPANS}|year|yr|long time|months?)\b|#year\b")
# The lexicons a concept with ``relatives_apart`` reads: who is a relative,
# the patient's own words, and a relative's words of only reporting.
RELATIVES_APART_LEXICONS = ("RELATIVE", "SELF", "OBSERVING")
# A what-if about the treatment ("could the needles make me faint?", "could I
# faint during the session?"): the side-effects answer's, where the clinic's
# own advice is. One naming a caution ("will I bleed a lot if I'm on
# warfarin?", clinic/acupuncture.yml) is the health-conditions answer's.
_ABOUT_TREATMENT = re.compile(
    r"\b(needles?|acupuncture|treatment|session)\b.{0,40}\b(make|makes|cause|causes|"
    r"give|gives|bring on|trigger|triggers)\b|\b(side effects?|from the needles|"
    r"from acupuncture|after acupuncture|after the needles)\b"
    r"|\b(during|in|at|after|before|with|while)\s+(the|a|my|each|every)?\s*(session|treatment|"
    r"appointment|visit|needles?)s?\b",
    re.IGNORECASE,
)

# ...unless the patient asks where to go if it happens: "what if I got numbness in
# my groin after acupuncture, would that be an emergency?" (audit 14 got free times).
_ASKS_WHERE_TO_GO = re.compile(
    r"\b(?:would|is|will|could) (?:that|it|this) (?:be |count as )?(?:an? )?"
    r"(?:emergency|serious|urgent)"
    r"|\b(?:should|would|do|must) i (?:need to |have to )?(?:go to|ring|call|phone|see) "
    r"(?:a ?& ?e|a and e|999|111|hospital|the hospital|my gp|the gp|a doctor)"
    r"|\bwould i need (?:to go to )?(?:a ?& ?e|a and e|hospital|an ambulance)",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------
# The file


class Level(StrictModel):
    """A triage level, most severe first in the file."""

    id: str = pydantic.Field(..., regex=r"^[a-z_]+$")
    intent: str = pydantic.Field(..., regex=r"^[a-z_]+$")
    label: str

    @property
    def action(self) -> str:
        """The assistant's action for this level (``actions/safety.py``): ``action_<intent>``."""
        return f"action_{self.intent}"


class CueEntry(StrictModel):
    """Terms that must all occur, and terms that cancel the entry."""

    all: List[str] = pydantic.Field(..., min_items=1)
    unless: List[str] = []
    # Terms that cancel the entry in its clause or the clause just before or after:
    # "can't do this anymore, the commute is too much" gives its reason beside it.
    unless_beside: List[str] = []
    # Terms that cancel only a cue word right after them (or inside them): "feels like
    # it's been kicked by a horse" is a likeness; "since I came off my bike" in the
    # same clause still counts.
    unless_just_before: List[str] = []
    within: Optional[int] = pydantic.Field(None, ge=0)  # most words between the terms

    @property
    def cancelling_terms(self) -> List[str]:
        """Every term that can cancel the entry."""
        return [*self.unless, *self.unless_beside, *self.unless_just_before]


class Concept(StrictModel):
    """One red flag: its level, a label staff read, and its cues."""

    id: str = pydantic.Field(..., regex=r"^[a-z_]+$")
    level: str
    label: str
    history_counts: bool = False  # "a history of cancer" is the flag itself
    hypothetical_counts: bool = False  # "if ..., I'll kill myself" is a threat
    crisis_line: bool = False  # the reply adds the profile's crisis line
    # The learned reader (``readers:``) that also reads this concept where the list has no words.
    reader: Optional[str] = None
    # The learned screen vetoes the list's flag of this concept only when its
    # probability of a red flag is below this (None: the policy's veto; 0:
    # never). Chest pain and breathlessness in ordinary company ("on warfarin
    # for my heart") taught it that heart and breath words are routine, so
    # those concepts are never vetoed (docs/clinic.md, "Example sets 23 and 24").
    veto: Optional[float] = pydantic.Field(None, ge=0.0, le=1.0)
    # A cue whose parts belong to two people, a relative's and the patient's
    # own, is set aside ("my husband's got prostate cancer, I'm booking for my
    # sciatica"). Not for emergencies: "my nan fell and can't get up" is one
    # person, and there a miss costs more than a false alarm.
    relatives_apart: bool = False
    # Someone else's long-standing form of it ("my husband's legs have been weak for
    # years") is known, not new (LONG_STANDING). Not for suicidal words: a carer told "she keeps
    # saying she wants to die" is given the crisis line.
    others_lasting_apart: bool = True
    # Past-time words too recent to make this concept history ("hit by a car
    # last week, my back's still bad" is a recent injury, not an old one).
    recent: List[str] = []
    # Lexicon names of conditions that last: told of in the past tense they are
    # still so ("was told last year I had osteoporosis", example set 84).
    lasting: List[str] = []
    cues: List[Union[CueEntry, List[str]]] = pydantic.Field(..., min_items=1)

    @property
    def entries(self) -> List[CueEntry]:
        """The cues, each as a :class:`CueEntry`."""
        return [
            cue if isinstance(cue, CueEntry) else CueEntry(all=cue, within=None)
            for cue in self.cues
        ]


class ContextRuleSet(StrictModel):
    """ConText trigger terms of one category and direction."""

    category: str
    direction: str
    terms: List[str] = pydantic.Field(..., min_items=1)
    max_scope: Optional[int] = pydantic.Field(None, gt=0)
    terminated_by: List[str] = []  # categories whose words end these terms' scope

    _known_category = one_of("category", CATEGORIES)
    _known_terminators = one_of("terminated_by", CATEGORIES, each_item=True)
    _known_direction = one_of("direction", DIRECTIONS)


def _sentence_with(text: str, words: Optional[str]) -> str:
    """The sentence of ``text`` that holds ``words`` (all of ``text`` when unknown).

    "my physio said if I couldn't pee I'd need A&E. I don't have that. Is acupuncture
    ok for sciatica?" asks about acupuncture, not the what-if it reports (audit 13).
    """
    if not words:
        return text
    for sentence in SENTENCE.findall(text):
        if words.lower() in sentence.lower():
            return sentence
    return text


class LearnedReaderSpec(StrictModel):
    """A learned reader (clinic_core/learned_reader.py): how sure it must be to flag."""

    threshold: float = pydantic.Field(..., gt=0.0, le=1.0)
    # How sure it must be to flag words ConText set aside (a past fracture beside a
    # new one, "driver was fine"); none: never.
    over_set_aside: Optional[float] = pydantic.Field(None, gt=0.0, le=1.0)

    @pydantic.validator("over_set_aside")
    def _above_threshold(cls, value: Optional[float], values: Dict[str, Any]) -> Optional[float]:
        threshold = values.get("threshold")
        if value is not None and threshold is not None and value < threshold:
            raise ValueError(f"{value} is below threshold {threshold}: set-aside words need more")
        return value


class RedFlagSpec(StrictModel):
    """The whole of ``clinic/red_flags.yml``."""

    version: int = pydantic.Field(..., ge=1, le=1)
    levels: List[Level] = pydantic.Field(..., min_items=1)
    lexicon: Dict[str, List[str]]
    # Phrases in which a lexicon's word means something else ("a few years back",
    # "come back" are no back): a term of that lexicon starting inside one is no match.
    other_senses: Dict[str, List[str]] = {}
    # A form's question answered with only these words ("Fever: no", "Any
    # weight loss? none"): what the question names is denied.
    answers_no: List[str] = []
    concepts: List[Concept] = pydantic.Field(..., min_items=1)
    context: List[ContextRuleSet] = []
    # Patients' shorthand read as the words it stands for ("cnt wee" is "can not wee"),
    # beside clinic_core.spelling.TEXT_SPEAK's: one or two words each.
    shorthand: Dict[str, str] = {}
    # The patient says the red-flag reply misread them, or that they have been
    # seen since: either way the reminder stops.
    said_misread: List[str] = []
    # ...and phrases that say only that there are no thoughts of self-harm ("lol im not
    # suicidal"): they answer a self-harm reply, not one about an overdose or a fall.
    said_not_self_harm: List[str] = []
    said_seen_since: List[str] = []
    # Help is on its way ("the ambulance is coming"): acknowledged once, then the reminder stops.
    said_help_coming: List[str] = []
    # Learned readers by name, in the order they read (concepts name theirs with ``reader:``).
    readers: Dict[str, LearnedReaderSpec] = {}

    def says_seen(self, text: str) -> bool:
        """Whether ``text`` says the patient (or the person written for) has been seen since.

        The list's phrases, or someone who treats saying what they found ("the
        paramedics came and did an ECG, all normal": audit 19 repeated 999).
        """
        plain = _without_apostrophes(text)
        phrases = tuple(self.said_seen_since)
        return bool(_said_safe_pattern(phrases).search(plain) or _CLINICIAN_FOUND.search(plain))

    def says_safe(self, text: str, about_self_harm: bool = True) -> bool:
        """Whether ``text`` says the reply misread the patient or they have been seen since.

        ``about_self_harm``: the reply was about thoughts of self-harm (or the
        learned screen's, which may be), so "not suicidal" answers it.
        """
        phrases = (*self.said_misread, *(self.said_not_self_harm if about_self_harm else ()))
        return self.says_seen(text) or bool(
            _said_safe_pattern(phrases).search(_without_apostrophes(text))
        )

    def what_if_level(self, text: str, set_aside: Iterable[Mapping[str, str]]) -> Optional[str]:
        """The level of a red flag ``text`` asks about as a what-if, or None.

        "would I need to go to hospital if I couldn't pee?", "if someone
        suddenly couldn't control their bladder, would you still treat them?":
        the words were set aside as hypothetical, and the patient asks what
        to do. A question about the treatment or a medicine ("could I faint
        during the session?", "will I bleed a lot on warfarin?") is left to
        the side-effects and health-conditions answers. ``set_aside`` is the triage's
        list of ``{"concept", "reason"}``.
        """
        about_treatment = _ABOUT_TREATMENT.search(text) or cautions_in(text)
        if not asks_something(text) or (about_treatment and not _ASKS_WHERE_TO_GO.search(text)):
            return None
        level_of = {concept.id: concept.level for concept in self.concepts}
        asked = {
            level_of[item["concept"]]
            for item in set_aside
            if item.get("reason") == "hypothetical"
            and item.get("concept") in level_of
            and asks_something(_sentence_with(text, item.get("words")))
        }
        return next((level.id for level in self.levels if level.id in asked), None)

    def says_help_coming(self, text: str) -> bool:
        """Whether ``text`` says emergency help is on its way or being sought.

        Not when its clause makes it a condition or puts it off: "if it gets
        worse I'll go to a&e", "I'll go to a&e later maybe".
        """
        pattern = _said_safe_pattern(tuple(self.said_help_coming))
        plain = _without_apostrophes(text)
        for match in pattern.finditer(plain):
            before = re.split(r"[.,;!?]", plain[: match.start()])[-1]
            after = re.split(r"[.,;!?]", plain[match.end() :])[0]
            if not (_PUT_OFF_BEFORE.search(before) or _PUT_OFF_AFTER.search(after)):
                return True
        return False

    @pydantic.validator("shorthand")
    def _shorthand_is_one_or_two_words(cls, value: Dict[str, str]) -> Dict[str, str]:
        for short, meaning in value.items():
            if not _SHORTHAND.match(short):
                raise ValueError(f"{short}: shorthand is one lower-case word")
            words = meaning.split()
            if not 1 <= len(words) <= min(2, len(short)) or not all(w.isalpha() for w in words):
                raise ValueError(f"{short}: stands for one or two words of letters")
        return value

    @pydantic.validator("lexicon")
    def _lexicon_names(cls, value: Dict[str, List[str]]) -> Dict[str, List[str]]:
        for name, terms in value.items():
            if not _LEXICON_NAME.match(name):
                raise ValueError(f"{name}: lexicon names are UPPER_CASE")
            if not terms:
                raise ValueError(f"{name}: has no terms")
        return value

    @pydantic.validator("other_senses")
    def _other_senses_of_known_names(
        cls, value: Dict[str, List[str]], values: Dict[str, object]
    ) -> Dict[str, List[str]]:
        lexicon = values.get("lexicon") or {}
        for name in value:
            if name not in lexicon:  # type: ignore[operator]
                raise ValueError(f"other_senses: {name} is not in the lexicon")
        return value

    @pydantic.validator("concepts")
    def _concepts_refer_to_known_names(
        cls, concepts: List[Concept], values: Dict[str, object]
    ) -> List[Concept]:
        levels = {level.id for level in values.get("levels", [])}  # type: ignore[attr-defined]
        lexicon = values.get("lexicon") or {}
        seen: Set[str] = set()
        for concept in concepts:
            if concept.id in seen:
                raise ValueError(f"{concept.id}: concept listed twice")
            seen.add(concept.id)
            if concept.level not in levels:
                raise ValueError(f"{concept.id}: level {concept.level!r} is not in levels")
            for entry in concept.entries:
                for term in [*entry.all, *entry.cancelling_terms]:
                    if _LEXICON_NAME.match(term) and term not in lexicon:  # type: ignore[operator]
                        raise ValueError(f"{concept.id}: {term} is not in the lexicon")
            for name in concept.lasting:
                if name not in lexicon:  # type: ignore[operator]
                    raise ValueError(f"{concept.id}: lasting {name} is not in the lexicon")
            if concept.relatives_apart:
                for name in RELATIVES_APART_LEXICONS:
                    if name not in lexicon:  # type: ignore[operator]
                        raise ValueError(
                            f"{concept.id}: relatives_apart needs {name} in the lexicon"
                        )
        return concepts

    @pydantic.validator("context")
    def _recent_words_are_past_words(
        cls, context: List[ContextRuleSet], values: Dict[str, object]
    ) -> List[ContextRuleSet]:
        past = {term for rules in context if rules.category == "HISTORICAL" for term in rules.terms}
        for concept in values.get("concepts") or []:  # type: ignore[attr-defined]
            for term in concept.recent:
                if term not in past:
                    raise ValueError(f"{concept.id}: recent {term!r} is not a HISTORICAL term")
        return context

    @pydantic.validator("readers")
    def _reader_names(cls, value: Dict[str, LearnedReaderSpec]) -> Dict[str, LearnedReaderSpec]:
        for name in value:
            if not re.fullmatch(r"[a-z_]+", name):
                raise ValueError(f"reader name {name!r}: lower-case letters and _ only")
        return value

    @pydantic.root_validator(skip_on_failure=True)
    def _concepts_name_known_readers(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        readers = values.get("readers") or {}
        named = {concept.reader for concept in values.get("concepts", []) if concept.reader}
        for concept in values.get("concepts", []):
            if concept.reader and concept.reader not in readers:
                raise ValueError(
                    f"concept {concept.id}: reader {concept.reader!r} is not in readers"
                )
        for name in readers:
            if name not in named:
                raise ValueError(f"readers.{name}: no concept names it (reader: {name})")
        return values

    def reader_concepts(self, name: str) -> List[str]:
        """The ids of the concepts learned reader ``name`` reads."""
        return [concept.id for concept in self.concepts if concept.reader == name]

    def reader_assignment(self) -> str:
        """Which concepts each learned reader reads, in one line: what a trained model learned."""
        return "; ".join(
            f"{name}: {', '.join(self.reader_concepts(name))}" for name in self.readers
        )

    def intent_levels(self) -> Dict[str, str]:
        """Each level's intent and the level it stands for."""
        return {level.intent: level.id for level in self.levels}

    def level(self, level_id: str) -> Level:
        """The level called ``level_id``."""
        return next(level for level in self.levels if level.id == level_id)

    def concept(self, concept_id: str) -> Concept:
        """The concept called ``concept_id``."""
        return next(concept for concept in self.concepts if concept.id == concept_id)


def red_flags_path() -> Path:
    """Where the red-flag file is (beside the clinic's other files)."""
    return clinic_dir() / "red_flags.yml"


def red_flags_file(path: Optional[Union[str, Path]] = None) -> Path:
    """The red-flag file a configuration names, or the clinic's own when it names none."""
    return Path(path) if path else red_flags_path()


def load_red_flags(path: Optional[Union[str, Path]] = None) -> RedFlagSpec:
    """The validated red-flag file, re-read when it changes.

    Raises:
        ClinicDataError: the file is missing or invalid, naming the field.

    """
    return load_model(red_flags_file(path), RedFlagSpec)


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Finding:
    """A concept that matched, with the words that matched it."""

    concept: str
    level: str
    label: str
    words: str
    start: int  # character offsets in the message
    end: int


# The reason given for words that are someone else's.
FAMILY = "family"


@dataclass(frozen=True)
class SetAside:
    """A concept whose words occur but whose context says it is not happening now."""

    concept: str
    reason: str  # negated, hypothetical, past, family (FAMILY)
    words: str


@dataclass(frozen=True)
class Assessment:
    """The triage of one message."""

    level: str  # a level id, or "routine"
    intent: Optional[str]  # the intent of that level, None when routine
    findings: Tuple[Finding, ...] = ()
    set_aside: Tuple[SetAside, ...] = ()
    # Character ranges of a form's questions answered only "no" ("Fever: no"), with
    # their answers: the learned screen reads the message without them too.
    denied: Tuple[Tuple[int, int], ...] = ()
    # Whether a clause says that what came before it is over ("..., fine after"): the
    # screen alone then flags only when nearly sure.
    says_over: bool = False
    # Whether a clause after a flagged cue says it is back or happening again ("the
    # drop foot is back", "passed out again, 2nd time today"): the screen, which
    # learned old histories as routine, does not veto it.
    recurs: bool = False

    @property
    def flagged(self) -> bool:
        """Whether the message needs a safety reply."""
        return bool(self.findings)

    @property
    def concepts(self) -> Tuple[str, ...]:
        """The matched concepts of the assessed level, in file order."""
        return tuple(f.concept for f in self.findings if f.level == self.level)

    @property
    def someone_elses(self) -> bool:
        """Whether all that was set aside is someone else's: no learned part overrules it.

        The screen and the readers learned what a red flag sounds like, not whose
        it is ("my dad's legs gave way, he's in hospital now" sounds like one).
        """
        return bool(self.set_aside) and all(item.reason == FAMILY for item in self.set_aside)


# ---------------------------------------------------------------------------
# Matching


Word = str  # one word of a term: a form, or a "#class" of numbers
Term = Tuple[Word, ...]


def _number(text: str) -> Optional[float]:
    return float(text) if _NUMBER.match(text) else None


def _number_class_matches(word: Word, text: str) -> bool:
    """Numbers that stand for something: a fever, a year, many tablets, a date, any number."""
    if not text[:1].isdigit():  # asked of every word for every "#class" term: most are no number
        return False
    if word == "#date":  # a day of the month: "won't be here on the 28th"
        ordinal = _ORDINAL_DAY.match(text)
        return ordinal is not None and 1 <= int(ordinal.group(1)) <= 31
    value = _number(text.rstrip("c°fkg").rstrip("."))
    if value is None:
        return False
    if word == "#num":
        return True
    if word == "#fever":  # 38.5 (C) or 101 (F); a bare 40 is more often an age
        return ("." in text and 37.8 <= value <= 43.0) or 100.0 <= value <= 108.0
    if word == "#year":
        return 1940 <= value <= 2100 and float(int(value)) == value
    if word == "#many":  # tablets at once: a dose is one or two, a packet sixteen
        return 10 <= value <= 500 and float(int(value)) == value
    if word == "#old":  # an age at which a strain may break a bone (NICE: over 65)
        return 65 <= value <= 110 and float(int(value)) == value
    return False


@dataclass(frozen=True)
class _Token:
    forms: FrozenSet[str]
    text: str
    punct: bool


def spelt_out(terms: Iterable[str], lexicon: Mapping[str, List[str]], depth: int = 0) -> List[str]:
    """Terms with lexicon names in them spelt out: "my RELATIVE", "collect PILLS for".

    A lexicon entry may name another ("ABSENT_FROM_CLINIC" holds "MOVING_AWAY"),
    so a list is written once; names are spelt out to three levels deep.
    """
    texts: List[str] = []
    for term in terms:
        choices = [
            spelt_out(lexicon[word], lexicon, depth + 1)
            if depth < 3 and _LEXICON_NAME.match(word) and word in lexicon
            else [word]
            for word in term.split()
        ]
        texts.extend(" ".join(words) for words in itertools.product(*choices))
    return list(dict.fromkeys(texts))


class _CompiledSpec:
    """The file, with every term turned into words the matcher compares."""

    def __init__(self, spec: RedFlagSpec, tokenize: _Tokenizer) -> None:
        self.spec = spec
        self._tokenize = tokenize
        self.terms: Dict[str, Term] = {}
        self._by_first: Dict[str, Dict[str, List[Term]]] = {}
        self.groups: Dict[str, List[Term]] = {
            name: [self.term(text) for text in spelt_out(texts, spec.lexicon)]
            for name, texts in spec.lexicon.items()
        }
        self.vocabulary: Set[str] = set()
        for term in itertools.chain.from_iterable(self.groups.values()):
            self.vocabulary.update(w for w in term if not w.startswith("#"))
        for concept in spec.concepts:
            for entry in concept.entries:
                for text in [*entry.all, *entry.cancelling_terms]:
                    if not _LEXICON_NAME.match(text):
                        self.vocabulary.update(w for w in self.term(text) if not w.startswith("#"))

    def term(self, text: str) -> Term:
        """``text`` as the words a message must contain."""
        if text not in self.terms:
            self.terms[text] = tuple(self._tokenize.words(text.lower()))
        return self.terms[text]

    def group(self, name_or_term: str) -> List[Term]:
        """The terms of a lexicon entry, or the single literal term."""
        if _LEXICON_NAME.match(name_or_term):
            return self.groups[name_or_term]
        return [self.term(name_or_term)]

    def present(self, name_or_term: str, words: Collection[str]) -> Iterator[Term]:
        """The terms of ``name_or_term`` that can occur in a message with ``words``.

        Terms are indexed by their first word, so a message is compared with the
        few terms that start with one of its words, not with the whole lexicon.
        """
        if name_or_term not in self._by_first:
            index: Dict[str, List[Term]] = {}
            for term in self.group(name_or_term):
                index.setdefault("#" if term[0].startswith("#") else term[0], []).append(term)
            self._by_first[name_or_term] = index
        by_first = self._by_first[name_or_term]
        yield from by_first.get("#", ())
        shorter, longer = (by_first, words) if len(by_first) <= len(words) else (words, by_first)
        for first in shorter:
            if first != "#" and first in longer:
                yield from by_first[first]


class _Tokenizer:
    """Words of a term as the message's tokens would show them."""

    def __init__(self, nlp: object) -> None:
        self._nlp = nlp

    def words(self, text: str) -> List[str]:
        tokens = self._nlp.make_doc(text)  # type: ignore[attr-defined]
        words = []
        for token in tokens:
            # The norm reads contractions as words: "n't" as "not", "ca" as "can".
            words.append(token.text if token.text.startswith("#") else token.norm_)
        # "#fever" is one word of a term, not "#" and "fever".
        merged: List[str] = []
        for word in words:
            if merged and merged[-1] == "#":
                merged[-1] = "#" + word
            else:
                merged.append(word)
        return merged


def word_forms_negation(word: Word) -> bool:
    """Whether a term's word is "no" or "not" (as written or as "n't")."""
    return word in ("no", "not")


def _starts(first: Word, tokens: Sequence[_Token], index: Dict[str, List[int]]) -> Iterable[int]:
    """The token positions where a term starting with ``first`` may start."""
    if first.startswith("#"):
        return (i for i, t in enumerate(tokens) if _number_class_matches(first, t.text))
    return index.get(first, ())


def _find_adjacent(
    term: Term, tokens: Sequence[_Token], index: Dict[str, List[int]]
) -> List[Tuple[int, int]]:
    """Every (start, end) token range where ``term``'s words stand side by side."""
    return [
        (start, start + len(term))
        for start in _starts(term[0], tokens, index)
        if start + len(term) <= len(tokens)
        and all(
            word in tokens[start + k].forms
            or (word.startswith("#") and _number_class_matches(word, tokens[start + k].text))
            for k, word in enumerate(term)
        )
    ]


# Dashes that turn a sentence ("This isn't pain exactly — both thighs went numb"), unlike a
# hyphen.
_LONG_DASHES = ("—", "–")
# Words no gap in a term may hold: "I've never fainted" is not "I ... fainted" (sets 216 to 223).
_GAP_BREAKERS = frozenset({"not", "no", "never"})


def _find(
    term: Term, tokens: Sequence[_Token], index: Dict[str, List[int]]
) -> List[Tuple[int, int]]:
    """Every (start, end) token range where ``term`` occurs, gaps allowed."""
    found = []
    for start in _starts(term[0], tokens, index):
        position = start
        for word in term[1:]:
            nxt = None
            # A term's opening "no" or "not" binds to the next word: "no loss of
            # feeling" is not "no feeling", "not losing control" not "not control".
            bound = position == start and word_forms_negation(term[0])
            for step in range(1, 2 if bound else MAX_GAP + 2):
                candidate = position + step
                if candidate >= len(tokens):
                    break
                token = tokens[candidate]
                if word in token.forms or (
                    word.startswith("#") and _number_class_matches(word, token.text)
                ):
                    nxt = candidate
                    break
                if token.punct or token.forms & _GAP_BREAKERS:
                    break  # "foot isn't dragging" is not "foot dragging"
            if nxt is None:
                break
            position = nxt
        else:
            found.append((start, position + 1))
    return found


# ---------------------------------------------------------------------------
# The detector


class RedFlagDetector:
    """Checks messages against the red-flag file; build once, use for every message."""

    def __init__(self, spec: RedFlagSpec, pipeline: Union[str, Path]) -> None:
        """Build the spaCy and medspaCy pipeline for ``spec``.

        Args:
            spec: the validated red-flag file.
            pipeline: the local spaCy pipeline (tokenizer and lookup lemmatizer).

        """
        import spacy
        from medspacy.context import ConText, ConTextRule
        from spacy.tokens import Span

        self.spec = spec
        self._nlp = spacy.load(str(pipeline))
        self._nlp.add_pipe(
            "sentencizer", config={"punct_chars": CLAUSE_PUNCTUATION + SIGN_OFF_STOPS}
        )
        self._read_shorthand({**_text_speak(), **spec.shorthand})
        self._compiled = _CompiledSpec(spec, _Tokenizer(self._nlp))
        self._entries = [(concept, concept.entries) for concept in spec.concepts]
        self._other_senses = {
            name: [self._compiled.term(text) for text in self._expanded(texts)]
            for name, texts in spec.other_senses.items()
        }
        self._answers_no = frozenset(" ".join(self._compiled.term(a)) for a in spec.answers_no)
        self._known_words = self._english_words()
        self._base_forms: Dict[str, str] = {}
        self._read_misspelt_negatives()
        self._correctable = frozenset(w for w in self._compiled.vocabulary if len(w) >= 4)
        self._slip_targets = frozenset(
            w for w in self._compiled.vocabulary if len(w) >= MIN_SLIPPED_LENGTH and w.isalpha()
        )
        self._scope: Dict[str, Optional[int]] = {}
        # Questions about treating what one has ("can acupuncture help with ..."):
        # no what-if when the message says it is happening now.
        self._asks_to_treat = frozenset(self._expanded(spec.lexicon.get("ASKS_TO_TREAT", [])))
        # "what if the numbness ..." (the word before the symptom): one's own, asked about
        self._own_symptom_before = frozenset(spec.lexicon.get("OWN_SYMPTOM_BEFORE", ()))
        # One word each ("mum", "husband", "I've"): whose body part is named.
        self._people = _People(
            relatives=_single_words(spec.lexicon.get("RELATIVE", ())),
            self_words=_single_words(spec.lexicon.get("SELF", ())),
            observing=_single_words(spec.lexicon.get("OBSERVING", ())),
            others=_single_words(spec.lexicon.get("OTHERS", ())),
        )
        # Words no name is made of: function words, pronouns and relatives ("he", "dad").
        self._not_in_names = function_words() | self._people.relatives | self._people.self_words
        rules = []
        for rule_set in spec.context:
            for text in self._expanded(rule_set.terms):
                literal = f"{rule_set.category}:{text}"
                self._scope[literal] = rule_set.max_scope
                rules.append(
                    ConTextRule(
                        literal,
                        rule_set.category,
                        pattern=self._context_pattern(text, rule_set.category),
                        direction=rule_set.direction,
                        terminated_by=set(rule_set.terminated_by),
                    )
                )
        # Words of the triggers a misspelt word may be meant as ("yeers": "years").
        self._context_words = frozenset(
            word
            for rule in rules
            for part in rule.pattern  # type: ignore[union-attr]
            for word in [part.get("NORM")]
            if isinstance(word, str) and word.isalpha() and len(word) >= MIN_CORRECTED_LENGTH
        )
        self._context = ConText(
            self._nlp,
            name="red_flag_context",
            rules=None,
            input_span_type="group",
            span_group_name=CUE_GROUP,
            span_attrs=None,
            prune_on_modifier_overlap=False,
        )
        self._context.add(rules)
        self._span = Span

    # -- building -------------------------------------------------------------

    def _read_shorthand(self, shorthand: Dict[str, str]) -> None:
        """Each shorthand word tokenized as the words it stands for, its characters kept.

        A spaCy special case keeps the offsets of what the patient typed and gives
        the tokens the norms the terms are compiled to: "cnt" is "cn" (norm "can")
        and "t" (norm "not"), like spaCy's own "can't" is "ca" and "n't".
        """
        from spacy.attrs import NORM, ORTH

        tokenizer = self._nlp.tokenizer
        for short, meaning in shorthand.items():
            if not all(word.isalpha() for word in meaning.split()):
                continue  # "dunno" for "don't know": three words of a term
            words = [self._nlp.make_doc(word)[0].norm_ for word in meaning.split()]
            if len(words) > min(2, len(short)) or not short.isalnum():
                continue
            pieces = [short] if len(words) == 1 else [short[:-1], short[-1]]
            tokenizer.add_special_case(  # type: ignore[union-attr]
                short,
                [{ORTH: piece, NORM: word} for piece, word in zip(pieces, words, strict=True)],
            )

    def _read_misspelt_negatives(self) -> None:
        """Negative contractions typed with one slip tokenized as spaCy's own are.

        "catn", "wnot", "havnt", "could'nt", "can;t" are "can not", "will not",
        "have not": a night-time phone's typing ("i catn feel my legs" was
        missed). Each is one of Norvig's edits of a contraction spaCy knows
        ("can't", "cant"), with the apostrophe moved, changed or left out, and
        starts with its letter. A slip that is an English word ("want", "dint",
        "cart") or already spaCy's stays what it is.
        """
        from spacy.attrs import NORM, ORTH

        tokenizer = self._nlp.tokenizer
        rules = tokenizer.rules  # type: ignore[union-attr]
        english = self._known_words | self._dictionary_words
        added: Dict[str, List[str]] = {}
        for typed, pieces in rules.items():
            norms = [str(piece.get(NORM, piece.get(ORTH, ""))).lower() for piece in pieces]
            if len(norms) != 2 or norms[1] != "not" or not typed.islower():
                continue
            bare = typed.replace("'", "").replace("’", "")
            if not bare.isalpha() or len(bare) < 4:
                continue
            for slip in _misspelt(bare):
                if slip in rules or slip in english or slip in added or slip in self.spec.shorthand:
                    continue
                added[slip] = norms
        for slip, norms in added.items():
            tokenizer.add_special_case(  # type: ignore[union-attr]
                slip, [{ORTH: slip[:-2], NORM: norms[0]}, {ORTH: slip[-2:], NORM: norms[1]}]
            )

    def _english_words(self) -> FrozenSet[str]:
        """Words the lemmatizer knows: never "corrected" to a red-flag word.

        The lemmatizer's table holds base forms only, so the other words of
        pyspellchecker's English list (in its wheel, used by
        :mod:`clinic_core.spelling` too) are kept in ``_dictionary_words``:
        such a word is read as a red-flag word only when it is that word
        inflected (:func:`_stem_in`: "pooped" is "poop"; "conscious" is not
        "unconscious", nor "looser" "lose").
        """
        lemmatizer = self._nlp.get_pipe("lemmatizer")
        table = lemmatizer.lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
        self._lemma_of: Dict[str, str] = {str(k).lower(): str(v).lower() for k, v in table.items()}
        words = {str(value).lower() for value in table.values()}
        self._dictionary_words = _english_dictionary() - words
        return frozenset(words | self._compiled.vocabulary)

    def _expanded(self, terms: List[str]) -> List[str]:
        """Terms with lexicon names in them ("my RELATIVE") spelt out."""
        return spelt_out(terms, self.spec.lexicon)

    def _context_pattern(self, text: str, category: str = "") -> List[Dict[str, object]]:
        if text in _LONG_DASHES:
            # as typed: spaCy's norm of every dash is "-", the hyphen of "mother-in-law"
            return [{"ORTH": text}]
        pattern: List[Dict[str, object]] = []
        for word in self._compiled.term(text):
            if word == "#year":
                pattern.append({"TEXT": {"REGEX": r"^(19[4-9]\d|20\d\d)$"}})
            elif category == "PRESENT" and word in _PAST_NORMED:
                # spaCy's norm of "didn't" is "do not": "In my twenties I didn't want to
                # live" is no "I don't want" (example sets 176 to 183)
                pattern.append({"NORM": word, "LOWER": {"NOT_IN": _PAST_NORMED[word]}})
            else:  # the norm, as terms are compiled: "n't" is "not", "havin" "having"
                pattern.append({"NORM": word})
        return pattern

    # -- checking -------------------------------------------------------------

    def _name_shaped(self, typed: str) -> bool:
        """Whether ``typed`` has a name's shape: two or three words, none of them others'.

        "marie coulson" typed at the name question, in lower case, is no convulsion;
        "he colapsed" and "dad colapsed" are not names.
        """
        if not _NAME_SHAPED.match(typed):
            return False
        words = re.findall(r"[^\W\d_]+", typed.lower())
        return not any(
            word in self._not_in_names or word in self._compiled.vocabulary for word in words
        )

    def _tokens(self, doc: object, typed: str) -> List[_Token]:
        tokens = []
        name_shaped = self._name_shaped(typed)
        for token in doc:  # type: ignore[attr-defined]
            forms = {token.lower_, token.lemma_.lower(), token.norm_}
            if (
                token.is_alpha
                and len(token.lower_) >= MIN_SLIPPED_LENGTH
                and token.lower_ not in self._known_words
                and token.lemma_.lower() not in self._known_words
                and not name_shaped
                and not _proper_name(token, typed)
                and token.norm_ == token.lower_  # shorthand ("fae": "from") is no slip
            ):
                meant: Tuple[str, ...] = ()
                if _in_dictionary(token.lower_, self._dictionary_words):
                    if len(token.lower_) >= MIN_CORRECTED_LENGTH:
                        meant = _stem_in(token.lower_, self._correctable)
                elif len(token.lower_) >= MIN_CORRECTED_LENGTH:
                    meant = _closest(token.lower_, self._correctable)
                    # ConText's triggers read the norm: "yeers ago", "can acupunture cause"
                    # (example sets 192 to 199)
                    trigger = _closest(token.lower_, self._context_words)
                    if trigger:
                        token.norm_ = trigger[0]  # type: ignore[attr-defined]
                elif not typed[token.idx : token.idx + len(token)].isupper():
                    # "CBT", "ENT", "GCSE" are no slips
                    meant = _one_slip_from(token.lower_, self._slip_targets)
                # with the base form terms read: "cacthing" is "catching", so "catch"
                forms.update(meant)
                forms.update(self._base_form(word) for word in meant)
            if token.is_alpha and token.lower_.endswith("in"):
                forms.update(self._g_dropped(token.lower_))
            tokens.append(_Token(frozenset(forms), token.lower_, token.is_punct))
        return tokens

    def _base_form(self, word: str) -> str:
        """The lemmatizer's base form of a word on its own ("catching": "catch")."""
        if word not in self._base_forms:
            self._base_forms[word] = self._nlp(word)[0].lemma_.lower()
        return self._base_forms[word]

    def _g_dropped(self, word: str) -> Tuple[str, ...]:
        """A dropped "g" put back ("shakin", "bleedin", "droppin"), with the base form."""
        if word in self._known_words or len(word) < 4:
            return ()
        for written in (f"{word}g", f"{word[:-2]}{word[-3]}ing"):  # "dropin": "dropping"
            if written in self._known_words or written in self._dictionary_words:
                return (written, self._lemma_of.get(written, written))
        return ()

    def _answered_no(self, doc: Any) -> List[Tuple[int, int]]:
        """Token ranges of a form's questions answered only "no" ("Fever: no", "Cancer - none").

        A question asked in the patient's own words ("can't feel my legs? no") or
        about what they can do ("Can you feel your feet? No") is no form's question.
        """
        ranges: List[Tuple[int, int]] = []
        clauses = list(doc.sents)
        for question, answer in itertools.pairwise(clauses):
            words = [t.norm_ for t in answer if not t.is_punct]
            if (
                question[-1].text in (":", "?")
                and " ".join(words) in self._answers_no
                and not (
                    question[-1].text == "?"
                    and any(t.lower_ in _ASKED_OF_ONESELF for t in question)
                )
            ):
                ranges.append((question.start, answer.end))
        for clause in clauses:  # "Weight loss - no"
            words = [t for t in clause if not t.is_punct or t.text in ("-", "–")]
            for dash in (i for i, t in enumerate(words) if t.text in ("-", "–")):
                if " ".join(t.norm_ for t in words[dash + 1 :]) in self._answers_no:
                    ranges.append((clause.start, clause.end))
        return ranges

    def assess(self, text: str) -> Assessment:
        """The triage level of ``text`` and the concepts behind it."""
        if not _SPELT_OUT.search(text):  # nearly every message: nothing to join
            return self._assess(text)
        joined, origin = letters_joined(text)
        assessment = self._assess(joined)
        return replace(
            assessment,
            findings=tuple(
                replace(f, start=origin[f.start], end=origin[f.end - 1] + 1)
                for f in assessment.findings
            ),
            denied=tuple((origin[start], origin[end - 1] + 1) for start, end in assessment.denied),
        )

    def _assess(self, text: str) -> Assessment:
        doc = self._nlp(_plain(text))
        tokens = self._tokens(doc, text)
        index: Dict[str, List[int]] = {}
        for i, token in enumerate(tokens):
            for form in token.forms:
                index.setdefault(form, []).append(i)

        found: Dict[str, List[Tuple[int, int]]] = {}
        denied = self._answered_no(doc)

        def matches(name: str) -> List[Tuple[int, int]]:
            if name not in found:
                hits = {
                    m
                    for term in self._compiled.present(name, index)
                    for m in _find(term, tokens, index)
                }
                # Other senses are looked for only where the words were found (most are not).
                senses = [
                    span
                    for term in (self._other_senses.get(name, ()) if hits else ())
                    for span in _find_adjacent(term, tokens, index)
                ]
                found[name] = sorted(m for m in hits if not any(s <= m[0] < e for s, e in senses))
            return found[name]

        # Clauses as punctuated, where "unless" words reach ("grandad always said he
        # wanted to die but he lived to 95"), and the same split where a message runs
        # on, for what is told as now, dated or over (``_run_on_starts``).
        clause_starts = sorted({sentence.start for sentence in doc.sents})
        part_starts = sorted(set(clause_starts) | _run_on_starts(doc))

        def punctuated_clause_of(i: int) -> int:
            return clause_starts[bisect.bisect_right(clause_starts, i) - 1]

        def clause_of(i: int) -> int:
            return part_starts[bisect.bisect_right(part_starts, i) - 1]

        def part_words(start: int) -> int:
            """Words (not punctuation) of the clause or run-on part starting at ``start``."""
            at = bisect.bisect_right(part_starts, start)
            end = part_starts[at] if at < len(part_starts) else len(doc)
            return sum(1 for token in doc[start:end] if not token.is_punct)

        def beside(start: int) -> Set[int]:
            """The clause starting at ``start`` and the clauses just before and after it."""
            at = clause_starts.index(start)
            return set(clause_starts[max(0, at - 1) : at + 2])

        # Which sentence each token is in (a full stop, not a comma, ends one).
        ends = [int(bool(_ENDS_SENTENCE.match(t.text))) for t in tokens]
        sentence_of = [0, *itertools.accumulate(ends)][: len(tokens)]
        candidates: List[Tuple[Concept, List[str], List[Tuple[int, int]]]] = []
        # Words quoted and disowned in the same message: "Not suicidal! I told your
        # receptionist I could 'cheerfully end it all' about the car park. Figure of
        # speech." (set 232). Read only when there are quote marks.
        quoted = _quoted_stretches(doc)
        disowned = bool(quoted) and self.spec.says_safe(text)

        def quoted_only(spans: List[Tuple[int, int]]) -> bool:
            return disowned and all(
                any(q_start <= s and e <= q_end for q_start, q_end in quoted) for s, e in spans
            )

        for concept, entries in self._entries:
            for entry in entries:
                groups: List[List[Tuple[int, int]]] = []
                for name in entry.all:  # the first group not found settles it
                    groups.append(matches(name))
                    if not groups[-1]:
                        break
                if not all(groups):
                    continue
                cancelling = {
                    punctuated_clause_of(s) for name in entry.unless for s, _ in matches(name)
                }
                for name in entry.unless_beside:
                    for start, _ in matches(name):
                        cancelling |= beside(punctuated_clause_of(start))
                before = [span for name in entry.unless_just_before for span in matches(name)]
                for spans in (
                    spans
                    for anchor in groups[0]
                    for spans in _cue_readings(anchor, groups[1:], sentence_of)
                ):
                    if entry.within is not None and _spread(spans) > entry.within:
                        continue
                    # "unless" words cancel the cues of their own clause ("blood test").
                    if any(punctuated_clause_of(s) in cancelling for s, _ in spans):
                        continue
                    if any(s2 <= s <= e2 for s, _ in spans for s2, e2 in before):
                        continue
                    if quoted_only(spans):
                        continue
                    candidates.append((concept, entry.all, spans))
        # "..., it's gone now", "... but it cleared up by Wednesday": words opening a
        # clause, or following "but", that say what came before them is over.
        # Care already given resolves what came before it wherever it stands ("our
        # daughter came off her horse on Sunday and A&E have checked her over"), and
        # even when that was today: "my son had a seizure at school today, the ambulance
        # came, he's at hospital now" (example set 75).
        care = self._optional(matches, "CARED_FOR_SINCE")
        recovery = [
            (start, end)
            for start, end in self._optional(matches, "RESOLVES_WHAT_CAME_BEFORE")
            if (
                start - clause_of(start) <= RESOLVING_CLAUSE_OPENING
                or _after_resolving_conjunction(doc, start)
            )
            and not _PAIN_SUBJECT.search(doc[clause_of(start) : start].text.lower())  # type: ignore[index]
        ]

        def not_until(span: Tuple[int, int]) -> bool:
            # "had no trouble with it until today": it is back
            return not any(
                doc[i].lower_ in UNTIL  # type: ignore[index]
                for i in range(span[1], min(span[1] + 3, len(doc)))  # type: ignore[arg-type]
            )

        cared_starts = [
            span[0]
            for span in care
            if not_until(span)
            # not a comparison: "back pain is worse than when my dad had his disc op"
            and not any(doc[i].lower_ == "than" for i in range(clause_of(span[0]), span[0]))
        ]
        resolving_starts = [span[0] for span in recovery if not_until(span)] + cared_starts
        recurrences = _recurrences(doc.text)
        # Over, unless a later clause says it is back: "Leg weakness went away after the
        # steroid injection in March but it's come back this week" (example set 124).
        says_over = bool(resolving_starts) and not any(
            at > doc[max(resolving_starts)].idx for at in recurrences  # type: ignore[index]
        )

        answered_no = tuple(
            (doc[start].idx, doc[end - 1].idx + len(doc[end - 1]))  # type: ignore[index]
            for start, end in denied
        )
        if not candidates:
            return Assessment(level=ROUTINE, intent=None, denied=answered_no, says_over=says_over)

        cue_spans = sorted({span for _, _, spans in candidates for span in spans})
        doc.spans[CUE_GROUP] = [  # type: ignore[attr-defined]
            self._span(doc, start, end, label="RED_FLAG") for start, end in cue_spans
        ]
        doc = self._context(doc)
        # A trigger inside a look-alike phrase ("can't tell if") triggers nothing.
        pseudo = [
            modifier.modifier_span
            for modifier in doc._.context_graph.modifiers  # type: ignore[attr-defined]
            if modifier.direction == "PSEUDO"
        ]
        modifiers_of = {
            (span.start, span.end): [
                m
                for m in span._.modifiers
                if not any(s <= m.modifier_span[0] and m.modifier_span[1] <= e for s, e in pseudo)
            ]
            for span in doc.spans[CUE_GROUP]  # type: ignore[attr-defined]
        }
        # Words of the present ("now", "today") keep a past-tense report current,
        # but only in the clause they are in.
        # ...not a "now" of what is over or cared for ("fine now", "has now been seen by").
        over = self._optional(matches, "RESOLVED_NOW") + self._optional(matches, "CARED_FOR_SINCE")
        now_words = [
            (start, end)
            for start, end in self._optional(matches, "CURRENT")
            if not any(s <= start and end <= e for s, e in over)
        ]
        present_starts = [
            modifier.modifier_span[0]
            for modifier in doc._.context_graph.modifiers  # type: ignore[attr-defined]
            if modifier.category == "PRESENT"
        ]

        def now_in_clause(spans: List[Tuple[int, int]]) -> bool:
            # "I had a heart attack in 2018 and I'm on aspirin now": a "now" after the
            # cue with someone spoken of in the present between them is that clause's.
            # So is "and now" after it (``_opens_own_clause``).
            last_end = max(end for _, end in spans)
            clauses = {clause_of(start) for start, _ in spans}
            return any(
                clause_of(start) in clauses
                and not (
                    start >= last_end
                    and (
                        any(last_end <= p < start for p in present_starts)
                        or _opens_own_clause(doc, start)
                    )
                )
                for start, _ in now_words
            )

        # As typed, not by lemma: "it kept giving way" is over, "it keeps giving way" is not.
        current_words = set(self.spec.lexicon.get("CURRENT_CLAUSE", ()))
        current_clauses = {
            clause_of(start)
            for start, _ in self._optional(matches, "CURRENT_CLAUSE")
            if doc[start].lower_ in current_words  # type: ignore[index]
            # "my dad had a heart attack that started as upper back pain": what
            # started is the heart attack told of, not something now
            and not (start and doc[start - 1].lower_ in DESCRIBING_BEFORE)  # type: ignore[index]
        }
        # "..., that was 4 years ago": a clause that dates what was said before it.
        historical_clauses = {
            clause_of(modifier.modifier_span[0])
            for modifier in doc._.context_graph.modifiers  # type: ignore[attr-defined]
            if modifier.category == "HISTORICAL"
        }
        dating_clauses = [
            (clause_of(start), None)
            for start, _ in self._optional(matches, "DATES_WHAT_CAME_BEFORE")
            if clause_of(start) in historical_clauses and clause_of(start) == start
        ]
        # "I fainted, many years ago, now it's controlled": a clause that is only a
        # past time dates the clauses before it too (ConText stops at the comma).
        dating_clauses += [
            (clause_of(m_start), modifier.rule.literal.split(":", 1)[1])
            for modifier in doc._.context_graph.modifiers  # type: ignore[attr-defined]
            if modifier.category == "HISTORICAL"
            for m_start, m_end in [modifier.modifier_span]
            if _TIME_AGO.search(modifier.rule.literal)
            and m_start - clause_of(m_start) <= TIME_CLAUSE_OPENING
            and part_words(clause_of(m_start)) <= m_end - clause_of(m_start) + 1
        ]
        # "Some years ago, when my husband died, I thought about ending my life": a
        # sentence that opens with a long-past time dates all of it, across its commas
        # (ConText stops at the comma and reaches ten words). Months or weeks ago may
        # still be going on; years are over unless the cue's clause says now.
        still_going = now_words + self._optional(matches, "CURRENT_CLAUSE")
        long_past_sentences = [
            (m_start, closing)
            for modifier in doc._.context_graph.modifiers  # type: ignore[attr-defined]
            if modifier.category == "HISTORICAL" and _LONG_AGO.search(modifier.rule.literal)
            for m_start, _ in [modifier.modifier_span]
            for opening, closing in [(_sentence_start(doc, m_start), _sentence_end(doc, m_start))]
            if m_start - opening <= LONG_PAST_OPENING
            # not a comparison or a start ("same as 2017", "since 2019"), nor a sentence
            # that comes up to now ("...never happened again until this morning")
            and not any(opening <= start < closing for start, _ in still_going)
            and not _COMES_UP_TO_NOW.search(doc[opening:closing].text)  # type: ignore[index]
        ]

        present_verbs = set(self.spec.lexicon.get("PRESENT_VERB", ()))
        dated_recently = self._optional(matches, "HAPPENED_RECENTLY")
        told_as_now = bool(self._optional(matches, "ONSET_NOW"))  # "started 20 mins ago"
        meaning_starts = {start for start, _ in self._optional(matches, "ASKS_WHAT_IT_MEANS")}

        def asks_what_own_means(symptoms: List[Tuple[int, int]]) -> bool:
            # "what if the numbness between my legs is something": the symptom, one's
            # own, is the subject of the question, so it is there now
            first, last = min(symptoms), max(symptoms, key=lambda span: span[1])
            return (
                first[0] > 0
                and doc[first[0] - 1].lower_ in self._own_symptom_before  # type: ignore[index]
                and bool({last[1], last[1] + 1} & meaning_starts)
            )

        def said_in_present(spans: List[Tuple[int, int]], within: bool = False) -> bool:
            # The verb just before a span's words, or (``within``, for a symptom's words,
            # not "back is stiff") the second of them: "her leg is twisted out".
            return any(
                doc[i].lower_ in present_verbs  # type: ignore[index]
                for start, end in spans
                for i in range(max(0, start - 1), min(end, start + 2) if within else start + 1)
            )

        findings: Dict[str, Finding] = {}
        set_aside: Dict[str, SetAside] = {}
        # Someone in medical hands, unless care is refused or put off anywhere ("he
        # won't go to hospital", "the ambulance is taking ages"); read only when
        # there is a cue to set aside (most messages have none).
        # A refusal word in the red flag's own words ("bleeding that won't stop") is
        # not about care.
        refused = [
            start
            for start, _ in self._optional(matches, "CARE_REFUSED")
            if not any(s <= start < e for s, e in cue_spans)
        ]

        def told_as_over(
            concept: Concept,
            spans: List[Tuple[int, int]],
            symptoms: List[Tuple[int, int]],
            now: bool,
        ) -> bool:
            """Whether the message dates the cue or says it is over, where ConText did not."""
            if concept.history_counts:
                return False
            current = now or any(clause_of(start) in current_clauses for start, _ in spans)
            # "..., that was 4 years ago": a later clause dates it
            if not current and any(
                all(clause_of(start) < later for start, _ in spans)
                for later, term in dating_clauses
                if term not in concept.recent
            ):
                return True
            # "Some years ago, when my husband died, I ...": the sentence opens long ago
            if not current and any(
                all(opening < start and end <= last for start, end in spans)
                for opening, last in long_past_sentences
            ):
                return True
            if not symptoms:
                return False
            # "..., fine after" or "..., they sorted it": a later clause ends it
            if (
                not said_in_present(symptoms)
                and not now_in_clause(symptoms)
                and not any(clause_of(start) in current_clauses for start, _ in symptoms)
                and any(all(end <= later for _, end in symptoms) for later in resolving_starts)
            ):
                return True
            # "..., she's in hospital being looked after": in hands since; not care told
            # as past after a cue told as now ("I have a plan to end my life tonight, I
            # got help last year but not now"; "after my overdose as a teenager I got
            # help" is past throughout)
            cue_dated = any(clause_of(start) in historical_clauses for start, _ in spans)
            return any(
                all(end <= later for _, end in symptoms)
                and (cue_dated or not current or clause_of(later) not in historical_clauses)
                for later in cared_starts
            )

        others_cared_for = _others_in_care(doc.text) if candidates and not refused else []
        long_standing = self._optional(matches, "LONG_STANDING") if candidates else []
        recurs = False
        for concept, names, spans in candidates:
            if concept.id in findings:
                continue
            start, end = min(s for s, _ in spans), max(e for _, e in spans)
            words = doc[start:end].text  # type: ignore[index]
            # The cue's parts that say what happens, not only where ("my back").
            symptoms = [
                span for name, span in zip(names, spans, strict=True) if name not in WHERE_ONLY
            ]
            now = (
                now_in_clause(spans)
                or said_in_present(spans)
                or said_in_present(symptoms, within=True)
            )
            reason = self._reason(
                concept,
                spans,
                modifiers_of,
                lambda i, now=now: now or clause_of(i) in current_clauses,  # type: ignore[misc]
                doc,
                cue_spans,
                [span for span in spans if span not in symptoms],
                told_as_now=told_as_now or said_in_present(symptoms, within=True),
                asks_what_it_means=bool(symptoms) and asks_what_own_means(symptoms),
                lasting=[
                    span for name, span in zip(names, spans, strict=True) if name in concept.lasting
                ],
                dated_recently=dated_recently,
            )
            # "Any weight loss: no": a form's question answered no, set aside as denied
            # (so the learned screen, too, needs to be nearly sure to flag it)
            if reason is None and any(
                start <= at < end for at, _ in symptoms or spans for start, end in denied
            ):
                reason = "negated"
            if reason is None and told_as_over(concept, spans, symptoms, now):
                reason = "past"
            if (
                reason is None
                and concept.relatives_apart
                and _two_people(spans, modifiers_of, doc, self._people)
            ):
                reason = FAMILY
            # Someone else's red flag, and then they are in medical hands ("my neighbour
            # says he can't feel his legs, his son took him to A&E": example sets 116 to 119).
            # (Also when ConText read it as past: "past" would let the screen, nearly
            # sure, flag it again; "someone else's" does not.)
            theirs = _someone_elses(spans, doc, self._people)
            if (
                reason in (None, "past")
                and theirs
                and any(
                    all(doc[e - 1].idx < cared for _, e in spans)  # type: ignore[index]
                    for cared in others_cared_for
                )
            ):
                reason = FAMILY
            # Someone else's long-standing condition ("she sometimes passes out with it",
            # "husband's legs have been weak for years"): known, not new (sets 140 to 147).
            if (
                reason is None
                and concept.others_lasting_apart
                and theirs
                and _lasting_not_now(
                    concept, names, spans, long_standing, now_words, clause_of, doc
                )
            ):
                reason = FAMILY
            cue_end = doc[end - 1].idx + len(doc[end - 1])  # type: ignore[index]
            back_now = [
                at
                for at in recurrences
                if at >= cue_end and not any(doc[i].idx > at for i in resolving_starts)  # type: ignore[index]
            ]
            if _cue_is_back(doc.text, cue_end):
                back_now.append(cue_end)
            # "the foot drop hasn't come back since the op"
            if reason is None and _CUE_NOT_BACK.match(doc.text, cue_end):
                reason = "negated"
            # "the numbness in both legs has completely gone, no tripping"
            if reason is None and not concept.history_counts and _CUE_GONE.match(doc.text, cue_end):
                reason = "past"
            # What ConText or a "recovered" read as over, and a later clause says is
            # back: "my drop foot had totally recovered but it's back since thursday",
            # "my foot drop cleared up but it's back" (a denial after the cue says it ended),
            # "is it ok to have needles if my foot is flopping? Started again yesterday".
            ended = reason in ("past", "hypothetical") or (
                reason == "negated"
                and all(
                    m.direction == "BACKWARD"
                    for span in spans
                    for m in modifiers_of.get(span, ())
                    if m.category == "NEGATED_EXISTENCE"
                )
            )
            if (
                ended
                and back_now
                and not theirs
                and not any(_relatives(span, modifiers_of, doc, self._people) for span in spans)
            ):
                reason = None
            if reason is None:
                recurs = recurs or bool(back_now)
                findings[concept.id] = Finding(
                    concept=concept.id,
                    level=concept.level,
                    label=concept.label,
                    words=words,
                    start=doc[start].idx,  # type: ignore[index]
                    end=doc[end - 1].idx + len(doc[end - 1]),  # type: ignore[index]
                )
                set_aside.pop(concept.id, None)
            else:
                set_aside.setdefault(concept.id, SetAside(concept.id, reason, words))
        order = [level.id for level in self.spec.levels]
        ranked = sorted(findings.values(), key=lambda f: order.index(f.level))
        if not ranked:
            return Assessment(
                level=ROUTINE,
                intent=None,
                set_aside=tuple(set_aside.values()),
                denied=answered_no,
                says_over=says_over,
            )
        level = self.spec.level(ranked[0].level)
        return Assessment(
            level=level.id,
            intent=level.intent,
            findings=tuple(ranked),
            set_aside=tuple(set_aside.values()),
            denied=answered_no,
            says_over=says_over,
            recurs=recurs,
        )

    def _optional(
        self, matches: Callable[[str], List[Tuple[int, int]]], name: str
    ) -> List[Tuple[int, int]]:
        return matches(name) if name in self.spec.lexicon else []

    def _reason(
        self,
        concept: Concept,
        spans: List[Tuple[int, int]],
        modifiers_of: Dict[Tuple[int, int], List[Any]],
        in_current_clause: Callable[[int], bool],
        doc: Any,
        all_cues: Sequence[Tuple[int, int]] = (),
        where_only: Collection[Tuple[int, int]] = (),
        told_as_now: bool = False,
        asks_what_it_means: bool = False,
        lasting: Collection[Tuple[int, int]] = (),
        dated_recently: Sequence[Tuple[int, int]] = (),
    ) -> Optional[str]:
        """Why this match does not count (negated, hypothetical, past), or None.

        ``where_only`` are the cue's parts that only say where ("my new hip",
        "my back"). A negation of those alone, with a turn ("but", "since")
        between it and the symptom after it, does not negate the symptom: "no
        issues with my new hip for 2 years but since this morning it's red,
        hot and swollen". "didn't hit my back when I fell" stays negated.
        ``told_as_now``: the message says when it began, just now ("20 mins
        ago", "started this morning"), or the symptom is said in the present
        ("is acupuncture ok for hip pain after a fall? my foot is pointing
        sideways").
        ``asks_what_it_means``: a what-if asks what one's own symptom means
        ("what if the numbness between my legs is something"), so it is none.
        ``lasting``: the cue's parts that name a lasting condition, which no past
        time sets aside ("was told last year I had osteoporosis").
        ``dated_recently``: words dating something near now ("this morning"); an
        "if" with one after it in its sentence asks about what has happened.
        """
        categories: Set[str] = set()
        current = False
        symptoms = [span for span in spans if span not in where_only]
        first_symptom = min((start for start, _ in symptoms), default=None)
        for span in spans:
            for modifier in modifiers_of.get(span, ()):
                m_start, m_end = modifier.modifier_span  # type: ignore[attr-defined]
                if (
                    modifier.category == "NEGATED_EXISTENCE"  # type: ignore[attr-defined]
                    and span in where_only
                    and first_symptom is not None
                    and m_end <= first_symptom
                    and any(
                        doc[k].lower_ in TURNS for k in range(m_end, first_symptom)
                    )  # type: ignore[index]
                ):
                    continue
                # A trigger inside the cue itself ("can't pee") is part of the symptom.
                if any(s <= m_start and m_end <= e for s, e in spans):
                    continue
                scope = self._scope.get(modifier.rule.literal)  # type: ignore[attr-defined]
                distance = max(span[0] - m_end, m_start - span[1], 0)
                if scope is not None and distance > scope:
                    continue
                if (
                    concept.history_counts
                    and modifier.category == "NEGATED_EXISTENCE"  # type: ignore[attr-defined]
                    and modifier.direction == "BACKWARD"  # type: ignore[attr-defined]
                ):
                    continue  # "had cancer, been fine since": that history is the flag
                if modifier.category == "NEGATED_EXISTENCE" and (  # type: ignore[attr-defined]
                    _modal_before(doc, m_start)
                    # "can't walk to the door without gasping": two negations, it happens
                    or _without_after_inability(doc, m_start)
                    # "doesn't know me and can't talk": the "n't" belongs to a symptom
                    or any(s <= m_start and m_end <= e for s, e in all_cues)
                ):  # type: ignore[attr-defined]
                    continue  # "can't walk and slurring": can't is not "no slurring"
                literal = modifier.rule.literal  # type: ignore[attr-defined]
                if modifier.category == "HISTORICAL" and (  # type: ignore[attr-defined]
                    literal.split(":", 1)[1] in concept.recent or span in lasting
                ):
                    continue
                # "can acupuncture help with the chest pain I've had for the last hour":
                # asking to treat what is happening now is no what-if.
                if (
                    modifier.category == "HYPOTHETICAL"  # type: ignore[attr-defined]
                    and literal.split(":", 1)[1] in self._asks_to_treat
                    and told_as_now
                ):
                    continue
                if modifier.category == "HYPOTHETICAL" and asks_what_it_means:  # type: ignore[attr-defined]
                    continue
                # "would it still be ok to come if my leg gave out on the stairs this
                # morning??": an "if" told with a time near now is no what-if.
                if (
                    modifier.category == "HYPOTHETICAL"  # type: ignore[attr-defined]
                    and literal.split(":", 1)[1] == "if"
                    and any(
                        m_end <= d_start and d_end <= _sentence_end(doc, m_start)
                        for d_start, d_end in dated_recently
                    )
                ):
                    continue
                categories.add(modifier.category)  # type: ignore[attr-defined]
                if modifier.category in ("HISTORICAL", "FAMILY"):  # type: ignore[attr-defined]
                    current = current or in_current_clause(span[0])
        if "NEGATED_EXISTENCE" in categories:
            return "negated"
        if "HYPOTHETICAL" in categories and not concept.hypothetical_counts:
            return "hypothetical"
        historical = "HISTORICAL" in categories and not concept.history_counts
        if (historical or ("FAMILY" in categories and "HISTORICAL" in categories)) and not current:
            return "past"
        return None


# Someone who treats, then what they did or found, in one sentence: "the paramedics
# came and did an ECG, all normal", "the ambulance crew checked me over and said its
# muscular", "111 said it can wait for my gp". Not "the doctor said to call 999".
_CLINICIAN_FOUND = re.compile(
    r"\b(?:paramedics?|ambulance (?:crew|people|men|staff)|the crew|doctors?|drs?|gp|nurses?|"
    r"111|a ?& ?e|a and e|hospital|consultant|out of hours|urgent care|minor injuries)\b"
    r"[^.?!]{0,60}?\b(?:(?:checked|examined|assessed|looked at|looked over) (?:me|him|her|us|them)|"
    r"checked over|looked over|did (?:an? |some )?"
    r"(?:ecg|x ?-?rays?|scans?|bloods|tests?|obs)|said (?:it|its|it was|i was|im|he was|hes|"
    r"she was|shes|they were|nothing|all|everything|there was nothing|i am|he is|she is|"
    r"it is|it can|its nothing)\b|reassured|cleared|all (?:normal|fine|clear|ok))"
)


# Words before a CURRENT_CLAUSE word that make it describe what was named before them.
DESCRIBING_BEFORE = frozenset({"that", "which"})


# Words that make help sought a condition or a plan for later, in its clause.
_PUT_OFF_BEFORE = re.compile(r"\b(if|unless|when|in case|maybe|might|may)\b")
_PUT_OFF_AFTER = re.compile(
    r"\b(if|unless|later|maybe|tomorrow|tonight|next|on (mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"(mon|tues|wednes|thurs|fri|satur|sun)day|in the morning|after)\b"
)


def _without_apostrophes(text: str) -> str:
    return re.sub(r"['’]", "", text.lower())


@lru_cache(maxsize=4)
def _said_safe_pattern(phrases: Tuple[str, ...]) -> re.Pattern[str]:
    if not phrases:
        return re.compile(r"(?!)")  # matches nothing
    words = (r"\s+".join(map(re.escape, _without_apostrophes(p).split())) for p in phrases)
    return re.compile(r"\b(" + "|".join(words) + r")\b")


class _People(NamedTuple):
    """The words that say whose body a cue's parts belong to (``RELATIVES_APART_LEXICONS``)."""

    relatives: FrozenSet[str]
    self_words: FrozenSet[str]
    observing: FrozenSet[str]
    others: FrozenSet[str]  # he, she, his, her...


def _single_words(terms: Iterable[str]) -> FrozenSet[str]:
    return frozenset(term for term in terms if " " not in term)


def _relatives(
    span: Tuple[int, int], modifiers_of: Dict[Tuple[int, int], List[Any]], doc: Any, people: _People
) -> bool:
    """Whether a relative named before the cue part reaches it (ConText's FAMILY)."""
    return any(
        m.category == "FAMILY"
        # "my wife says one side is drooping": she saw it, it is the patient's
        and not any(
            doc[i].lemma_ in people.observing
            for i in range(m.modifier_span[1], m.modifier_span[1] + 3)
            if i < len(doc)
        )
        for m in modifiers_of.get(span, ())
    )


def _own(span: Tuple[int, int], doc: Any, people: _People) -> bool:
    """Whether the cue part is the patient's: "my back", "I've lost weight"; not "my nan fell"."""
    before = [doc[i].lower_ for i in range(max(0, span[0] - 2), span[0])]
    return (
        # the cue itself ("my back", not "my husband's back")
        (
            doc[span[0]].lower_ == "my"
            and not any(
                token.lower_ in ("'s", "’s") or token.lower_ in people.relatives
                for token in doc[span[0] : span[1]]
            )
        )
        or (bool(before) and before[-1] == "my")
        or any(word in people.self_words for word in before)
    )


def _two_people(
    spans: List[Tuple[int, int]],
    modifiers_of: Dict[Tuple[int, int], List[Any]],
    doc: Any,
    people: _People,
) -> bool:
    """Whether the cue's parts belong to two people: a relative's and the patient's own.

    "my husband's got prostate cancer, I'm booking for my sciatica": the
    cancer is his, the sciatica is the patient's, so neither has both. A
    carer's "my dad has cancer and his back is bad now" stays a red flag.
    """
    # "my back" is the patient's even within the reach of "my mum" before it.
    return (
        len(spans) > 1
        and any(
            _relatives(span, modifiers_of, doc, people) and not _own(span, doc, people)
            for span in spans
        )
        and any(_own(span, doc, people) for span in spans)
    )


# How far before a cue part the person it belongs to is named ("my gran is on steroids").
_WHOSE_REACH = 3
# The patient's own words inside or just before a cue ("my legs", "give me").
_MY = ("my", "me")


def _someone_elses(spans: List[Tuple[int, int]], doc: Any, people: _People) -> bool:
    """Whether the cue is told of someone named just before it or in it.

    "his legs", "she's been self harming", "my housemate's foot has started
    slapping", "my husbands foot": not "my foot", not "foot drop getting worse"
    (whose, the cue does not say).
    """

    def named(token: Any) -> bool:
        word = token.lower_
        return (
            word in people.others
            or word in people.relatives
            or (word.endswith("s") and word[:-1] in people.relatives)
        )

    def mine(token: Any) -> bool:
        return token.lower_ in _MY

    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    if _own((start, end), doc, people) or any(mine(doc[i]) for i in range(start, end)):
        return False
    if any(named(doc[i]) for i in range(max(0, start - _WHOSE_REACH), end)):
        return True
    # No one named just before the cue ("my dad's 94, his breathing went again last
    # night, lips blue"): the nearest person before it in its sentence.
    for i in range(start - 1, _sentence_start(doc, start) - 1, -1):
        # ("Mrs Patel, who I look after, keeps getting numb legs": the carer's "I")
        if i > 0 and doc[i - 1].lower_ in ("who", "whom"):
            continue
        if mine(doc[i]) or doc[i].lower_ in people.self_words:
            return False
        if named(doc[i]):
            return True
    return False


def _lasting_not_now(
    concept: Concept,
    names: Sequence[str],
    spans: List[Tuple[int, int]],
    long_standing: List[Tuple[int, int]],
    now_words: List[Tuple[int, int]],
    clause_of: Callable[[int], int],
    doc: Any,
) -> bool:
    """Whether a cue is told as lasting, and nothing in its sentence is told as now.

    "my husband's legs have been weak for years now" (that "now" is the lasting's);
    not "sciatica for years, but her legs went weak this morning".
    """
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    told_now = any(
        _sentence_start(doc, start) <= at < _sentence_end(doc, end - 1)
        and not any(ls < at <= le for ls, le in long_standing)
        for at, _ in now_words
    )
    if told_now:
        return False
    symptoms = [
        span
        for name, span in zip(names, spans, strict=True)
        if name not in WHERE_ONLY and name not in concept.lasting
    ]
    # not what a lasting condition's words say ("on steroids for years")
    condition_ends = [
        part_end
        for name, (_, part_end) in zip(names, spans, strict=True)
        if name in concept.lasting
    ]
    durations = [
        (at, at_end)
        for at, at_end in long_standing
        if not any(0 <= at - part_end <= LASTING_REACH for part_end in condition_ends)
    ]
    return _told_as_lasting(symptoms, durations, clause_of, doc)


def _told_as_lasting(
    symptoms: List[Tuple[int, int]],
    lasting: List[Tuple[int, int]],
    clause_of: Callable[[int], int],
    doc: Any,
) -> bool:
    """Whether a symptom is told as lasting beside it, in its clause, with no turn between.

    "his legs have been weak for years"; not "has had sciatica for years but since
    lunch her legs are weak", nor "on steroids for years, she bent down and..." (the
    lasting thing is the steroids, a cue part that names a lasting condition), nor
    "sometimes has absences and he has collapsed" (not beside it).
    """
    return any(
        clause_of(at) == clause_of(start)
        and max(at - end, start - at_end) <= LASTING_NEAR
        and not any(doc[i].lower_ in TURNS for i in range(min(end, at_end), max(start, at)))
        for start, end in symptoms
        for at, at_end in lasting
    )


# Someone else in medical hands, said as a state or a deed, not a plan: "he is in
# hospital", "his son took him to A&E", "the paramedics are with her now", "she
# needed emergency surgery", "he's seeing a neurosurgeon" (example sets 116 to 119).
_THEM = r"(?:him|her|them)"
# ("we're with the crisis team now": the writer beside the one cared for)
_THEY = r"(?:he|she|they|hes|shes|theyre|they['’]re|we['’]re)"
# (an animal's carer too: "the vet is keeping him in" puts a pet's cue in hands)
_ANIMAL_CARER = r"vets?|vet['’]s"
_CARER = (
    r"(?:hospital|a&e|a and e|a\+e|the er|casualty|gp|doctors?|paramedics?|ambulance|"
    r"(?:neuro)?surgeons?|consultant|specialist|neurology|neurologist|ward|icu|resus|"
    r"(?:cardiac|stroke|coronary care|spinal) unit|cardiology|theatre|surgery|"
    r"crisis team|mental health team|nurses?|physio|999|111|nhs 111|walk[- ]in(?: centre)?|"
    rf"urgences|infirmary|{_ANIMAL_CARER})"
)
_IN_CARE = re.compile(
    rf"\b{_THEY}(?: is| are| was| were|['’]s)?(?: now| still| already)? "
    rf"(?:in|at|on|under|with|waiting in|waiting at|admitted to|"
    rf"being (?:seen|treated|checked|looked after)(?: by| at| in)?|"
    rf"seeing|seen by|been seen by|checked by|treated by)"
    rf"(?: the| a| an| his| her| their)? {_CARER}\b"
    rf"|\b(?:took|taken|sent|rushed|got|admitted|ran|drove) {_THEM}(?: straight| in)?"
    rf" (?:to|into|in)\b(?: the| a| an)? {_CARER}\b"
    rf"|\b{_CARER} (?:is|are|were|was|have been|has been|has|have|had)? ?"
    rf"(?:with|took|sorted|checked|scanned|treated|saw|seen|seeing|got|admitted|operated on|"
    rf"sent|send|sends|referred|kept|keeping|"
    rf"has taken|have taken|taken) {_THEM}\b"
    # "the district nurse knows about it", "the neurologist and the falls team are
    # involved", "the surgeon is keeping a close eye on it" (example sets 140 to 143)
    # (not "the GP knows nothing about it")
    rf"|\b{_CARER} (?:(?:knows|know)\b(?! nothing| nowt| not)|(?:is|are) (?:involved|aware)\b"
    rf"|(?:is|are) keeping (?:a close |an |a )?eye on\b)"
    # "the paramedics came", "doctors are doing an MRI on him today"
    rf"|\b(?:the )?{_CARER} (?:came|arrived|came out|was called|were called|is here|are here|"
    rf"(?:is |are )?on (?:the|their|his|her) way)\b"
    # "they called an ambulance", "I've called her GP"
    rf"|\b(?:called|rang|rung|phoned|dialled|dialed)(?: an?| the| her| his| their)? {_CARER}\b"
    # "I've rung 111 and they're sending someone" (example sets 144 to 147)
    rf"|\b(?:they(?:['’]re| are)|{_CARER} (?:is|are)) sending (?:someone|somebody|an ambulance|"
    rf"a paramedic|a crew)\b"
    rf"|\b{_CARER} (?:are |is )?(?:doing|did|done) (?:an? |some )?"
    rf"(?:mri|scans?|tests|x-?rays?|ecg|bloods) on {_THEM}\b"
    # "he's gone to hospital", "she's been to A&E"
    rf"|\b{_THEY}(?:['’]s| has| have)? (?:gone|been) (?:in)?to(?: the| a)? {_CARER}\b"
    rf"|\b{_THEY}(?: has| have|['’]s)? (?:had|needed|needs|need|having|is having|went in for)"
    rf"(?: an?| the| emergency| urgent)* (?:surgery|operation|op)\b"
    # "he was checked at A&E", "she's been admitted to hospital"
    rf"|\b{_THEY}(?: was| were| has been| have been|['’]s been| got| is being| was being) "
    rf"(?:checked|seen|treated|scanned|x-rayed|admitted|operated on|taken|rushed|blue-lighted)"
    rf"(?: over)?(?: at| by| in| to| into)(?: the| a| an)? {_CARER}\b"
    # "...and ended up having emergency surgery", "ended up in hospital"
    rf"|\bended up (?:having|needing|in)(?: an?| the| emergency| urgent)*"
    rf" (?:surgery|operation|op|hospital|a&e)\b"
)


def _others_in_care(text: str) -> List[int]:
    """Where in ``text`` it says someone else is in medical hands already."""
    return [match.start() for match in _IN_CARE.finditer(text.lower())]


# Words after "back" that make it a place or a time: "back to normal", "back when".
_NOT_RECURRING = (
    r" to\b| in\b| on\b| at\b| home\b| from\b| with\b| up\b| when\b| then\b| during\b"
    r"| before\b| around\b"
    # ...or the back itself: "it's back pain I'm coming for" (example sets 168 to 175)
    r"| pain| ache| achy| problem| issue| trouble| injur| spasm| muscle| stiff| twinge| niggle"
)
_RECENTLY = (
    rf"(?:{WEEKDAY_WORD}|yesterday|last night|this morning|the weekend|this week|the other day)"
)
# What was over is back: "it's back since thursday", "they've come back", "I started
# again last night", "the same sharp pain again", "passed out again, 2nd time today"
# (example sets 120 to 123)...
_RECURS = re.compile(
    r"\b(?:(?:it|they|that|this)(?:['’]?s|['’]?ve| has| have| is| are)? )?"
    r"(?:come|came|coming) back\b"
    r"|\b(?:it|its|it['’]s|it is|they|theyre|they['’]re|they are|thats|that['’]s)(?: now| all)?"
    rf" back\b(?!{_NOT_RECURRING})"
    r"|\b(?:started|starting|begun|began|happening|happened|doing it|did it|done it|gone|went)"
    r"(?: up| off)? again\b"
    r"|\bsame\b[\w ]{0,25}?\b(?:again|(?:is|are|['’]s) back)\b"
    r"|\bworse than (?:last time|before|the last)\b"
    r"|\bback again\b"
    r"|\bagain (?:since|last night|this morning|today|tonight|yesterday|now)\b"
    r"|\b(?:2nd|second|3rd|third) time (?:today|this week|since)\b"
    r"|\b(?:has|have|it|they|symptoms?) returned\b"
    # "Since Sunday I've got the plan again"
    rf"|\bsince {_RECENTLY}\b[^.!?]{{0,40}}?\bagain\b"
    rf"|\bagain\b[^.!?]{{0,30}}?\bsince {_RECENTLY}\b"
)
# ...and the cue's own words said to be back: "the drop foot is back".
_CUE_IS_BACK = re.compile(
    r"\s*(?:(?:is|are|['’]s|has|have)(?: now| all)? back|(?:has |have |had )?(?:come|came) back"
    r"|(?:has |have )?returned)\b"
    rf"(?!{_NOT_RECURRING})"
)
# Not when denied or only supposed in its clause ("hasn't come back", "if it ever came
# back"), dated in the past ("it came back in 2017"), or when what returned is the
# function or a result ("it came back completely", "the strength came back within a
# few months", "all the tests came back normal").
_RECURS_DENIED = re.compile(
    r"\b(?:not|never|no|if|unless|case|could|would|might|may|should|worried|afraid|scared|"
    # "Any tips to avoid that happening again?" (set 258)
    r"hope|hoping|ever|wont|dont|doesnt|hasnt|havent|didnt|isnt|arent|before|avoid|avoiding|"
    r"prevent|preventing|stop (?:it|that|this))\b|n['’]t\b"
)
_RECURS_DATED = re.compile(
    r"^[^.,;!?]{0,25}?\b(?:in (?:19|20)\d\d|years? ago|last year|months ago|back then|"
    r"at the time|at school|as a (?:kid|child|teen)|when i was)\b"
)
_RECOVERED_AFTER = re.compile(
    r"\s*(?:(?:completely|fully|to|normal|all|within|over|after|eventually|gradually|slowly|with|"
    r"ok|okay|fine|perfectly|100|negative|clear|clean|good|well|quickly|pretty|mostly|nearly|"
    # ("lost control of the bladder for a day [...], came back quick": sets 176 to 183)
    r"almost|bit by bit|on its own|by itself|thank|quick|soon)\b"
    # "the foot came back about 80 percent" (example sets 152 to 159)
    r"|(?:about |around |roughly |maybe )?\d+ ?(?:%|percent\b|per cent\b))"
)
_RECOVERED_SUBJECT = re.compile(
    r"\b(?:feeling|sensation|strength|power|movement|function|nerve|nerves|tests?|results?|"
    r"scans?|bloods|mri|all|everything|memories|memory|energy|appetite|confidence|sleep|"
    r"colour|color|reflexes|control|fully|completely|totally)\b[^.,;!?]{0,12}$"
    # doing well again: "I'm running 5ks again now", "walking normally again"
    r"|\b(?:running|walking|jogging|cycling|swimming|working|driving|sleeping|normal|normally|"
    # (just before "again": in a message without commas, "the voices told me to hurt
    # myself [...] but theyre telling me again now" is back: example set 122)
    r"fine|able|can|better|strong|stronger|good|great|myself)\b[^.,;!?]{0,25}$"
)
# The cue's own words said not to be back ("the foot drop hasn't come back since the
# op"), or to be gone ("the numbness in both legs has completely gone"; not "the
# numbness has gone into both legs").
_CUE_NOT_BACK = re.compile(
    r"\s*(?:(?:has|have|had|is|are|did|does|do)(?:nt|n['’]t| not| never)|never|not)"
    r" (?:come|came|been|returned|gone) back\b"
    r"|\s*(?:has|have|had)(?:nt|n['’]t| not| never) returned\b"
)
_CUE_GONE = re.compile(
    r"\s*(?:has|have|had|is|are|['’]s)? ?(?:now |completely |totally |fully |all |since |finally )?"
    r"(?:gone|went away|gone away|cleared|cleared up|disappeared|vanished|resolved|settled)\b"
    r"(?=\s*(?:[.,;!?]|$|now\b|since\b|for good\b|completely\b|totally\b|but\b|thank"
    r"|after\b|with\b))"
)


# The back or hip itself is what is back or fine: "Back's playing up again now" after a
# past "couldn't wee for a day", "Back's fine today" after a chest that feels sat on
# (example sets 208 to 223).
_PAIN_SUBJECT = re.compile(
    r"^\s*(?:my |the )?(?:back|lower back|hip|hips|sciatica|neck)(?:['’]s| is| has)?\b"
    r"[^.,;!?]{0,20}$"
)


def _back_now(text: str, start: int, end: int) -> bool:
    """Whether the words of ``text`` from ``start`` to ``end`` say something over is back."""
    clause = re.split(r"[.,;!?]", text[:start])[-1]
    after = text[end:]
    return not (
        _RECURS_DENIED.search(clause)
        or _RECURS_DATED.search(after)
        or _RECOVERED_AFTER.match(after)
        or _RECOVERED_SUBJECT.search(clause)
        or _PAIN_SUBJECT.search(clause)
    )


# Someone coming back, not a symptom: "I must come back because of my history".
_PERSON_RETURNING = re.compile(
    r"\b(?:i|im|you|we|me|must|to|will|ll|can|please|should|and|then|gp|doctor|they said)\s+$"
)


def _recurrences(text: str) -> List[int]:
    """Where in ``text`` (lower case) it says that something over is back now."""
    return [
        match.start()
        for match in _RECURS.finditer(text)
        if _back_now(text, match.start(), match.end())
        and not (
            match.group().startswith(("come", "came", "coming"))
            and _PERSON_RETURNING.search(text[: match.start()].replace("'", " "))
        )
    ]


def _cue_is_back(text: str, cue_end: int) -> bool:
    """Whether the words right after a cue say it is back: "the drop foot is back"."""
    match = _CUE_IS_BACK.match(text, cue_end)
    return match is not None and _back_now(text, cue_end, match.end())


_MODALS = {"can", "could", "will", "would"}
# Words of a question that is the patient's own or asks what they can do.
_ASKED_OF_ONESELF = frozenset({"i", "me", "my", "im", "can", "ca", "able", "could"})


def _modal_before(doc: Any, i: int) -> bool:
    return i > 0 and doc[i - 1].norm_ in _MODALS


# "can't get up the stairs without my chest clamping": whatever follows "without"
# happens every time, so "without" does not negate it.
_INABILITY = {"not", "n't", "cannot", "unable", "hardly", "barely", "never"}
_INABILITY_REACH = 8  # words back from "without"


def _without_after_inability(doc: Any, i: int) -> bool:
    if doc[i].lower_ != "without":
        return False
    for j in range(i - 1, max(-1, i - 1 - _INABILITY_REACH), -1):
        if doc[j].is_sent_start or doc[j].text in ".,;:!?":
            return doc[j].norm_ in _INABILITY or doc[j].lower_ in _INABILITY
        if doc[j].norm_ in _INABILITY or doc[j].lower_ in _INABILITY:
            return True
    return False


# Letters typed one at a time, words apart by a wider gap: "F E L L  O N  H I P.  C A N T
# W A L K" (example set 133: older patients typing with one finger, or a keyboard
# setting). Four or more lone characters in a row; a lone "I" or "a" in a sentence
# is not a run.
_SPELT_OUT = re.compile(r"(?<!\S)(?:[^\W_][.,!?;:']* {1,3}){3,}[^\W_][.,!?;:']*(?!\S)")


def letters_joined(text: str) -> Tuple[str, List[int]]:
    """``text`` with its spelt-out words joined ("C A N T  W A L K" -> "CANT WALK").

    Returns the text read and, for each of its characters, where it was in ``text``.
    """
    out: List[str] = []
    origin: List[int] = []

    def keep(start: int, end: int) -> None:
        out.append(text[start:end])
        origin.extend(range(start, end))

    at = 0
    for run in _SPELT_OUT.finditer(text):
        keep(at, run.start())
        previous_end = None
        for letter in re.finditer(r"\S+", run.group()):
            start, end = run.start() + letter.start(), run.start() + letter.end()
            if previous_end is not None and start - previous_end > 1:
                out.append(" ")
                origin.append(previous_end)
            keep(start, end)
            previous_end = end
        at = run.end()
    keep(at, len(text))
    return "".join(out), origin


def _plain(text: str) -> str:
    """Lower case, typographic quotes as plain ones: "CAN’T" reads like "can't".

    Character offsets stay those of ``text``: a lower-cased form of another
    length (a few non-English letters) is not used.
    """
    plain = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    lower = plain.lower()
    return lower if len(lower) == len(plain) else plain


def _text_speak() -> Dict[str, str]:
    """The text-speak the intent classifier's spelling step writes out, in lower case."""
    from clinic_core.spelling import TEXT_SPEAK

    return {short.lower(): meaning.lower() for short, meaning in TEXT_SPEAK.items()}


@lru_cache(maxsize=4096)
def _proper_name(token: Any, typed: str) -> bool:
    """Whether ``token`` was typed as a name after another word ("Marie Coulson").

    A surname is no misspelt symptom: "Coulson" is as near "convulsion", and
    "Fallon" "fallen", as a slip would be (tried over REST: the name answered at
    the name question got the 999 reply). The message is read in lower case, so
    the case is the typed text's (the offsets are the same).
    """
    written = typed[token.idx : token.idx + len(token)]
    if not (written.istitle() and token.i > 0 and token.nbor(-1).is_alpha):
        return False
    # "My Husband Has Colapsed": every word capitalised is a way of typing, not names
    words = re.findall(r"[^\W\d_]+", typed)
    titled = sum(word.istitle() for word in words)
    return len(words) <= MAX_NAME_WORDS or titled < TITLE_TYPING_SHARE * len(words)


def _closest(word: str, vocabulary: FrozenSet[str]) -> Tuple[str, ...]:
    """The red-flag word a misspelt ``word`` most likely is, if any."""
    return tuple(difflib.get_close_matches(word, vocabulary, n=1, cutoff=CORRECTION_CUTOFF))


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_slip_from(word: str, vocabulary: FrozenSet[str]) -> Tuple[str, ...]:
    """The red-flag words one slip from a short ``word``, starting with its letter.

    A slip is a letter left out, added, changed, or two letters swapped (Norvig's
    edits): "bcak" is "back", "lfit" "lift", "nmub" "numb". A word of three letters
    only lost one ("kll", "fet"): changed, "cbt" would be "cut" and "axa" "axe".
    """
    edits = _edits(word, letter_lost_only=len(word) <= MIN_SLIPPED_LENGTH)
    return tuple(sorted(e for e in edits & vocabulary if e[0] == word[0]))


def _edits(word: str, letter_lost_only: bool = False) -> Set[str]:
    """What ``word`` was meant to be if one slip made it (Norvig's edits).

    The typed word with a letter put back, taken out, changed, or two letters
    swapped back; only the first when ``letter_lost_only``.
    """
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {left + c + right for left, right in splits for c in _LETTERS}
    if letter_lost_only:
        return edits
    edits |= {left + right[1:] for left, right in splits if right}
    edits |= {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    edits |= {left + c + right[1:] for left, right in splits if right for c in _LETTERS}
    return edits


# What stands for a typed apostrophe in a misspelt contraction ("can;t", "can`t").
_APOSTROPHE_SLIPS = "';`"


def _misspelt(bare: str) -> FrozenSet[str]:
    """``bare`` (a contraction without its apostrophe: "cant") with one slip, same first letter.

    Norvig's edits of at least four letters ("catn", "cnat"), and an apostrophe
    put anywhere ("ca'nt", "cant'", "can;t").
    """
    edits = {e for e in _edits(bare) if len(e) >= 4}
    edits |= {
        bare[:i] + mark + bare[i:] for i in range(1, len(bare) + 1) for mark in _APOSTROPHE_SLIPS
    }
    return frozenset(e for e in edits if e[0] == bare[0] and e != bare)


@lru_cache(maxsize=1)
def _english_dictionary() -> FrozenSet[str]:
    """Pyspellchecker's English words, read once per process (two detectors share it)."""
    from spellchecker import SpellChecker

    return frozenset(SpellChecker().word_frequency.dictionary)


# British spellings of words pyspellchecker's (American) list has: "sceptical" is no
# slip of "septic". Each a (British, American) piece of a word.
_BRITISH_SPELLINGS = (
    ("sc", "sk"), ("our", "or"), ("isation", "ization"), ("ise", "ize"), ("yse", "yze"),
    ("tre", "ter"), ("ae", "e"), ("oe", "e"), ("ogue", "og"), ("ence", "ense"), ("ll", "l"),
)  # fmt: skip


def _in_dictionary(word: str, dictionary: FrozenSet[str]) -> bool:
    """Whether ``word``, or its American spelling ("sceptical": "skeptical"), is an English word."""
    if word in dictionary:
        return True
    return any(
        british in word and word.replace(british, american) in dictionary
        for british, american in _BRITISH_SPELLINGS
    )


_INFLECTIONS = ("ing", "ed", "es", "s", "d")


def _stem_in(word: str, vocabulary: FrozenSet[str]) -> Tuple[str, ...]:
    """The red-flag word an English ``word`` inflects ("pooped": "poop"), if any."""
    for ending in _INFLECTIONS:
        if word.endswith(ending):
            stem = word[: -len(ending)]
            for candidate in (stem, stem[:-1] if stem[-2:-1] == stem[-1:] else stem):
                if candidate in vocabulary:
                    return (candidate,)
    return ()


_shared: Dict[Tuple[str, str], Tuple[RedFlagSpec, RedFlagDetector]] = {}


def shared_detector(
    path: Optional[Union[str, Path]], pipeline: Union[str, Path]
) -> RedFlagDetector:
    """One detector per red-flag file and pipeline in this process, rebuilt when the file changes.

    The NLU component and the follow-up policy both check messages; a detector holds a spaCy
    and medspaCy pipeline (about 3 s and tens of MB), so they share it.
    """
    spec = load_red_flags(path)
    key = (str(red_flags_file(path).resolve()), str(Path(pipeline).resolve()))
    cached = _shared.get(key)
    if cached is None or cached[0] is not spec:
        cached = (spec, RedFlagDetector(spec, pipeline))
        _shared[key] = cached
    return cached[1]


def _sentence_start(doc: Any, i: int) -> int:
    """Where the sentence of token ``i`` begins: after a full stop, not a comma."""
    while i > 0 and not _ENDS_SENTENCE.match(doc[i - 1].text):
        i -= 1
    return i


def _sentence_end(doc: Any, i: int) -> int:
    """Where the sentence of token ``i`` ends (exclusive)."""
    while i < len(doc) and not _ENDS_SENTENCE.match(doc[i].text):
        i += 1
    return i


def _spread(spans: List[Tuple[int, int]]) -> int:
    """Words between the first cue's end and the last cue's start."""
    return max(0, max(s for s, _ in spans) - min(e for _, e in spans))


def _nearest(anchor: Tuple[int, int], spans: List[Tuple[int, int]]) -> Tuple[int, int]:
    return min(spans, key=lambda s: abs(s[0] - anchor[0]))


def _run_on_starts(doc: Any) -> Set[int]:
    """Where a message that runs on without a comma starts another clause: "and they...".

    Dictated and hurried messages have no commas: "went numb down below for a few
    hours back in 2021 and they rushed me for an mri it was all clear and its never
    happened again" (example sets 168 to 175). A message that is one clause of
    ``RUN_ON_WORDS`` or more words is split before a conjunction followed by a subject
    (``RUN_ON_PIECE`` words or more after the last split), so that one part's time or
    present tense ("again") is not read into another's. Only that reading uses these
    parts: ``unless`` words reach their whole punctuated clause ("grandad always said
    he wanted to die but he lived to 95"), and ConText's sentences are not split ("what
    if my blood pressure drops and I pass out" is still a what-if). Punctuated messages
    are left as written: there "and I had none of it" or "but I still feel the same"
    reaches back over its "and" or "but" (example sets 91, 97).
    """
    clauses = [sentence for sentence in doc.sents if len(sentence) > 2]  # not "hi," or "?"
    if len(clauses) != 1 or len(clauses[0]) < RUN_ON_WORDS:
        return set()  # punctuated: its writer's commas and full stops say where clauses end
    starts: Set[int] = set()
    start = clauses[0].start
    for i in range(clauses[0].start, clauses[0].end - 1):
        if (
            i - start >= RUN_ON_PIECE
            and doc[i].lower_ in RUN_ON_CONJUNCTIONS
            and doc[i + 1].lower_ in RUN_ON_SUBJECTS
        ):
            starts.add(i)
            start = i
    return starts


_QUOTE_MARKS = frozenset({"'", '"'})


def _quoted_stretches(doc: Any) -> List[Tuple[int, int]]:
    """The token ranges between a pair of quote marks standing alone ("'end it all'")."""
    stretches = []
    opened: Dict[str, int] = {}
    for token in doc:
        mark = token.text
        if mark not in _QUOTE_MARKS:
            continue
        if mark in opened:
            stretches.append((opened.pop(mark) + 1, token.i))
        else:
            opened[mark] = token.i
    return stretches


def _opens_own_clause(doc: Any, now: int) -> bool:
    """Whether the "now" at ``now`` follows "and" or "but" and no "it" goes on after it.

    "she had a mini stroke a few years back and now has lower back pain" (example sets
    200 to 207); not "a new pain for a month and now it's waking him" (set 39).
    """
    after = doc[now + 1].lower_ if now + 1 < len(doc) else ""
    return doc[now - 1].lower_ in RUN_ON_CONJUNCTIONS and after not in THING_SUBJECTS | {"its"}


def _after_resolving_conjunction(doc: Any, start: int) -> bool:
    """Whether the words at ``start`` follow "but", or "and it": "... and it went away"."""
    before = start - 1
    subject = before > 0 and doc[before].lower_ in RESOLVING_SUBJECTS
    if subject:
        before -= 1
    if before < 0:
        return False
    word = doc[before].lower_
    return word in RESOLVING_CONJUNCTIONS or (subject and word in RESOLVING_WITH_SUBJECT)


def _cue_readings(
    anchor: Tuple[int, int], groups: List[List[Tuple[int, int]]], sentence_of: Sequence[int]
) -> List[List[Tuple[int, int]]]:
    """The spans a cue's parts may take around ``anchor``.

    Each part's nearest, then each in turn the nearest on the anchor's other side in
    the anchor's sentence.

    "could you look at my back too? I've been on prednisolone [...] bent down [...]
    searing pain in the middle of my back": the nearest "back" is the one asked about,
    and read with it the thin-bone fracture was set aside as a what-if (example set 59).
    (The last mention instead, "took a knee in the back [...] now a sore spot on the
    spine", raised five development look-alikes: "my late husband's cancer went to his
    spine [...] I've got my own back pain".)
    """
    nearest = [_nearest(anchor, group) for group in groups]
    readings = [[anchor, *nearest]]
    for k, group in enumerate(groups):
        before = nearest[k][0] < anchor[0]
        # A nearest part in another sentence is no better than one on the other side in
        # another ("Hi, I had sciatica years ago. Long-term steroid user. I heard a click
        # in my back when I sneezed": the old sciatica had dated the new fracture).
        elsewhere = sentence_of[nearest[k][0]] != sentence_of[anchor[0]]
        other_side = [
            s
            for s in group
            if (s[0] > anchor[0]) == before
            and s != anchor
            and (elsewhere or sentence_of[s[0]] == sentence_of[anchor[0]])
        ]
        if other_side:
            other = _nearest(anchor, other_side)
            readings.append([anchor, *nearest[:k], other, *nearest[k + 1 :]])
    return readings


__all__ = [
    "RED_FLAG_ENTITY",
    "RED_FLAG_SLOT",
    "ROUTINE",
    "Assessment",
    "ClinicDataError",
    "Concept",
    "Finding",
    "RedFlagDetector",
    "RedFlagSpec",
    "SetAside",
    "load_red_flags",
    "red_flags_path",
    "shared_detector",
]
