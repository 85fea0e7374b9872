"""`make bench-context`: a found emergency stays one beside an ordinary sentence.

Patients put their red flag among other things: an old condition ("I had
sciatica years ago"), someone else's, a what-if, thanks. Each emergency the
red-flag list finds alone in the clinic's example sets
(``clinic/red_flag_examples/``, sealed sets excluded) is sent again with each
sentence of ``bench/red_flag_context.yml`` before or after it (a full stop is
added to a message that has none, so the sentence stands apart). The figure
is the share of these messages still read as an emergency, and the report
lists the ones that are not, by sentence.

What it does not show: sentences joined without a full stop. The list splits
a long run-on only before "and" or "but" with a subject; "my chest is tight my
mum had the same years ago" has neither, is ambiguous, and the list may read
the old time into it. Nor the learned screen and readers, which only add flags,
nor how patients combine things in words other than these sentences.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Dict, List

import yaml

from bench.common import write_report
from clinic_core.data_files import load_model
from clinic_core.red_flag_screen import ExampleFile, example_files
from clinic_core.red_flags import shared_detector
from ops.settings import SPACY_PIPELINE_DIR

SENTENCES = Path(__file__).with_name("red_flag_context.yml")


def example_emergencies() -> List[str]:
    """Every emergency in the example sets, once each, in path order (validated files)."""
    texts: List[str] = []
    for path in sorted(example_files(with_not_trained=True, with_measured=True)):
        texts += [i.text for i in load_model(path, ExampleFile).red_flags if i.level == "emergency"]
    return list(dict.fromkeys(texts))


def beside(text: str, before: str = "", after: str = "") -> str:
    """``text`` with an ordinary sentence before or after it, as its own sentence."""
    body = text.rstrip()
    if after and body[-1:] not in ".!?":
        body += "."
    return " ".join(part for part in (before, body, after) if part)


def main() -> None:
    """Send each sampled emergency with each sentence; report what is kept and lost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=1000, help="emergencies drawn (seeded)")
    args = parser.parse_args()
    detector = shared_detector(None, SPACY_PIPELINE_DIR)
    sentences = yaml.safe_load(SENTENCES.read_text(encoding="utf-8"))
    # sampled before the list reads them, so two versions of the list read the same texts
    emergencies = example_emergencies()
    drawn = random.Random(7).sample(emergencies, min(args.sample, len(emergencies)))
    sample = [text for text in drawn if detector.assess(text).level == "emergency"]
    lost: Dict[str, List[str]] = {}
    tried = 0
    for text in sample:
        for where in ("before", "after"):
            for sentence in sentences[where]:
                message = beside(text, **{where: sentence})
                tried += 1
                if detector.assess(message).level != "emergency":
                    lost.setdefault(f"{where}: {sentence}", []).append(message)
    kept = tried - sum(len(v) for v in lost.values())
    lines = [
        "# A found emergency beside an ordinary sentence",
        "",
        f"{len(drawn)} of the {len(emergencies)} example emergencies drawn, {len(sample)} found "
        "by the list alone, each with "
        f"{len(sentences['before'])} sentences before and {len(sentences['after'])} after: "
        f"**{kept} of {tried}** still emergencies ({kept / tried:.4f}).",
        "",
    ]
    for where_sentence, messages in sorted(lost.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"- {where_sentence}: {len(messages)} lost")
        lines.extend(f"  - {m}" for m in messages[:10])
    result = {
        "drawn": len(drawn),
        "found": len(sample),
        "tried": tried,
        "kept": kept,
        "lost": {k: len(v) for k, v in lost.items()},
    }
    write_report("red_flag_context", result, "\n".join(lines) + "\n", "\n- ")


if __name__ == "__main__":
    main()
