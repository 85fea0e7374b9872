"""The static-embedding featurizer on the real WordLlama weights, alone and in a pipeline."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from ops.embeddings import EMBEDDINGS_DIR, ensure
from ops.settings import QUIET_ENV, ROOT
from rasa_extensions.static_embeddings import StaticEmbeddingFeaturizer

DIMENSIONS = 256


@pytest.fixture(scope="module")
def featurizer() -> StaticEmbeddingFeaturizer:
    ensure()
    config = {**StaticEmbeddingFeaturizer.get_default_config(), "directory": str(EMBEDDINGS_DIR)}
    return StaticEmbeddingFeaturizer(config, ExecutionContext(GraphSchema({}), "test"))


def featurized(featurizer: StaticEmbeddingFeaturizer, text: str) -> Message:
    message = Message({TEXT: text})
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    tokenizer.process([message])
    featurizer.process([message])
    return message


def features(message: Message) -> Dict[str, np.ndarray]:
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is not None and sentence is not None
    return {"sequence": sequence.features, "sentence": sentence.features}


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_one_vector_per_token_and_their_mean_for_the_message(
    featurizer: StaticEmbeddingFeaturizer,
) -> None:
    message = featurized(featurizer, "how much is the fee for a first visit")
    found = features(message)
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert found["sequence"].shape == (len(tokens), DIMENSIONS)
    assert found["sentence"].shape == (1, DIMENSIONS)
    assert np.allclose(found["sentence"], found["sequence"].mean(axis=0, keepdims=True))
    assert np.isfinite(found["sequence"]).all() and found["sequence"].any(axis=1).all()


def test_the_same_text_gets_the_same_features(featurizer: StaticEmbeddingFeaturizer) -> None:
    first = features(featurized(featurizer, "my lower back aches"))
    again = features(featurized(featurizer, "my lower back aches"))
    assert np.array_equal(first["sequence"], again["sequence"])
    assert np.array_equal(first["sentence"], again["sentence"])


def test_words_never_seen_still_get_a_vector_from_their_pieces(
    featurizer: StaticEmbeddingFeaturizer,
) -> None:
    for word in ("sciatia", "trochanteric", "zxqvjk", "😭"):
        vector = featurizer.embeddings.vector(word)
        assert vector.shape == (DIMENSIONS,) and np.isfinite(vector).all(), word
        assert vector.any(), word


def test_case_does_not_change_the_features_by_default(
    featurizer: StaticEmbeddingFeaturizer,
) -> None:
    assert np.array_equal(featurizer.embeddings.vector("Hip"), featurizer.embeddings.vector("hip"))


def test_words_of_like_meaning_are_closer_than_unrelated_ones(
    featurizer: StaticEmbeddingFeaturizer,
) -> None:
    vector = featurizer.embeddings.vector
    assert cosine(vector("fee"), vector("price")) > cosine(vector("fee"), vector("hip"))
    assert cosine(vector("ache"), vector("pain")) > cosine(vector("ache"), vector("insurance"))


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    config = {**StaticEmbeddingFeaturizer.get_default_config(), "directory": str(tmp_path / "x")}
    with pytest.raises(Exception, match=r"ops\.embeddings"):
        StaticEmbeddingFeaturizer(config, ExecutionContext(GraphSchema({}), "test"))


def nlu_data() -> Dict[str, Any]:
    examples = {
        "ask_price": ["how much is a session", "what do you charge", "price of a visit",
                      "how much does it cost", "is it expensive", "what are your rates"],
        "ask_location": ["where are you", "what is your address", "how do i find you",
                         "where is the clinic", "is there parking", "which street are you on"],
    }  # fmt: skip
    return {
        "version": "3.1",
        "nlu": [
            {"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)}
            for intent, texts in examples.items()
        ],
    }


def test_a_pipeline_with_the_featurizer_trains_and_parses(tmp_path: Path) -> None:
    ensure()
    pipeline: List[Dict[str, Any]] = [
        {"name": "WhitespaceTokenizer"},
        {"name": "rasa_extensions.static_embeddings.StaticEmbeddingFeaturizer",
         "directory": str(EMBEDDINGS_DIR)},
        {"name": "CountVectorsFeaturizer"},
        {"name": "DIETClassifier", "epochs": 20, "number_of_transformer_layers": 0,
         "random_seed": 1},
    ]  # fmt: skip
    config = {"recipe": "default.v1", "language": "en", "pipeline": pipeline, "policies": []}
    (tmp_path / "config.yml").write_text(yaml.safe_dump(config))
    (tmp_path / "nlu.yml").write_text(yaml.safe_dump(nlu_data()))
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(tmp_path / "config.yml"),
         "--nlu", str(tmp_path / "nlu.yml"), "--out", str(tmp_path), "--fixed-model-name", "m"],
        cwd=ROOT, check=True, capture_output=True, timeout=600,
        env={**os.environ, **QUIET_ENV},
    )  # fmt: skip
    from rasa.core.agent import Agent

    agent = Agent.load(str(tmp_path / "m.tar.gz"))
    result = asyncio.run(agent.parse_message("what do you charge for a visit"))
    assert result["intent"]["name"] == "ask_price"
