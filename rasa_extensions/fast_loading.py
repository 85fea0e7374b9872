"""DIET and TED that load in seconds instead of half a minute.

To give a saved model its weights, Rasa 3.6 first builds the network by
fitting it for one step on one example (``RasaModel.load``). That step runs
as a TensorFlow graph, so TensorFlow traces the whole training function,
gradients included: about 25 s for our DIET and 10 s for TED on 2 cores,
paid at every server start, only to be thrown away when the trained weights
are loaded over it.

Here that one step runs eagerly (no tracing), then the model is switched
back to graph mode and the prediction function, which is all a server
needs, is traced once on an example. Predictions are the same model and the
same weights; only the throw-away build step changes. `make bench` measures
the start-up time.
"""

from __future__ import annotations

from typing import Any, Optional, Type

from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.utils.tensorflow.constants import RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel


class EagerlyBuiltModel(RasaModel):
    """A Rasa network whose ``load`` builds it eagerly (mixed in before DIET or TED)."""

    @classmethod
    def load(
        cls,
        model_file_name: str,
        model_data_example: RasaModelData,
        predict_data_example: Optional[RasaModelData] = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        """``RasaModel.load`` with its weight-building step run eagerly."""
        config = kwargs.get("config", {})
        wanted = config.get(RUN_EAGERLY, False)
        kwargs["config"] = {**config, RUN_EAGERLY: True}
        model = super().load(
            model_file_name, model_data_example, None, finetune_mode, *args, **kwargs
        )
        # Back to graph mode for predictions, and trace the predict function now
        # rather than at the first patient's message.
        model.run_eagerly = wanted
        model.config[RUN_EAGERLY] = wanted
        if not finetune_mode and predict_data_example:
            model.run_inference(predict_data_example)
        return model


class FastLoadingDIET(EagerlyBuiltModel, DIET):
    """DIET whose ``load`` does not trace the training function."""


class FastLoadingTED(EagerlyBuiltModel, TED):
    """TED whose ``load`` does not trace the training function."""


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class FastLoadingDIETClassifier(DIETClassifier):
    """Rasa's DIETClassifier with the fast-loading model."""

    @staticmethod
    def model_class() -> Type[RasaModel]:
        """The network class."""
        return FastLoadingDIET


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True
)
class FastLoadingTEDPolicy(TEDPolicy):
    """Rasa's TEDPolicy with the fast-loading model."""

    @staticmethod
    def model_class() -> Type[TED]:
        """The network class."""
        return FastLoadingTED
