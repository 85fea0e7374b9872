"""Appointment booking: parsing, availability, storage, the form and management."""
