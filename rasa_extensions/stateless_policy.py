"""A dialogue policy that learns nothing from the stories: its rules are in code and files."""

from __future__ import annotations

from typing import Any, Dict, List, TypeVar

from rasa.core.policies.policy import Policy
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates

Self = TypeVar("Self", bound="StatelessPolicy")


class StatelessPolicy(Policy):
    """Trains to an empty resource and loads from its configuration alone."""

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn."""
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    @classmethod
    def load(
        cls: type[Self],
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Self:
        """Nothing was saved: the policy is built from ``config``."""
        return cls(config, model_storage, resource, execution_context)
