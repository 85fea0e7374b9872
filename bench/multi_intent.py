"""`make bench-multi`: two things in one message (tests/multi_intent_set.yml).

Figures for a trained model (written to bench/results/multi_intent.json):
  * both_parts: share of two-part messages whose every part is answered
    (the message's intent and its ``second_part``; a greeting or thanks in
    front must not be the intent), per kind and overall;
  * false_splits: share of single-request messages given a second part;
  * single_correct: share of single-request messages with an expected intent;
  * parse latency per message, median and p95.

``--simulate-clauses`` reads a model trained without the clause step as if
it had it (the DIET node's class is swapped in place; the weights are the
same), which is how the design was chosen before training; ``--multi-intent``
reads a model trained with Rasa's own multi-intent labels (``a+b``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any, Dict, List, Sequence, Set, Union

import yaml

from bench.common import RESULTS
from ops.settings import ROOT

SET = ROOT / "tests" / "multi_intent_set.yml"
Expected = Union[str, List[str]]
LEADS = ("greet", "thank")


def load_set(path: Path = SET) -> Dict[str, List[Dict[str, Any]]]:
    """The evaluation set: ``two_part`` and ``single`` entries."""
    return yaml.safe_load(path.read_text())


def kind_of(entry: Dict[str, Any]) -> str:
    """``greet+question`` etc., from the entry's parts."""
    if entry.get("lead"):
        return f"{entry['lead']}+question"
    names = [p if isinstance(p, str) else p[0] for p in entry["parts"]]
    kinds = ["question" if n.startswith("ask_") else n.split("_")[0] for n in names]
    kinds = ["booking" if k == "book" else k for k in kinds]
    kinds = [k if k in ("question", "booking") else "condition" for k in kinds]
    return "+".join(sorted(kinds, key=lambda k: k == "question"))


def answered(parse: Dict[str, Any], multi_intent: bool) -> List[str]:
    """The intents a parse leads the assistant to answer."""
    name = str((parse.get("intent") or {}).get("name") or "")
    if multi_intent:
        return name.split("+")
    second = (parse.get("second_part") or {}).get("name")
    return [name] + ([str(second)] if second else [])


def covers(got: Sequence[str], parts: Sequence[Expected]) -> bool:
    """Whether every expected part is among the answered intents."""
    options: List[Set[str]] = [{p} if isinstance(p, str) else set(p) for p in parts]
    return all(option & set(got) for option in options)


def score(
    parses: Dict[str, Dict[str, Any]], data: Dict[str, List[Dict[str, Any]]], multi_intent: bool
) -> Dict[str, Any]:
    """The figures from each text's parse."""
    per_kind: Dict[str, List[bool]] = {}
    misses = []
    for entry in data["two_part"]:
        got = answered(parses[entry["text"]], multi_intent)
        if entry.get("lead"):  # the greeting may be kept, but not instead of the question
            got = [name for name in got if name not in LEADS]
        ok = bool(got) and covers(got, entry["parts"])
        per_kind.setdefault(kind_of(entry), []).append(ok)
        if not ok:
            misses.append({"text": entry["text"], "got": got})
    splits, correct, wrong = 0, 0, []
    for entry in data["single"]:
        got = answered(parses[entry["text"]], multi_intent)
        split = len(got) > 1
        splits += split
        good = not split and got[0] in entry["intent"]
        correct += good
        if not good:
            wrong.append({"text": entry["text"], "got": got})
    every = [ok for oks in per_kind.values() for ok in oks]
    return {
        "two_part_messages": len(every),
        "both_parts": round(sum(every) / len(every), 3),
        "both_parts_by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(per_kind.items())},
        "single_messages": len(data["single"]),
        "false_splits": round(splits / len(data["single"]), 3),
        "single_correct": round(correct / len(data["single"]), 3),
        "two_part_misses": misses,
        "single_misses": wrong,
    }


def simulate_clauses(agent: Any) -> None:
    """Give the loaded model's DIET node the clause step (same weights, same config + defaults)."""
    from rasa_extensions.clauses import ClauseDIETClassifier

    runner = agent.processor.graph_runner
    for node in runner._instantiated_nodes.values():  # measurement only
        component = node._component
        if type(component).__name__ == "FastLoadingDIETClassifier":
            component.__class__ = ClauseDIETClassifier
            node._fn = getattr(ClauseDIETClassifier, node._fn_name)
            component.component_config = {
                **ClauseDIETClassifier.get_default_config(),
                **component.component_config,
            }


def clause_node(agent: Any) -> Any:
    """The graph node of the clause step, or None."""
    from rasa_extensions.clauses import ClauseDIETClassifier

    for node in agent.processor.graph_runner._instantiated_nodes.values():
        if isinstance(node._component, ClauseDIETClassifier):
            return node
    return None


async def paired_latency(agent: Any, texts: Sequence[str], rounds: int = 2) -> Dict[str, float]:
    """Parse time with and without the clause step, alternating on each text.

    The machine is shared, so the two are measured side by side on the same
    texts in the same moments; the difference is the clause step's cost.
    """
    from rasa_extensions.clauses import ClauseDIETClassifier
    from rasa_extensions.fast_loading import FastLoadingDIETClassifier

    node = clause_node(agent)
    with_step = ClauseDIETClassifier.process
    plain: List[float] = []
    clauses: List[float] = []
    for number in range(rounds):
        for index, text in enumerate(texts):
            order = [False, True] if (index + number) % 2 else [True, False]
            for use_step in order:
                node._fn = with_step if use_step else FastLoadingDIETClassifier.process
                started = time.perf_counter()
                await agent.parse_message(text)
                (clauses if use_step else plain).append((time.perf_counter() - started) * 1000)
    node._fn = with_step
    differences = sorted(c - p for c, p in zip(clauses, plain, strict=True))
    return {
        "paired_plain_ms_median": round(statistics.median(plain), 2),
        "paired_clauses_ms_median": round(statistics.median(clauses), 2),
        "clause_step_ms_median": round(statistics.median(differences), 2),
        "clause_step_ms_p95": round(differences[int(0.95 * (len(differences) - 1))], 2),
    }


async def parse_all(agent: Any, texts: Sequence[str]) -> Dict[str, Any]:
    """Parse each text once (after a warm-up); the parses and the latencies in ms."""
    await agent.parse_message("warm up, and then some")
    parses: Dict[str, Dict[str, Any]] = {}
    times: List[float] = []
    for text in texts:
        started = time.perf_counter()
        parses[text] = await agent.parse_message(text)
        times.append((time.perf_counter() - started) * 1000)
    return {"parses": parses, "times": sorted(times)}


def measure(model: Path, simulate: bool = False, multi_intent: bool = False) -> Dict[str, Any]:
    """All figures for ``model``."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    if simulate:
        simulate_clauses(agent)
    data = load_set()
    texts = [e["text"] for e in data["two_part"]] + [e["text"] for e in data["single"]]
    result = asyncio.run(parse_all(agent, texts))
    paired = asyncio.run(paired_latency(agent, texts)) if clause_node(agent) else {}
    figures = score(result["parses"], data, multi_intent)
    times = result["times"]
    figures["parse_ms_median"] = round(statistics.median(times), 2)
    figures["parse_ms_p95"] = round(times[int(0.95 * (len(times) - 1))], 2)
    figures.update(paired)
    figures["model"] = model.name
    return figures


def main() -> None:
    """Command line: ``python -m bench.multi_intent [--model M] [--simulate-clauses]``."""
    from ops.training import model_path

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--simulate-clauses", action="store_true")
    parser.add_argument("--multi-intent", action="store_true")
    parser.add_argument("--label", default="current")
    args = parser.parse_args()
    figures = measure(args.model or model_path(), args.simulate_clauses, args.multi_intent)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"multi_intent-{args.label}.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    brief = {k: v for k, v in figures.items() if not k.endswith("misses")}
    print(json.dumps(brief, indent=2))
    print(f"==> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
