"""Custom actions of the acupuncture clinic assistant (served by rasa-sdk)."""
