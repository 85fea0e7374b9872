"""Train the Rasa model only when its inputs changed, decided by content.

The fingerprint covers config.yml, domain.yml, every file under data/, the
installed Rasa version and the local spaCy pipeline build. The model is saved
as ``models/clinic-<fingerprint>.tar.gz``; if that file exists, nothing is
trained. File timestamps play no part (a fresh clone has new ones).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Iterable, List, Mapping, Optional

from clinic_core import TRAINED_MODULES
from clinic_core.red_flags import load_red_flags
from clinic_core.settings import LOG_DIR, QUIET_ENV, ROOT
from ops.servers import die_with_parent
from ops.settings import MODELS_DIR, SPACY_PIPELINE_DIR

# The learned red-flag screen trains on the clinic's red-flag examples too;
# it and the intent step fit the linear classifiers of clinic_core.
TRAINING_INPUTS = (
    "config.yml",
    "domain.yml",
    "data",
    "rasa_extensions",
    "clinic/red_flag_examples",
    *(f"clinic_core/{name}.py" for name in TRAINED_MODULES),
    "ops/embeddings.py",
)
KEEP_MODELS = 3
# Folders under the inputs that no training reads. (Every red-flag example set is
# an input: the screen does not learn those in not_trained/, but the readers do,
# and the broad screen and readers learn those in measured_only/ too.)
UNTRAINED_DIRS = {"__pycache__"}


def input_files(root: Path) -> List[Path]:
    """The files a model is trained from, in a fixed order."""
    files: List[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        if path.is_dir():
            files.extend(
                sorted(
                    p for p in path.rglob("*") if p.is_file() and not set(p.parts) & UNTRAINED_DIRS
                )
            )
        else:
            files.append(path)
    return files


def fingerprint(root: Path = ROOT, extra: Iterable[str] = ()) -> str:
    """Content hash of everything the trained model depends on."""
    digest = hashlib.sha256()
    # The red-flag list is read at load, except which concepts each learned reader reads.
    red_flags = root / "clinic" / "red_flags.yml"
    readers = load_red_flags(red_flags).reader_assignment() if red_flags.exists() else ""
    for part in (f"rasa={version('rasa')}", f"readers={readers}", *extra):
        digest.update(part.encode() + b"\0")
    spacy_build = SPACY_PIPELINE_DIR / "build.json"
    if spacy_build.exists():
        digest.update(spacy_build.read_bytes())
    for path in input_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(models_dir: Path = MODELS_DIR, root: Path = ROOT) -> Path:
    """Where the model for the current inputs is (or will be) saved."""
    return models_dir / f"clinic-{fingerprint(root)}.tar.gz"


def train(
    target: Path,
    root: Path = ROOT,
    log_file: Optional[Path] = None,
    config: Optional[Path] = None,
    env: Optional[Mapping[str, str]] = None,
) -> Path:
    """Run ``rasa train`` into ``target``, printing progress, not TensorFlow logs.

    ``config`` replaces config.yml (the benchmark's stock baseline); ``env``
    adds variables (the benchmark's empty training cache).
    """
    log_file = log_file or LOG_DIR / "train.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        str(config or root / "config.yml"),
        "--domain",
        str(root / "domain.yml"),
        "--data",
        str(root / "data"),
        "--out",
        str(target.parent),
        "--fixed-model-name",
        target.name[: -len(".tar.gz")],
    ]
    print(f"==> Training {target.name} (log: {log_file})", flush=True)
    started = time.monotonic()
    with log_file.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **QUIET_ENV, **(env or {})},
            preexec_fn=die_with_parent(signal.SIGTERM),  # no training left running without us
        )
        next_report = 30.0
        while process.poll() is None:
            time.sleep(1)
            elapsed = time.monotonic() - started
            if elapsed >= next_report:
                print(f"    ... still training ({elapsed:.0f} s)", flush=True)
                next_report += 30
    if process.returncode != 0 or not target.exists():
        tail = log_file.read_text(errors="replace").splitlines()[-40:]
        print("\n".join(tail), file=sys.stderr)
        raise SystemExit(f"Training failed (exit {process.returncode}); see {log_file}")
    print(f"==> Trained in {time.monotonic() - started:.0f} s", flush=True)
    return target


def prune(models_dir: Path, keep: Path) -> None:
    """Delete all but the newest few models (always keeping ``keep``)."""
    models = sorted(models_dir.glob("clinic-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-KEEP_MODELS]:
        if old != keep:
            old.unlink()


def ensure_model(force: bool = False) -> Path:
    """Return the model for the current inputs, training it if needed."""
    target = model_path()
    if target.exists() and not force:
        return target
    train(target)
    prune(target.parent, keep=target)
    return target


def main() -> None:
    """Command line: ``python -m ops.training [--force] [--print-path]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if up to date")
    parser.add_argument("--print-path", action="store_true", help="only print the model path")
    args = parser.parse_args()
    if args.print_path:
        print(model_path())
        return
    target = model_path()
    if target.exists() and not args.force:
        print(f"==> Model up to date: {target.relative_to(ROOT)}", flush=True)
        return
    ensure_model(force=args.force)


if __name__ == "__main__":
    main()
