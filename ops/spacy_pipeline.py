"""Build the local English spaCy pipeline that Rasa's ``SpacyNLP`` loads.

No pretrained English pipeline (``en_core_web_*``) can be installed from the
package registries, so we assemble one: spaCy's rule-based English tokenizer
plus the lookup lemmatizer whose tables come from ``spacy-lookups-data``.
Lemmas let "hips are hurting" and "my hip hurts" share features.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import spacy
import spacy_lookups_data

DEFAULT_PATH = Path(".spacy/en_clinic")
PIPELINE_NAME = "en_clinic"
# Bump when the recipe below changes, so that a stale build is replaced.
RECIPE_VERSION = "1"


def build(path: Path) -> Path:
    """Build the pipeline into ``path`` and return it."""
    nlp = spacy.blank("en")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = f"{RECIPE_VERSION}.0.0"
    nlp.meta["description"] = (
        "English tokenizer + lookup lemmatizer (spacy-lookups-data "
        f"{spacy_lookups_data.__version__}) for the clinic assistant"
    )
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    nlp.to_disk(tmp)
    (tmp / "build.json").write_text(json.dumps(_build_id()))
    shutil.rmtree(path, ignore_errors=True)
    tmp.rename(path)
    return path


def _build_id() -> dict[str, str]:
    return {
        "recipe": RECIPE_VERSION,
        "spacy": spacy.__version__,
        "spacy_lookups_data": spacy_lookups_data.__version__,
    }


def is_current(path: Path) -> bool:
    """Whether ``path`` holds a build made by this recipe and these versions."""
    marker = path / "build.json"
    return marker.exists() and json.loads(marker.read_text()) == _build_id()


def main() -> None:
    """Build the pipeline unless an identical build is already there."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    if is_current(args.path) and not args.force:
        return
    build(args.path)
    lemmas = [t.lemma_ for t in spacy.load(args.path)("my hips are hurting")]
    print(f"==> Built spaCy pipeline at {args.path} (lemmas check: {lemmas})")


if __name__ == "__main__":
    main()
