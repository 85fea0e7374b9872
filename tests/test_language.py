"""Messages in another language are told apart from short, slangy or misspelt English."""

from __future__ import annotations

import pytest

from clinic_core.language import reads_as_other_language

# Written for this test (none from the training data or the evaluation sets).
OTHER_LANGUAGES = [
    "Mal de dos, et depuis ce matin je ne sens plus rien entre les jambes",
    "Bonjour, j'ai mal au dos depuis une semaine, est-ce que l'acupuncture peut m'aider ?",
    "Je voudrais prendre rendez-vous pour mardi",
    "¿Cuánto cuesta una sesión?",
    "ayuda por favor me duele mucho la espalda",
    "No siento las piernas desde esta mañana",
    "Ich habe starke Rückenschmerzen und kann meine Beine nicht spüren",
    "Ich möchte einen Termin vereinbaren",
    "Nie czuję nóg i nie mogę oddać moczu",
    "Dzień dobry, boli mnie plecy",
    "Ho mal di schiena da due settimane",
    "Estou com muita dor nas costas",
    "Mă doare spatele de o săptămână",
    "Randevu almak istiyorum",
    "Ik heb veel pijn in mijn rug",
    "我的背很痛",
    "أعاني من ألم في الظهر",
    "У меня сильно болит спина",
    "मेरी पीठ में बहुत दर्द है",
    "Με πονάει η πλάτη μου",
]

ENGLISH = [
    "hip",
    "ok ta",
    "?",
    "cnt feel my legs rn",
    "me nan fell",
    "yh been b4",
    "nt dizzy nt sick jst sore bk",
    "thurs arvo?",
    "Siobhán Kelly",
    "Siobhán Kelly 07823 456781",
    "sciatica flaring, sitting hurts",
    "swollen hot knee, shiverin",
    "ma chest's pure tight an sair an I'm drippin wi sweat",
    "car crash earlier, didnt go hosp, back pain gettin worse n worse",
    "hi can i bok apt for bak pain",
    "i'm dying to try acupuncture",
    "does medicare cover acupuncture",
    # names, typed at the name question
    "Wojciech Szczepański Kowalczyk",
    "María José García López",
]


@pytest.mark.parametrize("text", OTHER_LANGUAGES)
def test_another_language_is_found(text: str) -> None:
    assert reads_as_other_language(text)


@pytest.mark.parametrize("text", ENGLISH)
def test_short_slangy_or_misspelt_english_is_english(text: str) -> None:
    assert not reads_as_other_language(text)
