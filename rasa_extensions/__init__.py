"""Custom Rasa graph components that config.yml names, and process-wide fixes.

Rasa imports this package when it loads a model trained with config.yml
(the components below are named there), so these are installed in every
Rasa process that serves or tests our model: `rasa run`, `rasa shell` and
`rasa test` alike.
"""

from rasa_extensions import action_response_validation, resilience, sqlite_wal

action_response_validation.install()
sqlite_wal.install()
resilience.install()
