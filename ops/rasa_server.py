"""``python -m rasa`` for serving, without the libraries a Rasa server never uses.

TensorFlow 2.12 imports jax (when installed, as TensorFlow's own requirements
make it) only for converting models to TFLite, which serving never does: 0.4 s
and 93 MB of every Rasa process. Marking jax as absent before Rasa imports
TensorFlow leaves it out; TensorFlow then does without it, as it does when
jax is not installed. Everything else is Rasa's command line as it is.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Rasa's command line (``rasa run ...``), jax left out."""
    sys.modules.setdefault("jax", None)  # type: ignore[arg-type]  # import jax: ImportError
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
