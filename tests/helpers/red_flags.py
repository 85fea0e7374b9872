"""The red-flag list's verdicts on many messages at once, on every core."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from clinic_core.processes import worker_pool
from clinic_core.red_flags import RedFlagDetector, shared_detector
from ops.settings import SPACY_PIPELINE_DIR

# Messages per task: each worker builds its detector once, then reads its share.
CHUNK = 400
_detector: Optional[RedFlagDetector] = None


def _build_detector() -> None:
    global _detector
    _detector = shared_detector(None, SPACY_PIPELINE_DIR)


def _levels(texts: Sequence[str]) -> List[Tuple[str, bool]]:
    assert _detector is not None
    return [(assessment.level, assessment.flagged) for assessment in map(_detector.assess, texts)]


def levels_everywhere(texts: Sequence[str]) -> Dict[str, Tuple[str, bool]]:
    """Each distinct text's (level, flagged) as the list alone assesses it.

    The tens of thousands of example messages take minutes on one core; the
    list's verdict on a message depends on nothing else, so each worker
    process reads a share with a detector of its own built from the same file.
    """
    distinct = sorted(set(texts))
    chunks = [distinct[start : start + CHUNK] for start in range(0, len(distinct), CHUNK)]
    with worker_pool(_build_detector) as pool:
        verdicts = [verdict for chunk in pool.map(_levels, chunks) for verdict in chunk]
    return dict(zip(distinct, verdicts, strict=True))
