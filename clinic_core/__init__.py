"""The clinic's own domain, with no Rasa imports: every process uses it the same way."""

# The modules whose code a trained model carries (the intent classifier, the
# sentence encoder's reader, the spelling step, the red-flag screen): a change
# to any of them retrains the model. Read by the components' fingerprints
# (rasa_extensions/fingerprints.py) and by `make model` (ops/training.py).
TRAINED_MODULES = (
    "linear_text",
    "sentence_encoder",
    "spelling",
    "red_flag_screen",
    "learned_reader",
)
