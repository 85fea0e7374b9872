"""The benchmark harness, run for a few turns so that it cannot rot.

Nothing here is timed: `make bench` measures; this only checks that the
harness starts the servers, holds its scripted conversations without a
failed, lost or out-of-order reply, and writes its report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clinic_core.settings import ROOT

pytestmark = pytest.mark.servers


def test_smoke_run_writes_a_report_with_every_reply_as_expected(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "bench.serving", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    report = json.loads((tmp_path / "smoke.json").read_text())
    runs = report["variants"]["ours"]["load"]
    assert set(runs) == {"sequential", "users2"}
    for run in runs.values():
        assert run["turns"] == 8
        assert run["failed"] == run["lost"] == run["out_of_order"] == 0, run["problems"]
    assert report["variants"]["ours"]["first_answer_s"] > 0
    assert "| sequential_p50_ms |" in (tmp_path / "smoke.md").read_text()
