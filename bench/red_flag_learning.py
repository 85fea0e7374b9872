"""`make bench-red-flag-learning`: the broad red-flag parts, scored on sets they did not learn.

The learned screen and readers (clinic_core/red_flag_screen.py and
learned_reader.py) come in two pairs (rasa_extensions/red_flags.py,
``broad_parts``): the first learns the clinic's example sets, the broad pair
those and the outside sets in ``clinic/red_flag_examples/measured_only/``
too. The broad pair has learned every measured set, so this benchmark refits
it as ``RedFlagClassifier.train`` fits it, without the sets it scores, and
scores the safety layer's verdict (``RedFlagClassifier.assess``: the list and
ConText, then the screens, then the readers) on:

* **quarters**: the measured sets but the newest ``--unread`` are split in
  four (every fourth set); each quarter is scored with broad parts refitted
  on the other three;
* **unread**: the newest ``--unread`` sets, with broad parts refitted on all
  the others;
* **sealed**: ``tests/safety/`` (never trained on), with the model's broad
  parts as built.

Each is scored three ways: the first parts alone (the layer before the broad
parts), the broad parts alone, and both as the model combines them (the broad
screen alone vetoes a listed flag; either pair adds a flag). An emergency
counts as found when read as an emergency, an urgent flag when read as
urgent; a look-alike is an alarm when flagged at any level. The broad parts
are also refitted on every measured set and their sealed verdicts compared
with the built model's: if they differ, this file no longer fits as
``train`` does.

The list's verdict and the sentence vectors of every text are computed once
and kept in ``var/cache/red_flag_learning/`` (about 7 and 14 minutes on two
cores; recomputed when the list, clinic_core or the encoder change); the six
refits take about 25 minutes more.

What it does not show: the measured sets were written to a few briefs of the
same shape, so the quarters flatter the broad parts next to the sealed sets,
whose briefs were older; the newer sets hold no urgent flags, so urgent is
measured on the sealed sets only. Only the safety layer is scored, not the
intent classifier's emergency (``make bench-safety`` scores both, so its
sealed figures can differ by one or two).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import numpy as np

from bench.common import write_report
from clinic_core.data_files import load_model
from clinic_core.learned_reader import LearnedReader
from clinic_core.red_flag_screen import (
    MEASURED_ONLY_DIR_NAME,
    ROUTINE,
    ExampleFile,
    RedFlagScreen,
    ScreenExample,
    examples_dir,
    load_examples,
)
from clinic_core.red_flags import Assessment, Finding, SetAside
from clinic_core.settings import ROOT, SENTENCE_ENCODER_DIR
from ops.training import ensure_model
from rasa_extensions.red_flags import LearnedParts

SEALED_SETS = ROOT / "tests" / "safety"
CACHE = ROOT / "var" / "cache" / "red_flag_learning"
QUARTERS = 4
MISSED = "missed "
WAYS = ("first parts alone", "broad parts alone", "both (as built)")
_SET_NUMBER = re.compile(r"(\d+)")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    """One scored text: a red flag with its level, or a look-alike (level routine)."""

    set_name: str
    text: str
    level: str
    concept: str = ""


def set_number(path: Path) -> int:
    """The number in a set file's name ("set264.yml" -> 264)."""
    found = _SET_NUMBER.search(path.stem)
    return int(found.group(1)) if found else 0


def items_of(paths: Iterable[Path]) -> List[Item]:
    """Every red flag and look-alike of the files (validated: errors name the field)."""
    found: List[Item] = []
    for path in paths:
        data = load_model(path, ExampleFile)
        found += [Item(path.stem, i.text, i.level, i.concept or "") for i in data.red_flags]
        found += [Item(path.stem, i.text, ROUTINE) for i in data.lookalikes]
    return found


def examples_of(paths: Iterable[Path]) -> List[ScreenExample]:
    """The files' items as training examples, as ``load_examples`` reads them."""
    found: List[ScreenExample] = []
    for path in paths:
        data = load_model(path, ExampleFile)
        found += [ScreenExample(i.text, i.level, i.concept) for i in data.red_flags]
        found += [ScreenExample(i.text, ROUTINE) for i in data.lookalikes]
    return found


def _digest(paths: Iterable[Path]) -> str:
    sha = hashlib.sha256()
    for path in sorted(paths):
        sha.update(str(path.relative_to(ROOT)).encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()[:16]


def _verdicts(key: str) -> Dict[str, Assessment]:
    """The list's verdicts kept under ``key`` (JSON: nothing runs on reading)."""
    path = CACHE / f"verdicts-{key}.json"
    if not path.exists():
        return {}
    found: Dict[str, Assessment] = {}
    for text, kept in json.loads(path.read_text()).items():
        found[text] = Assessment(
            kept["level"],
            kept["intent"],
            tuple(Finding(**finding) for finding in kept["findings"]),
            tuple(SetAside(**item) for item in kept["set_aside"]),
            tuple((start, end) for start, end in kept["denied"]),
            kept["says_over"],
            kept["recurs"],
        )
    return found


def _store_verdicts(key: str, verdicts: Mapping[str, Assessment]) -> None:
    _clear("verdicts", key)
    kept = {text: dataclasses.asdict(verdict) for text, verdict in verdicts.items()}
    (CACHE / f"verdicts-{key}.json").write_text(json.dumps(kept))


def _vectors(key: str) -> Dict[str, np.ndarray]:
    """The sentence vectors kept under ``key``."""
    texts, array = CACHE / f"vectors-{key}.json", CACHE / f"vectors-{key}.npy"
    if not (texts.exists() and array.exists()):
        return {}
    return dict(zip(json.loads(texts.read_text()), np.load(array), strict=True))


def _store_vectors(key: str, vectors: Mapping[str, np.ndarray]) -> None:
    _clear("vectors", key)
    (CACHE / f"vectors-{key}.json").write_text(json.dumps(list(vectors)))
    np.save(CACHE / f"vectors-{key}.npy", np.stack(list(vectors.values())))


def _clear(name: str, key: str) -> None:
    """Make the cache folder and remove ``name``'s files of other keys."""
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob(f"{name}-*"):
        if not old.name.startswith(f"{name}-{key}."):
            old.unlink()


class CachedDetector:
    """The built detector, answering from verdicts computed once (same ``spec``)."""

    def __init__(self, detector: Any, verdicts: Mapping[str, Assessment]) -> None:
        """Answer ``verdicts`` for their texts and ask ``detector`` for any other."""
        self.detector = detector
        self.spec = detector.spec
        self.verdicts = verdicts

    def assess(self, text: str) -> Assessment:
        """The list's verdict on ``text``."""
        found = self.verdicts.get(text)
        return found if found is not None else self.detector.assess(text)


class CachedEncoder:
    """The built sentence encoder, answering from vectors computed once."""

    def __init__(self, encoder: Any, vectors: Mapping[str, np.ndarray]) -> None:
        """Answer ``vectors`` for their texts and ask ``encoder`` for any other."""
        self.encoder = encoder
        self.vectors = vectors

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text."""
        return np.stack(
            [self.vectors[t] if t in self.vectors else self.encoder.encode([t])[0] for t in texts]
        )


def built_component(model: Path) -> Any:
    """The model's RedFlagClassifier, loaded as the server loads it."""
    from rasa.core.agent import Agent

    from rasa_extensions.red_flags import RedFlagClassifier

    agent = Agent.load(str(model))
    for node in agent.processor.graph_runner._instantiated_nodes.values():  # measurement only
        if isinstance(node._component, RedFlagClassifier):
            return node._component
    raise SystemExit(f"{model} has no RedFlagClassifier")


def intent_examples(levels: Mapping[str, str]) -> List[ScreenExample]:
    """The NLU examples as ``train`` receives them, at the level their intent has."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        config_path=str(ROOT / "config.yml"),
        domain_path=str(ROOT / "domain.yml"),
        training_data_paths=[str(ROOT / "data")],
    )
    return [
        ScreenExample(m.get("text"), levels.get(m.get("intent"), ROUTINE))
        for m in importer.get_nlu_data().intent_examples
    ]


class Refitter:
    """Fits the broad screen and readers as ``RedFlagClassifier.train`` does, on chosen sets."""

    def __init__(self, component: Any, encoder: CachedEncoder) -> None:
        """Read the base examples ``train`` learns from."""
        self.spec = component.detector.spec
        levels = {level.intent: level.id for level in self.spec.levels}
        self.nlu = intent_examples(levels)
        folder = examples_dir()
        self.screen_sets = load_examples(folder)
        self.reader_sets = load_examples(folder, with_not_trained=True)
        self.routine = [e for e in self.nlu if e.level == ROUTINE]
        self.reader_base = [*self.reader_sets, *self.routine]
        self.encoder = encoder

    def screen(self, extra: Sequence[ScreenExample]) -> RedFlagScreen:
        """The screen fitted on its base sets, ``extra`` and the NLU examples, in train's order."""
        return RedFlagScreen.fit([*self.screen_sets, *extra, *self.nlu])

    def readers(self, extra: Sequence[ScreenExample]) -> Dict[str, LearnedReader]:
        """Every reader fitted on its base sets, ``extra`` and the routine NLU examples."""
        examples = [*self.reader_sets, *extra, *self.routine]
        vectors = self.encoder.encode([e.text for e in examples])
        return {
            name: LearnedReader.fit(name, examples, self.spec, self.encoder, vectors)  # type: ignore[arg-type]
            for name in self.spec.readers
        }


def with_parts(component: Any, parts: LearnedParts, broad: Optional[LearnedParts]) -> Any:
    """A copy of ``component`` running ``parts`` as its first parts and ``broad`` beside them."""
    clone = copy.copy(component)
    clone.screen, clone.readers, clone.broad = parts.screen, parts.readers, broad
    return clone


def levels_read(component: Any, items: Sequence[Item]) -> List[str]:
    """The level the safety layer gives each item."""
    return [component.assess(item.text)["assessment"].level for item in items]


def tally(items: Sequence[Item], read: Sequence[str]) -> Dict[str, int]:
    """Emergencies and urgent flags found at their level, look-alikes flagged.

    Also ``missed <concept>``: the emergencies of each concept not read as one.
    """
    counts = dict.fromkeys(
        ("emergencies", "emergencies_found", "urgent", "urgent_found", "lookalikes", "alarms"), 0
    )
    for item, level in zip(items, read, strict=True):
        if item.level == ROUTINE:
            counts["lookalikes"] += 1
            counts["alarms"] += level != ROUTINE
        elif item.level == "emergency":
            counts["emergencies"] += 1
            counts["emergencies_found"] += level == "emergency"
            if level != "emergency":
                missed = f"{MISSED}{item.concept or '(none)'}"
                counts[missed] = counts.get(missed, 0) + 1
        else:
            counts["urgent"] += 1
            counts["urgent_found"] += level == item.level
    return counts


def _added(a: Dict[str, int], b: Dict[str, int]) -> Dict[str, int]:
    return {key: a.get(key, 0) + b.get(key, 0) for key in {**a, **b}}


def _cell(counts: Dict[str, int], urgent: bool) -> str:
    cell = f"{counts['emergencies_found']:,} / {counts['alarms']:,}"
    if urgent and counts["urgent"]:
        cell += f" (urgent {counts['urgent_found']}/{counts['urgent']})"
    return cell


def evaluate(model: Path, unread: int) -> Dict[str, Any]:
    """Score the three ways on the quarters, the unread sets and the sealed sets."""
    started = time.perf_counter()
    component = built_component(model)
    if component.broad is None:
        raise SystemExit(f"{model} has no broad parts (config.yml: broad_parts)")
    measured = sorted((examples_dir() / MEASURED_ONLY_DIR_NAME).glob("*.yml"), key=set_number)
    if not 0 < unread <= len(measured) - QUARTERS:
        raise SystemExit(f"--unread must leave {QUARTERS} of the {len(measured)} sets to refit on")
    pool, newest = measured[:-unread], measured[-unread:]
    sealed = sorted(SEALED_SETS.glob("*.yml"))
    scored = items_of(measured) + items_of(sealed)

    key = _digest([*(ROOT / "clinic_core").glob("*.py"), ROOT / "clinic" / "red_flags.yml"])
    verdicts = _verdicts(key)
    todo = [t for t in dict.fromkeys(i.text for i in scored) if t not in verdicts]
    for text in todo:
        verdicts[text] = component.detector.assess(text)
    if todo:
        _store_verdicts(key, verdicts)
    logger.info("list verdicts: %d computed, %.0f s", len(todo), time.perf_counter() - started)

    encoder_key = _digest(p for p in SENTENCE_ENCODER_DIR.rglob("*") if p.is_file())
    vectors = _vectors(encoder_key)
    built = next(iter(component.readers.values())).encoder
    encoder = CachedEncoder(built, vectors)
    refitter = Refitter(component, encoder)
    texts = [i.text for i in scored] + [e.text for e in refitter.reader_base]
    todo = [t for t in dict.fromkeys(texts) if t not in vectors]
    for start in range(0, len(todo), 256):
        chunk = todo[start : start + 256]
        vectors.update(zip(chunk, built.encode(chunk), strict=True))
    if todo:
        _store_vectors(encoder_key, vectors)
    logger.info("vectors: %d computed, %.0f s", len(todo), time.perf_counter() - started)

    def cached(readers: Dict[str, LearnedReader]) -> Dict[str, LearnedReader]:
        return {
            name: LearnedReader(name, reader.classifier, encoder)  # type: ignore[arg-type]
            for name, reader in readers.items()
        }

    base = copy.copy(component)
    base.detector = CachedDetector(component.detector, verdicts)
    first = LearnedParts(component.screen, cached(component.readers))
    built_broad = LearnedParts(component.broad.screen, cached(component.broad.readers))

    def refit(paths: Sequence[Path]) -> LearnedParts:
        extra = examples_of(paths)
        return LearnedParts(refitter.screen(extra), refitter.readers(extra))

    def three_ways(items: Sequence[Item], broad: LearnedParts) -> Dict[str, Dict[str, int]]:
        ways = {
            WAYS[0]: with_parts(base, first, None),
            WAYS[1]: with_parts(base, broad, None),
            WAYS[2]: with_parts(base, first, broad),
        }
        return {way: tally(items, levels_read(part, items)) for way, part in ways.items()}

    quarters: List[Dict[str, Dict[str, int]]] = []
    for number in range(QUARTERS):
        left_out = pool[number::QUARTERS]
        broad = refit([p for p in pool if p not in left_out])
        quarters.append(three_ways(items_of(left_out), broad))
        logger.info("quarter %d: %.0f s", number + 1, time.perf_counter() - started)
    unread_scores = three_ways(items_of(newest), refit(pool))
    sealed_items = items_of(sealed)
    sealed_scores = three_ways(sealed_items, built_broad)

    # Broad parts refitted here on every measured set (in the order training reads
    # them) must read the sealed sets as the built model does.
    same = with_parts(base, first, refit(sorted(measured)))
    built_levels = levels_read(with_parts(base, first, built_broad), sealed_items)
    refit_levels = levels_read(same, sealed_items)
    differ = sum(a != b for a, b in zip(built_levels, refit_levels, strict=True))

    all_quarters: Dict[str, Dict[str, int]] = {}
    for quarter in quarters:
        for way, counts in quarter.items():
            all_quarters[way] = _added(all_quarters.get(way, {}), counts)
    return {
        "model": model.name,
        "pool": [pool[0].stem, pool[-1].stem, len(pool)],
        "unread": [newest[0].stem, newest[-1].stem, len(newest)],
        "sealed_sets": len(sealed),
        "quarters": all_quarters,
        "each_quarter": quarters,
        "unread_sets": unread_scores,
        "sealed": sealed_scores,
        "refit_check_differ": differ,
        "refit_check_of": len(sealed_items),
        "seconds": round(time.perf_counter() - started),
    }


def _table_head(title: str, note: str, first: str) -> List[str]:
    """A section's title, its note and the head of its table, one column per way."""
    return [
        "",
        f"## {title}",
        "",
        *([note, ""] if note else []),
        f"| {first} | " + " | ".join(WAYS) + " |",
        "|---|" + "---|" * len(WAYS),
    ]


def summary_markdown(report: Dict[str, Any]) -> str:
    """The report as a table: emergencies found / look-alike alarms, per way."""
    pool, newest = report["pool"], report["unread"]
    q = report["quarters"][WAYS[0]]
    u = report["unread_sets"][WAYS[0]]
    s = report["sealed"][WAYS[0]]
    lines = [
        "# The broad red-flag parts, on sets they did not learn",
        "",
        f"Model {report['model']}. Each cell: emergencies read as emergencies / look-alikes "
        "flagged, by the safety layer (the list, the screen, the readers).",
        "",
        f"| parts | quarters of {pool[0]}-{pool[1]}, each unseen "
        f"({q['emergencies']:,} / {q['lookalikes']:,}) "
        f"| {newest[0]}-{newest[1]}, unread ({u['emergencies']:,} / {u['lookalikes']:,}) "
        f"| sealed ({s['emergencies']:,} / {s['lookalikes']:,}) |",
        "|---|---|---|---|",
    ]
    for way in WAYS:
        lines.append(
            f"| {way} | {_cell(report['quarters'][way], False)} "
            f"| {_cell(report['unread_sets'][way], False)} "
            f"| {_cell(report['sealed'][way], True)} |"
        )
    lines += [
        "",
        f"Refit check: broad parts refitted on every measured set read "
        f"{report['refit_check_differ']} of {report['refit_check_of']:,} sealed texts "
        "differently from the built model "
        "(0: this benchmark fits as `rasa train` does).",
        *_table_head("Each quarter", "", "quarter"),
    ]
    for number, quarter in enumerate(report["each_quarter"], start=1):
        cells = " | ".join(_cell(quarter[way], False) for way in WAYS)
        lines.append(f"| {number} | {cells} |")
    lines += _table_head(
        "Emergencies missed, by concept", "In the quarters and the unread sets together.", "concept"
    )
    unseen = {way: _added(report["quarters"][way], report["unread_sets"][way]) for way in WAYS}
    concepts = sorted({k for counts in unseen.values() for k in counts if k.startswith(MISSED)})
    for key in concepts:
        cells = " | ".join(str(unseen[way].get(key, 0)) for way in WAYS)
        lines.append(f"| {key[len(MISSED):]} | {cells} |")
    lines += ["", f"{report['seconds']} s.", ""]
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and write bench/results/red_flag_learning.{json,md}."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="a trained model (default: built)")
    parser.add_argument(
        "--unread", type=int, default=24, help="the newest measured-only sets kept out of refits"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    model = args.model or ensure_model()
    report = evaluate(model, args.unread)
    write_report("red_flag_learning", report, summary_markdown(report), "## Each quarter")


if __name__ == "__main__":
    main()
