"""A clinic's day end to end: a patient books in the widget, staff find it.

Everything `make run` starts runs here (action server, Rasa server, website,
staff console) against one set of temporary databases. A visitor books on
the demo page; a member of staff, whose account is created with the
documented command, logs in to the console, finds the conversation and the
appointment, and exports the day's appointments.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from typing import Iterator

import pytest
from playwright.sync_api import Browser, expect

from clinic_core.settings import ROOT
from ops.servers import AssistantStack
from tests.browser import (  # noqa: F401 (browser is a fixture)
    artifact,
    bot_says,
    browser,
    click_reply,
    open_chat,
    patient_types,
)
from tests.servers import stack_in

pytestmark = pytest.mark.servers
STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssistantStack]:
    stack = stack_in(tmp_path_factory.mktemp("clinic-day"), website=True, console=True)
    subprocess.run(
        [sys.executable, "-m", "staff_console.accounts", "create-user", "carol"],
        input=f"{STAFF_PASSWORD}\n",
        text=True,
        check=True,
        capture_output=True,
        cwd=ROOT,
        env=stack.env(),
    )
    with stack:
        yield stack


def test_staff_find_the_conversation_and_appointment_a_patient_made(
    clinic: AssistantStack, browser: Browser  # noqa: F811
) -> None:
    patient = browser.new_page()
    patient.goto(clinic.website_url)
    open_chat(patient)
    bot_says(patient, "What's bothering you?")
    patient_types(patient, "sharp pain down the back of my leg from my buttock")
    bot_says(patient, "Sciatica")
    click_reply(patient, "Book")
    for prompt, answer in [
        ("What name", "Priya Shah"),
        ("phone number or email", "07911 123456"),
        ("been to the clinic before", "I've been before"),
        ("Which day", "tuesday 1 december"),
    ]:
        bot_says(patient, prompt)
        patient_types(patient, answer)
    bot_says(patient, "What time on Tuesday 1 December")
    first_free = patient.locator(".chat-reply").first.inner_text()
    click_reply(patient, first_free)
    click_reply(patient, "Nothing to add")
    click_reply(patient, "Yes, book it")
    bot_says(patient, f"You're booked: Tuesday 1 December at {first_free}")
    reference = patient.locator(".chat-msg-bot").last.inner_text().split("reference is ")[1][:6]
    patient.close()

    staff = browser.new_page(viewport={"width": 1360, "height": 900})
    staff.goto(f"{clinic.console_url}/conversations")
    staff.get_by_label("Username").fill("carol")
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    expect(staff).to_have_url(f"{clinic.console_url}/conversations")
    staff.get_by_role("link", name="sharp pain down the back of my leg").click()
    expect(staff.locator(".turn.patient .intent").first).to_be_visible()
    expect(staff.get_by_text("Priya Shah").first).to_be_visible()

    staff.goto(f"{clinic.console_url}/appointments?from=2026-12-01")
    row = staff.locator("tr", has=staff.locator(f"#status-{reference}"))
    expect(row).to_contain_text("Priya Shah")
    staff.screenshot(path=str(artifact("staff-finds-the-booking.png")), full_page=True)

    export = staff.request.get(f"{clinic.console_url}/appointments/export.csv?from=2026-12-01")
    assert export.ok
    rows = list(csv.DictReader(io.StringIO(export.text().lstrip("\ufeff"))))
    assert [r for r in rows if reference in r.values() and "Priya Shah" in r.values()]
    staff.close()
