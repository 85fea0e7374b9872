"""Headless Chromium for the browser tests: Debian's build, driven by Playwright.

Playwright never downloads a browser here; it drives ``/usr/bin/chromium``
(installed by ``make test`` through ops/install_debian_package.sh).
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "var" / "artifacts"
WAIT_MS = 30_000  # the first reply can wait for the model to warm up
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str:
    """Debian's Chromium, or a failure that says how to install it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: run `make test` (ops/install_debian_package.sh)")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module.

    Playwright starts it with a fresh temporary profile of its own.
    """
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@contextmanager
def london_page(width: int, height: int, **options: Any) -> Iterator[Page]:
    """A page in its own headless Chromium: en-GB, London time, 10 s timeouts.

    ``options`` go to the browser context (``bypass_csp=True`` for axe).
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="en-GB",
            timezone_id="Europe/London",
            **options,
        )
        context.set_default_timeout(10_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def artifact(name: str) -> Path:
    """Where a test saves a screenshot for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


# -- the chat widget (website/static/chat.js) ------------------------------------


def open_chat(page: Page) -> None:
    """Open the widget with its launcher button."""
    page.get_by_role("button", name="Chat with our assistant").click()


def bot_says(page: Page, text: str) -> None:
    """Wait until the assistant's messages include ``text``."""
    expect(page.locator(".chat-msg-bot").filter(has_text=text).last).to_be_visible(timeout=WAIT_MS)


def patient_types(page: Page, text: str) -> None:
    """Type a message in the widget and send it with Enter."""
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")


def reply_button(page: Page, title: str) -> Locator:
    """The quick-reply button with this title."""
    return page.locator(".chat-reply").filter(has_text=title).last


def click_reply(page: Page, title: str) -> None:
    """Click the quick-reply button with this title."""
    reply_button(page, title).click()


# -- accessibility (axe-core from website/node_modules, pinned in package.json) --

AXE_SCRIPT = ROOT / "website" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = ("serious", "critical")


def axe_violations(page: Page) -> List[Dict[str, Any]]:
    """axe-core's violations on the page as it is now (WCAG 2.1 A/AA and best practice).

    The page's context needs ``bypass_csp=True``: the page's policy allows no
    script but its own, and axe is injected as one.
    """
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is not installed at {AXE_SCRIPT}: run `make test` (npm ci)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "async (tags) => await window.axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return list(result["violations"])


def axe_report(violations: List[Dict[str, Any]]) -> str:
    """One line per violation: impact, rule id and the elements it concerns."""
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        lines.append(f"{violation['impact']} {violation['id']}: {targets}")
    return "\n".join(lines)


def serious_violations(page: Page, state: str) -> str:
    """axe's serious and critical violations in this state, as a report ("" if none)."""
    failing = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
    return f"axe-core, {state}:\n{axe_report(failing)}" if failing else ""


def assert_accessible(page: Page, state: str) -> None:
    """No axe violation of impact serious or critical in this state of the page."""
    report = serious_violations(page, state)
    assert not report, report
