"""The demo clinic page and its chat widget, in headless Chromium.

Starts the action server, the Rasa server and the website exactly as
`make run` does (on free ports, with temporary databases), then books an
appointment the way a visitor would: typing and clicking in the widget.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import urllib.error
import urllib.request
from typing import Iterator

import pytest
import socketio
from playwright.sync_api import Browser, Page, expect

from ops.servers import AssistantStack
from tests.browser import (  # noqa: F401 (browser is a fixture)
    WAIT_MS,
    artifact,
    assert_accessible,
    bot_says,
    browser,
    click_reply,
    open_chat,
    patient_types,
    reply_button,
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
    errors: list = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(site.website_url)
    expect(page.get_by_text("automated assistant", exact=False).first).to_be_visible()
    expect(page.get_by_text("does not diagnose", exact=False).first).to_be_visible()
    open_chat(page)
    bot_says(page, "I can't diagnose")
    assert outside == []  # no CDN, no web fonts, no analytics
    assert errors == []  # nothing the Content-Security-Policy refused
    page.close()


def test_visitor_books_in_the_widget_and_sees_the_history_after_a_reload(
    site: AssistantStack, browser: Browser  # noqa: F811
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(site.website_url)
    open_chat(page)
    bot_says(page, "What's bothering you?")  # the greeting, sent when the chat opens

    patient_types(page, "my lower back has been aching for weeks after lifting boxes")
    bot_says(page, "Lower back pain")
    click_reply(page, "How can acupuncture help?")
    bot_says(page, "Medical research suggests")
    click_reply(page, "Book")
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
    expect(page.locator("#chat-panel")).to_be_visible(timeout=WAIT_MS)
    bot_says(page, "You're booked: Tuesday 1 December at 10:30")
    expect(page.locator(".chat-msg-patient").filter(has_text="Maria Lopez")).to_be_visible()
    patient_types(page, "thanks")  # the same conversation goes on after the reload
    bot_says(page, "You're welcome")
    page.close()


def focus_by_tab(page: Page, name: str, key: str = "Tab", presses: int = 40) -> None:
    """Press Tab (or Shift+Tab) until the focused element is called ``name``."""
    for _ in range(presses):
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? (e.getAttribute('aria-label') || e.innerText || '').trim() : ''; }"
        )
        if focused == name:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {name!r}")


def choose_by_keyboard(page: Page, title: str) -> None:
    """From the message box, Shift+Tab back to a quick reply and press Enter."""
    expect(reply_button(page, title)).to_be_visible(timeout=WAIT_MS)
    focus_by_tab(page, title, key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your message")).to_be_focused()  # back to typing


def type_and_send(page: Page, text: str) -> None:
    """Type into the focused message box and press Enter."""
    expect(page.get_by_label("Your message")).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_a_keyboard_only_visitor_books_an_appointment(
    site: AssistantStack, browser: Browser  # noqa: F811
) -> None:
    """Tab, Shift+Tab, Enter and typing: no mouse from opening the chat to the booking."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(site.website_url)
    focus_by_tab(page, "Chat with our assistant")
    page.keyboard.press("Enter")
    bot_says(page, "What's bothering you?")
    type_and_send(page, "upper back pain between my shoulder blades")
    bot_says(page, "Upper back pain")
    choose_by_keyboard(page, "Which points are used?")
    bot_says(page, "points often used are: head points")
    choose_by_keyboard(page, "Book")
    bot_says(page, "What name")
    type_and_send(page, "Tom Keys")
    bot_says(page, "phone number or email")
    type_and_send(page, "tom.keys@example.com")
    bot_says(page, "been to the clinic before")
    choose_by_keyboard(page, "First visit")
    bot_says(page, "Which day")
    type_and_send(page, "next wednesday")
    bot_says(page, "What time on Wednesday 2 December")
    first_free = page.locator(".chat-reply").first.inner_text()
    choose_by_keyboard(page, first_free)
    bot_says(page, "anything the acupuncturist should know")
    choose_by_keyboard(page, "Nothing to add")
    bot_says(page, f"Wednesday 2 December at {first_free}")
    choose_by_keyboard(page, "Yes, book it")
    bot_says(page, f"You're booked: Wednesday 2 December at {first_free}")
    assert ("Tom Keys", "upper_back_pain") in [(r[1], r[2]) for r in booked_rows(site)]

    page.keyboard.press("Escape")  # closes the chat, focus back on its button
    expect(page.locator("#chat-panel")).to_be_hidden()
    expect(page.get_by_role("button", name="Chat with our assistant")).to_be_focused()
    page.close()


# The server confirms the session 1.5 s late: what a slow server or a busy
# machine does to a patient who types as soon as the chat opens.
SLOW_SESSION_CONFIRM = """(() => {
  Object.defineProperty(window, "io", {
    configurable: true,
    set(realIo) {
      delete window.io;
      window.io = function (...args) {
        const socket = realIo(...args);
        const on = socket.on.bind(socket);
        socket.on = (name, handler) => on(name, name === "session_confirm"
          ? (...data) => setTimeout(() => handler(...data), 1500) : handler);
        return socket;
      };
    },
  });
})();"""


def test_a_message_typed_before_the_session_is_confirmed_is_answered_after_the_greeting(
    site: AssistantStack, browser: Browser  # noqa: F811
) -> None:
    context = browser.new_context()
    context.add_init_script(SLOW_SESSION_CONFIRM)
    page = context.new_page()
    page.goto(site.website_url)
    open_chat(page)
    patient_types(page, "my hip is stiff and grinds when i walk, i think its arthritis")
    bot_says(page, "Hip arthritis")
    replies = page.locator(".chat-msg-bot").all_inner_texts()
    assert "What's bothering you?" in replies[0]  # the greeting and its disclaimer first
    context.close()


WATCH_TYPING_BEFORE_REPLY = """() => {
  const typing = document.getElementById("chat-typing");
  const log = typing.closest("[role=log]") || document.body;
  window.__typingBeforeReply = null;
  let shown = false;
  new MutationObserver(() => { if (!typing.hidden) shown = true; })
    .observe(typing, { attributes: true, attributeFilter: ["hidden"] });
  new MutationObserver((records, observer) => {
    const added = records.some((r) => [...r.addedNodes].some(
      (n) => n.classList && n.classList.contains("chat-msg-bot")));
    if (added) { window.__typingBeforeReply = shown; observer.disconnect(); }
  }).observe(log, { childList: true, subtree: true });
}"""


def test_replies_are_announced_typing_is_shown_and_links_are_links(
    site: AssistantStack, browser: Browser  # noqa: F811
) -> None:
    page = browser.new_page()
    page.goto(site.website_url)
    open_chat(page)
    log = page.get_by_role("log", name="Conversation with the assistant")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log.locator(".chat-msg-bot").filter(has_text="What's bothering you?")).to_be_visible(
        timeout=WAIT_MS
    )
    # A fast reply can hide the indicator before a poll sees it, so the page itself
    # records whether it was shown before the next assistant message was added.
    page.evaluate(WATCH_TYPING_BEFORE_REPLY)
    patient_types(page, "can i speak to someone")
    bot_says(page, "You can reach our team")
    assert page.evaluate("window.__typingBeforeReply") is True
    expect(page.locator("#chat-typing")).to_be_hidden()
    phone = log.get_by_role("link", name="+44 20 7946 0123")
    expect(phone).to_have_attribute("href", "tel:+442079460123")
    expect(log.get_by_role("link", name="hello@willow-acupuncture.example")).to_have_attribute(
        "href", "mailto:hello@willow-acupuncture.example"
    )
    patient_types(page, "where are you located")
    address = log.get_by_role("link", name="12 Mill Lane, Riverside, RV1 2AB")
    expect(address).to_have_attribute(
        "href", "https://www.openstreetmap.org/search?query=12+Mill+Lane%2C+Riverside%2C+RV1+2AB"
    )
    page.close()


def no_horizontal_scroll(page: Page) -> bool:
    """Whether the page fits its viewport's width (WCAG 1.4.10 reflow)."""
    return bool(
        page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    )


def test_axe_finds_no_serious_violation_in_any_state_of_the_page(
    site: AssistantStack, browser: Browser  # noqa: F811
) -> None:
    """Closed, open, a condition explanation with buttons, the booking form: at 390x844.

    Screenshots for the README go to var/artifacts/ (docs/ holds copies).
    """
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(site.website_url)
    assert_accessible(page, "page, chat closed")
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(artifact("website-phone-closed.png")))
    open_chat(page)
    bot_says(page, "What's bothering you?")
    assert_accessible(page, "chat open with the greeting")
    patient_types(page, "my lower back hurts when I sit")
    bot_says(page, "Lower back pain")
    expect(reply_button(page, "Book")).to_be_visible()
    page.wait_for_timeout(300)  # the typing indicator's last frame
    assert_accessible(page, "after a condition explanation with buttons")
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(artifact("website-phone.png")))
    reply_button(page, "Book").focus()  # the focus ring, for the picture and for axe
    assert_accessible(page, "a quick reply focused")
    click_reply(page, "Book")
    bot_says(page, "What name")
    assert_accessible(page, "the booking form")
    for answer, prompt in [
        ("Lena Moss", "phone number or email"),
        ("lena@example.com", "been to the clinic before"),
        ("first time", "Which day"),
        ("next tuesday", "What time on Tuesday 1 December"),
    ]:
        patient_types(page, answer)
        bot_says(page, prompt)
    assert_accessible(page, "the booking form's time choices")
    page.set_viewport_size({"width": 320, "height": 640})  # WCAG's reflow width (1280 px at 400%)
    assert no_horizontal_scroll(page)
    assert_accessible(page, "the booking form at 320 px")
    context.close()


def test_axe_and_screenshots_on_a_desktop(
    site: AssistantStack, browser: Browser  # noqa: F811
) -> None:
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(site.website_url)
    assert_accessible(page, "desktop, chat closed")
    open_chat(page)
    patient_types(page, "my hip is stiff and grinds when i walk, i think its arthritis")
    bot_says(page, "Hip arthritis")
    click_reply(page, "How can acupuncture help?")
    bot_says(page, "Common signs of hip arthritis")
    page.mouse.move(0, 0)  # no hover on the new buttons in the picture
    page.wait_for_timeout(300)
    assert_accessible(page, "desktop, chat open")
    page.screenshot(path=str(artifact("website-desktop.png")))
    page.set_viewport_size({"width": 640, "height": 400})  # 1280x800 at 200% zoom
    assert no_horizontal_scroll(page)
    expect(page.get_by_label("Your message")).to_be_in_viewport()
    assert_accessible(page, "desktop at 200% zoom")
    context.close()


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


def test_widget_libraries_are_served_locally(site: AssistantStack) -> None:
    for name, marker in [("socket.io.min.js", b"Socket.IO"), ("markdown-it.min.js", b"markdown")]:
        with urllib.request.urlopen(f"{site.website_url}/widget/{name}", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("application/javascript")
            assert marker.lower() in response.read().lower()
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{site.website_url}/widget/../settings.py", timeout=10)
    with urllib.request.urlopen(site.website_url, timeout=10) as response:
        policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy  # nothing inline


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
