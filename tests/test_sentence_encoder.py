"""The sentence encoder: the ONNX graph's arithmetic, and the built encoder's meaning."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
from scipy.special import erf

from clinic_core import sentence_encoder
from clinic_core.sentence_encoder import FILES, SentenceEncoder, text_digest
from ops import embeddings


def _bert_reference(
    weights: Dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    """Hugging Face's BertModel forward pass in plain numpy: the last layer's vectors."""

    def norm(x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(-1, keepdims=True)
        normed = (x - mean) / np.sqrt(variance + embeddings.LAYER_NORM_EPSILON)
        return normed * weights[f"{name}.weight"] + weights[f"{name}.bias"]

    def dense(x: np.ndarray, name: str) -> np.ndarray:
        return x @ weights[f"{name}.weight"].T + weights[f"{name}.bias"]

    batch, length = ids.shape
    heads, width = embeddings.HEADS, embeddings.WIDTH // embeddings.HEADS
    x = (
        weights["embeddings.word_embeddings.weight"][ids]
        + weights["embeddings.position_embeddings.weight"][:length][None]
        + weights["embeddings.token_type_embeddings.weight"][0]
    )
    x = norm(x, "embeddings.LayerNorm")
    padding = (1.0 - mask)[:, None, None, :] * -1e9
    for index in range(embeddings.LAYERS):
        prefix = f"encoder.layer.{index}."

        def split(name: str, x: np.ndarray = x, prefix: str = prefix) -> np.ndarray:
            projected = dense(x, prefix + f"attention.self.{name}")
            return projected.reshape(batch, length, heads, width).transpose(0, 2, 1, 3)

        scores = split("query") @ split("key").transpose(0, 1, 3, 2) / np.sqrt(width) + padding
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ split("value")).transpose(0, 2, 1, 3).reshape(batch, length, -1)
        x = norm(
            dense(context, prefix + "attention.output.dense") + x,
            prefix + "attention.output.LayerNorm",
        )
        hidden = dense(x, prefix + "intermediate.dense")
        hidden = 0.5 * hidden * (1 + erf(hidden / np.sqrt(2)))
        x = norm(dense(hidden, prefix + "output.dense") + x, prefix + "output.LayerNorm")
    return x


def _random_weights(vocabulary: int = 50) -> Dict[str, np.ndarray]:
    """Weights of all-MiniLM-L6-v2's shapes (a small vocabulary), at random."""
    rng = np.random.default_rng(0)
    width, inner = embeddings.WIDTH, 4 * embeddings.WIDTH

    def matrix(*shape: int) -> np.ndarray:
        return rng.normal(0.0, 0.05, size=shape).astype(np.float32)

    weights = {
        "embeddings.word_embeddings.weight": matrix(vocabulary, width),
        "embeddings.position_embeddings.weight": matrix(64, width),
        "embeddings.token_type_embeddings.weight": matrix(2, width),
    }
    norms = ["embeddings.LayerNorm"]
    for index in range(embeddings.LAYERS):
        prefix = f"encoder.layer.{index}."
        for name in ("query", "key", "value"):
            weights[f"{prefix}attention.self.{name}.weight"] = matrix(width, width)
            weights[f"{prefix}attention.self.{name}.bias"] = matrix(width)
        for name, shape in (
            ("attention.output.dense", (width, width)),
            ("intermediate.dense", (inner, width)),
            ("output.dense", (width, inner)),
        ):
            weights[f"{prefix}{name}.weight"] = matrix(*shape)
            weights[f"{prefix}{name}.bias"] = matrix(shape[0])
        norms += [f"{prefix}attention.output.LayerNorm", f"{prefix}output.LayerNorm"]
    for name in norms:
        weights[f"{name}.weight"] = 1.0 + matrix(width)
        weights[f"{name}.bias"] = matrix(width)
    return weights


def test_the_onnx_graph_computes_what_bert_computes() -> None:
    import onnxruntime

    weights = _random_weights()
    graph = embeddings.encoder_graph(weights)
    session = onnxruntime.InferenceSession(
        graph.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    # Two messages, the second padded: padding must not change the first's vectors.
    ids = np.array([[1, 7, 9, 3, 2], [1, 4, 2, 0, 0]], dtype=np.int64)
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=np.float32)
    (got,) = session.run(None, {"input_ids": ids, "attention_mask": mask})
    expected = _bert_reference(weights, ids, mask)
    assert got.shape == (2, 5, embeddings.WIDTH)
    assert np.allclose(got, expected, atol=1e-4)
    (alone,) = session.run(None, {"input_ids": ids[1:, :3], "attention_mask": mask[1:, :3]})
    assert np.allclose(alone[0], got[1, :3], atol=1e-4)


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder(embeddings.ensure())


def _cosine(encoder: SentenceEncoder, first: str, second: str) -> float:
    a, b = encoder.encode([first, second])
    return float(a @ b)


def test_the_built_encoder_is_current_and_stamped(encoder: SentenceEncoder) -> None:
    assert embeddings.is_current(encoder.directory)
    stamp = json.loads((encoder.directory / embeddings.STAMP_FILE).read_text())
    assert stamp["package"] == embeddings.PACKAGE and stamp["build"] == embeddings.BUILD


@pytest.mark.parametrize(
    ("text", "near", "far"),
    [
        ("what's the fee", "how much does it cost", "where is the clinic"),
        ("i wet myself and cant feel down below", "i lost control of my bladder", "i need a wee"),
        ("can i come in on friday", "book me an appointment", "cancel my appointment"),
    ],
)
def test_meaning_is_near_though_the_words_differ(
    encoder: SentenceEncoder, text: str, near: str, far: str
) -> None:
    assert _cosine(encoder, text, near) > _cosine(encoder, text, far)


def test_vectors_have_unit_length_and_keep_their_order(encoder: SentenceEncoder) -> None:
    texts = ["a much longer message about my lower back and the pain in it", "hi", "", "🙂"]
    together = encoder.encode(texts)
    assert together.shape == (4, encoder.dimensions) == (4, 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # With other messages or alone: the same vector.
    alone = np.vstack([encoder.encode([text]) for text in texts])
    assert np.array_equal(together, alone)
    unremembered = SentenceEncoder(encoder.directory, cache_size=0)
    assert np.array_equal(np.vstack([unremembered.encode([t]) for t in texts]), together)
    assert encoder.encode([]).shape == (0, 384)


def test_a_long_list_is_read_on_every_core_with_the_same_vectors(
    encoder: SentenceEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [f"my back has hurt for {days} days since the {place}" for days in range(40)
             for place in ("garden", "gym", "fall", "move")] * 2  # fmt: skip
    unremembered = SentenceEncoder(encoder.directory, cache_size=0)
    one_by_one = np.vstack([unremembered.encode([text]) for text in texts])
    threads: List[str] = []
    encode_one = unremembered._engine._encode_one

    def recorded(text: str) -> np.ndarray:
        threads.append(threading.current_thread().name)
        return encode_one(text)

    monkeypatch.setattr(sentence_encoder, "TEXTS_PER_CORE", 16)
    monkeypatch.setattr(sentence_encoder, "usable_cores", lambda: 2)
    monkeypatch.setattr(unremembered._engine, "_encode_one", recorded)
    assert np.array_equal(unremembered.encode(texts), one_by_one)
    # Each distinct text read once, on two threads other than this one.
    assert len(threads) == len(set(texts)) == 160
    assert 1 <= len(set(threads)) <= 2 and threading.current_thread().name not in threads


def test_a_message_is_read_as_its_own_pieces_without_padding(encoder: SentenceEncoder) -> None:
    # The tokenizer file pads to 128 pieces: padding read as words would blur
    # a short message's meaning and cost eight times the time.
    assert encoder._engine.tokenizer.encode("hi").ids == [101, 7632, 102]


def test_a_long_message_is_cut_not_refused(encoder: SentenceEncoder) -> None:
    (vector,) = encoder.encode(["my back hurts " * 400])
    assert np.isfinite(vector).all()


def test_copies_read_the_same_and_missing_files_say_what_to_run(
    encoder: SentenceEncoder, tmp_path: Path
) -> None:
    encoder.copy_to(tmp_path / "model")
    copy = SentenceEncoder(tmp_path / "model")
    assert np.array_equal(copy.encode(["sciatica"]), encoder.encode(["sciatica"]))
    (tmp_path / "model" / FILES[0]).unlink()
    with pytest.raises(FileNotFoundError, match="make embeddings"):
        SentenceEncoder(tmp_path / "model")
    assert not embeddings.is_current(tmp_path / "model")


def test_one_engine_per_process_for_the_same_files(
    encoder: SentenceEncoder, tmp_path: Path
) -> None:
    encoder.copy_to(tmp_path / "model")
    copy = SentenceEncoder(tmp_path / "model")
    # A trained model's copy of the encoder shares the built one's session.
    assert copy._engine is encoder._engine
    assert copy.directory == tmp_path / "model"
    assert SentenceEncoder(encoder.directory, cache_size=0)._engine is not encoder._engine


def test_remembered_vectors_are_the_encoded_ones_and_few(encoder: SentenceEncoder) -> None:
    texts = ["my hip hurts", "how much is it", "hello", "my hip hurts"]
    fresh = SentenceEncoder(encoder.directory, cache_size=0)
    small = SentenceEncoder(encoder.directory, cache_size=2)
    expected = np.vstack([fresh.encode([text]) for text in texts])
    assert np.array_equal(small.encode(texts), expected)
    # Remembered: the latest two texts read (a text twice in one list is read once).
    assert list(small._engine.cache) == [text_digest("how much is it"), text_digest("hello")]
    assert np.array_equal(small.encode(texts[:1]), expected[:1])
    # A caller changing its rows does not change what is remembered.
    rows = small.encode(["hello"])
    rows[0] = 0.0
    assert np.array_equal(small.encode(["hello"]), expected[2:3])
    assert fresh._engine.cache == {}


def test_the_server_remembers_digests_not_what_patients_wrote(encoder: SentenceEncoder) -> None:
    remembering = SentenceEncoder(encoder.directory, cache_size=8)
    words = "my name is Rita Cole and my hip hurts at night"
    remembering.encode([words])
    kept = list(remembering._engine.cache)
    assert text_digest(words) in kept
    assert all(isinstance(key, bytes) and len(key) == 16 for key in kept)
