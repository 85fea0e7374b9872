"""The clinical safety layer: red flags found in patients' own words, context respected."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import pytest
import yaml

from bench.outside import learned_texts
from bench.outside import load_sets as load_outside_sets
from clinic_core.data_files import ClinicDataError, parse_model
from clinic_core.red_flag_screen import example_files, examples_dir, load_examples
from clinic_core.red_flags import (
    RedFlagDetector,
    RedFlagSpec,
    letters_joined,
    red_flags_path,
    shared_detector,
)
from ops.nlu_data import training_texts
from ops.settings import SPACY_PIPELINE_DIR
from tests.helpers.red_flags import levels_everywhere

SAFETY_SETS = Path(__file__).parent / "safety"
EXAMPLES = examples_dir()
# The clinic's red-flag examples: the vocabulary was written against them and
# the learned screen trains on them. The sealed sets in tests/safety/ are only
# measured (make bench-safety), never asserted on, so they stay unseen.
# The vocabulary was written against sets 1-6 item by item (the misses are
# listed below). Later sets were added to train the screen: for each, the
# vocabulary alone keeps the share of red flags it found at the right level and
# the share of look-alikes it raised when the set was added (a regression floor).
ITEMISED_SETS = {"set1", "set2", "set3", "set4", "set5", "set6"}
VOCABULARY_FLOORS = {  # set: (red flags at the right level ≥, look-alike alarms ≤)
    "set7": (0.89, 0.06),
    "set8": (0.87, 0.06),
    "set9": (0.92, 0.05),
    "set10": (0.97, 0.045),
    "set11": (0.89, 0.025),
    "set12": (0.96, 0.075),
    "set13": (0.98, 0.07),
    "set14": (0.98, 0.05),
    "set15": (0.83, 0.11),
    "set16": (0.92, 0.0),  # red flags only (its look-alikes were measured and left out)
    "set17": (1.0, 0.004),  # look-alikes only: everyday complaints (one sinus "face feels heavy")
    "set18": (0.91, 0.045),
    "set19": (1.0, 0.015),  # look-alikes only: ordinary hip and back pain in strong words
    "set20": (0.92, 0.07),
    # set 21, mostly look-alikes: ordinary pain in the words of people fed up with it
    "set21": (0.92, 0.03),
    # set 22: carers of elderly relatives, notes for the form, kneeling, lifting
    "set22": (0.92, 0.035),
    # set 23: plain statements, what the person cannot do, everyday non-back complaints
    "set23": (0.87, 0.03),
    # set 24: answers to the booking form's questions
    "set24": (0.91, 0.04),
    # set 25: long messages about several things, the red flag one clause among them
    "set25": (0.95, 0.13),
    # set 26: messaging-app style, dialect and slang
    "set26": (0.92, 0.045),
    # set 27: English that is not a textbook's (literal translations, the very old)
    "set27": (0.97, 0.075),
    # set 28: hard grammar ("it's not just my back", "should I be worried that ...")
    "set28": (0.92, 0.075),
    # set 29: despair and self-harm in indirect words; venting about pain
    "set29": (0.97, 0.03),
    # set 30: new or spreading weakness and numbness; ordinary sciatica
    "set30": (0.96, 0.04),
    # set 31: names and places that collide with symptoms; very short red flags
    "set31": (0.97, 0.03),
    # set 32: falls, joints and night pain in older people and their carers
    "set32": (0.98, 0.02),
    # set 33: a change in familiar back pain or sciatica; embarrassment about the bladder
    "set33": (0.97, 0.015),
    # set 34: the messaging-app voice, shorthand, English as a second language
    "set34": (0.95, 0.015),
    # set 35: red flags inside cancellations, moves and booking answers
    "set35": (0.97, 0.045),
    # set 36: despair told indirectly; chest, breath and collapse; questions about risks
    "set36": (0.97, 0.04),
    # set 37: words that collide (names, jobs, sports, slang); red flags told as a joke
    "set37": (0.93, 0.035),
    # set 38: other people, with the writer now or only in their history
    "set38": (0.92, 0.045),
    # set 39: long messages with one red flag played down; look-alikes as long
    "set39": (0.92, 0.105),
    # set 40: red flags asked as questions; questions about risks, denials
    "set40": (0.90, 0.045),
    # set 41: legs and nerves in every voice; one-sided sciatica, cramps, arthritic knees
    "set41": (0.93, 0.055),
    # set 45: ordinary booking and admin messages; red flags said inside them
    "set45": (0.96, 0.0),
    # set 46: leg weakness, self-harm said sideways, hip and spinal fractures
    "set46": (0.85, 0.03),
    "set47": (0.85, 0.03),
    "set48": (0.86, 0.02),
    "set49": (0.0, 0.04),  # look-alikes only: ordinary messages about attending
    "set50": (0.88, 0.05),
    # set 51: the same four concepts at 35-40 each, cauda equina 15; its septic joints,
    # labelled urgent by the writer, get the emergency reply of the list (10 of the 31 wrong)
    "set51": (0.86, 0.04),
    # set 52: the same four concepts again, in voice-to-text, second-language English,
    # dialect and understatement
    "set52": (0.86, 0.03),
    # set 53: the same four concepts again, as form answers, buried in long messages, from
    # carers and in clinicians' shorthand
    "set53": (0.90, 0.05),
    # set 55: the same four concepts at 15-30 each, form fragments, buried in long messages,
    # messaging-app and second-language English
    "set55": (0.88, 0.03),
    # set 56: the four concepts at 10-20 each, indirect self-harm, older writers and carers
    # (look-alikes raised by the list alone 12 of 60: the screen's veto halves them)
    "set56": (0.90, 0.21),
    # set 57: texting shorthand, long messages with the point buried, carers, form answers
    "set57": (0.92, 0.05),
    # set 58: voice-to-text, dialect, second-language English, bursts of messages (the list
    # alone raises 6 of 72 look-alikes; with the screen none)
    "set58": (0.90, 0.09),
    # set 59: understatement, buried points, bare answers to a question, thin bones after
    # trivial strains (the list alone raises 5 of 72 look-alikes)
    "set59": (0.84, 0.07),
    # set 60: carers and relatives telling what they see, dark humour, admin questions
    "set60": (0.89, 0.09),
    # set 61: night-time phone typing, second-language English, bare answers (27 of 90 red
    # flags are the screen's)
    "set61": (0.70, 0.11),
    # set 62: long messages about several things, quoted doctors, lists, capitals, urgent
    # flags told vaguely (the list alone raises 7 of 60 look-alikes; with the screen none)
    "set62": (0.83, 0.12),
    # set 63: metaphors, symptom-checker answers, workplace and sports injuries, a few words
    # a line
    "set63": (0.74, 0.04),
    # sets 64 to 70: the same four concepts (leg weakness, suicide and self-harm, spinal
    # fracture, cauda equina) told as asides to booking questions, by older people writing
    # formally, by young people texting, in dialect and second-language English, as long
    # stories told by relatives, dictated, and by expert patients
    "set64": (0.86, 0.09),
    "set65": (0.81, 0.06),
    "set66": (0.84, 0.11),
    "set67": (0.81, 0.11),
    "set68": (0.92, 0.14),
    "set69": (0.81, 0.11),
    "set70": (0.81, 0.11),
    # sets 71 to 73: every concept and both levels, asked inside safety questions, typed as
    # bursts of lines with corrections, and by people who play things down
    "set71": (0.88, 0.07),
    "set72": (0.92, 0.03),
    "set73": (0.93, 0.05),
    # sets 74 to 77: carers' notes, code-switching with phone typos, British understatement
    # and idiom, questions about a symptom happening now
    "set74": (0.89, 0.11),
    "set75": (0.94, 0.05),
    "set76": (0.87, 0.07),
    "set77": (0.84, 0.09),
    # sets 78 to 80: messages of 4 to 12 words, relatives writing in a hurry, everyday
    # activities that no longer work told without a medical word
    "set78": (0.86, 0.07),
    "set79": (0.89, 0.09),
    "set80": (0.79, 0.05),
    # sets 81 to 83: feedback after a session, late-night messages, easy-read writing
    "set81": (0.85, 0.12),
    "set82": (0.75, 0.05),
    "set83": (0.79, 0.09),
    "set84": (0.98, 0.07),
    "set85": (0.98, 0.09),
    "set86": (0.90, 0.05),
    "set87": (0.98, 0.04),
    "set88": (1.00, 0.02),
    "set89": (1.00, 0.04),
    "set90": (0.98, 0.05),
    "set91": (0.98, 0.04),
    "set92": (0.98, 0.09),
    "set93": (0.98, 0.04),
    "set94": (0.94, 0.09),
    "set95": (0.96, 0.05),
    "set96": (0.85, 0.07),
    "set97": (0.89, 0.09),
    "set98": (0.88, 0.07),
    "set99": (0.84, 0.17),
    "set100": (0.64, 0.07),
    "set101": (0.74, 0.07),
    "set102": (0.74, 0.14),
    "set103": (0.75, 0.05),
    # leg weakness and spinal fracture told by sports people, DIY, desk workers and
    # people with a long back history (sets 104 to 107 read to mend the list)
    "set104": (0.81, 0.14),
    "set105": (0.88, 0.1),
    "set106": (0.87, 0.09),
    "set107": (0.85, 0.1),
    # the same mix, unseen by the list's mending: grandparents, performers, drivers, retired
    # professionals (108 to 111, held out for the spine reader); shift workers, people far
    # from a hospital, assistive typing, travellers (112 to 115, unseen by every choice)
    "set108": (0.84, 0.09),
    "set109": (0.77, 0.12),
    "set110": (0.85, 0.12),
    "set111": (0.81, 0.12),
    "set112": (0.88, 0.09),
    "set113": (0.81, 0.09),
    "set114": (0.79, 0.05),
    "set115": (0.83, 0.12),
    # the boundary of ConText's set-aside: red flags beside a denial, an old history,
    # another person or a what-if, and look-alikes in the same words; retired people,
    # students, people writing in a second language, busy parents (116 to 119)
    "set116": (0.81, 0.07),
    "set117": (0.84, 0.07),
    "set118": (0.84, 0.09),
    "set119": (0.87, 0.15),
    # time and change: what was over and is back, spread or told indirectly; men over
    # sixty, people in their twenties texting, voice dictation, anxious long writers
    "set120": (0.72, 0.09),
    "set121": (0.77, 0.17),
    "set122": (0.8, 0.12),
    "set123": (0.83, 0.14),
    # the same brief, held out until the first round of its classes was made; shift
    # workers, retired women, people writing in a second language, busy parents
    "set124": (0.86, 0.12),
    "set125": (0.78, 0.12),
    "set126": (0.75, 0.09),
    "set127": (0.79, 0.07),
    # the same brief, written after both rounds and measured once, unread: health workers,
    # the north of England and Scotland, teenagers, late-night run-on messages
    "set128": (0.74, 0.12),
    "set129": (0.78, 0.07),
    "set130": (0.76, 0.12),
    "set131": (0.78, 0.19),
    # everyday clinic chat in an emergency's words, and plain emergencies: office workers,
    # grandparents (some typing a letter at a time), hurried phone typists, gym-goers (read);
    # second-language writers, worried first-timers, Welsh, Irish and Midlands voices,
    # pregnant women and people with long-term conditions (unread)
    "set132": (0.93, 0.05),
    "set133": (0.96, 0.04),
    "set134": (0.93, 0.02),
    "set135": (0.88, 0.04),
    "set136": (0.93, 0.04),
    "set137": (0.88, 0.04),
    "set138": (0.91, 0.05),
    "set139": (0.95, 0.05),
    # someone else's problem, what-ifs and past events beside own emergencies: people
    # over 65, phone typists in their twenties, carers, voice dictation (read); second-
    # language writers, tradespeople, anxious over-explainers, Scottish, Irish, North
    # East and Liverpool voices (measured unread, then read)
    "set140": (0.91, 0.14),
    "set141": (0.88, 0.13),
    "set142": (0.9, 0.07),
    "set143": (0.81, 0.11),
    "set144": (0.83, 0.13),
    "set145": (0.88, 0.18),
    "set146": (0.95, 0.13),
    "set147": (0.93, 0.13),
    # mostly everyday clinic chat in an emergency's words (60 of 140 look-alikes) and 48
    # plain emergencies: shop workers, office workers, farmers and builders, students
    # (measured unread, then read)
    "set148": (0.95, 0.05),
    "set149": (0.95, 0.03),
    "set150": (0.87, 0.07),
    "set151": (0.97, 0.05),
    "set152": (0.9, 0.04),
    "set153": (0.88, 0.02),
    "set154": (0.88, 0.03),
    "set155": (0.86, 0.03),
    "set156": (0.85, 0.04),
    "set157": (0.86, 0.01),
    "set158": (0.78, 0.05),
    "set159": (0.88, 0.02),
    "set160": (0.85, 0.07),
    "set161": (0.88, 0.03),
    "set162": (0.85, 0.04),
    "set163": (0.88, 0.04),
    "set164": (0.91, 0.05),
    "set165": (0.97, 0.05),
    "set166": (0.97, 0.03),
    "set167": (0.95, 0.06),
    "set168": (0.81, 0.05),
    "set169": (0.91, 0.05),
    "set170": (0.93, 0.05),
    "set171": (0.75, 0.05),
    "set172": (0.85, 0.02),
    "set173": (0.91, 0.03),
    "set174": (0.95, 0.05),
    "set175": (0.95, 0.04),
    "set176": (0.86, 0.06),
    "set177": (0.83, 0.01),
    "set178": (0.88, 0.03),
    "set179": (0.78, 0.03),
    "set180": (0.86, 0.06),
    "set181": (0.91, 0.02),
    "set182": (0.86, 0.05),
    "set183": (0.85, 0.04),
    "set184": (0.86, 0.03),
    "set185": (0.9, 0.05),
    "set186": (0.81, 0.03),
    "set187": (0.85, 0.05),
    "set188": (0.95, 0.08),
    "set189": (0.97, 0.07),
    "set190": (0.93, 0.03),
    "set191": (0.85, 0.06),
    "set192": (0.91, 0.01),
    "set193": (0.93, 0.03),
    "set194": (0.85, 0.03),
    "set195": (0.76, 0.03),
    "set196": (0.91, 0.05),
    "set197": (0.88, 0.04),
    "set198": (0.95, 0.02),
    "set199": (0.91, 0.03),
    "set200": (0.85, 0.05),
    "set201": (0.85, 0.05),
    "set202": (0.88, 0.02),
    "set203": (0.96, 0.05),
    "set204": (0.85, 0.05),
    "set205": (0.91, 0.04),
    "set206": (1.0, 0.05),
    "set207": (0.91, 0.05),
    "set208": (0.91, 0.02),
    "set209": (0.85, 0.0),
    "set210": (0.86, 0.05),
    "set211": (0.86, 0.06),
    "set212": (0.85, 0.03),
    "set213": (0.81, 0.02),
    "set214": (0.93, 0.05),
    "set215": (0.97, 0.04),
    "set216": (0.83, 0.04),
    "set217": (0.86, 0.05),
    "set218": (0.86, 0.03),
    "set219": (0.88, 0.05),
    "set220": (0.88, 0.01),
    "set221": (0.8, 0.03),
    "set222": (0.93, 0.02),
    "set223": (0.97, 0.05),
    "set224": (0.78, 0.05),
    "set225": (0.86, 0.08),
    "set226": (0.78, 0.05),
    "set227": (0.85, 0.03),
    "set228": (0.86, 0.04),
    "set229": (0.73, 0.04),
    "set230": (0.97, 0.1),
    "set231": (0.95, 0.08),
    "set232": (0.81, 0.04),
    "set233": (0.93, 0.03),
    "set234": (0.81, 0.02),
    "set235": (0.91, 0.02),
    "set236": (0.85, 0.04),
    "set237": (0.91, 0.03),
    "set238": (0.93, 0.08),
    "set239": (0.87, 0.03),
    "set240": (0.86, 0.05),
    "set241": (0.9, 0.01),
    "set242": (0.88, 0.02),
    "set243": (0.86, 0.03),
    "set244": (0.86, 0.03),
    "set245": (0.85, 0.03),
    "set246": (0.93, 0.05),
    "set247": (0.93, 0.04),
    "set248": (0.88, 0.03),
    "set249": (0.93, 0.04),
    "set250": (0.85, 0.04),
    "set251": (0.86, 0.03),
    "set252": (0.83, 0.03),
    "set253": (0.93, 0.06),
    "set254": (1.0, 0.03),
    "set255": (0.95, 0.03),
    "set256": (0.91, 0.02),
    "set257": (0.86, 0.01),
    "set258": (0.93, 0.01),
    "set259": (0.88, 0.05),
    "set260": (0.88, 0.05),
    "set261": (0.8, 0.04),
    "set262": (1.0, 0.05),
    "set263": (0.95, 0.03),
    "set264": (0.88, 0.02),
    "set265": (0.85, 0.07),
    "set266": (0.85, 0.05),
    "set267": (0.88, 0.04),
    "set268": (0.88, 0.05),
    "set269": (0.83, 0.05),
    "set270": (0.93, 0.07),
    "set271": (0.93, 0.03),
    # two batches of eight written for the fold measure of the learned parts (docs/clinic.md,
    # "Training the learned parts on more sets"), twenty leg weakness and twenty self-harm
    # each: night-shift drivers, grandparents, Scottish voices, students, dancers, literal
    # writers, churchgoers, voice-to-text, veterans, salon workers, carers, formal letters (unread)
    "set272": (0.85, 0.05),
    "set273": (0.85, 0.02),
    "set274": (0.85, 0.08),
    "set275": (0.70, 0.05),
    "set276": (0.83, 0.08),
    "set277": (0.81, 0.08),
    "set278": (0.83, 0.06),
    "set279": (0.91, 0.05),
    "set280": (0.78, 0.03),
    "set281": (0.85, 0.06),
    "set282": (0.83, 0.05),
    "set283": (0.81, 0.05),
    "set284": (0.91, 0.05),
    "set285": (0.86, 0.05),
    "set286": (0.85, 0.05),
    "set287": (0.85, 0.05),
    "set288": (0.83, 0.04),
    "set289": (0.86, 0.06),
    "set290": (0.85, 0.03),
    "set291": (0.88, 0.05),
    "set292": (0.71, 0.08),
    "set293": (0.83, 0.05),
    "set294": (0.88, 0.06),
    "set295": (0.83, 0.08),
    # eight more, measured before they were read (docs/clinic.md, "Sets 296 to 303"): salon
    # workers, farmers, students, carers, office workers, people in their eighties, veterans,
    # dancers and runners
    "set296": (0.76, 0.08),
    "set297": (0.80, 0.04),
    "set298": (0.81, 0.05),
    "set299": (0.80, 0.07),
    "set300": (0.88, 0.05),
    "set301": (0.83, 0.07),
    "set302": (0.66, 0.03),
    "set303": (0.80, 0.07),
    # eight more, measured on the built model before they were read (docs/clinic.md, "Sets 312
    # to 323"): farmers, students, bar staff, voice-to-text, people over 75, office workers,
    # Scottish, Irish and Northern English speakers, carers
    "set312": (0.86, 0.05),
    "set313": (0.90, 0.04),
    "set314": (0.93, 0.01),
    "set315": (0.93, 0.0),
    "set316": (0.93, 0.05),
    "set317": (0.91, 0.03),
    "set318": (0.91, 0.05),
    "set319": (0.85, 0.01),
    # four written to hide thoughts of self-harm (44 of 60 each): teenagers, tradesmen, carers
    # and the bereaved, professionals under strain
    "set320": (0.73, 0.05),
    "set321": (0.65, 0.08),
    "set322": (0.70, 0.07),
    "set323": (0.68, 0.03),
    "set324": (0.86, 0.03),
    "set325": (0.81, 0.05),
    "set326": (0.81, 0.08),
    "set327": (0.88, 0.05),
    "set328": (0.71, 0.05),
    "set329": (0.65, 0.05),
    "set330": (0.70, 0.05),
    "set331": (0.61, 0.04),
    "set332": (0.85, 0.03),
    "set333": (0.90, 0.03),
    "set334": (0.85, 0.08),
    "set335": (0.86, 0.03),
    "set336": (0.71, 0.06),
    "set337": (0.78, 0.05),
    "set338": (0.80, 0.03),
    "set339": (0.65, 0.10),
    "set340": (0.91, 0.03),
    "set341": (0.90, 0.03),
    "set342": (0.85, 0.08),
    "set343": (0.86, 0.00),
    "set344": (0.65, 0.05),
    "set345": (0.65, 0.03),
    "set346": (0.70, 0.04),
    "set347": (0.66, 0.05),
    "set348": (0.90, 0.03),
    "set349": (0.86, 0.05),
    "set350": (0.85, 0.03),
    "set351": (0.93, 0.02),
    "set352": (0.66, 0.03),
    "set353": (0.71, 0.04),
    "set354": (0.73, 0.06),
    "set355": (0.68, 0.03),
    "set356": (0.88, 0.05),
    "set357": (0.85, 0.03),
    "set358": (0.86, 0.02),
    "set359": (0.86, 0.01),
    "set360": (0.63, 0.04),
    "set361": (0.78, 0.04),
    "set362": (0.70, 0.02),
    "set363": (0.70, 0.03),
    # our own ordinary admin for the crisis reader
    "admin": (1.0, 0.0),
}
DEV_SETS = {
    path.stem: yaml.safe_load(path.read_text())
    for path in example_files(EXAMPLES, with_not_trained=True, with_measured=True)
}
DEV_RED_FLAGS = [item for name in sorted(ITEMISED_SETS) for item in DEV_SETS[name]["red_flags"]]
DEV_LOOKALIKES = [item for name in sorted(ITEMISED_SETS) for item in DEV_SETS[name]["lookalikes"]]
# Example red flags the vocabulary alone does not catch (the learned screen may).
KNOWN_MISSES = {  # the first 40 characters of each
    "Good morning. I am 74 years old. Since S",
    "husband had an accident in the car on th",
    "my mother 81 cannot stand from chair tod",
    "found my dad on the bathroom floor, he o",
    "my thighs feel like theyve been filled w",
    "dad is 90 and lifted the coal scuttle, f",
    "random but i think i nicked something sh",
    "a man is having a fit in your waiting ro",
    "after my spinal injection last week my b",
    "gone from a size 16 to a 12 without tryi",
    "kidney transplant 3 yrs ago, on anti rej",
    "i become very thin without diet and have",
    "can i book an evening slot, my back pain",
    "Bit of a delicate one. Since my back wen",
    "I tried standing on my tiptoes as the ph",
    "My husband has been fitting for about fi",
    "I had back surgery a month ago, the woun",
    "Aching back and I've been hot and cold a",
}
# Development look-alikes still raised as red flags (measured in make bench-safety).
ALLOWED_DEV_FALSE_ALARMS = 0.06


@pytest.fixture
def detector(red_flag_detector: RedFlagDetector) -> RedFlagDetector:
    return red_flag_detector


@pytest.mark.parametrize(
    "text",
    [
        "I can't feel my legs",
        "i cant feel my legs",
        "I CANNOT FEEL MY LEGS",
        "i can\u2019t feel my legs",
        "i can not really feel my leggs",
        "cant feel me legs at all",
    ],
)
def test_cant_feel_my_legs_is_an_emergency_however_it_is_spelt(
    detector: RedFlagDetector, text: str
) -> None:
    assessment = detector.assess(text)
    assert assessment.level == "emergency", assessment
    assert assessment.intent == "emergency"
    assert "leg_weakness" in assessment.concepts


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no numbness in my legs", "negated"),
        ("i had a fever last week, it's gone and my back aches", "past"),
        ("my back aches but the fever has gone now", "negated"),
        ("my dad had a stroke", "past"),
        ("what if i get numbness down below?", "hypothetical"),
        ("had a slipped disc years ago, since then both legs felt weak for a day", "past"),
    ],
)
def test_negated_past_hypothetical_and_relatives_are_not_red_flags(
    detector: RedFlagDetector, text: str, reason: str
) -> None:
    assessment = detector.assess(text)
    assert assessment.level == "routine", assessment
    assert reason in {item.reason for item in assessment.set_aside}, assessment


@pytest.mark.parametrize(
    "name",
    ["Flo Od", "Cliff Bridge", "Tom Blood", "Anna Fell", "Jo Cutts", "Lee Hart", "Rosa Parks",
     "Ruth Weakley", "Eve Faint", "Gail Strokes"],
)  # fmt: skip
def test_names_given_at_the_name_question_are_not_red_flags(
    detector: RedFlagDetector, name: str
) -> None:
    """The form asks for a name: "Flo Od" is not an overdose, "Cliff Bridge" not a plan."""
    assert detector.assess(name).level == "routine"


def test_a_relative_in_danger_now_is_an_emergency(detector: RedFlagDetector) -> None:
    """Carers write for someone else: that is not a relative's history."""
    assert detector.assess("my dad had a fall and now he cant get up").level == "emergency"
    assert detector.assess("my wife's face has dropped on one side").level == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "could this be a heart attack, my arm has gone numb",
        "could it be a stroke? my face has dropped on one side",
    ],
)
def test_asking_whether_what_happens_now_is_the_emergency_is_no_what_if(
    detector: RedFlagDetector, text: str
) -> None:
    """A patient asking "could this be ..." has the symptoms now."""
    assert detector.assess(text).level == "emergency"
    assert detector.assess("what are the signs of a heart attack").level == "routine"


@pytest.mark.parametrize(
    "text",
    [
        "looking after mum every day and I just want to end it all",
        "i am so tired of looking after everyone i want to kill myself",
    ],
)
def test_a_carer_talking_of_ending_their_life_is_an_emergency(
    detector: RedFlagDetector, text: str
) -> None:
    """Words that set a look-alike aside ("looking after her affairs") must not cancel this."""
    assert detector.assess(text).level == "emergency"


@pytest.mark.parametrize(
    ("text", "concept", "level"),
    [
        ("since mum passed away I just want to end my life", "suicide_self_harm", "emergency"),
        ("since my wife died I've been getting chest pains", "heart_attack", "emergency"),
        ("my dad died of a heart attack and I'm scared", "heart_attack", "routine"),
        ("when my husband died i wanted to end it all", "suicide_self_harm", "routine"),
        (
            "since my wife passed away last year I just don't want to wake up anymore",
            "suicide_self_harm",
            "emergency",
        ),
        (
            "nan had a fall on Tuesday and she's not been able to walk since",
            "hip_fracture",
            "emergency",
        ),
        ("years ago I fainted and I'm fine", "collapse", "routine"),
    ],
)
def test_the_past_does_not_reach_what_is_said_in_the_present(
    detector: RedFlagDetector, text: str, concept: str, level: str
) -> None:
    """A death or a day last week is history; "I want", "she's not been" after it are now."""
    assessment = detector.assess(text)
    assert assessment.level == level
    assert concept in assessment.concepts + tuple(s.concept for s in assessment.set_aside)


@pytest.mark.parametrize(
    ("text", "concept", "level"),
    [
        # Someone else's emergency happening now, told in the past tense.
        ("my husband had a fall and can't get up off the floor", "hip_fracture", "emergency"),
        ("my boyfriend was stabbed and is bleeding loads", "severe_bleeding", "emergency"),
        ("my wife fell on the stairs, she can only hop and her hip is agony", "hip_fracture",
         "emergency"),
        # Asking whether treatment is all right in the state one is in now.
        ("is it ok to have acupuncture if my legs have both gone numb since yesterday",
         "leg_weakness", "emergency"),
        # A later clause that dates what came before it.
        ("I had chest pain once, went to A and E, they said muscular, that was 2 years ago",
         "heart_attack", "routine"),
        ("my nan's leg was all short and turned out after her fall. that was 2015", "hip_fracture",
         "routine"),
        # A relative's past, a "now" that says it is over.
        ("my brother-in-law had a seizure and collapsed at our BBQ two summers ago", "collapse",
         "routine"),
        ("i was breathless on the stairs when i was anaemic but my iron is fine now", "breathing",
         "routine"),
        # "Could" is not "can": the past stays past.
        ("back in 2015 I had a slipped disc and couldn't walk for a week", "leg_weakness",
         "routine"),
    ],
)  # fmt: skip
def test_the_tense_of_the_words_around_a_red_flag_decides_whether_it_is_now(
    detector: RedFlagDetector, text: str, concept: str, level: str
) -> None:
    assessment = detector.assess(text)
    assert assessment.level == level
    if level != "routine":
        assert concept in assessment.concepts


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("my car was rear-ended last week and my back has been agony ever since", "emergency"),
        ("fell off a ladder years ago, my back still aches in the cold", "routine"),
    ],
)
def test_an_injury_last_week_is_recent_not_history(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    assert detector.assess(text).level == level


def test_a_history_of_cancer_counts_with_new_pain(detector: RedFlagDetector) -> None:
    assessment = detector.assess("had bowel cancer five years ago, now new pain low in my back")
    assert (assessment.level, assessment.concepts) == ("urgent", ("cancer_history",))


def test_findings_say_where_the_words_are(detector: RedFlagDetector) -> None:
    text = "hello, since this morning i can't pee at all"
    (finding,) = detector.assess(text).findings
    assert finding.concept == "cauda_equina" and finding.level == "emergency"
    assert text[finding.start : finding.end] == finding.words == "can't pee"


def test_the_most_severe_level_wins(detector: RedFlagDetector) -> None:
    assessment = detector.assess("back pain with a fever and now both my legs have gone weak")
    assert assessment.level == "emergency"
    assert set(assessment.concepts) == {"leg_weakness"}
    assert {f.concept for f in assessment.findings} == {"leg_weakness", "spinal_infection"}


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Pain from lying on the sore side is mechanical; pain whatever the position is not.
        ("the outside of my hip is worse at night when i lie on that side", "routine"),
        ("my hip throbs at night if i roll onto it, fine in the day", "routine"),
        ("my back hurts every night whatever side i lie on", "urgent"),
        ("my back pain is worse at night and nothing eases it", "urgent"),
        # Acupuncture needles going deep are a question, a blade going deep is not.
        ("how far do the needles go deep into the muscle", "routine"),
        ("the knife went deep into my hand", "emergency"),
    ],
)
def test_mechanical_night_pain_and_needles_are_told_apart(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    "item", DEV_RED_FLAGS, ids=lambda item: f"{item['concept']}:{item['text'][:40]}"
)
def test_development_set_red_flags(detector: RedFlagDetector, item: Dict[str, Any]) -> None:
    """Messages written apart from the vocabulary (a few still missed are listed)."""
    if item["text"][:40] in KNOWN_MISSES:
        pytest.xfail("not yet covered by the red-flag vocabulary")
    assert detector.assess(item["text"]).level == item["level"]


def test_development_set_lookalikes_rarely_raise_an_alarm(detector: RedFlagDetector) -> None:
    alarms = [item["text"] for item in DEV_LOOKALIKES if detector.assess(item["text"]).flagged]
    assert len(alarms) / len(DEV_LOOKALIKES) <= ALLOWED_DEV_FALSE_ALARMS, alarms


def test_no_lexicon_lists_a_term_twice(detector: RedFlagDetector) -> None:
    for name, terms in detector.spec.lexicon.items():
        lowered = [term.lower() for term in terms]
        assert len(lowered) == len(set(lowered)), (
            name,
            sorted({t for t in lowered if lowered.count(t) > 1}),
        )


def test_every_example_set_is_checked_one_way_or_the_other() -> None:
    assert set(DEV_SETS) == ITEMISED_SETS | set(VOCABULARY_FLOORS)


@pytest.fixture(scope="module")
def later_set_verdicts() -> Dict[str, Tuple[str, bool]]:
    """The list's (level, flagged) for every message of the floored sets, read on every core."""
    return levels_everywhere(
        [
            item["text"]
            for name in VOCABULARY_FLOORS
            for item in DEV_SETS[name]["red_flags"] + DEV_SETS[name]["lookalikes"]
        ]
    )


def test_the_verdicts_read_elsewhere_are_the_detectors_own(
    detector: RedFlagDetector, later_set_verdicts: Dict[str, Tuple[str, bool]]
) -> None:
    for text in list(later_set_verdicts)[::500]:
        assessment = detector.assess(text)
        assert later_set_verdicts[text] == (assessment.level, assessment.flagged), text


@pytest.mark.parametrize("name", sorted(VOCABULARY_FLOORS))
def test_the_vocabulary_keeps_its_share_of_later_sets(
    later_set_verdicts: Dict[str, Tuple[str, bool]], name: str
) -> None:
    found_floor, alarm_ceiling = VOCABULARY_FLOORS[name]
    data = DEV_SETS[name]
    found = [later_set_verdicts[i["text"]][0] == i["level"] for i in data["red_flags"]]
    alarms = [later_set_verdicts[i["text"]][1] for i in data["lookalikes"]]
    assert sum(found) >= found_floor * len(found)
    assert sum(alarms) <= alarm_ceiling * len(alarms)


def test_safety_sets_are_never_training_data() -> None:
    trained = training_texts() | {example.text.strip().lower() for example in load_examples()}
    for path in SAFETY_SETS.glob("*.yml"):
        data = yaml.safe_load(path.read_text())
        texts = {item["text"].strip().lower() for item in data["red_flags"] + data["lookalikes"]}
        overlap = len(texts & trained)  # counted, never printed: the sealed sets stay unread
        assert overlap == 0, f"{path.name}: {overlap} texts are also trained on"


def test_outside_sets_waiting_to_be_learned_are_well_formed_and_never_trained_on(
    detector: RedFlagDetector,
) -> None:
    # bench/outside_sets/: measured by `make bench-outside` until a session moves them
    # into measured_only/. No red flag may be training data; a look-alike may repeat a
    # short common question word for word ("do you take bupa"), which the benchmark
    # leaves out, but no more than a few.
    trained = learned_texts()
    levels = {level.id for level in detector.spec.levels}
    concepts = {concept.id for concept in detector.spec.concepts}
    kinds = {item["kind"] for data in DEV_SETS.values() for item in data["lookalikes"]}
    for name, data in load_outside_sets().items():
        assert data["red_flags"] and data["lookalikes"], name
        for item in data["red_flags"]:
            assert item["level"] in levels and item["concept"] in concepts, (name, item)
        assert {item["kind"] for item in data["lookalikes"]} <= kinds, name
        flags = {item["text"].strip().lower() for item in data["red_flags"]}
        lookalikes = {item["text"].strip().lower() for item in data["lookalikes"]}
        assert not flags & trained, (name, sorted(flags & trained)[:3])
        repeated = len(lookalikes & trained)
        assert repeated <= 0.05 * len(lookalikes), (name, repeated)


def _spec(**changes: Any) -> str:
    raw = yaml.safe_load(red_flags_path().read_text())
    raw.update(changes)
    return yaml.safe_dump(raw)


def test_one_detector_per_file_in_a_process_rebuilt_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "red_flags.yml"
    path.write_text(red_flags_path().read_text(encoding="utf-8"), encoding="utf-8")
    first = shared_detector(path, SPACY_PIPELINE_DIR)
    assert shared_detector(path, SPACY_PIPELINE_DIR) is first
    assert shared_detector(None, SPACY_PIPELINE_DIR) is not first  # another file
    text = path.read_text(encoding="utf-8").replace("version: 1", "version: 1\n# edited", 1)
    path.write_text(text, encoding="utf-8")
    os.utime(
        path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9)
    )  # a new mtime, however coarse
    rebuilt = shared_detector(path, SPACY_PIPELINE_DIR)
    assert rebuilt is not first
    assert rebuilt.assess("I can't feel my legs").level == "emergency"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("cnt feel my legs since yday", "emergency"),  # the file's shorthand
        ("bk pain, cnt pee since this mornin", "emergency"),
        ("he's bleedin n it wont stop", "emergency"),  # a dropped "g"
        ("nan fel in the garden n cnt get up", "emergency"),
        ("bck pain wakes me evry nite and nothing eases it", "urgent"),  # TEXT_SPEAK's "nite"
        ("had prostrate cancer b4, new bak pain this month", "urgent"),
    ],
)
def test_shorthand_and_dropped_letters_are_read_as_the_words(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("had a temperature on saturday, it's gone now. back is stiff from digging", "routine"),
        ("lost my appetite with a cold last month, better now, my hip aches", "routine"),
        ("had a fever on saturday, it's gone now but since this morning i can't pee", "emergency"),
        ("a fever on sunday, it's gone now. since last night i'm burning up, back agony", "urgent"),
    ],
)
def test_a_clause_saying_it_is_over_leaves_what_came_before_in_the_past(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    "text",
    [
        "both my legs gave way laughing at the dog chasing its tail",
        "what a weight off my mind, my hip x-ray was fine",
        "i'm not really ok with needles, is there an alternative for my back?",
    ],
)
def test_idioms_and_not_ok_are_not_red_flags(detector: RedFlagDetector, text: str) -> None:
    assert detector.assess(text).level == "routine"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("my knee is red and puffy from kneeling all week laying a floor, temp normal", "routine"),
        ("my knee is red, hot and swollen and i've got a temperature of 39", "emergency"),
        ("had a fever on monday but it cleared up by wednesday, back sore from lifting", "routine"),
        ("had a fever on monday but it cleared up, since this morning i can't wee", "emergency"),
        ("my back went lifting the shopping, can't straighten up, legs feel normal", "routine"),
        ("i can wee fine, my back just went when i bent down and i can't straighten up", "routine"),
        ("twinged my back at the gym, sharp when i move, better lying still", "routine"),
        ("pulled my back lifting a pallet at work, really sore", "routine"),
    ],
)
def test_ordinary_pain_that_an_audit_saw_alarmed_is_told_apart(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Found by an outside audit and example set 22 (these are our own words)."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # "can't ... without": what follows "without" happens every time
        ("i can't get to the end of the garden without fighting for breath", "emergency"),
        ("cannot even stand up without my legs buckling under me", "emergency"),
        ("I can walk to the shops without getting breathless these days", "routine"),
        # "than ever" is no "ever" of a what-if; "not a normal ache" is no negation
        ("my back is worse than ever and I'm shivering with a temperature", "urgent"),
        ("this isn't a normal backache, it's there all night whichever way i lie", "urgent"),
        # an inhaler that does nothing
        ("had four puffs of my inhaler and it's doing nothing", "emergency"),
        # everyday words for the red flags of example set 23
        ("her legs went from under her this morning and she can't get up", "emergency"),
        ("I can't keep myself safe tonight", "emergency"),
    ],
)
def test_double_negations_and_words_of_example_set_23(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Our own words for the classes example sets 23 and 24 showed missing."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a clause that is only a past time dates the clauses before it
        ("I passed out once at a wedding, years ago, it's never happened since", "routine"),
        (
            "my uncle came off his motorbike and broke his back, long time ago. "
            "I just have sciatica",
            "routine",
        ),
        ("I fell off the shed roof, last week, and now my back is agony", "emergency"),
        ("sat on the loo ages and nothing comes, back in bits", "emergency"),
        # "it's not just my back", "if I'm honest", "should I be worried that ..."
        ("it's not just my back now, I'm burning up and shivering", "urgent"),
        ("if I'm honest I haven't stopped sweating at night and my back's killing me", "urgent"),
        (
            "should I be worried that my words came out jumbled an hour ago and still are?",
            "emergency",
        ),
        ("should I be worried about numbness after the needles?", "routine"),
        # a body part denied before a turn ("but since") does not deny what follows
        (
            "no trouble with my knee replacement for years but since yesterday "
            "it's hot and swollen and I've a fever",
            "emergency",
        ),
        ("didn't land on my back when I fell, just grazed my hands", "routine"),
        # a wound told in the past, bleeding now
        ("my brother got stabbed outside the pub, he is bleeding a lot", "emergency"),
        # relatives named without "my" are someone else's, as "my mum" is
        ("nan died of bowel cancer, I'm booking for my lower back", "routine"),
        # Scottish and Northern words, dialect "me" for "my"
        ("cannae pee since the morning and ma back is killing me", "emergency"),
        ("took all me tablets tonight", "emergency"),
        # indirect words for suicide; a relative's leg at an angle now
        ("honestly I'd rather be dead than carry on like this", "emergency"),
        ("nobody would notice if I was gone", "emergency"),
        ("I took 2 paracetamol for my back this morning", "routine"),
        ("mum had a fall and her leg is twisted out at a funny angle", "emergency"),
        ("my left leg has gone weak and I keep tripping over it", "emergency"),
        # questions and worries about what might happen
        ("in the unlikely event of bleeding that won't stop, what happens?", "routine"),
        ("I'd hate to pass out on your couch, does that happen?", "routine"),
        ("I'm worried I might be having a heart attack", "emergency"),
        # a procedure on the joint, then hot and swollen
        (
            "had a cortisone injection in my knee on monday, now it's red hot and swollen",
            "emergency",
        ),
    ],
)
def test_classes_of_example_sets_25_to_28(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example sets 25 to 28 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Means gathered, a plan, a farewell, harm done on purpose.
        ("i've got enough saved now, i just wanted someone to know", "emergency"),
        ("been putting my tablets aside all month", "emergency"),
        ("took a handful of my co-codamol an hour ago", "emergency"),
        ("i scratched my arm on purpose to feel something else", "emergency"),
        ("burned my hand on purpose last night", "emergency"),
        ("i've written notes for the kids", "emergency"),
        # Weakness that is new or climbing; a foot that will not lift.
        ("my left leg folds when I stand on it, started this morning", "emergency"),
        ("can't pull my toes up on the right since yesterday, back's bad", "emergency"),
        ("the numbness was in my foot, now it's up past my knee", "emergency"),
        ("I sit on the toilet and nothing, and my back is agony", "emergency"),
        ("my smile looks wonky and my arm is weak", "emergency"),
        ("on long-term steroids and had a little fall, back is agony", "emergency"),
        ("my nan slid out of her chair and can't get herself back up", "emergency"),
        ("had a hip op last week and now it's hot and massively swollen", "emergency"),
        # Word overlaps: a name, a charity, a job, a film, an idiom.
        ("doing a 10k for Macmillan Cancer Support, my hip is tight", "routine"),
        ("I work on a suicide prevention line, sitting all day hurts my back", "routine"),
        ("been fitting carpets for 20 years, back is sore", "routine"),
        ("I'm choking up writing this, thank you", "routine"),
        ("I'd rather jump off a cliff than drive round your car park again", "routine"),
        ("I'm hopeless at remembering appointments", "routine"),
        ("my daughter's band is called Overdose", "routine"),
        # What-ifs and history told as such.
        ("if I ever felt suicidal, who would I tell?", "routine"),
        ("I read that numbness in the saddle area is a red flag, is that true?", "routine"),
        ("could lying face down make my legs go numb?", "routine"),
        ("sitting on my wallet makes my bum go numb", "routine"),
        ("my legs feel heavy after a long shift, fine by morning", "routine"),
    ],
)
def test_classes_of_example_sets_29_to_32(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example sets 29 to 32 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Tablets counted or set out; a blade in hand; a plan to be gone.
        ("I've just swallowed 25 of my codeine", "emergency"),
        ("took 60 paracetamol about an hour ago", "emergency"),
        ("my sleeping tablets are all lined up on the table", "emergency"),
        ("I'm sitting here with a razor in my hand", "emergency"),
        ("I'm planning to be gone before new year", "emergency"),
        # Thin or steroid-weakened bones and a small strain, then sudden pain.
        ("on steroids for my asthma, sneezed and now sudden severe pain in my back", "emergency"),
        ("brittle bones, bent down to the dog's bowl and now awful pain in her back", "emergency"),
        # A foot that catches, numbness that climbs, pee that comes unannounced.
        ("i cant lift my big toe since monday and my back is killing me", "emergency"),
        ("the numbness is halfway up my shin now and my back is bad", "emergency"),
        ("wee keeps coming out on its own since yesterday, back is terrible", "emergency"),
        ("he can't make water since this morning, his back is bad", "emergency"),
        ("she can't bare weight on that leg after she fell", "emergency"),
        ("my knee's gone red and hot since the injection and I'm shivering", "emergency"),
        ("can only say a few words at a time, breathing is awful", "emergency"),
        # Idioms, hyperbole and jobs.
        ("that concert left me breathless, can I book Monday", "routine"),
        ("my landlord will give me a heart attack one day, anyway my back aches", "routine"),
        ("I cried my heart out at the wedding, my hips ache from dancing", "routine"),
        ("I'm a nurse on a stroke unit, lots of lifting", "routine"),
        # Questions about risks, and what an old stroke left.
        ("is there a chance I'll bleed a lot, I'm on warfarin", "routine"),
        ("can acupuncture bring on a heart attack?", "routine"),
        ("had a stroke eight years ago and my right side is a bit weaker, any help?", "routine"),
        ("I had a heart attack in 2019 and I'm on statins now, is that ok?", "routine"),
        ("my leg feels weak because my knee hurts, it's not giving way", "routine"),
        ("lost weight after my gastric band, back is better", "routine"),
    ],
)
def test_classes_of_example_sets_33_to_36(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example sets 33 to 36 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Asking to treat what began just now; a fall and no getting up.
        ("can acupuncture help with numbness in both legs? it started an hour ago", "emergency"),
        ("mum slipped in the kitchen and can't get off the floor", "emergency"),
        # What is over: a faint that never came, treated fevers, healed fractures, old deaths.
        ("I thought I'd faint but I didn't, sat down and was fine in a minute", "routine"),
        ("my father died suddenly of a heart attack when I was twenty", "routine"),
        ("had a kidney infection and a fever, but I've finished the antibiotics", "routine"),
        ("fell off a horse in 2012, cracked a vertebra. Healed fine. Book me in", "routine"),
        ("choked on a boiled sweet at the cinema once, fine now", "routine"),
        # Idioms, giving blood, what might happen during treatment.
        ("gasping for a brew after that drive, is there a kettle?", "routine"),
        ("I gave blood this morning, can I still come later?", "routine"),
        ("would you stop if I got chest pain with the needles in?", "routine"),
    ],
)
def test_classes_of_example_sets_37_to_40(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example sets 37 to 40 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Weakness or numbness of a leg told as getting worse by the hour or day.
        ("my legs have got weaker by the hour since this morning", "emergency"),
        ("the numbness started in my toes and has crept up to my thigh today", "emergency"),
        # "dad's got" is now, not a relative's past; means at hand; thin bones and a small strain.
        ("dad's got chest pain, he's being sick and gone grey", "emergency"),
        ("I've got the hose ready for the car", "emergency"),
        (
            "nan has osteoporosis, she lifted a pan and now has horrible pain in her back",
            "emergency",
        ),
        ("mum fell and says her hip's gone", "emergency"),
        # Over, or not about the writer.
        ("I had numbness down below in 2016 but that all resolved after the op", "routine"),
        ("my arthritic knee gives way now and then", "routine"),
        ("would acupuncture suit someone feeling suicidal? I'm not, just asking", "routine"),
    ],
)
def test_classes_of_example_sets_41_and_42(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Our own words for the classes example sets 41 and 42 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    "text",
    [
        "whats the point of asking if ive been before",
        "what's the point of booking if you can't fit me in till friday",
    ],
)
def test_what_is_the_point_of_a_question_is_no_despair(
    detector: RedFlagDetector, text: str
) -> None:
    """Found by an outside audit ("what's the point" alone still is)."""
    assert detector.assess(text).level == "routine"
    assert detector.assess("honestly, what's the point anymore").level == "emergency"


def test_a_cancer_that_is_a_relatives_beside_the_patients_own_back_is_two_people(
    detector: RedFlagDetector,
) -> None:
    assert detector.assess("my husband has prostate cancer and now my back hurts").level == (
        "routine"
    )
    # a carer writing of the relative's own back, or a relative who only noticed
    assert detector.assess("my dad has had cancer and his back is really bad now").level == (
        "urgent"
    )
    assert detector.assess("my daughter noticed I've lost weight and my back hurts").level == (
        "urgent"
    )


def test_two_people_is_read_only_for_concepts_that_ask_for_it(detector: RedFlagDetector) -> None:
    urgent = [c.id for c in detector.spec.concepts if c.level == "urgent"]
    apart = [c.id for c in detector.spec.concepts if c.relatives_apart]
    assert apart == urgent  # a carer's "my nan fell and can't get up" is one person
    assert detector.assess("my nan fell and she can't get up off the floor").level == "emergency"


def test_relatives_apart_without_its_word_lists_is_refused_naming_the_concept() -> None:
    concepts = [
        {
            "id": "made_up",
            "level": "urgent",
            "label": "x",
            "cues": [["BACK"]],
            "relatives_apart": True,
        }
    ]
    with pytest.raises(ClinicDataError, match="made_up: relatives_apart needs RELATIVE"):
        parse_model(_spec(concepts=concepts, lexicon={"BACK": ["back"]}), RedFlagSpec)


@pytest.mark.parametrize(
    "text, safe",
    [
        ("I'm not in danger, I just want to book", True),
        ("im safe honestly, it was a figure of speech", True),
        ("FALSE ALARM sorry", True),
        ("Im fine", False),  # what people minimising chest pain say
        # a cold read as a breathing emergency; under hospital care already (audit 12)
        ("what?? it's just a blocked nose, i can breathe fine through my mouth", True),
        ("i am NOT having an emergency", True),
        ("i'm literally in hospital already, i just want to cancel", True),
        ("i'm already under the hospital for it, can you cancel", True),
        # a question read as a red flag (audit 13)
        ("what?? I'm fine, I just asked about parking", True),
        ("there's no emergency, I want to book the 12:15", True),
        # an appointment read as a farewell (audit 14)
        ("what?? i just meant i have to cancel my appointment", True),
        ("?? I'm off on holiday, I just need to move it", True),
        ("no, I just want to reschedule, that's all", True),
        ("its just a bit of chest pain, I'll sleep it off", False),
        ("I don't feel safe", False),
        ("the pain is no joke", False),
    ],
)
def test_words_saying_the_red_flag_reply_misread_the_patient(
    detector: RedFlagDetector, text: str, safe: bool
) -> None:
    assert detector.spec.says_safe(text) is safe


def test_not_ok_does_not_negate_what_follows(detector: RedFlagDetector) -> None:
    assert detector.assess("im not ok, ive taken a load of my tablets").level == "emergency"


def test_shorthand_of_more_than_two_words_is_refused_naming_it() -> None:
    with pytest.raises(ClinicDataError, match=r"shorthand.*idk: stands for one or two words"):
        parse_model(_spec(shorthand={"idk": "i do not know"}), RedFlagSpec)


def test_a_concept_with_an_unknown_level_is_refused_naming_it() -> None:
    concepts: List[Dict[str, Any]] = [
        {"id": "made_up", "level": "whenever", "label": "x", "cues": [["BACK"]]}
    ]
    with pytest.raises(ClinicDataError, match=r"concepts.*made_up: level 'whenever'"):
        parse_model(_spec(concepts=concepts), RedFlagSpec)


def test_a_cue_naming_a_missing_lexicon_entry_is_refused_naming_it() -> None:
    concepts = [{"id": "made_up", "level": "urgent", "label": "x", "cues": [["NO_SUCH_LIST"]]}]
    with pytest.raises(ClinicDataError, match="made_up: NO_SUCH_LIST is not in the lexicon"):
        parse_model(_spec(concepts=concepts), RedFlagSpec)


def test_an_unknown_context_category_is_refused_naming_the_field() -> None:
    context = [{"category": "MAYBE", "direction": "FORWARD", "terms": ["perhaps"]}]
    with pytest.raises(ClinicDataError, match=r"context\.0\.category"):
        parse_model(_spec(context=context), RedFlagSpec)


def test_an_unknown_terminating_category_is_refused_naming_the_field() -> None:
    context = [
        {"category": "HISTORICAL", "direction": "FORWARD", "terms": ["x"], "terminated_by": ["NOW"]}
    ]
    with pytest.raises(ClinicDataError, match=r"context\.0\.terminated_by\.0"):
        parse_model(_spec(context=context), RedFlagSpec)


def test_a_recent_word_that_is_no_past_word_is_refused_naming_the_concept() -> None:
    concepts = [
        {"id": "made_up", "level": "urgent", "label": "x", "cues": [["a"]], "recent": ["soon"]}
    ]
    context = [{"category": "HISTORICAL", "direction": "FORWARD", "terms": ["last week"]}]
    with pytest.raises(ClinicDataError, match="made_up: recent 'soon' is not a HISTORICAL term"):
        parse_model(_spec(concepts=concepts, context=context), RedFlagSpec)


def test_a_lasting_condition_that_is_no_lexicon_name_is_refused_naming_the_concept() -> None:
    concepts = [
        {"id": "made_up", "level": "urgent", "label": "x", "cues": [["a"]], "lasting": ["THIN"]}
    ]
    with pytest.raises(ClinicDataError, match="made_up: lasting THIN is not in the lexicon"):
        parse_model(_spec(concepts=concepts), RedFlagSpec)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Goodbyes that hand on what matters; a place to jump from.
        ("he messaged tell the kids i love them and now his phone is off", "emergency"),
        ("please look after the cat for me, I won't be needing my appointments", "emergency"),
        ("I'd like the money to go to my son, I won't be around to use the sessions", "emergency"),
        ("I want everything settled before I go", "emergency"),
        ("she's phoning from the cliffs saying she can't take the pain any more", "emergency"),
        # An accident not noticed until afterwards is the sign, not a denial of it.
        ("I didn't realise I'd wet myself until I stood up, and my back is awful", "emergency"),
        # What came before an operation and has not come back.
        ("my leg was giving way before the op, haven't had it since", "routine"),
        ("I was dragging my foot before my replacement, it's grand now", "routine"),
    ],
)
def test_classes_of_example_sets_43_and_44(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Our own words for the classes example sets 43 and 44 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A British spelling is no slip of a red-flag word ("sceptical" is not "septic").
        ("honestly I'm sceptical about needles but my lower back is grim", "routine"),
        ("my back is agony, I'm hot and shivery and the wound looks septic", "urgent"),
        # Work in a cancer lab is no history of cancer; an idiom is no fall.
        ("I work in a cancer lab, so Saturdays suit me best for my hip", "routine"),
        ("fell off the wagon with my back exercises, can I book a top-up", "routine"),
        # "kept" is over, "keeps" is now (audit 7).
        ("both legs kept giving way last year before the op, fine now", "routine"),
        ("both my legs keep giving way", "emergency"),
    ],
)
def test_classes_of_example_set_45(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example set 45 and the seventh audit showed misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Legs that stop working or collapse under the patient; a phone that stops is no leg.
        ("both of my legs quit working when I stood up from the sofa", "emergency"),
        ("his leg keeps collapsing under him since he hurt his back", "emergency"),
        ("my laptop stopped working and my legs are stiff from sitting", "routine"),
        # Wishing not to exist, the world better without one, leaving for good.
        ("some days I just want to stop existing", "emergency"),
        ("everyone would be in a better place without me", "emergency"),
        ("I keep thinking about checking out for good", "emergency"),
        ("she's in a better place now, my back pain started after the funeral", "routine"),
        # After a fall, walking only barely, or a foot pointing sideways: said now,
        # even after a question about acupuncture.
        ("slipped on the ice yesterday and I can barely walk, hip is agony", "emergency"),
        ("can acupuncture help my hip after a fall? my foot is pointing sideways", "emergency"),
        ("what if I fall one day and my foot ends up pointing sideways", "routine"),
        # Fragile bones and back pain out of nowhere need no injury (NICE).
        ("I have osteoporosis and my back went out of nowhere this morning", "emergency"),
        ("I'm on steroids and my back pain comes and goes", "routine"),
        ("thrown off my horse on Sunday, my back has been sore ever since", "emergency"),
        # Weakness that came gradually with age is no red flag.
        ("my nan's legs got weaker as she got older, she's 90 now", "routine"),
    ],
)
def test_classes_of_example_set_46(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example set 46 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A blocked nose is no breathing difficulty (audit 12).
        ("got a cold and can't breathe through my nose, can I still lie face down?", "routine"),
        ("so bunged up with this head cold I can hardly breathe", "routine"),
        ("I can hardly breathe and my lips have gone blue", "emergency"),
        # The assistant or the patient, who is typing, is no unresponsive person (audit 13).
        ("Mo Farouk. you didn't answer about parking", "routine"),
        ("you still haven't answered my question about the price", "routine"),
        ("sorry for the slow reply, I wasn't responding as I was on the motorway", "routine"),
        ("he's not answering his phone, his back was bad yesterday", "routine"),
        ("my husband isn't responding, he's slumped in his chair", "emergency"),
    ],
)
def test_classes_of_the_twelfth_and_thirteenth_audits(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Our own words for the classes the twelfth and thirteenth outside audits showed misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "concepts"),
    [
        # Not waking up, wished of oneself, is a wish to die, not a collapse (audit 12,
        # whose generic reply lost the words written for thoughts of suicide).
        ("most nights i go to bed hoping i wont wake up", ["suicide_self_harm"]),
        # ...and her grey lips are a breathing emergency too (example set 89)
        ("my wife won't wake up and her lips look grey", ["breathing", "collapse"]),
    ],
)
def test_not_waking_up_wished_of_oneself_is_no_collapse(
    detector: RedFlagDetector, text: str, concepts: List[str]
) -> None:
    assert [f.concept for f in detector.assess(text).findings] == concepts


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A leg that will not bear the patient's weight, an ankle that flops: new weakness...
        ("since this morning my leg is not strong enough to take my weight", "emergency"),
        ("my ankle just flops now when I walk, started after my back went", "emergency"),
        # ...but not weakness being rehabilitated, nor tiredness after a run.
        (
            "my leg isn't strong enough to take my weight on stairs since my hip replacement",
            "routine",
        ),
        ("my ankle flops a bit when I'm tired after a long run", "routine"),
        # Those around the patient better off without them, said as a conditional...
        ("honestly my family would be fine without me", "emergency"),
        # ...not an absence for a weekend; frustration with living with pain is left to the screen.
        ("the kids would manage fine without me for the weekend", "routine"),
        ("I've had enough of living with this back pain", "routine"),
        # Trauma: a car rolled, a quad bike.
        ("I rolled my car on Friday and my back has been agony since", "emergency"),
        # Talking cut short by breathing; not after a race.
        ("he can barely talk, he's breathing so fast", "emergency"),
        ("could barely talk and out of breath after the 10k but fine now", "routine"),
        ("legs went wobbly with nerves before my driving test", "routine"),
        ("a bit puffed on the stairs since my cold, it is settling", "routine"),
        # A sudden tearing pain through to the back (possible aortic dissection; audit 13).
        ("out of nowhere a tearing pain went right through my chest to my back", "emergency"),
        ("I felt a sudden ripping pain in my hamstring at football", "routine"),
    ],
)
def test_classes_of_example_set_47(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example set 47 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A leg folding under the patient, a foot that cannot push off; cutting told as carving.
        ("since yesterday my right leg keeps folding under me", "emergency"),
        ("I can't push off with my right foot any more, it just won't go", "emergency"),
        ("I've started carving into my arms again", "emergency"),
        # A figure of speech about what is to come; a garden shed.
        ("one more day on this office chair and my spine will snap", "routine"),
        ("cleared out the garden shed at the weekend and my back's been stiff since", "routine"),
        # Away from the clinic on a day or for an occasion (audit 14, example set 49)...
        ("won't be around on the 14th, it's my sister's wedding", "routine"),
        ("I won't be here on Friday, we're moving house", "routine"),
        ("I won't be around on Tuesday, can we move my appointment", "routine"),
        # ...not gone: no day, or a time to come.
        ("I won't be around much longer", "emergency"),
        ("no point booking, I won't be around next week", "emergency"),
        ("by next week I won't be here", "emergency"),
    ],
)
def test_classes_of_example_sets_48_and_49(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Our own words for the classes example sets 48 and 49 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Not being around or unable to go on, with the reason beside it (audit 16)...
        ("I won't be around next week, can you push my appointment to the week after", "routine"),
        ("cant do this anymore, the commute is too much with work. cancel please", "routine"),
        ("won't be around next week, off on holiday", "routine"),
        ("I won't be around for a bit, off to my daughter's in Perth for xmas!!", "routine"),
        # ...despair beside an appointment, and the words of suicide, are not cancelled by it.
        ("I won't be around much longer, please cancel my appointment", "emergency"),
        ("no point booking anything, I won't be around next week", "emergency"),
        ("no point rescheduling, I won't be around by then", "emergency"),
        ("I can't do this anymore, the pain never stops", "emergency"),
        ("I want to end it all, can you move my appointment", "emergency"),
        ("I've written goodbye letters, I won't be at my appointment on Monday", "emergency"),
    ],
)
def test_not_around_with_its_reason_beside_it(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """The reason may be in the clause before or after (sentences end at commas)."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Example set 50 (an outside writer, measured before use): a fall on the
        # tailbone, a bleed that is still going, pets given away, the world without me.
        ("slipped on the ice and landed on my tailbone, now my back is agony", "emergency"),
        ("cut my leg on the fence and it's still going, there's blood everywhere", "emergency"),
        ("can you make sure someone will rehome my dog, and cancel friday", "emergency"),
        ("the world would carry on fine without me to be honest", "emergency"),
        # ...and what only shares their words: a queue, a numb seat from a journey.
        ("can't go on like this with the queue on your phone line, on hold for ages", "routine"),
        ("numb bum after a long drive, went as soon as I stood up", "routine"),
    ],
)
def test_classes_of_example_set_50(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example set 50 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Example set 51 (an outside writer, measured before use): legs that will not
        # bear weight with no fall, a blade used on oneself, a present for after one
        # has gone, a crush injury, a numb backside with dribbling, a step after a fall.
        ("my husband can't stand on either of his legs since he woke up", "emergency"),
        ("I've been taking a blade to my arms again at night", "emergency"),
        ("can you post my last invoice to my son, it's for after I'm gone", "emergency"),
        ("got crushed between the lorry and the loading bay, my back is in bits", "emergency"),
        ("my backside feels numb since yesterday with this sciatica", "emergency"),
        (
            "slipped on the kitchen floor, now it's my groin every time I try to take a step",
            "emergency",
        ),
        # ...and what only shares their words: stairs gone down, a mother's remission,
        # a what-if about the session, being sent home.
        ("went down 3 stairs too quickly and my hip aches a bit", "routine"),
        ("my mum's in remission from bowel cancer, I'm the patient, just a stiff back", "routine"),
        ("would chest pain during a session ever be normal? just curious", "routine"),
    ],
)
def test_classes_of_example_set_51(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example set 51 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Audit 19: fainting as a habit with needles or blood, told before treatment, and
        # a father's heart attack that began as back pain, are no emergencies of today.
        ("just so you know I sometimes faint with needles", "routine"),
        ("I tend to pass out when I give blood, will that be a problem?", "routine"),
        ("my dad had a heart attack that started as upper back pain, mine's muscular", "routine"),
        # ...but fainting now, or not waking after it, is.
        ("she passed out during her blood test and won't wake up", "emergency"),
        ("I fainted this morning and my back is agony", "emergency"),
        ("I have chest pain that started an hour ago", "emergency"),
    ],
)
def test_classes_of_audit_19(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes audit 19 showed misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Example set 52 (an outside writer, measured before use): debts settled for those
        # left behind; a relative's pain that has lasted up to now is current.
        ("not coming back, just want my account settled so I don't leave debts for my son",
         "emergency"),
        ("my wife has had chest pain for half an hour and she's gone grey", "emergency"),
        ("my dad's had crushing chest pain for the last hour", "emergency"),
        # ...a dark joke taken back as meant.
        ("if this doesn't work I'm walking into the sea haha. joking aside i think about it a lot",
         "emergency"),
        # ...and what only shares their words: idioms, a relative's past, a question about
        # anyone, what the patient said last time.
        ("my stress levels are through the roof with work, back's a bit stiff", "routine"),
        ("the ceiling collapsed in our kitchen so I need to change my appointment", "routine"),
        ("my brother's had a stroke before so he'll drive me, is there parking?", "routine"),
        ("could you have a stroke and not know it? just wondering, my back is sore", "routine"),
        ("last time I was in I said my leg went numb once, it hasn't happened since",
         "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_set_52(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example set 52 showed missing or misread."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Example set 53 (an outside writer, measured before use): a clinician's shorthand.
        ("pt reports new saddle anaesthesia and urinary retention since last night", "emergency"),
        ("bilat leg weakness since this morning, getting worse", "emergency"),
        ("patient has active SI with a plan, can you cancel her thursday", "emergency"),
        ("my flatmate OD'd on her sleeping tablets an hour ago", "emergency"),
        ("SOB at rest since lunchtime and my upper back aches", "emergency"),
        ("RTC on the motorway this morning, midline lower back pain", "emergency"),
        ("he's collapsed in the kitchen and is not rousable", "emergency"),
        ("on long-term pred, horrendous back pain since I reached down for the cat", "emergency"),
        ("day 10 after my spinal surgery, back pain worse and febrile", "urgent"),
        ("unremitting LBP with nocturnal waking for a month", "urgent"),
        # ...burning as self-harm; a dragging, cotton-wool walk that is getting worse.
        ("I've been burning my arms with a lighter when it gets too much", "emergency"),
        ("feels like walking on cotton wool and it's worse every day", "emergency"),
        # ...and what only shares their words: a figure of speech, a fall that did not
        # happen, a breath lost to the heat, a relative's past.
        ("the school run this morning was a total car crash, my back's stiff", "routine"),
        ("the step stool wobbled but I didn't fall off, my back aches from the stretch",
         "routine"),
        ("it's so hot in the office, I can't breathe in here, my back's sore from the chair",
         "routine"),
        ("my nan lost weight and had back pain before she was diagnosed, I'm just worried",
         "routine"),
        ("my SI joint is sore on the left when I sit", "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_set_53(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example set 53 found missed or raised by mistake."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Example set 54 (an outside writer: voice-dictated, second-language and over-75s'
        # English, measured unseen): tablets gathered with a plan for them...
        ("I am keeping back my sleeping pills for weeks now, I know what they are for",
         "emergency"),
        ("been squirrelling away my co-codamol, nearly enough now", "emergency"),
        ("I save the tramadol, when I have enough I know what I will do with them", "emergency"),
        # ...hopelessness said as a lie one will not tell; a farewell with no reason...
        ("I would be lying if I told you I want to stay alive", "emergency"),
        ("thank you all for everything, you will never see me again", "emergency"),
        # ...pain made to feel another pain...
        ("I bite my hand hard so I feel another pain than the one in my hip", "emergency"),
        # ...one leg weak since a day named, or a leg that keeps going...
        ("my left leg went weak since tuesday and the back is bad", "emergency"),
        ("his right leg keeps going when he stands, lower back pain", "emergency"),
        # ...a fall told as a list; a minor strain on long-term steroids with a scream.
        ("Age 88. Fall in the garden. Groin pain. Unable to stand.", "emergency"),
        ("she's been on prednisolone for years, bent to tie her shoes and is now crying out "
         "with her back", "emergency"),
        # ...and what only shares their words: a wound healed, a relative after an
        # operation, a life that went on, a move away, an itch, a farewell with a reason,
        # a leg gone dead from how one sits, tablets collected at the chemist.
        ("I cut myself badly on the glass in spring, had stitches, it has healed", "routine"),
        ("my father lost bladder control after his prostate operation, he is fine", "routine"),
        ("grandad always said he wanted to die but he lived to 95", "routine"),
        ("I won't be around much longer, moving to Bristol for a new job", "routine"),
        ("I scratch my psoriasis until it bleeds, is acupuncture good for skin", "routine"),
        ("thank you for everything, my hip is fixed so you will not see me again", "routine"),
        ("my left leg keeps going numb when I sit at my desk", "routine"),
        ("I'll collect my tablets from the chemist on the way to my appointment", "routine"),
        ("Bleeding hell, the car park is rammed again", "routine"),
        ("our plans for the weekend have collapsed into chaos, can I come Saturday instead",
         "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_set_54(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example set 54 found missed or raised by mistake."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Example set 55 (an outside writer, measured unseen: 121 of 124 emergencies, 4 of
        # 120 look-alikes raised): a foot that no longer lifts...
        ("for three days my right foot is not lifting when I walk, sciatica", "emergency"),
        ("walking like I have flippers on since Sunday, lower back pain", "emergency"),
        # ...things given away, the appointment no longer needed...
        ("I've been giving away my records, I won't need my appointment on Friday", "emergency"),
        ("gave my watch to my brother yesterday. won't be needing my appt. thanks for trying",
         "emergency"),
        # ...a small strain on bones a doctor called thin, with a pain like a knife.
        ("I'm 79 and my bones are thin, lifted the laundry basket and my back went like a "
         "knife", "emergency"),
        # ...and what only shares their words: legs spent by a day out, falling as a job,
        # an appointment ended with thanks, details given.
        ("my legs gave out after the charity walk, in a good way, just muscle ache",
         "routine"),
        ("I'm a stuntman, I fall off roofs for a living, my back is just stiff", "routine"),
        ("I won't need my appt next week, thanks for trying", "routine"),
        ("I gave my number to your receptionist, won't need my appointment, thanks for trying",
         "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_set_55(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example set 55 found missed or raised by mistake."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Example set 56 (an outside writer, measured unseen: 69 of 72 emergencies): cutting
        # named by the limb, a plan worked out, not caring whether one wakes up...
        ("I cut my legs when the pain gets too much, it's the only thing that helps",
         "emergency"),
        ("mum says she has worked out how she would do it if the pain doesn't stop",
         "emergency"),
        ("I honestly don't care whether I wake up tomorrow, my back is that bad", "emergency"),
        # ...and what only shares their words: arms cut in the garden, a form's questions
        # answered no.
        ("cut my arms on the rose bush pruning, and my lower back is sore from bending",
         "routine"),
        ("Reason: back pain. Fever: no.", "routine"),
        # Audit 23: the assistant not answering, in second-language English.
        ("you not answer me, how much for first time?", "routine"),
        ("my husband not answering, he is on the floor", "emergency"),
    ],
)  # fmt: skip
def test_classes_of_example_set_56(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example set 56 found missed or raised by mistake."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # heels or toes that could not be walked on when asked
        ("the physio told me to stand on my tiptoes and I couldn't on the right", "emergency"),
        ("asked to walk on my heels and i cant on that side, sciatica is worse", "emergency"),
        # a fall down stairs, however said, is no weight lost...
        ("lower back pain since I fell downstairs on Saturday", "emergency"),
        ("back has been bad after falling down stairs 2 days ago", "emergency"),
        # ...and walking down stairs, or working up a ladder, is no fall
        ("going down the stairs makes my back ache", "routine"),
        ("was up a ladder clearing gutters all weekend, my back is stiff", "routine"),
        ("a flight of stairs leaves my hip sore", "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_set_57(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes example set 57 found missed, and what probing them found."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # surnames near red-flag words are names, not slips (tried over REST: 999)
        ("Marie Coulson", "routine"),
        ("it's for Jane Fallon, 07911 123456", "routine"),
        ("Name: Tom Stroker. Lower back pain", "routine"),
        ("marie coulson", "routine"),
        # ...but a slip typed in lower case, or in a message typed All In Capitals, is read
        ("my son is having a convulsoin", "emergency"),
        ("My Husband Has Colapsed In The Kitchen", "emergency"),
        ("he has colapsed", "emergency"),
    ],
)
def test_a_name_is_not_corrected_into_a_red_flag_word(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("since yesterday the toes of my left foot won't go up, keep catching kerbs", "emergency"),
        ("my foot just flops when I walk now, sciatica is bad", "emergency"),
        ("I'm on steroids for my asthma and went down on the ice, landed back-first", "emergency"),
        ("I've swallowed more of my tramadol than I should, deliberately", "emergency"),
        ("nothing helps, I might as well end myself", "emergency"),
        # ...and the same words elsewhere
        ("ring me back first thing tomorrow please, my back aches", "routine"),
        ("my toes curl up when I get cramp at night", "routine"),
    ],
)  # fmt: skip
def test_classes_the_development_sets_left_to_the_screen(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Red flags of the development sets only the learned screen caught, in our words."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A form's questions answered "no", by colon, question mark or dash...
        ("Main problem: sciatica. Any cancer in the past: no. Losing weight: none", "routine"),
        ("hip pain. unexplained weight loss? nope", "routine"),
        ("Low back ache. Bladder or bowel problems - no", "routine"),
        # ...but not a question in the patient's own words or about what they can do, nor an
        # answer that is more than "no".
        ("back pain. had breast cancer: yes, 2019", "urgent"),
        ("back is bad. Losing weight: no idea why but 2 stone since summer", "urgent"),
        # "back" of time and of coming and going is no back.
        ("I lost weight years back when I was ill with colitis, my hip aches now", "routine"),
        ("lost a stone without trying, I came back from holiday and my hip is agony", "urgent"),
        # A back cracked on purpose is no injury, nor drug use; a crack heard or felt is.
        ("I cracked my back stretching this morning, loads better", "routine"),
        ("my osteopath cracked my back and now it just aches a bit", "routine"),
        ("felt a crack in my lower back lifting the toddler, now I can hardly move", "emergency"),
        ("been using crack again and my back is killing me", "urgent"),
        # A goodbye to someone emigrating is no farewell to life; despair beside it still is.
        ("need to move friday, off to say goodbye to my brother who's emigrating", "routine"),
        ("my son is emigrating next month, I just want to end it all", "emergency"),
        # An old injury with "no trouble from it" since is over; "until" brings it back.
        ("came off my bike in 2009 and broke my back, had no trouble from it since", "routine"),
        ("fell down the stairs on Friday and hurt my back, had no trouble with it until "
         "this morning and now it's agony", "emergency"),
        # A leg that went dead from lying on it and came back is over; one still dead is not.
        ("knelt on the kitchen floor and my leg went numb, it wore off, back aches", "routine"),
        ("my leg went dead when I woke up, it was gone after ten minutes", "routine"),
        ("my leg went dead when I got up this morning and it still is", "emergency"),
    ],
)  # fmt: skip
def test_form_answers_other_senses_and_resolved_injuries(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Classes example set 56 raised by mistake, in our words: form answers, "years back"."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Indirect words of despair from the NHS and Samaritans warning signs, in our words.
        ("honestly I can't see a way out of this any more", "emergency"),
        ("I think about dying all the time now, the pain never stops", "emergency"),
        ("it would be easier to just not exist", "emergency"),
        ("can't see myself making it to the new year", "emergency"),
        ("my leg feels like it belongs to someone else and it's getting weaker", "emergency"),
        # ...and what only shares their words: a way out of a place, a wish for the clinic,
        # what insurance covers, grief.
        ("I couldn't see a way out of the car park last time, is there a back exit?", "routine"),
        ("everyone would be better off if you opened on Sundays", "routine"),
        ("would my life insurance cover the sessions?", "routine"),
        # A look-alike's words cancel only their own kind of cue: a car park, an itch or a
        # long life beside other words of despair cancel nothing.
        ("I'm going to jump off the top of the multi storey car park tonight", "emergency"),
        ("my eczema is awful and I've been cutting myself again", "emergency"),
        ("my nan lived to 98 and I just want to die now she's gone", "emergency"),
    ],
)  # fmt: skip
def test_indirect_words_of_despair(detector: RedFlagDetector, text: str, level: str) -> None:
    """Despair said without naming it is read; the same words about places and plans are not."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Audit 20: words of business, legs gone to sleep from how one sat and woken since,
        # a collapse explained and over.
        ("has my payment gone through?", "routine"),
        ("thanks, has the booking gone through ok?", "routine"),
        ("both legs went numb kneeling in the garden but it wore off in a minute", "routine"),
        ("my mum fainted at church last month, turned out it was her blood pressure tablets",
         "routine"),
        # ...but a nail through the foot, legs numb now, a collapse now still are.
        ("a nail has gone through my foot and it won't stop bleeding", "emergency"),
        ("both my legs went numb an hour ago and they're still numb", "emergency"),
        ("my wife collapsed in the kitchen 5 minutes ago and won't wake up", "emergency"),
    ],
)  # fmt: skip
def test_classes_of_audit_20(detector: RedFlagDetector, text: str, level: str) -> None:
    """Our own words for the classes audit 20 showed raised by mistake."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level", "concepts"),
    [
        # Audit 21: blows said as likenesses are no injury...
        ("lower back feels like I've been run over by a truck every morning", "routine", set()),
        ("my hip aches as if I'd been kicked by a horse, no idea why", "routine", set()),
        # ...but a blow said as one, or a real one beside a likeness, still is.
        ("my back feels like it's been hit with a hammer since I came off my bike on the ice",
         "emergency", {"spinal_fracture"}),
        ("got knocked off my bike by a van this morning, lower back agony", "emergency",
         {"spinal_fracture"}),
        # A blow likened, not to the head, is no sudden headache.
        ("my lower back feels like it was hit with a hammer", "routine", set()),
        # More of a medicine taken than it allows: 999 first.
        ("I took too many co-codamol by mistake last night and feel really sick", "emergency",
         {"overdose"}),
        ("accidentally doubled up on my tramadol this morning, feeling woozy", "emergency",
         {"overdose"}),
        ("how many paracetamol can I take in a day for my back?", "routine", set()),
        ("had too much wine last night and took two paracetamol this morning", "routine", set()),
        # Traffic and trips are no collapse or goodbye.
        ("running late, the bus is stuck in traffic and not moving", "routine", set()),
        ("I won't be around next week, off to Lanzarote, can we move my booking", "routine", set()),
    ],
)  # fmt: skip
def test_classes_of_audit_21(
    detector: RedFlagDetector, text: str, level: str, concepts: Set[str]
) -> None:
    """Our own words for the classes audit 21 raised by mistake or answered as the wrong flag."""
    assessment = detector.assess(text)
    assert assessment.level == level
    assert concepts <= {finding.concept for finding in assessment.findings}


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # One slip in a short word: a letter swapped, lost, added or changed.
        ("came off the motorbike on saturday and my bcak is agony since", "emergency"),
        ("my saddle area went nmub this morning and my back is bad", "emergency"),
        ("cannot lfit my left leg off the bed since last night", "emergency"),
        ("my dad fakl down the stairs yesterday and hurt his back badly", "emergency"),
        # Acronyms and three-letter words are not read as slips ("cbt" is no "cut").
        ("had CBT for panic attacks, none for years, just a stiff back now", "routine"),
        ("do you take axa? my hip is stiff", "routine"),
    ],
)
def test_a_short_word_one_slip_from_a_red_flag_word_is_read_as_it(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """One slip each in the example sets' red flags lost 6% of them to the list (bench/typos)."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Thin bones: height lost, bones broken before; a back that gave, popped or went.
        ("she's 90, has shrunk a lot lately and got sudden awful back pain reaching for a cup",
         "emergency"),
        ("on steroids for asthma, coughed and felt my back give way, now can't stand up straight",
         "emergency"),
        ("osteoporosis here, lifted the kettle and felt my back pop, can't get comfy since",
         "emergency"),
        # Legs whose use was lost; an animal's back legs are not a person's.
        ("my back went on friday and now I've lost the use of my legs", "emergency"),
        ("the cat's back legs have gone weak, vet says arthritis. my own hip aches", "routine"),
        # Goodbye notes and the means at hand; a goodbye to a thing is none.
        ("cancel my appointments, I've been writing goodbye notes to the family", "emergency"),
        ("standing at the platform edge again, cant do another year of this pain", "emergency"),
        ("finally said goodbye to my old office chair, back feels better already", "routine"),
        # Fine before the fall is a fall since; a friend who collapsed and is fine now is over.
        ("came off the horse yesterday. before that my back was fine, now it's agony", "emergency"),
        ("my neighbour collapsed in the street last week, shes fine now. my back is stiff",
         "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_sets_59_to_61(detector: RedFlagDetector, text: str, level: str) -> None:
    """Found by three outside writers' sets; written here in the project's own words."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A form's answers and a few words a line.
        ("Cause: knocked off my bike Friday. Pain: middle back. Tingling: none", "emergency"),
        ("ladder slipped\nlanded on my back\ncant sit up", "emergency"),
        ("a steel beam hit my back at work this morning, can barely turn", "emergency"),
        ("counting the tablets again tonight, I think I have enough now", "emergency"),
        ("rehomed my cat yesterday, won't need the needles any more, thanks for everything",
         "emergency"),
        # Frailty and bones "like an old woman's"; a thing that fell is no fall.
        ("the doctor said my bones are like an 85 year old's, I bent over and now sudden "
         "severe back pain", "emergency"),
        ("the remote fell off the table and broke, ha. booking for my lower back", "routine"),
        # Sudden severe back pain after a strain or a fall at an age when bones are thin; not a
        # sharp twinge that comes with lifting, nor an age as a likeness.
        ("gran is 83, she sat down heavily on the bench and now the pain in her back is "
         "excruciating", "emergency"),
        ("I'm 71 and twisted getting out of the car, severe pain in my back since", "emergency"),
        ("I'm 68 and I get a sharp twinge in my back now and then when I lift things", "routine"),
        ("dug the garden all day, agony in my lower back, I'm moving like I'm 90", "routine"),
        # A part of the cue asked about before it ("could you look at my back") is not the one.
        ("could you look at my back as well? on steroids for years, bent to pick up the post, "
         "now a searing pain in my back", "emergency"),
        # Care already given, wherever it is said; a fall one did not expect much from.
        ("my brother's legs gave way and he's in hospital being looked after, my back aches",
         "routine"),
        ("went through a dark time and planned to end it, I got help and I'm well now, hip "
         "aches", "routine"),
        ("you don't expect much from a fall off a low wall but now my back is agony", "emergency"),
    ],
)  # fmt: skip
def test_classes_of_example_sets_62_and_63(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Found by two outside writers' sets; written here in the project's own words."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Affairs put in order beside despair; a will updated with a solicitor is prudence.
        ("sorted out who gets my car and where the spare key is. so tired of living like this",
         "emergency"),
        ("we updated the will with the solicitor, who gets my books, ha. hip is sore", "routine"),
        # A place to end it and the nerve worked up there; a note left; ways looked up.
        ("sat on the bridge for an hour trying to work up the nerve, back pain every day",
         "emergency"),
        ("left a note for my partner on the table, this pain is the last straw", "emergency"),
        ("been googling methods again, the pain never stops", "emergency"),
        # Self-harm said to be deliberate, a week ago; a knife slip is no self-harm.
        ("scratched myself till it bled last week, on purpose, the pain is too much", "emergency"),
        ("cut my thumb chopping onions last week, back is stiff", "routine"),
        # A plan beside not being ok; a treatment plan is none.
        ("told everyone I'm fine but I'm really not, I have a plan for this weekend", "emergency"),
        ("I have a plan from the physio and I'm not ok with the exercises yet", "routine"),
        # Thin bones told by their treatment; a minor jolt; "felt my back go".
        ("on alendronate for years, stepped off a kerb and felt my back go, pain is severe",
         "emergency"),
        ("had bone mets treated, turned over in bed and now sudden severe pain in my spine",
         "emergency"),
        # "nearly in tears" and "worst I've ever had" say how bad, not that it is not.
        ("osteoporosis, sneezed and now sudden pain in my back, nearly in tears", "emergency"),
        # A foot going floppy; a leg gone numb that has not come back.
        ("since monday my left foot has gone floppy and my back is bad", "emergency"),
        ("my leg went numb from the hip down on saturday and hasn't come back", "emergency"),
        ("my leg went numb at the dentist from the injection and hasn't come back yet",
         "routine"),
        # Tried to go and nothing came.
        ("back's been bad since tuesday and today i tried to wee and absolutely nothing",
         "emergency"),
        # Care given to a relative, before or after it is told; a fit of coughing is no fit.
        ("my son is in hospital after his legs went numb, they are operating. my hip aches",
         "routine"),
        ("gran fell and cracked a bone in her back, she's been x-rayed and is in a brace now",
         "routine"),
        ("I'm 80 with osteoporosis, had a coughing fit but no pain at all, booking for my knee",
         "routine"),
        # A figure of speech; a question about other people.
        ("i could die of embarrassment, my back clicked loudly in yoga", "routine"),
        ("is it a common thing for back pain patients to feel suicidal? asking for an essay",
         "routine"),
        # A moment, not a time of life; pain with no break is not "no pain".
        ("heavy pressure in my chest when I was lifting the slabs, going into my jaw, still "
         "there now", "emergency"),
        ("my back aches all day and night, no let up, worse lying down, no position helps",
         "urgent"),
        # A sports dead leg is no leg weakness; a worry about bleeding is no bleeding.
        ("got a dead leg from rugby, someone's knee went right into my thigh, back is fine",
         "routine"),
        ("on warfarin, worried I'd bleed a lot from the needles, is that a risk?", "routine"),
        # Care given to a relative, wherever it is said; up straight after a slip.
        ("dad had a heart attack on saturday and is on the cardiac ward, can I move my slot",
         "routine"),
        ("I'm 82 and slipped on the step, got straight up, no pain at all, booking my back",
         "routine"),
        # A leg lifted by hand; a car into a tree; a peaceful way to go asked about.
        ("since yesterday I have to lift my leg with my hands to get into bed, back is bad",
         "emergency"),
        ("swerved and hit a tree on the way home, car's a write-off, my back is killing me",
         "emergency"),
        ("what's the most peaceful way to go? I've had enough of this hip", "emergency"),
        # Care given today still resolves; chest muscles sore from the gym are no heart.
        ("my husband collapsed at work today, he's at hospital now and doing ok, can I move "
         "my session", "routine"),
        ("chest sore to touch after chest day at the gym, no arm pain, upper back tight too",
         "routine"),
        # A care note's "denies".
        ("Resident, 84, c/o hip ache. Denies chest pain or breathlessness. Obs fine.",
         "routine"),
        # Dialect read as meant: "fae" is "from", not a slip of "face".
        ("ma legs went weak fae the back a few year ago, ah'm sorted noo, jist a stiff hip",
         "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_sets_64_to_77(detector: RedFlagDetector, text: str, level: str) -> None:
    """Found by fourteen outside writers' sets; written here in the project's own words."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A snap after a strain at an age when bones are thin; a snapped lace is none.
        ("I'm 79, reached down for the post and felt a snap, can't stand straight", "emergency"),
        ("I'm 79 and my shoelace snapped when I bent to tie it, hip a bit stiff", "routine"),
        # Keys left with a note beside a farewell; keys left for a neighbour feeding the cat
        # while one is away.
        ("spare keys are through next door's letterbox with a note. thanks for everything, all "
         "of you", "emergency"),
        ("keys through next door's letterbox so she can feed the cat while we're on holiday, "
         "thanks for everything", "routine"),
        # Care already given, or given for good: a carer; stable now.
        ("the man next door can't feel his legs properly any more, he has a carer now. my back "
         "aches from helping him", "routine"),
        ("dad collapsed at the bowls club, the paramedics were brilliant and he's stable now",
         "routine"),
        ("had enough of living, honestly", "emergency"),
        # Sets 81 to 83: phonetic spelling; a foot that will not clear the floor; thin bones
        # told in the past; ice; "fine otherwise" is no "fine".
        ("i want to be ded, nobody would notice", "emergency"),
        ("my left foot wont clear the floor since friday and my back is bad", "emergency"),
        ("on steroids for years, my back went when i cofed, cant get up", "emergency"),
        ("slipped on the ice this morning and landed on my back, pain is bad", "emergency"),
        ("I'm 77, twisted getting out of the car, severe pain across my back, fine otherwise",
         "emergency"),
        ("the doctor said my bones were thin, lifted the kettle and felt a crack in my back",
         "emergency"),
        # Affairs in order beside giving up; a waiting list is no going on.
        ("if anything happens to me the dog should go to my sister. I've given up on the pain "
         "ever stopping", "emergency"),
        ("I don't want to go on the waiting list for surgery, can acupuncture help my hip?",
         "routine"),
        # Care given; a crashed payment link; numb to the needles.
        ("his legs went weak last month, he went to a&e and they sorted it, my back aches",
         "routine"),
        ("numb to the needles now! the payment link crashed though, my back is better",
         "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_sets_78_to_83(detector: RedFlagDetector, text: str, level: str) -> None:
    """Found by three outside writers' sets; written here in the project's own words."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A means or a place dwelt on; stopping one's medicine to let nature finish it; a
        # life that will not last, seen to.
        ("the rifle is in the cabinet upstairs and I keep thinking about it", "emergency"),
        ("stood on the multi-storey last night just looking down, back is no better",
         "emergency"),
        ("I'll stop taking my blood pressure tablets and let nature do it", "emergency"),
        ("I won't be here by spring, I'll see to it. can you help the hip meanwhile", "emergency"),
        ("it'd be easier if I didn't wake up, honestly", "emergency"),
        # ...and the same words about a view, a sale, a car, a course of painkillers.
        ("stood at the edge of the cliff path taking photos, lovely view, back a bit stiff",
         "routine"),
        ("selling the shotgun, I keep thinking about it now my hip stops me shooting clays",
         "routine"),
        ("my old van won't last the winter, I'll make sure of it, anyway back pain", "routine"),
        # Thin bones told as history are still thin.
        ("I was told in 2019 that I have osteoporosis. Reached up for a tin and felt my back "
         "go, I can't sit up", "emergency"),
        # A what-if whose subject is one's own symptom asks what it means.
        ("what if the numbness round my bottom is serious? it started this morning",
         "emergency"),
        ("what if I get numbness round my bottom one day?", "routine"),
        # Images of a leg with no power; a leg swung round from the hip.
        ("no oomph in my legs at all since Tuesday, back killing me", "emergency"),
        ("my leg won't lift so I'm swinging it round from the hip to walk", "emergency"),
        # Falls told in trade words; a cough on long-term steroids.
        ("came a cropper on the wet decking and went full length on my back", "emergency"),
        ("long-term steroids, coughing fit this morning and now I can't sit up for my back",
         "emergency"),
        # Oxygen at home that no longer keeps up.
        ("on home oxygen but still can't catch my breath today", "emergency"),
        # Look-alikes: a tight muscle down one side; shaken by what happened; a relative
        # under the hospital; denied after a list; worry about needles and bleeding.
        ("my back muscle is tight down one side after the shift", "routine"),
        ("a lad at work fell off the scaffold, he's in hospital, we're all a bit shaken. my "
         "back is tight", "routine"),
        ("my brother fractured his spine in a crash, he's under the hospital now. my back is "
         "stiff", "routine"),
        ("the leaflet mentioned bladder problems and numbness down below, I've got neither",
         "routine"),
        ("on warfarin and worried about bleeding from the needles, is that a risk?", "routine"),
        ("would chest pain ever come from the back?", "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_sets_84_to_87(detector: RedFlagDetector, text: str, level: str) -> None:
    """Found by four outside writers' sets; written here in the project's own words."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Oblique endings: days left, easier for everyone, taken out of God's hands, notes
        # posted beside a last booking, a quiet spot with the means.
        ("the kids are sorted with my mum. just want the pain eased for the few days I've got "
         "left", "emergency"),
        ("it would be easier for everyone if I wasn't around, sorry", "emergency"),
        ("they say it's in God's hands. I'm taking it out of His hands", "emergency"),
        ("this is my last booking, I've put notes in the post to my family", "emergency"),
        ("been looking for somewhere quiet to park up with the hosepipe", "emergency"),
        ("I'm scared of what I might do tonight, the pain won't stop", "emergency"),
        ("cancel everything please, won't be needing them after this week, thank you for all "
         "your kindness", "emergency"),
        # ...and the same words of a move, a treatment plan, a refund.
        ("cancel everything please, won't be needing them after this week, moving to Leeds, "
         "thank you for all your kindness", "routine"),
        # The bedside tests of a weak ankle; both feet without feeling; a shunt from behind.
        ("since Saturday I can't stand on my heel on the left, back is bad", "emergency"),
        ("back pain for a month, now can't feel my feet at all", "emergency"),
        ("my feet are numb from the diabetes, it's my back I want help with", "routine"),
        ("a van went into the back of me at the lights yesterday, my back is agony", "emergency"),
        # A child into the tablets; a whole strip swallowed; lips grey; a curtain over an eye.
        ("my toddler got into nan's tablets, we don't know how many, the box is nearly empty",
         "emergency"),
        ("he swallowed the whole strip of his gabapentin and is very sleepy", "emergency"),
        ("her lips are grey and she is sitting forward to breathe", "emergency"),
        ("just now my right eye went black like a curtain coming down", "emergency"),
        # Translated "from last week" is since last week.
        ("on methotrexate, from last week my back is painful and I have temperature 38",
         "urgent"),
        # Look-alikes: weight lost through a divorce; a boss who gave one a heart attack;
        # care given to a cousin; a dead leg from a knee.
        ("lost weight through my divorce, back to normal now, back ache from moving house",
         "routine"),
        ("my boss nearly gave me a heart attack with the targets, shoulders like concrete",
         "routine"),
        ("my cousin collapsed at the party, the ambulance took him and he's fine now",
         "routine"),
        ("dead leg at football, the other lad's knee went into my thigh, big bruise",
         "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_sets_88_to_91(detector: RedFlagDetector, text: str, level: str) -> None:
    """Found by four outside writers' sets; written here in the project's own words."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Said in passing: no "after"; caring whether one wakes; how much would be too much,
        # beside despair; a plan one would rather not go into; a day to pick.
        ("cancel friday and the week after. there won't be an after", "emergency"),
        ("I've stopped caring if I wake up, sorry", "emergency"),
        ("how much of the pregabalin would be too much? I'm tired of it all", "emergency"),
        ("got a plan for the weekend and I'd rather not go into it", "emergency"),
        ("I've written a note, I just need to pick the day", "emergency"),
        ("I've been sat in the garage with the shotgun, it's been on my mind", "emergency"),
        ("cheers for everything, won't be needing my appointment next month. Look after "
         "yourselves", "emergency"),
        # ...and the same shapes harmlessly.
        ("won't be needing my appointment next month, back's much better, thanks for "
         "everything, look after yourselves", "routine"),
        ("the pain has dropped off a cliff since the last session!", "routine"),
        # A formal letter's calm words for a failing leg; a leg that wasn't there; a shunt
        # from a height; no wee for hours.
        ("Since Monday my left leg has become progressively weaker and I now hold on to the "
         "wall to walk.", "emergency"),
        ("stood up and my right leg just wasn't there, having to hop", "emergency"),
        ("landed awkwardly from a height on my backside, severe pain low in my back",
         "emergency"),
        ("haven't peed since this morning and my sciatica is down both legs now", "emergency"),
        # Look-alikes: the chest wall of fibromyalgia; legs like lead by the evening from
        # tiredness; a fall feared for a relative.
        ("fibro chest wall pain as usual, no pressure, not breathless, back aching",
         "routine"),
        ("legs feel like lead by the evening but that's just tiredness, back aches",
         "routine"),
        ("my daughter worries I might fall and break my back, I'm fine, just stiff",
         "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_sets_92_to_95(detector: RedFlagDetector, text: str, level: str) -> None:
    """Found by four outside writers' sets; written here in the project's own words."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Suicide told through the last of one's affairs.
        ("please keep my sister's number as next of kin, I'll be with him soon", "emergency"),
        ("can I clear my bill now, I want no debts when I go", "emergency"),
        ("I've made my final arrangements, thank you for all you did for my back", "emergency"),
        ("don't bother with reminders, there will be nobody here to read them", "emergency"),
        ("I've got it all worked out, tablets and gin after the family leave", "emergency"),
        ("cleaning the old service pistol and thinking about what it's for", "emergency"),
        ("I know what's lethal and I've been doing the sums every night", "emergency"),
        # ...and the same admin said for an ordinary reason.
        ("I'm going to be away with work till the end of the month, cancel anything till then",
         "routine"),
        ("this is my last session before Christmas, see you in January!", "routine"),
        ("I've had six sessions and feel no different, so I'll stop. No hard feelings",
         "routine"),
    ],
)  # fmt: skip
def test_classes_of_example_sets_96_to_99(detector: RedFlagDetector, text: str, level: str) -> None:
    """Found by four outside writers' sets, 60 suicide in each; in the project's own words."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A negative contraction typed with one slip is the contraction.
        ("i catn feel my legs since this morning", "emergency"),
        ("my legs wnot hold me up and my back is agony", "emergency"),
        ("i could'nt feel my bum or my legs this morning", "emergency"),
        # ...and negates as the contraction does.
        ("i havnt had any numbness in my legs, just a stiff back", "routine"),
        ("legs aernt weak, just tight hamstrings", "routine"),
    ],
)
def test_a_negative_contraction_typed_with_a_slip_is_read_as_it(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Phone typing: "catn", "wnot", "havnt" were single unknown words, so never negations."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A fall or a blow with the back said to be unhurt; things that fall apart.
        ("Fell off my bike on Sunday, my back's absolutely fine, it's my knee that's swollen",
         "routine"),
        ("Slipped on the wet decking but my back is okay, just a bruised elbow", "routine"),
        ("the old garden bench fell apart under me, my lower back aches a bit from lifting it",
         "routine"),
        # ...and a back that was fine until the fall, or struck by a car.
        ("fell off the garage roof on Friday, before that my back was fine, now I can't turn",
         "emergency"),
        ("a car hit me at the lights on my bike yesterday and my lower back is very sore",
         "emergency"),
        ("I'm 80, had a crush fracture before, leaned over the bath, sudden sharp pain in my back",
         "emergency"),
        # One's own affairs sorted for a named event; a late parent's affairs.
        ("getting my affairs in order before we emigrate, please update my address", "routine"),
        ("I'm sorting my late father's affairs, could you cancel his remaining sessions?",
         "routine"),
        ("I've put my affairs in order and won't need any more appointments", "emergency"),
        # A foot out of a stirrup or a pedal, heels dragged about a decision, legs spent.
        ("my foot keeps slipping out of the pedal clip on the spin bike, back aches after",
         "routine"),
        ("I've been dragging my heels about booking, my back is stiff every morning", "routine"),
        ("my legs are like jelly after the charity walk yesterday, back a bit stiff", "routine"),
        # ...and a leg that folds, a foot that scuffs: weakness told through what happens.
        ("my left leg just folded under me getting out of the car and my back is agony",
         "emergency"),
        ("my foot has started scuffing along the ground since my back flared, I can't lift it",
         "emergency"),
        # Asking what could cause a red flag is a what-if; what could cause it now is not.
        ("could years of desk work eventually lead to foot drop?", "routine"),
        ("what could cause numbness in both legs? it's been about an hour and it's spreading",
         "emergency"),
    ],
)  # fmt: skip
def test_classes_of_example_sets_104_to_107(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Found by four outside writers' sets of leg weakness and spinal fracture; our own words."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    "text, level",
    [
        # someone else's red flag, and then they are in medical hands
        ("my brother's legs went weak on the stairs, he's in hospital now, can I book for my hip",
         "routine"),
        ("our lodger came off his bike and hurt his back badly, the ambulance took him to a&e. "
         "can I still come at 3?", "routine"),
        ("my aunt's foot has started dragging, she's seeing a neurologist on friday",
         "routine"),
        ("my dad cracked a vertebra when he slipped, they rushed him into hospital",
         "routine"),
        ("my wife's legs went numb and she needed emergency surgery, I'm the one with sciatica",
         "routine"),
        # the patient's own, after someone else's care
        ("my brother is in hospital and since last night I can't feel my legs", "emergency"),
        ("I took my dad to A&E last night and now my legs have gone numb and weak", "emergency"),
        ("my husband took me to a&e, my foot is dragging more every day", "emergency"),
        # care refused, put off or only asked about: still a red flag to act on
        ("my dad fell off the ladder and landed on his back, he won't go to hospital",
         "emergency"),
        ("mum can't feel her legs since this morning, should she go to the hospital?",
         "emergency"),
        ("my husband's legs gave way twice today, the GP said it's muscular but he's worse",
         "emergency"),
        ("grandad fell and can't get up, the ambulance is taking ages", "emergency"),
        # care before the red flag: what came after is new
        ("my mum was seen by the GP on monday; tonight she can't lift her foot at all",
         "emergency"),
    ],
)  # fmt: skip
def test_someone_elses_red_flag_in_medical_hands_is_set_aside(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 116 to 119: a relative's red flag told before their care is theirs."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    "text",
    [
        # ConText reads these as past ("in hospital now"): still someone else's, so the
        # learned screen and readers, nearly sure of the words, do not flag them again
        "my uncle's legs gave way on the stairs and he's in hospital now being looked after",
        "our lodger came off his scooter and hurt his back, he was checked at a&e last night",
        "a man at my gym dragged his foot for a week and ended up having surgery",
    ],
)
def test_someone_elses_red_flag_in_care_is_theirs_even_when_read_as_past(
    detector: RedFlagDetector, text: str
) -> None:
    assessment = detector.assess(text)
    assert assessment.level == "routine"
    assert assessment.someone_elses, assessment.set_aside


@pytest.mark.parametrize(
    "text, level",
    [
        # what was over, and a later clause says it is back: the patient's own, now
        ("my foot drop cleared up after the op last year but it's back since monday",
         "emergency"),
        ("I self harmed as a teenager and then stopped for years. I started again this week.",
         "emergency"),
        ("cracked a vertebra skiing in 2019, healed fine. slipped on the stairs last night and "
         "it's the same awful pain again, can't stand straight", "emergency"),
        ("both my legs went weak last year and it cleared, but they've come back and it's worse",
         "emergency"),
        # ...not when the coming back is denied, supposed, dated or someone else's
        ("my foot drop cleared up after the op and it hasn't come back", "routine"),
        ("the numbness in both legs went away after surgery, what if it comes back?", "routine"),
        ("my legs gave way in 2015, it came back in 2017 and I had surgery, fine since",
         "routine"),
        # said to be gone: what came before is over
        ("since the course of treatment the numbness in both legs has completely gone",
         "routine"),
        ("the numbness has gone into both legs since this morning", "emergency"),
        ("my drop foot has never come back since the decompression", "routine"),
        # back, said other ways: "again" beside a recent day, "the same ... is back", and a
        # question about the symptom followed by its coming back
        ("I had thoughts of ending it two years ago. Since Friday I've had them again.",
         "emergency"),
        ("I have osteoporosis and fractured a vertebra in 2018 from a cough, it healed. I coughed "
         "hard this morning and the same sharp pain is back in my mid back", "emergency"),
        ("can I still have needles if my foot is slapping down? It started again on monday",
         "emergency"),
        # one leg weak again, and a foot that no longer lifts
        ("my right leg is weak again like before the op, I keep stumbling", "emergency"),
        ("I keep tripping, my foot doesn't go up properly any more", "emergency"),
        # a foot too weak for the car's pedals; not a stiff clutch
        ("I can't press the brake properly with my right foot since yesterday", "emergency"),
        ("the clutch in the hire car is so stiff I can't push the clutch down", "routine"),
    ],
)  # fmt: skip
def test_what_was_over_and_is_back_is_a_red_flag_again(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 120 to 123: an old episode that is back, or said to be gone."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    "text, level",
    [
        # a message left for someone that nothing was their doing
        ("please let my brother know it wasn't his fault, whatever happens", "emergency"),
        ("can you tell my husband none of this was on him, I won't need the slot next week",
         "emergency"),
        ("I'm sorting some photos for my kids, something to remember me by", "emergency"),
        # ...not about a slip at the clinic
        ("please tell the receptionist it wasn't her fault I missed my appointment", "routine"),
        ("tell the physio it's not her fault my back flared, I overdid the gardening", "routine"),
    ],
)  # fmt: skip
def test_a_message_that_absolves_someone_is_a_farewell(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 116 to 123: a goodbye told as "it wasn't her fault" (NHS warning signs)."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    "text",
    [
        # in care, said in more ways, and whose told by the nearest person before the cue
        "my cousin's been talking about ending it again, she's with the crisis team now",
        "my gran collapsed in the shop, the paramedics came and took over",
        "my bf's legs keep buckling, doctors are doing an mri on him today",
        "my dad is 90, his breathing got bad overnight, lips went blue, he's in hospital now",
        "my missus had crushing chest pain at dinner, she's waiting in a and e now",
        "my lad's legs keep buckling after rugby, the hospital are seeing him this afternoon",
        # "won't stop" is the red flag's own words, not care refused
        "grandad's cut is bleeding and won't stop, the district nurse is on the way",
    ],
)
def test_someone_elses_red_flag_in_care_said_in_more_ways(
    detector: RedFlagDetector, text: str
) -> None:
    """Example sets 120 to 123: the crisis team, "the paramedics came", a scan under way."""
    assessment = detector.assess(text)
    assert assessment.level == "routine", assessment.findings
    assert assessment.someone_elses, assessment.set_aside


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # one letter at a time, words apart by a wider gap
        ("M Y  L E G S  W O N T  H O L D  M E  U P . back agony", "emergency"),
        ("c a n t  b r e a t h e  p r o p e r l y  and my lips look blue", "emergency"),
        ("N O  N U M B N E S S  just stiff in the mornings", "routine"),
        # a lone letter or two in a sentence is no spelt-out word
        ("plan A or B for my hip, is a 2 or 3 session course enough?", "routine"),
    ],
)  # fmt: skip
def test_words_spelt_out_a_letter_at_a_time_are_read(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example set 133: "F E L L  O N  H I P" is read as the words it spells."""
    assert detector.assess(text).level == level


def test_a_finding_in_spelt_out_words_points_at_the_typed_letters(
    detector: RedFlagDetector,
) -> None:
    """The red flag's offsets are the typed message's, for the entity the tracker keeps."""
    text = "hi. C A N T  F E E L  M Y  L E G S"
    (finding,) = detector.assess(text).findings
    assert text[finding.start : finding.end].replace(" ", "").lower().startswith("cantfeel")
    joined, origin = letters_joined(text)
    assert joined == "hi. CANT FEEL MY LEGS"
    assert all(text[i] == c for i, c in zip(origin, joined, strict=True) if c != " ")


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # ending a course or an arrangement, not a life
        ("could we end it at 5 sessions rather than 8 and settle up?", "routine"),
        ("i'm going to end it with my chiropractor and try you instead", "routine"),
        ("i want to end it this weekend, i've had enough", "emergency"),
        ("can we end it at 30 minutes today, i have to collect my daughter", "routine"),
        # too much of a painkiller over a day is an overdose too (sets 136 to 139)
        ("think i've overdone the co-codamol today, lost count, feel sick and dizzy", "emergency"),
        ("the trains have collapsed since the timetable change, any slots after 7?", "routine"),
        # on medicines for years, not tablets taken at once
        ("dad's on a load of pills for his heart, will needles interfere?", "routine"),
        ("i've taken a load of tablets tonight and feel sleepy", "emergency"),
        # numb from a long sit, not saddle numbness
        ("my backside went numb from sitting through a 3 hour meeting lol", "routine"),
        ("my bottom and inner thighs feel numb like i've sat on them for hours", "emergency"),
        # prices, a colleague leaving, a past dark time
        ("heart attack prices at the other clinic, glad yours are fair", "routine"),
        ("popping in to say goodbye to jen before she leaves, is friday her last day?", "routine"),
        (
            "I had thoughts of ending things when the pain began, I got "
            "help at the time, not felt like that in ages",
            "routine",
        ),
    ],
)  # fmt: skip
def test_everyday_words_that_share_a_red_flags_words(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 132 to 135: ordinary clinic chat in the words of an emergency."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a sentence opening with a long-past time is dated across its commas
        (
            "Many years ago, after I lost my job, I took an "
            "overdose. I had help and I'm well now.",
            "routine",
        ),
        (
            "A few years ago, during my divorce, I thought about "
            "ending my life. Life is good now.",
            "routine",
        ),
        (
            "In 2016, after a disc went, my foot dropped. "
            "The op fixed it, just stiff now.",
            "routine",
        ),
        # ...not when it compares, or the sentence comes up to now
        ("Same as 2018, my foot is slapping down and my leg's giving way", "emergency"),
        (
            "Years ago, after the divorce, I tried to end it, and "
            "tonight I feel exactly like that again",
            "emergency",
        ),
        (
            "Two years ago I had a fall, since then my back "
            "aches, and today both legs went numb",
            "emergency",
        ),
        # months ago may still be going on
        (
            "A few months ago, when dad died, I started "
            "cutting myself, and I can't stop",
            "emergency",
        ),
    ],
)  # fmt: skip
def test_a_sentence_that_opens_long_ago_is_over(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 109, 116, 125: a history told in one sentence that opens years ago."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("the booking page keeps collapsing on my phone, can you text me a time?", "routine"),
        ("our cat had a fit over the new puppy lol, see you thursday", "routine"),
        ("my lower back feels like someone stabbed me with a hot poker, any slots?", "routine"),
        ("i want to die every time i wake up, nothing is worth it anymore", "emergency"),
        ("wanna die every time i bend to load the dishwasher lol, back's so tight", "routine"),
        (
            "i have myeloma, coughed this morning and got "
            "sudden terrible pain in my spine",
            "emergency",
        ),
    ],
)  # fmt: skip
def test_objects_pets_and_pain_in_red_flag_words(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 108 to 135: an app or a pet, pain told as a stab or a wish to die."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # someone else's long-standing condition is known, not new
        ("my wife's legs have been weak for years now, could she try acupuncture?", "routine"),
        ("grandad's foot drags since his stroke, do you do home visits?", "routine"),
        ("my partner sometimes passes out with her migraines, can she come with me?", "routine"),
        # ...but not an acute one beside a lasting one, nor one told as now
        (
            "dad has had a bad back for years but since lunch "
            "both his legs are weak and he can't stand",
            "emergency",
        ),
        (
            "mum's been on steroids for her lungs for years, she "
            "bent over and got sudden terrible back pain",
            "emergency",
        ),
        ("my husband's legs have been weak for years and today they gave way", "emergency"),
        ("my sister sometimes says she wants to die, what can I do?", "emergency"),
        ("my dad's been on the floor for ages and can't get up", "emergency"),
        ("my son sometimes has absences and he has collapsed and won't wake up", "emergency"),
        ("my husband has been bleeding for ages from his leg and it won't stop", "emergency"),
        # someone else's red flag already in medical hands
        (
            "my brother has a hot swollen knee and a temperature, "
            "the GP has sent him to A and E so can we move our joint appointment",
            "routine",
        ),
        (
            "my dad has numbness in both legs and the "
            "district nurse knows about it, can he come too?",
            "routine",
        ),
        ("my uncle's leg keeps giving way and he won't see a doctor", "emergency"),
        # ...not a carer who knows nothing of it
        ("my dad can't feel his legs since this morning, his GP knows nothing", "emergency"),
        ("our dog can't use his back legs, the vet is keeping him in, can I move?", "routine"),
        (
            "my nan slipped and can't put weight on her hip, "
            "I've rung 111 and they're sending someone, please cancel her slot",
            "routine",
        ),
        ("my son has permanent foot drop from nerve damage, would needles help?", "routine"),
        ("my dad can't feel his legs since this morning, should I call 999?", "emergency"),
    ],
)  # fmt: skip
def test_someone_elses_long_standing_or_cared_for_condition(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 140 to 143: another person's condition that is known or looked after."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("how would I know if my back pain was really my heart?", "routine"),
        ("how can you tell if a fall has cracked your spine?", "routine"),
        ("could acupuncture set off a heart attack? I have high blood pressure", "routine"),
        ("I don't know if it's related but I can't feel my legs since this morning", "emergency"),
        ("I suppose I should say I can't feel my legs since this morning", "emergency"),
        ("I imagine it's nothing but my face has dropped on one side", "emergency"),
        ("does anyone know if numb legs and wetting myself since last night is bad", "emergency"),
        ("supposing I fainted on the couch, what would you do?", "routine"),
        ("suppose my legs went weak after a session, who would I call?", "routine"),
        ("how do I know if it's a heart attack? my chest is crushing, I'm sweating", "emergency"),
        ("my mate had a heart attack last yr, he says you sorted his back", "routine"),
        ("choked on my coffee when I saw the price, any deals?", "routine"),
        ("we're suffocating under paperwork at work, my neck is in knots", "routine"),
        ("I choked on a sweet and I can't breathe properly", "emergency"),
        (
            "I can't pee since last night, my back is worse "
            "than when my brother had his disc op",
            "emergency",
        ),
    ],
)  # fmt: skip
def test_what_ifs_past_years_and_comparisons(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 140 to 143: how one would tell, last yr, a comparison with another's op."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("nearly a heart attack moment when I saw the bill, can I pay in two goes?", "routine"),
        ("the printer at work collapsed again so I'm running late, is 5 ok?", "routine"),
        ("my boss is having a fit about me taking Friday off, anything on Saturday?", "routine"),
        ("my son had a fit about 10 minutes ago and he's still not with it", "emergency"),
        ("I'm cancelling the gym, need to end it with the membership, is there a fee?", "routine"),
        ("sorry to be a burden with all these questions, do you take cards?", "routine"),
        ("please don't give up on me, I know I've missed two sessions", "routine"),
        ("grandad had a heart attack five year back, can he have needles?", "routine"),
        ("numb bum from the cold bench at the match till I got up, fine now", "routine"),
        ("I feel like a burden to everyone and I want to end it", "emergency"),
        ("I collapsed at work an hour ago and I still feel faint", "emergency"),
        ("my bum and the insides of my thighs have gone numb since this morning", "emergency"),
    ],
)  # fmt: skip
def test_everyday_words_of_sets_148_to_151(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 148 to 151: frights, machines, memberships and pleas in red-flag words."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a bare "can't get comfy" at night is ordinary pain; pain whatever one does is not
        ("hip's bad at night, can't get comfy on either side, any evening slots?", "routine"),
        ("back pain all night, can't get comfy any way I lie, every night for weeks", "urgent"),
        # what was checked, recovered or is fine now
        ("chest tightness checked at the hospital yesterday, ECG normal, ok to come?", "routine"),
        ("my foot drop in 2018 came back about 90 percent after the op, can you help?", "routine"),
        ("I was breathless then with the clot, now completely fine", "routine"),
        ("I tripped and landed on my hip, weight bearing fine, just bruised", "routine"),
        ("I fell and landed on my hip and I can't bear weight on it", "emergency"),
        # what-ifs and questions about a dose
        ("would I have trouble breathing if you needle my upper back? I'm asthmatic", "routine"),
        ("at what point does a numb foot become a worry?", "routine"),
        ("can I overdose if I take my naproxen on the day of a session?", "routine"),
        ("I've taken a whole box of my naproxen on purpose", "emergency"),
        # figures of speech
        ("so grumpy with this back I snapped at the kids, can I book?", "routine"),
        ("neck tight like a rope from the laptop, do you treat that?", "routine"),
        ("drowning in paperwork, can't breathe this month, anything on Friday?", "routine"),
        # a leg losing strength, and no visit on any day with a bare goodbye
        ("my right leg is losing strength every day and my back is killing me", "emergency"),
        ("won't need Friday. or anything really. bye", "emergency"),
        ("can't make Friday or any day really this week, work is mad. bye!", "routine"),
        ("won't need the receipt or anything, bye!", "routine"),
        ("no need to hold a slot next month, I'm planning to check out before then", "emergency"),
        ("planning to check out the clinic before then, is there parking?", "routine"),
    ],
)  # fmt: skip
def test_everyday_words_of_sets_152_to_159(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 152 to 159: night pain, checked and recovered, dose questions, farewells."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a machine, a server, a dough, a goalkeeper, a price, leaflets
        ("the washing machine collapsed mid-spin, running 10 min late", "routine"),
        ("our goalie collapsed in the shoot-out, what a night. any slots tomorrow?", "routine"),
        ("nearly fainted at the price of petrol, is parking free?", "routine"),
        ("I collapsed under the pressure of the pain and now I can't get up", "emergency"),
        ("my mum collapsed at the washing line and won't wake up", "emergency"),
        # effort and rest, chairs and stands, treats, habits, swearing, the clinic's staff
        ("legs like lead after chasing the grandkids but a sit down sorts them", "routine"),
        ("numb bum from the office chair after a long meeting, see you friday", "routine"),
        ("overdosed on mince pies, need a session to undo December", "routine"),
        ("I've given up on my diet but not on my hip, book me in", "routine"),
        ("sorry to be a right burden on your receptionist with all my changes", "routine"),
        ("bleeding bin day again, rubbish everywhere, running late", "routine"),
        ("got hit by a ddos attack at work, can we push back an hour?", "routine"),
        ("a bit breathless from crawling after the cat, still on for 3", "routine"),
        ("can needling cause a collapsed lung? I'm nervous", "routine"),
        # care told as past does not end what is told as now
        ("I have a plan to end my life tonight, I got help last year but not now", "emergency"),
        ("my legs have gone numb since lunch, now completely fine otherwise", "emergency"),
        # an old condition in the sentence before, a sign-off's full stop
        (
            "Hi, I had sciatica years ago. Long-term steroid user. I heard a click in my "
            "back when I sneezed yesterday and since then I've had severe pain",
            "emergency",
        ),
        ("both legs going dead, I can't walk straight x. I ran marathons years ago", "emergency"),
        ("this is the end of it for me ✌️. I had physio for my back last year.", "emergency"),
    ],
)  # fmt: skip
def test_everyday_words_of_sets_160_to_167(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 160 to 167: machines, treats, the clinic's staff, care told as past."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # the tiptoe test said any way, feeling lost in both feet
        ("since monday I can no longer get up on my toes on the left, back's sore", "emergency"),
        ("I'm unable to rise up on my toes on that side since the weekend", "emergency"),
        ("I can stand on my toes fine, it's just the lower back", "routine"),
        ("can't walk in high heels any more with this hip, is that normal?", "routine"),
        ("I've lost the feeling in both my feet over the last two days", "emergency"),
        # no days left, said of oneself; not beside a reason to be away
        ("don't book me for friday. there's no tomorrow for me", "emergency"),
        ("there's no next week for me, I'm on holiday till the 20th", "routine"),
        # "back" as the back itself is no recurrence; "and it went away" ends what came before
        ("overdose at uni, I'm in a good place now. it's back pain I'm here for", "routine"),
        ("my legs went weak once at the gym and it went away, can I book?", "routine"),
        # a run-on message: one part's time is not read into another's
        (
            "my foot dropped after the op in 2019 but it recovered and i walk normally "
            "now just stiff in the mornings",
            "routine",
        ),
        (
            "the voices told me last year to hurt myself and it settled but theyre telling "
            "me again now",
            "emergency",
        ),
        # furniture, jobs, diaries, forms, parts played, fittings, stairs, dramas, habits
        ("the leg of our kitchen table gave way at dinner, see you tuesday", "routine"),
        ("I'm ending it with my old physio, can I book with you instead?", "routine"),
        ("sorry to be a burden on your diary again, can I move to 4pm?", "routine"),
        ("do you ask about suicide on your new patient form?", "routine"),
        ("at the first aid course I played the collapsed patient, my back is sore", "routine"),
        ("my dress fitting ran over, be there in 10", "routine"),
        ("a bit breathless from running up your stairs! here now", "routine"),
        ("watching that hospital drama, blood everywhere. any slots friday?", "routine"),
        ("my back cracks every time I bend down, is acupuncture any good for that?", "routine"),
        # care given since: checked, signed off, operated; not "checked by nobody", not a stent
        ("numb bum after the marathon, had it checked and it went away", "routine"),
        ("heart attack at 60, cardiologist signed me off last spring, ok for needles?", "routine"),
        ("my brother lost feeling in both legs and had emergency surgery, I'm nervous", "routine"),
        ("chest pain into my jaw for 30 mins, sweating, I had a stent in 2019", "emergency"),
        ("fell down the stairs this morning, got checked by nobody, back agony now", "emergency"),
        # round two (sets 176 to 183): past told with "didn't", a rule of thumb, rest and effort
        ("In my teens I didn't want to live. I'm 40 now and happy, just a stiff back", "routine"),
        ("I didn't want to live last night and I still don't", "emergency"),
        ("my dad always says numb legs means go straight to A&E, is that right?", "routine"),
        ("legs like lead by friday on the building site, weekend rest sorts it", "routine"),
        ("lost control of my bladder after the op in 2019, came back quick, fine since", "routine"),
        ("a bridge tournament tonight so can I come tomorrow instead?", "routine"),
        ("my cat keeps collapsing on my lap when I'm trying to stretch lol", "routine"),
        ("fell down the stairs last night, now I'm stuck bent over and it's sharp on the spine",
         "emergency"),
        ("tired all the time as the pain keeps waking me up, any slots?", "routine"),
        # a farewell with no appointment wanted and no reason (sets 184 to 191, read after)
        ("please cancel. not coming back. you were kind to me. goodbye", "emergency"),
        ("not coming back in till monday, goodbye all", "routine"),
        # a question then "No rush to reply" is no form answered no (make bench-context)
        ("is it normal to not feel the toilet seat under me? No rush to reply.", "emergency"),
    ],
)  # fmt: skip
def test_everyday_words_of_sets_168_to_183(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 168 to 183: tiptoes, run-on messages, care given, furniture and dramas."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a misspelt word: its base form for the list, its trigger for ConText
        ("my toe keeps cacthing on the rug, tripping all day, back is worse", "emergency"),
        ("my legs went numb once at a concert yeers ago, back is stiff now", "routine"),
        ("can acupunture cause a colapsed lung? just wondering", "routine"),
        # the tiptoe test tried and failed; a double dose; a leg asleep and falling to a side
        ("tried to go up on my toes to get a plate and my right side just won't", "emergency"),
        ("I doubled up my co-codamol by mistake and now I'm very drowsy", "emergency"),
        ("my right leg feel sleeping all day and when walking i fall to right side", "emergency"),
        # things passed on, not needed after a near time
        ("dropping my crutches in for someone else. won't need them after friday", "emergency"),
        # "and now" opens a clause of its own, unless "it" goes on
        ("my dad had a heart attack in 2019 and now he has a bad back, can he come?", "routine"),
        ("cancer treated years ago, new back pain for a month and now it's waking me", "urgent"),
        # over: gone in a minute, sorted, dated by a holiday; the back itself again
        ("chest went tight at the bus stop but was gone in a minute, all fine", "routine"),
        ("couldn't breathe in a panic attack last christmas, sorted with CBT, back pain now",
         "routine"),
        ("couldn't pee for a day after my op last winter, all clear. back's playing up again now",
         "routine"),
        # fiction, fears, what the needles make, asking before a panic
        ("in my novel a character falls and her legs go numb and she can't control her bladder",
         "routine"),
        ("my biggest fear is both legs giving out one day, is acupuncture ok for that?",
         "routine"),
        ("say I did fall and couldn't get up, should I ring you or 999?", "routine"),
        # figures of speech, puzzles, services ended, things that collapse
        ("the electric bill gave me chest pains lol, do you take cards?", "routine"),
        ("crossword clue: 'heart attack victim', 8 letters. also, any slots friday?", "routine"),
        ("going to end it with my old clinic, can I register with you?", "routine"),
        ("I drag my feet on booking things, sorry. is monday free?", "routine"),
        ("the 7:40 collapsed into a replacement bus again, running late", "routine"),
        ("picking up a 20kg bag of sand did my back in, any appointments?", "routine"),
        ("my cat overdosed on treats and won't move off my lap, can I come at 4?", "routine"),
        # effort and restless legs; still a weakness without them
        ("both legs heavy by the end of my shift on the tills, evening slots?", "routine"),
        ("my legs ache and feel restless at night, it keeps me awake", "routine"),
        ("on my feet 12 hours and now my left leg from the knee down feels dead", "emergency"),
    ],
)  # fmt: skip
def test_everyday_words_of_sets_192_to_215(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 192 to 215: slips, tests tried, clauses after "and now", fiction, idioms."""
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # sedatives with drink and their effect now; a hangover and two paracetamol
        ("had my diazepam and a load of co-codamol with vodka, so drowsy I can't think",
         "emergency"),
        ("overdid the wine at my sister's, took two paracetamol this morning, hip still sore",
         "routine"),
        # a doubt of living till a day; a day away that asks for another
        ("no need to hold the slot, I don't think I'll still be here by the weekend", "emergency"),
        ("I don't think I'll be here Friday, could we do Monday instead?", "routine"),
        # a blade taken to oneself and a next time; affairs in order; a car in a shut garage
        ("took a blade to my wrist again, next time I'll make sure it works", "emergency"),
        ("paperwork done, will updated, cat rehomed. I'm ready to go now.", "emergency"),
        ("will updated ages ago like a sensible adult. ready to go whenever you are!", "routine"),
        ("sat in the car with the engine running in the garage again last night", "emergency"),
        ("sorted who gets my things and told my sister, so if I don't turn up, that's why",
         "emergency"),
        ("my foot is starting to drop and just hangs when I lift it off the floor", "emergency"),
        # words quoted and disowned in the same message
        ("I'm not suicidal! When I wrote 'I want to end it all' I meant the parking fines.",
         "routine"),
        ("I said 'I want to end it all' to my GP and I mean it", "emergency"),
        # said and explained beside it; others in general; a course or a show ended
        ("when I told you I wanted to die, I meant the pain was bad, not that I would do anything",
         "routine"),
        ("do people ever overdose on their tablets once the pain eases?", "routine"),
        ("can we end it at four sessions if I'm feeling better?", "routine"),
        # walked fine since the fall; fine since, told of someone else; the writer's own back
        ("slipped on the wet step, landed on my hands, walked fine since, back just stiff",
         "routine"),
        ("my brother cut his leg badly on a saw, 8 stitches, he's fine, can I still come at 3?",
         "routine"),
        ("my neighbour fell off his ladder, ambulance came, he's ok. I should sort my own back",
         "routine"),
        # figures of speech: films, books, quizzes, TV remotes, mock crashes, a class seen off
        ("that thriller was spine-chilling, speaking of spines mine is sore", "routine"),
        ("our quiz team choked on the last round again, is Tuesday free?", "routine"),
        ("the remote has collapsed, batteries dead, anything today?", "routine"),
        ("the drama group staged a mock crash with fake blood everywhere, any 5pm slots?",
         "routine"),
        ("said goodbye to my class today and cried all the way home, any slots next week?",
         "routine"),
        ("overdosed on box sets this weekend lying flat with my back", "routine"),
        ("my bank account is in cardiac arrest after Christmas, do you do payment plans?",
         "routine"),
        # a month shortened and a school year; gone since
        ("cut myself in year 10, been clean for years, just want help with my hip", "routine"),
        ("couldn't breathe with pneumonia in Feb, all cleared now, back's stiff from coughing",
         "routine"),
        # an "if" told with a time near now; one side failing a test asked about
        ("is it still ok to come in if my left leg buckled under me last night?", "emergency"),
        ("what should I do if my leg ever gives way on the stairs?", "routine"),
        ("am I meant to be able to stand on my heels? on the left I can't since Monday",
         "emergency"),
        # patches doubled; no going forward; a whole strip
        ("doubled up my fentanyl patches and now I can't keep my eyes open", "emergency"),
        ("cancel all my sessions, there's not going to be a going forward for me", "emergency"),
        ("took the whole strip an hour ago. sorry", "emergency"),
        # pets, toddlers, hearts, and a recurrence one means to avoid
        ("the dog's got a suicidal streak, jumped off the sofa at the postman", "routine"),
        ("my toddler's legs gave way on the walk home, he just wanted a carry", "routine"),
        ("heavy rain and a heavy heart, we lost the final. any slots Saturday?", "routine"),
        ("both legs went numb last year, how do I stop that happening again?", "routine"),
        ("both legs went numb last year, had to stop work as it's come back this week",
         "emergency"),
        # what-ifs and worries
        ("when is it a heart attack and when is it just back pain?", "routine"),
        ("my worry is that the sciatica ends with me losing bladder control", "routine"),
    ],
)  # fmt: skip
def test_everyday_words_of_sets_232_to_263(
    detector: RedFlagDetector, text: str, level: str
) -> None:
    """Example sets 232 to 263: drink with pills, doubts of living, quotes disowned, idioms."""
    assert detector.assess(text).level == level
