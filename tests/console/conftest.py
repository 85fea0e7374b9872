"""Console test fixtures (the helpers they use are in tests/helpers/console.py)."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.helpers.console import (
    Client,
    Console,
    Data,
    build_appointments,
    build_tracker_store,
    start_console,
)


@pytest.fixture(scope="session")
def data(tmp_path_factory: pytest.TempPathFactory) -> Data:
    folder = tmp_path_factory.mktemp("console-data")
    tracker_url = f"sqlite:///{folder / 'tracker.db'}"
    appointments_url = f"sqlite:///{folder / 'appointments.db'}"
    build_tracker_store(tracker_url)
    references = build_appointments(appointments_url)
    return Data(folder, tracker_url, appointments_url, references)


@pytest.fixture(scope="session")
def console(data: Data, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    server, running = start_console(data, tmp_path_factory.mktemp("console-db"))
    yield running
    server.stop()


@pytest.fixture(scope="session")
def alice(console: Console) -> Client:
    """A logged-in administrator."""
    client = Client(console.url)
    assert client.login("alice").status == 303
    return client


@pytest.fixture
def bob(console: Console) -> Client:
    """A logged-in member of staff (not an administrator), fresh each test."""
    client = Client(console.url)
    assert client.login("bob").status == 303
    return client
