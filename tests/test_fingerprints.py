"""Rasa's training cache retrains our components when their code or their own files change."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict

import yaml

from clinic_core.red_flags import red_flags_path
from ops.training import TRAINING_INPUTS
from ops.training import fingerprint as training_fingerprint
from rasa_extensions import fingerprints
from rasa_extensions.clauses import ClauseDIETClassifier
from rasa_extensions.red_flags import RedFlagClassifier


def test_the_digest_follows_the_files_content(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    first.write_text("one")
    before = fingerprints.digest([fingerprints], [first, second])
    assert before == fingerprints.digest([fingerprints], [first, second])
    second.write_text("")  # a missing file counts as an empty one
    assert before == fingerprints.digest([fingerprints], [first, second])
    first.write_text("two")
    assert before != fingerprints.digest([fingerprints], [first, second])


def test_the_intent_step_retrains_when_the_encoder_is_switched() -> None:
    config = ClauseDIETClassifier.get_default_config()
    with_encoder = ClauseDIETClassifier.fingerprint_addon({**config, "sentence_encoder": True})
    without = ClauseDIETClassifier.fingerprint_addon({**config, "sentence_encoder": False})
    assert with_encoder and without and with_encoder != without


def test_the_red_flag_step_retrains_when_an_example_file_changes(tmp_path: Path) -> None:
    config = {**RedFlagClassifier.get_default_config(), "examples": str(tmp_path)}
    (tmp_path / "set_01.yml").write_text("emergency: []\n")
    before = RedFlagClassifier.fingerprint_addon(config)
    (tmp_path / "set_01.yml").write_text("emergency: [my legs went numb]\n")
    assert RedFlagClassifier.fingerprint_addon(config) != before


def _training_root(root: Path, change: Callable[[Dict[str, Any]], None]) -> Dict[str, str]:
    """Empty training inputs and the clinic's red-flag file with ``change`` under ``root``.

    Returns the red-flag step's and the model name's fingerprints for it.
    """
    for name in TRAINING_INPUTS:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).touch()
    data = yaml.safe_load(red_flags_path().read_text())
    change(data)
    path = root / "clinic" / "red_flags.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    config = {**RedFlagClassifier.get_default_config(), "red_flags": str(path)}
    return {
        "step": str(RedFlagClassifier.fingerprint_addon(config)),
        "model": training_fingerprint(root),
    }


def _unchanged(data: Dict[str, Any]) -> None:
    pass


def _move_fracture_to_crisis(data: Dict[str, Any]) -> None:
    next(c for c in data["concepts"] if c["id"] == "spinal_fracture")["reader"] = "crisis"


def _raise_spine_threshold(data: Dict[str, Any]) -> None:
    data["readers"]["spine"]["threshold"] = 0.9


def test_a_concept_moved_to_another_reader_retrains_and_renames_the_model(
    tmp_path: Path,
) -> None:
    original = _training_root(tmp_path / "original", _unchanged)
    # Thresholds are read at load: nothing to retrain.
    assert _training_root(tmp_path / "threshold", _raise_spine_threshold) == original
    moved = _training_root(tmp_path / "moved", _move_fracture_to_crisis)
    assert moved["step"] != original["step"]
    assert moved["model"] != original["model"]
