"""Helpers the tests import: one factory per kind of object (conftest.py keeps fixtures only)."""
