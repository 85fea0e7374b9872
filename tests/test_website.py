"""The demo clinic page and its chat widget, in headless Chromium.

Starts the action server, the Rasa server and the website exactly as
`make run` does (on free ports, with temporary databases), then books an
appointment the way a visitor would: typing and clicking in the widget.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import urllib.request
from typing import Iterator

import pytest
import socketio
from playwright.sync_api import Browser, expect

from ops.servers import AssistantStack
from tests.browser import (  # noqa: F401 (browser is a fixture)
    WAIT_MS,
    artifact,
    bot_says,
    browser,
    click_reply,
    patient_types,
)
from tests.servers import stack_in

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantStack]:
    with stack_in(tmp_path_factory.mktemp("website"), website=True) as stack:
        yield stack


def booked_rows(stack: AssistantStack) -> list:
    database = stack.env()["DATABASE_URL"][len("sqlite:///") :]
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT reference, patient_name, reason, conversation_id FROM appointments"
        ).fetchall()


def test_page_says_it_is_an_automated_assistant_and_loads_nothing_from_elsewhere(
    site: AssistantStack, browser: Browser  # noqa: F811
) -> None:
    page = browser.new_page()
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url)
        if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))
        else None,
    )
    page.goto(site.website_url)
    expect(page.get_by_text("automated assistant", exact=False).first).to_be_visible()
    expect(page.get_by_text("does not diagnose", exact=False).first).to_be_visible()
    page.locator(".rw-launcher").click()
    bot_says(page, "I can't diagnose")
    assert outside == []  # no CDN, no web fonts, no analytics
    page.close()


def test_visitor_books_in_the_widget_and_sees_the_history_after_a_reload(
    site: AssistantStack, browser: Browser  # noqa: F811
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(site.website_url)
    page.locator(".rw-launcher").click()
    bot_says(page, "What's bothering you?")  # the greeting, sent when the chat opens

    patient_types(page, "my lower back has been aching for weeks after lifting boxes")
    bot_says(page, "Lower back pain")
    click_reply(page, "Yes, book")
    bot_says(page, "What name")
    patient_types(page, "Maria Lopez")
    bot_says(page, "phone number or email")
    patient_types(page, "maria.lopez@example.com")
    bot_says(page, "been to the clinic before")
    patient_types(page, "no, first time")
    bot_says(page, "Which day")
    patient_types(page, "next tuesday")
    bot_says(page, "What time on Tuesday 1 December")
    click_reply(page, "10:30")
    bot_says(page, "anything the acupuncturist should know")
    click_reply(page, "Nothing to add")
    bot_says(page, "Tuesday 1 December at 10:30")
    click_reply(page, "Yes, book it")
    bot_says(page, "You're booked: Tuesday 1 December at 10:30")

    rows = booked_rows(site)
    assert len(rows) == 1
    _reference, name, reason, conversation_id = rows[0]
    assert (name, reason) == ("Maria Lopez", "lower_back_pain")
    session = json.loads(page.evaluate("() => JSON.stringify(window.sessionStorage)"))
    # the widget keeps the signed id the server issued: web:<random> is "<random>.<signature>"
    assert conversation_id.startswith("web:")
    assert f'{conversation_id.removeprefix("web:")}.' in json.dumps(session)

    page.reload()  # the widget remembers it was open: no click needed
    expect(page.locator(".rw-conversation-container")).to_be_visible(timeout=WAIT_MS)
    bot_says(page, "You're booked: Tuesday 1 December at 10:30")
    expect(page.locator(".rw-client").filter(has_text="Maria Lopez")).to_be_visible()
    page.wait_for_timeout(1500)  # let the widget's opening animation finish for the picture
    page.screenshot(path=str(artifact("website-booking.png")))
    page.close()


def connect_from(site: AssistantStack, origin: str) -> bool:
    """Whether a socket.io client sending this Origin may connect."""
    client = socketio.Client(reconnection=False)
    try:
        client.connect(site.rasa_url, headers={"Origin": origin}, transports=["polling"])
    except socketio.exceptions.ConnectionError:
        return False
    client.disconnect()
    return True


def test_only_the_clinic_pages_may_open_a_socket(site: AssistantStack) -> None:
    assert connect_from(site, site.website_url)
    assert not connect_from(site, "https://evil.example")


def preflight(site: AssistantStack, origin: str) -> str:
    request = urllib.request.Request(
        f"{site.rasa_url}/webhooks/rest/webhook",
        method="OPTIONS",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers.get("Access-Control-Allow-Origin", "")


def test_rest_channel_cors_allows_only_the_configured_origins(site: AssistantStack) -> None:
    assert preflight(site, site.website_url) == site.website_url
    assert preflight(site, "https://evil.example") == ""


def test_widget_bundle_is_served_locally_without_third_party_fonts(site: AssistantStack) -> None:
    with urllib.request.urlopen(f"{site.website_url}/widget/webchat.js", timeout=10) as response:
        bundle = response.read()
        assert response.headers["Content-Type"].startswith("application/javascript")
    assert b"fonts.googleapis.com" not in bundle and len(bundle) > 100_000


def test_socket_messages_pass_the_edge_limits(site: AssistantStack) -> None:
    """A widget message over the length limit gets the clear reply; malformed events are dropped."""
    client = socketio.Client(reconnection=False)
    sessions: queue.Queue[str] = queue.Queue()
    replies: queue.Queue[str] = queue.Queue()
    client.on("session_confirm", lambda session_id: sessions.put(session_id))
    client.on("bot_uttered", lambda data: replies.put(data.get("text", "")))
    client.connect(site.rasa_url, headers={"Origin": site.website_url}, transports=["polling"])
    try:
        client.emit("session_request", {"session_id": None})
        session_id = sessions.get(timeout=10)
        client.emit("user_uttered", {"message": "my hip hurts " * 100, "session_id": session_id})
        assert "too long for me to read" in replies.get(timeout=30)
        client.emit("user_uttered", "not an object")
        client.emit("user_uttered", {"message": {"text": "hi"}, "session_id": session_id})
        client.emit("user_uttered", {"message": "hi", "session_id": ["a"]})
        client.emit("user_uttered", {"message": "when are you open", "session_id": session_id})
        answer = replies.get(timeout=30)  # the malformed ones got nothing, this one its answer
        assert "Monday" in answer, answer
    finally:
        client.disconnect()
