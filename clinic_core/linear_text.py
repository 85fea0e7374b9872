"""A linear text classifier: TF-IDF features and a logistic regression.

Two parts of the assistant read a message with one: the red-flag screen
(:mod:`clinic_core.red_flag_screen`) and the intent step of the NLU pipeline
(:mod:`rasa_extensions.clauses`). On the clinic's few thousand examples it
generalises better than DIET on every figure of `make bench-nlu`
(docs/performance.md, "NLU quality"), trains in seconds and scores a message
in a fraction of a millisecond.

The intent step also gives it each message's sentence vector
(:mod:`clinic_core.sentence_encoder`), read beside the counts: the counts know
the words the examples use, the vector what the message means.

Models are saved as numpy arrays and JSON in one ``.npz`` file (no pickled
code runs on loading; a preprocessor function is named, and loaded only when
trusted). Models of earlier versions, saved with skops, still load; skops is
not the format any more because it made a server start 5 to 10 s slower: its
import scans every loaded module (thousands beside TensorFlow) and it reads
the vocabularies from a JSON tree of tens of MB.
"""

from __future__ import annotations

import importlib
import json
import zipfile
from pathlib import Path
from typing import Any, Callable, Collection, Dict, List, Optional, Sequence, Tuple

import numpy as np

# What skops does not trust by default but every TF-IDF model holds.
_TRUSTED_TYPES = frozenset({"scipy.sparse._csr.csr_matrix"})
# The layout of the files :meth:`LinearTextClassifier.save` writes.
FORMAT = "clinic-linear-text/1"
# Files with this suffix are read with skops (models saved before FORMAT).
LEGACY_SUFFIX = ".skops"


def word_and_character_features(
    preprocessor: Optional[Callable[[str], str]] = None,
    character_ngrams: Tuple[int, int] = (2, 4),
    character_min_df: int = 1,
    character_preprocessor: Optional[Callable[[str], str]] = None,
) -> List[Any]:
    """TF-IDF of word uni- and bigrams and of character n-grams within words.

    Args:
        preprocessor: turns a message into the words to count (default:
            lower case).
        character_ngrams: the shortest and longest character n-grams.
        character_min_df: a character n-gram counts if at least this many
            examples have it.
        character_preprocessor: turns a message into the text whose
            characters are counted (default: the message in lower case).

    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if preprocessor is None:
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    else:
        words = TfidfVectorizer(
            preprocessor=preprocessor,
            token_pattern=r"\S+",  # noqa: S106 (a regular expression)
            ngram_range=(1, 2),
            sublinear_tf=True,
            lowercase=False,
        )
    characters = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=character_ngrams,
        sublinear_tf=True,
        min_df=character_min_df,
        preprocessor=character_preprocessor,
    )
    return [words, characters]


class LinearTextClassifier:
    """Probabilities of each label for a message."""

    def __init__(self, model: Any) -> None:
        """Wrap a fitted scikit-learn pipeline (use :meth:`fit` or :meth:`load`)."""
        self.model = model
        self.labels: List[str] = [str(label) for label in model.classes_]
        self._scorer = _LinearScorer(model)

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        features: Sequence[Any],
        regularisation: float,
        balanced: bool = False,
        vectors: Optional[np.ndarray] = None,
        vector_weight: float = 1.0,
    ) -> LinearTextClassifier:
        """Train on ``texts`` and their ``labels`` (seconds for a few thousand).

        Args:
            texts: the examples.
            labels: each example's label.
            features: unfitted TF-IDF vectorizers, put side by side
                (:func:`word_and_character_features`).
            regularisation: the logistic regression's ``C`` (higher: less regularised).
            balanced: weigh each label by the inverse of its number of examples.
            vectors: one dense vector per example (rows), read beside the
                TF-IDF features; scoring then needs the message's vector.
            vector_weight: how much the vectors count against the TF-IDF
                features (each part has unit length before this).

        Raises:
            ValueError: fewer than two labels, or not one vector per text.

        """
        from scipy.sparse import csr_matrix, hstack
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        if len(set(labels)) < 2:
            raise ValueError("a text classifier needs examples of at least two labels")
        if vectors is not None and len(vectors) != len(texts):
            raise ValueError(f"{len(vectors)} vectors for {len(texts)} texts")
        classifier = LogisticRegression(
            C=regularisation,
            class_weight="balanced" if balanced else None,
            max_iter=5000,
            random_state=0,
        )
        model = make_pipeline(make_union(*features), classifier)
        if vectors is None:
            model.fit(list(texts), list(labels))
            return cls(model)
        union = model.steps[0][1]
        counted = union.fit_transform(list(texts))
        weighted = csr_matrix(np.asarray(vectors, dtype=float) * vector_weight)
        classifier.fit(hstack([counted, weighted]).tocsr(), list(labels))
        # The weight goes into the coefficients: scoring takes the vector as it is.
        classifier.coef_[:, counted.shape[1] :] *= vector_weight
        return cls(model)

    @property
    def vector_size(self) -> int:
        """The length of the sentence vector the model reads (0: none)."""
        return self._scorer.vector_size

    def probabilities(self, text: str, vector: Optional[np.ndarray] = None) -> Dict[str, float]:
        """The probability of each label for ``text`` (and its sentence vector, if trained with).

        Raises:
            ValueError: the model was trained with vectors and none is given,
                or the other way round.

        """
        scores = self._scorer.probabilities(text, vector)
        return dict(zip(self.labels, scores, strict=True))

    def save(self, path: Path) -> None:
        """Write the fitted model to ``path``: its arrays and, as JSON, the rest (numpy ``.npz``).

        The vocabularies, IDF weights, coefficients and labels are what scoring
        reads; the terms TF-IDF dropped (``stop_words_``) are left out.
        """
        union, classifier = self.model.steps[0][1], self.model.steps[-1][1]
        arrays: Dict[str, np.ndarray] = {
            "coef": classifier.coef_,
            "intercept": classifier.intercept_,
        }
        vectorizers = []
        for index, (_, vectorizer) in enumerate(union.transformer_list):
            vocabulary = vectorizer.vocabulary_
            vectorizers.append(
                {
                    "params": _vectorizer_params(vectorizer),
                    "terms": sorted(vocabulary, key=vocabulary.__getitem__),
                }
            )
            arrays[f"idf_{index}"] = vectorizer.idf_
        header = {
            "format": FORMAT,
            "labels": self.labels,
            "classifier": classifier.get_params(),
            "vectorizers": vectorizers,
        }
        arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        with path.open("wb") as handle:
            np.savez(handle, **arrays)

    @classmethod
    def load(cls, path: Path, trusted: Collection[str] = ()) -> LinearTextClassifier:
        """Read a model written by :meth:`save` (or by skops, from a ``.skops`` file).

        Args:
            path: the file.
            trusted: functions the model may name beyond TF-IDF and logistic
                regression (a preprocessor, as ``module.name``).

        Raises:
            ValueError: the file names other functions or is not a model.

        """
        if path.suffix == LEGACY_SUFFIX:
            return cls._load_skops(path, trusted)
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            header = json.loads(arrays.pop("header").tobytes())
        except (KeyError, ValueError, zipfile.BadZipFile) as error:
            raise ValueError(f"{path}: not a linear text classifier ({error})") from error
        if header.get("format") != FORMAT:
            raise ValueError(f"{path}: format {header.get('format')!r}, not {FORMAT!r}")
        vectorizers = [
            _vectorizer(part["params"], part["terms"], arrays[f"idf_{index}"], trusted, path)
            for index, part in enumerate(header["vectorizers"])
        ]
        classifier = LogisticRegression(**header["classifier"])
        classifier.classes_ = np.array(header["labels"])
        classifier.coef_ = arrays["coef"]
        classifier.intercept_ = arrays["intercept"]
        classifier.n_features_in_ = arrays["coef"].shape[1]
        return cls(make_pipeline(make_union(*vectorizers), classifier))

    @classmethod
    def _load_skops(cls, path: Path, trusted: Collection[str]) -> LinearTextClassifier:
        """A model saved with skops by an earlier version."""
        import skops.io

        allowed = _TRUSTED_TYPES | set(trusted)
        unknown = set(skops.io.get_untrusted_types(file=path))
        if not unknown <= allowed:
            raise ValueError(f"{path}: unexpected types {sorted(unknown - allowed)}")
        return cls(skops.io.load(path, trusted=sorted(unknown)))


def _vectorizer_params(vectorizer: Any) -> Dict[str, Any]:
    """A TF-IDF vectorizer's parameters as JSON values (functions by name, dtype by name)."""
    params: Dict[str, Any] = {}
    for name, value in vectorizer.get_params(deep=False).items():
        if name == "dtype":
            value = np.dtype(value).name
        elif callable(value):
            value = {"function": f"{value.__module__}.{value.__qualname__}"}
        params[name] = value
    return params


def _vectorizer(
    params: Dict[str, Any],
    terms: List[str],
    idf: np.ndarray,
    trusted: Collection[str],
    path: Path,
) -> Any:
    """A fitted TF-IDF vectorizer from what :meth:`LinearTextClassifier.save` wrote.

    Raises:
        ValueError: a parameter names a function that is not in ``trusted``.

    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    values: Dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, dict):
            function = str(value.get("function"))
            if function not in trusted:
                raise ValueError(f"{path}: unexpected types [{function!r}]")
            module, _, attribute = function.rpartition(".")
            value = getattr(importlib.import_module(module), attribute)
        elif name == "dtype":
            value = np.dtype(value).type
        elif isinstance(value, list):
            value = tuple(value)  # ngram_range
        values[name] = value
    vectorizer = TfidfVectorizer(**values)
    vectorizer.vocabulary_ = {term: index for index, term in enumerate(terms)}
    vectorizer.fixed_vocabulary_ = False
    vectorizer.idf_ = idf
    return vectorizer


class _LinearScorer:
    """The fitted pipeline's probabilities for one message, without scikit-learn's overhead.

    scikit-learn's transform and predict validate and build sparse matrices
    for every call (about 5 ms for one message); the same arithmetic on a
    dictionary of features takes a fraction of a millisecond. A test checks
    that both give the same probabilities.
    """

    def __init__(self, model: Any) -> None:
        union, classifier = model.steps[0][1], model.steps[-1][1]
        self._parts: List[Tuple[Any, Dict[str, int], np.ndarray, bool]] = []
        self._weights: List[np.ndarray] = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            size = len(vectorizer.vocabulary_)
            # rows: features of this vectorizer; columns: classes
            self._weights.append(classifier.coef_[:, offset : offset + size].T)
            analyze = vectorizer.build_analyzer()
            self._parts.append(
                (analyze, vectorizer.vocabulary_, vectorizer.idf_, vectorizer.sublinear_tf)
            )
            offset += size
        # Columns after the TF-IDF features: the sentence vector's.
        self.vector_size = classifier.coef_.shape[1] - offset
        self._vector_weights = classifier.coef_[:, offset:].T
        self._intercept = classifier.intercept_

    def probabilities(self, text: str, vector: Optional[np.ndarray] = None) -> List[float]:
        if (vector is None) != (self.vector_size == 0):
            raise ValueError(f"the model reads a sentence vector of {self.vector_size} values")
        logits = self._intercept.astype(float).copy()
        if vector is not None:
            logits += np.asarray(vector, dtype=float) @ self._vector_weights
        for part, weights in zip(self._parts, self._weights, strict=True):
            analyze, vocabulary, idf, sublinear = part
            counts: Dict[int, int] = {}
            for feature in analyze(text):
                index = vocabulary.get(feature)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            indices = np.fromiter(counts, dtype=int)
            tf = np.fromiter(counts.values(), dtype=float)
            values = (np.log(tf) + 1.0 if sublinear else tf) * idf[indices]
            logits += (values / np.linalg.norm(values)) @ weights[indices]
        if len(logits) == 1:  # two labels: scikit-learn keeps one column of weights
            positive = 1.0 / (1.0 + np.exp(-logits[0]))
            return [1.0 - float(positive), float(positive)]
        exp = np.exp(logits - logits.max())
        return [float(p) for p in exp / exp.sum()]
