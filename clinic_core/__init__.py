"""The clinic's own domain, with no Rasa imports: every process uses it the same way."""
