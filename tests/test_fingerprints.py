"""Rasa's training cache retrains our components when their code or their own files change."""

from __future__ import annotations

from pathlib import Path

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
