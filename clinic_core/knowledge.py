"""The clinic's knowledge: conditions it treats and answers about acupuncture."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

import pydantic

from clinic_core.data_files import ClinicDataError, StrictModel, clinic_dir, load_model

# Intent names of the acupuncture questions, mapped to their answer keys.
ACUPUNCTURE_QUESTIONS = {
    "ask_what_is_acupuncture": "what_is_acupuncture",
    "ask_how_acupuncture_works": "how_acupuncture_works",
    "ask_does_it_hurt": "does_it_hurt",
    "ask_treatment_points": "treatment_points",
    "ask_effectiveness": "effectiveness",
}


class NarrowingOption(StrictModel):
    """A quick-reply choice that narrows general pain down to a condition."""

    title: str
    condition: str


class Narrowing(StrictModel):
    """The question asked when the patient has not said what kind of pain."""

    question: str
    options: List[NarrowingOption] = pydantic.Field(..., min_items=2)


class Condition(StrictModel):
    """One condition the clinic treats, or a pain not yet narrowed down."""

    name: str
    family: str = pydantic.Field(..., regex=r"^(hip|back)$")
    specific: bool = True
    aliases: List[str] = []
    # Words by which a patient names a condition that is a diagnosis
    # ("bursitis", "wear and tear"). The assistant points a patient who only
    # described their pain to its information, but never says it back as
    # theirs: not "About hip bursitis", not a booking saved as "Hip bursitis".
    patient_words: List[str] = []
    # Where it hurts, in the patient's words ("lower back"): no diagnosis, so a message
    # naming the place is about this condition (see ``placed_in``).
    place_words: List[str] = []
    what_it_is: str
    causes: List[str] = pydantic.Field(..., min_items=1)
    symptoms: List[str] = pydantic.Field(..., min_items=1)
    # Said with the signs when some of them can also be a red flag ("weakness in
    # the legs", "redness of the hip"): when to see a doctor instead of waiting.
    see_a_doctor_if: str = ""
    how_acupuncture_helps: str
    points: List[str] = pydantic.Field(..., min_items=1)
    treatment_approach: str
    narrowing: Optional[Narrowing] = None

    @pydantic.root_validator(skip_on_failure=True)
    def general_pain_narrows(cls, values: Dict) -> Dict:
        """A pain that is not specific must say how to narrow it down."""
        if not values.get("specific") and values.get("narrowing") is None:
            raise ValueError("narrowing is required when specific is false")
        return values

    @property
    def is_diagnosis(self) -> bool:
        """Whether naming it for the patient would be a diagnosis (it has patient words)."""
        return bool(self.patient_words)

    def placed_in(self, text: str) -> bool:
        """Whether ``text`` says the pain is where this condition is ("my lower back")."""
        if text.startswith("/"):
            return False
        lowered = f" {' '.join(_WORD.findall(text.lower()))} "
        return any(f" {place.lower()} " in lowered for place in self.place_words)

    def named_in(self, text: str) -> bool:
        """Whether ``text`` names this condition in one of its patient words.

        A word of six letters or more also matches a close spelling
        ("sciatia", "bursits", "arthritus"). A button's payload names nothing:
        the patient chose a description ("Stiff, grinding or tender joint").
        """
        if text.startswith("/"):
            return False
        lowered = " ".join(_WORD.findall(text.lower()))
        words = lowered.split()
        for wanted in self.patient_words:
            wanted = wanted.lower()
            if " " in wanted:
                if f" {wanted} " in f" {lowered} ":
                    return True
                continue
            for word in words:
                if word == wanted or (word.startswith(wanted) and len(wanted) >= 6):
                    return True
                if len(wanted) >= 6 and difflib.SequenceMatcher(None, word, wanted).ratio() >= 0.85:
                    return True
        return False


_WORD = re.compile(r"[a-z]+")


class ConditionKnowledge(StrictModel):
    """Contents of ``clinic/conditions.yml``."""

    version: int
    disclaimer: str
    conditions: Dict[str, Condition]

    @pydantic.root_validator(skip_on_failure=True)
    def options_name_known_conditions(cls, values: Dict) -> Dict:
        """Every narrowing option must lead to a condition in this file."""
        conditions = values["conditions"]
        if not conditions:
            raise ValueError("conditions: at least one condition is required")
        for key, condition in conditions.items():
            for option in condition.narrowing.options if condition.narrowing else []:
                if option.condition not in conditions:
                    raise ValueError(
                        f"conditions.{key}.narrowing: option '{option.title}' names "
                        f"unknown condition '{option.condition}'"
                    )
        return values

    def most_specific(self, keys: List[str]) -> Optional[str]:
        """The first specific condition among ``keys``, else the first key.

        A specific condition wins over general hip or back pain, so "my hip
        hurts, I think it's bursitis" is about bursitis.
        """
        specific = [key for key in keys if self.conditions[key].specific]
        ranked = specific or keys
        return ranked[0] if ranked else None

    def families(self) -> Dict[str, List[str]]:
        """Each pain not yet narrowed down, with every condition of its family.

        ``{"back_pain": ["sciatica", "lower_back_pain", "upper_back_pain",
        "back_pain"], ...}``: a patient surely describing one of a family, but
        not which, is about its general pain.
        """
        found: Dict[str, List[str]] = {}
        for general, condition in self.conditions.items():
            if not condition.specific:
                found[general] = [
                    key
                    for key, other in self.conditions.items()
                    if other.family == condition.family
                ]
        return found

    def general_of(self, key: str) -> Optional[str]:
        """The pain not yet narrowed down of ``key``'s family ("hip_pain" for bursitis)."""
        return next((general for general, keys in self.families().items() if key in keys), None)

    def find(self, name: Optional[str]) -> Optional[str]:
        """Return the condition key for a key, display name or alias, if any."""
        if not name:
            return None
        wanted = name.strip().lower().replace("_", " ")
        for key, condition in self.conditions.items():
            names = [key.replace("_", " "), condition.name, *condition.aliases]
            if wanted in (n.lower() for n in names):
                return key
        return None


class AcupunctureAnswers(StrictModel):
    """Contents of ``clinic/acupuncture.yml``."""

    version: int
    answers: Dict[str, str]
    # What the acupuncturist must know before needling: id -> words ("pregnan*").
    cautions: Dict[str, List[str]] = {}
    # Other therapies the clinic's own text does not speak of ("cupping").
    not_offered: List[str] = []

    @pydantic.validator("not_offered")
    def _therapies_are_lower_case(cls, words: List[str]) -> List[str]:
        """Words are matched in lower case."""
        upper = [w for w in words if w != w.lower()]
        if upper:
            raise ValueError(f"write words in lower case: {', '.join(upper)}")
        return words

    @pydantic.validator("cautions")
    def _caution_words_are_lower_case(cls, cautions: Dict[str, List[str]]) -> Dict[str, List[str]]:
        """Words are matched in lower case; each caution needs at least one."""
        for key, words in cautions.items():
            if not words:
                raise ValueError(f"{key}: no words")
            upper = [w for w in words if w != w.lower()]
            if upper:
                raise ValueError(f"{key}: write words in lower case: {', '.join(upper)}")
        return cautions

    @pydantic.validator("answers")
    def every_question_answered(cls, answers: Dict[str, str]) -> Dict[str, str]:
        """Each acupuncture question intent needs an answer."""
        missing = sorted(set(ACUPUNCTURE_QUESTIONS.values()) - set(answers))
        if missing:
            raise ValueError(f"missing answers: {', '.join(missing)}")
        return answers


def word_pattern(word: str) -> str:
    """A regular expression for a word or phrase of the clinic files ("pregnan*": any ending)."""
    stem = re.escape(word.rstrip("*")).replace(r"\ ", r"\s+").replace("'", "'?")
    return rf"\b{stem}\w*" if word.endswith("*") else rf"\b{stem}\b"


_ACUPUNCTURE = re.compile(r"\bacupunct\w*", re.IGNORECASE)


@lru_cache(maxsize=4)
def _any_of(words: Tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(word_pattern(w) for w in words) or r"(?!)", re.IGNORECASE)


def therapy_not_offered(text: str) -> Optional[str]:
    """The therapy ``text`` names that the clinic's text does not speak of, if any.

    "do you do cupping as well?" is read as a question about acupuncture; its
    honest answer is the team's, not the explanation of acupuncture.
    """
    pattern = _any_of(tuple(load_acupuncture_answers().not_offered))
    found = pattern.search(text)
    # "I had cupping before, will acupuncture help?" asks of acupuncture.
    if found is None or _ACUPUNCTURE.search(pattern.sub(" ", text)):
        return None
    return found.group(0).lower()


def load_conditions() -> ConditionKnowledge:
    """Load ``conditions.yml`` from the clinic folder."""
    return load_model(clinic_dir() / "conditions.yml", ConditionKnowledge)


def load_acupuncture_answers() -> AcupunctureAnswers:
    """Load ``acupuncture.yml`` from the clinic folder."""
    return load_model(clinic_dir() / "acupuncture.yml", AcupunctureAnswers)


__all__ = [
    "ACUPUNCTURE_QUESTIONS",
    "AcupunctureAnswers",
    "ClinicDataError",
    "Condition",
    "ConditionKnowledge",
    "load_acupuncture_answers",
    "load_conditions",
]
