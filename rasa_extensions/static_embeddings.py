"""Dense word features from pretrained static token embeddings.

Rasa's sparse features only know the words and character n-grams of our own
examples, so "fee" means nothing until an example says it is about price.
This featurizer adds, for every token of a message, the mean of the
pretrained embeddings of its sub-word pieces (WordLlama's 256-dimensional
token embeddings, fetched by ``ops/embeddings.py``), and for the message the
mean of its token vectors. It has no trainable part: DIET learns from the
vectors as from any other dense feature.

Measured with ``make bench-nlu`` (README, "NLU quality").
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import MEAN_POOLING, POOLING
from safetensors.numpy import load_file
from tokenizers import Tokenizer as SubwordTokenizer

logger = logging.getLogger(__name__)

DEFAULT_DIRECTORY = ".embeddings/wordllama"
TOKEN_CACHE_SIZE = 50_000


class StaticEmbeddings:
    """A sub-word tokenizer and its embedding matrix: text in, one vector per word out."""

    def __init__(self, directory: Path, weights: str, tokenizer: str, lowercase: bool) -> None:
        """Load ``weights`` (safetensors) and ``tokenizer`` (tokenizers JSON) from ``directory``."""
        tensors = load_file(str(directory / weights))
        if len(tensors) != 1:
            raise InvalidConfigException(f"{weights}: expected one embedding matrix")
        self.matrix = next(iter(tensors.values())).astype(np.float32)
        self.tokenizer = SubwordTokenizer.from_file(str(directory / tokenizer))
        self.lowercase = lowercase
        self.vector = lru_cache(maxsize=TOKEN_CACHE_SIZE)(self._vector)

    @property
    def dimensions(self) -> int:
        """Length of each vector."""
        return int(self.matrix.shape[1])

    def _vector(self, word: str) -> np.ndarray:
        """Mean of the word's sub-word embeddings (zeros for an empty word)."""
        text = word.lower() if self.lowercase else word
        ids = self.tokenizer.encode(text, add_special_tokens=False).ids
        ids = [i for i in ids if 0 <= i < len(self.matrix)]
        if not ids:
            return np.zeros(self.dimensions, dtype=np.float32)
        vector: np.ndarray = self.matrix[ids].mean(axis=0)
        vector.flags.writeable = False  # shared through the cache
        return vector

    def words(self, words: List[str]) -> np.ndarray:
        """A (len(words), dimensions) matrix."""
        return (
            np.stack([self.vector(w) for w in words]) if words else np.zeros((0, self.dimensions))
        )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class StaticEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Sequence and sentence features from pretrained static token embeddings."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """A tokenizer must run first."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Where the files are; how words are looked up and pooled."""
        return {
            **DenseFeaturizer.get_default_config(),
            "directory": DEFAULT_DIRECTORY,  # relative to the working directory
            "weights": "l2_supercat_256.safetensors",
            "tokenizer": "l2_supercat_tokenizer_config.json",
            "lowercase": True,
            POOLING: MEAN_POOLING,
        }

    @staticmethod
    def required_packages() -> List[str]:
        """Python packages the component imports."""
        return ["safetensors", "tokenizers"]

    def __init__(self, config: Dict[str, Any], execution_context: ExecutionContext) -> None:
        """Load the embeddings named in ``config``."""
        super().__init__(execution_context.node_name, config)
        directory = Path(self._config["directory"])
        if not directory.is_dir():
            raise InvalidConfigException(
                f"StaticEmbeddingFeaturizer: no {directory}; run `python -m ops.embeddings`"
            )
        self.embeddings = StaticEmbeddings(
            directory, self._config["weights"], self._config["tokenizer"], self._config["lowercase"]
        )
        self.pooling_operation = self._config[POOLING]
        logger.info(
            "Static token embeddings: %s x %s from %s",
            len(self.embeddings.matrix),
            self.embeddings.dimensions,
            directory,
        )

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StaticEmbeddingFeaturizer:
        """A featurizer with the configured embeddings (nothing to train)."""
        return cls(config, execution_context)

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Nothing beyond the defaults to check before loading."""

    def features_for_tokens(self, tokens: List[Token]) -> Tuple[np.ndarray, np.ndarray]:
        """(sequence features, sentence features) for a message's tokens."""
        sequence = self.embeddings.words([token.text for token in tokens])
        sentence = self.aggregate_sequence_features(sequence, self.pooling_operation)
        return sequence, sentence

    def process(self, messages: List[Message]) -> List[Message]:
        """Add the features to each message, in place."""
        for message in messages:
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
                self._featurize(message, attribute)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Add the features to every training example, in place."""
        self.process(training_data.training_examples)
        return training_data

    def _featurize(self, message: Message, attribute: str) -> None:
        tokens: Optional[List[Token]] = message.get(TOKENS_NAMES[attribute])
        if not tokens:
            return
        sequence, sentence = self.features_for_tokens(tokens)
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, attribute, alias))
        message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, attribute, alias))
