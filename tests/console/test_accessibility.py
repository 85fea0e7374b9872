"""axe-core over every staff console page: no serious or critical violation.

The same check as the demo page's (tests/browser.py), in headless Chromium,
logged in as a member of staff with the console's real data.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser import london_page, serious_violations
from tests.helpers.console import PASSWORDS, Console

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def page(console: Console) -> Iterator[Page]:
    # axe is injected as a script the console's policy forbids
    with london_page(1280, 800, bypass_csp=True) as page:
        yield page


def test_every_console_page_passes_axe(console: Console, page: Page) -> None:
    page.goto(f"{console.url}/login")
    login = serious_violations(page, "login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORDS["alice"])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{console.url}/")
    reference = console.data.references["dan"]
    pages = {
        "home": "/",
        "conversations": "/conversations",
        "conversations, filtered": "/conversations?emergency=1",
        "transcript": "/conversations/patient-emergency",
        "appointments": "/appointments",
        "audit log": "/audit",
        "not found": "/conversations/no-such-conversation",
    }
    reports = [login]
    for state, path in pages.items():
        page.goto(f"{console.url}{path}")
        reports.append(serious_violations(page, state))
    page.goto(f"{console.url}/appointments")
    page.get_by_label(f"Status of {reference}").focus()  # a focused control too
    reports.append(serious_violations(page, "appointments, a status menu focused"))
    assert not any(reports), "\n".join(r for r in reports if r)
