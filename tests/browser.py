"""Headless Chromium for the browser tests: Debian's build, driven by Playwright.

Playwright never downloads a browser here; it drives ``/usr/bin/chromium``
(installed by ``make test`` through ops/install_debian_package.sh).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

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


def artifact(name: str) -> Path:
    """Where a test saves a screenshot for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


# -- the chat widget (rasa-webchat's rw-* elements) ---------------------------


def bot_says(page: Page, text: str) -> None:
    """Wait until the assistant's messages include ``text``."""
    expect(page.locator(".rw-response").filter(has_text=text).last).to_be_visible(timeout=WAIT_MS)


def patient_types(page: Page, text: str) -> None:
    """Type a message in the widget and send it with Enter."""
    box = page.locator(".rw-new-message")
    box.fill(text)
    box.press("Enter")


def click_reply(page: Page, title: str) -> None:
    """Click the quick-reply button with this title."""
    page.locator(".rw-reply").filter(has_text=title).last.click()
