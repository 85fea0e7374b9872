"""Fetch the static token embeddings that `StaticEmbeddingFeaturizer` reads.

The weights ship inside the ``wordllama`` wheel on PyPI (MIT licence): a
32,000 x 256 float16 matrix (16 MB, one vector per token of the Llama 2
tokenizer) in safetensors format, and that tokenizer's ``tokenizers`` JSON.
The ``wordllama`` package itself needs numpy 2 and pydantic 2, which Rasa 3.6
cannot take, so it is never installed: ``pip download --no-deps`` fetches the
pinned wheel and this module unpacks the two files into ``.embeddings/``,
checking their SHA-256. Re-runs do nothing while the files are current.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Dict

from ops.settings import ROOT

EMBEDDINGS_DIR = ROOT / ".embeddings" / "wordllama"
PACKAGE = "wordllama==0.4.0.post1"
WEIGHTS = "l2_supercat_256.safetensors"
TOKENIZER = "l2_supercat_tokenizer_config.json"
# Member of the wheel -> (file name here, SHA-256 of its content).
FILES: Dict[str, tuple[str, str]] = {
    f"wordllama/weights/{WEIGHTS}": (
        WEIGHTS,
        "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5",
    ),
    f"wordllama/tokenizers/{TOKENIZER}": (
        TOKENIZER,
        "93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68",
    ),
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_current(directory: Path = EMBEDDINGS_DIR) -> bool:
    """Whether both files are present with the expected content."""
    return all(
        (directory / name).exists() and _sha256(directory / name) == sha
        for name, sha in FILES.values()
    )


def fetch(directory: Path = EMBEDDINGS_DIR) -> Path:
    """Download the pinned wheel and unpack the weights and the tokenizer."""
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary",
             ":all:", "--dest", tmp, PACKAGE],
            capture_output=True, text=True,
        )  # fmt: skip
        # (Drops this machine's notes about missing local package mirrors.)
        notes = [line for line in done.stderr.splitlines() if "is ignored:" not in line]
        if done.returncode != 0:
            raise SystemExit(f"pip download {PACKAGE} failed:\n" + "\n".join(notes))
        wheel = next(Path(tmp).glob("wordllama-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            for member, (name, sha) in FILES.items():
                target = directory / name
                partial = target.with_suffix(target.suffix + ".part")
                partial.write_bytes(archive.read(member))
                if _sha256(partial) != sha:
                    partial.unlink()
                    raise SystemExit(f"{PACKAGE}: {member} does not have the expected SHA-256")
                partial.replace(target)
    return directory


def ensure(directory: Path = EMBEDDINGS_DIR) -> Path:
    """The directory with current files, fetching them first if needed."""
    if not is_current(directory):
        print(f"==> Fetching static token embeddings ({PACKAGE}, 19 MB wheel)", flush=True)
        fetch(directory)
    return directory


def main() -> None:
    """Command line: ``python -m ops.embeddings``."""
    argparse.ArgumentParser(description=__doc__).parse_args()
    ensure()


if __name__ == "__main__":
    main()
