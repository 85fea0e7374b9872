"""Input and output channels: Rasa's built-in ones, adapted for the clinic.

credentials.yml names these classes. Each keeps the built-in channel's name,
so webhook paths are the ones Rasa documents (``/webhooks/<name>/webhook``).
"""
