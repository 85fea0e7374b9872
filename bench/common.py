"""What the benchmarks share: the results folder, the pinned clock, the local servers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from clinic_core.clock import pinned_env
from clinic_core.settings import ROOT
from ops.servers import AssistantStack, free_port

RESULTS = ROOT / "bench" / "results"
REFERENCE_NOW = "2026-11-25T11:00"  # a Wednesday; the same clock as the tests


def local_stack(model: Path, folder: Path, env: Mapping[str, str]) -> AssistantStack:
    """The embedded profile (`make run`) serving ``model``, its state in ``folder``.

    The clinic's clock is pinned to ``REFERENCE_NOW``; ``env`` comes on top.
    """
    return AssistantStack(
        model=model,
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=folder / "logs",
        env_overrides={
            "TRACKER_STORE_URL": f"sqlite:///{folder / 'tracker.db'}",
            "DATABASE_URL": f"sqlite:///{folder / 'appointments.db'}",
            **pinned_env(REFERENCE_NOW),
            **env,
        },
    )


def write_report(name: str, result: Mapping[str, Any], markdown: str, headline_end: str) -> None:
    """Write ``bench/results/<name>.json`` and ``.md``; print the markdown to ``headline_end``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2))
    (RESULTS / f"{name}.md").write_text(markdown)
    print(markdown.split(headline_end)[0])
    print(f"Full report: {(RESULTS / f'{name}.md').relative_to(ROOT)}")
