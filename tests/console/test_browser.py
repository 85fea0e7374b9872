"""A member of staff in headless Chromium: log in, filter, read, change a status.

Screenshots are saved under var/artifacts/console/ (git-ignored).
"""

from __future__ import annotations

import re
from typing import Iterator

import pytest

from clinic_core.store import AppointmentStore
from tests.browser import ARTIFACTS as ARTIFACTS_ROOT
from tests.browser import london_page
from tests.helpers.console import PASSWORDS, Console

pytestmark = pytest.mark.servers

ARTIFACTS = ARTIFACTS_ROOT / "console"


@pytest.fixture(scope="module")
def page(console: Console) -> Iterator[object]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with london_page(1360, 900) as page:
        yield page


def test_log_in_filter_read_and_change_a_status(console: Console, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    errors: list = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )

    page.goto(f"{console.url}/conversations")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.screenshot(path=str(ARTIFACTS / "login.png"))
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORDS["alice"])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{console.url}/conversations")

    page.get_by_role("checkbox", name="Emergency").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"emergency=1"))
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("checkbox", name="Emergency")).to_be_checked()
    page.screenshot(path=str(ARTIFACTS / "conversations-filtered.png"), full_page=True)

    page.get_by_role("link", name="I've lost control of my bladder").click()
    expect(page).to_have_url(f"{console.url}/conversations/patient-emergency")
    expect(page.locator(".turn.patient .intent")).to_have_text("emergency")
    expect(page.locator(".turn.patient .confidence")).to_have_text("97%")
    expect(page.locator(".event.flag-emergency")).to_contain_text("Flagged as an emergency")
    page.screenshot(path=str(ARTIFACTS / "transcript.png"), full_page=True)

    page.get_by_role("link", name="Appointments", exact=True).click()
    reference = console.data.references["dan"]
    row = page.locator("tr", has=page.locator(f"#status-{reference}"))
    expect(row).to_contain_text("Dan Moss")
    row.get_by_label(f"Status of {reference}").select_option("attended")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Appointment status saved.")
    row = page.locator("tr", has=page.locator(f"#status-{reference}"))
    expect(row.locator(".badge")).to_have_text("Attended")
    page.screenshot(path=str(ARTIFACTS / "appointments.png"), full_page=True)
    stored = AppointmentStore(console.data.appointments_url).get(reference)
    assert stored is not None and stored.status == "attended"

    page.get_by_role("link", name="Home").click()
    expect(page.locator(".attention")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
    assert errors == []  # no CSP violations or failed loads reported by the page
