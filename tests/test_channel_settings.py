"""Channel set-up without servers: numbered choices and credentials filtering."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from channels.facebook import quick_replies
from channels.numbered_choices import (
    PROMPT,
    chosen_number,
    known_titles,
    latest_buttons,
    numbered_text,
    payload_for,
    typed_title,
)
from ops.channel_credentials import (
    ChannelConfigError,
    configured_channels,
    write_effective,
)

BUTTONS = [
    {"title": "Hip arthritis", "payload": "/hip_arthritis"},
    {"title": "Sciatica", "payload": "/sciatica"},
]
ROOT = Path(__file__).resolve().parent.parent


def test_numbered_text_lists_titles_not_payloads() -> None:
    text = numbered_text("Which one?", BUTTONS)
    assert text == f"Which one?\n\n{PROMPT}\n1. Hip arthritis\n2. Sciatica"


@pytest.mark.parametrize(
    ("reply", "number"),
    [("2", 2), (" 2 ", 2), ("2.", 2), ("#1", 1), ("option 2", 2), ("Option 1)", 1)],
)
def test_numeric_replies_are_read(reply: str, number: int) -> None:
    assert chosen_number(reply) == number


@pytest.mark.parametrize("reply", ["", "2 please at 3pm", "07911 123456", "123", "two", None])
def test_other_replies_are_not_choices(reply: str) -> None:
    assert chosen_number(reply) is None


def test_a_number_picks_the_buttons_offered_since_the_patient_last_wrote() -> None:
    events = [
        BotUttered("Earlier", {"buttons": [{"title": "Old", "payload": "/old"}]}),
        UserUttered("my hip hurts"),
        BotUttered("Which one?", {"buttons": BUTTONS}),
        ActionExecuted("action_listen"),
    ]
    assert latest_buttons(events) == BUTTONS
    assert payload_for("2", latest_buttons(events)) == "/sciatica"
    assert payload_for("3", latest_buttons(events)) is None  # out of range: left as text
    # once the patient has written, old buttons no longer count
    assert latest_buttons([*events, UserUttered("hello")]) == []


NARROWING = [
    {
        "title": "Stiff, grinding or tender joint",
        "payload": '/inform{"condition": "hip_arthritis"}',
    },
    {"title": "I'm not sure", "payload": '/inform{"condition": "hip_pain"}'},
]


@pytest.mark.parametrize(
    "typed", ["I'm not sure", "im not sure", "  I’m NOT sure. ", "i'm not sure!"]
)
def test_a_typed_button_title_is_that_buttons_payload(typed: str) -> None:
    """Found by an outside audit: "I'm not sure" typed at the hip question was read as "no"."""
    assert payload_for(typed, NARROWING, numbered=False) == '/inform{"condition": "hip_pain"}'
    assert typed_title(typed) in known_titles()  # only such replies cost a tracker read


@pytest.mark.parametrize("typed", ["not sure it's my hip", "2", "sure", ""])
def test_other_replies_are_not_typed_titles(typed: str) -> None:
    assert payload_for(typed, NARROWING, numbered=False) is None


def test_known_titles_cover_the_domains_buttons_and_the_narrowing_questions() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    for variants in domain["responses"].values():
        for variant in variants:
            for button in variant.get("buttons", []):
                # PyYAML reads a bare "No" as False; Rasa reads it as the word
                title = "No" if button["title"] is False else str(button["title"])
                assert typed_title(title) in known_titles()
    assert "stiff grinding or tender joint" in known_titles()


def test_messenger_numbers_long_titles() -> None:
    long = [{"title": "Hip arthritis (stiff, aching joint)", "payload": "/a"}]
    assert quick_replies(long, numbered=True) == [
        {"content_type": "text", "title": "1", "payload": "/a"}
    ]
    assert quick_replies(BUTTONS, numbered=False)[1]["title"] == "Sciatica"


DECLARED = yaml.safe_load((ROOT / "credentials.yml").read_text())


WEB = {"CORS_ORIGINS": "http://x", "WEB_SESSION_SECRET": "s" * 32}


def test_unconfigured_messaging_channels_are_left_out() -> None:
    enabled, left_out = configured_channels(DECLARED, WEB)
    assert list(enabled) == [
        "channels.rest.ClinicRestInput",
        "channels.website_socketio.WebsiteSocketIOInput",
    ]
    assert len(left_out) == 3


def test_the_website_channel_needs_its_session_secret() -> None:
    with pytest.raises(ChannelConfigError, match="set WEB_SESSION_SECRET"):
        configured_channels(DECLARED, {"CORS_ORIGINS": "http://x"})


def test_a_configured_channel_keeps_its_settings_and_drops_unset_optional_ones() -> None:
    env = {
        **WEB,
        "TWILIO_ACCOUNT_SID": "AC1",
        "TWILIO_AUTH_TOKEN": "t",
        "TWILIO_NUMBER": "+15005550006",
    }
    enabled, _ = configured_channels(DECLARED, env)
    assert enabled["channels.twilio.ClinicTwilioInput"] == {
        "account_sid": "${TWILIO_ACCOUNT_SID}",  # Rasa expands it: no secret on disk
        "auth_token": "${TWILIO_AUTH_TOKEN}",
        "twilio_number": "${TWILIO_NUMBER}",
    }


def test_a_half_configured_channel_names_what_is_missing() -> None:
    env = {**WEB, "TELEGRAM_ACCESS_TOKEN": "1:a"}
    with pytest.raises(
        ChannelConfigError,
        match="TELEGRAM_BOT_USERNAME, TELEGRAM_SECRET_TOKEN, TELEGRAM_WEBHOOK_URL",
    ):
        configured_channels(DECLARED, env)


def test_telegram_without_its_webhook_secret_is_refused() -> None:
    env = {
        **WEB,
        "TELEGRAM_ACCESS_TOKEN": "1:a",
        "TELEGRAM_BOT_USERNAME": "clinic_bot",
        "TELEGRAM_WEBHOOK_URL": "https://clinic.example/webhooks/telegram/webhook",
    }
    with pytest.raises(ChannelConfigError, match="set TELEGRAM_SECRET_TOKEN"):
        configured_channels(DECLARED, env)


def test_written_credentials_contain_no_secret(tmp_path: Path) -> None:
    env = {
        **WEB,
        "FACEBOOK_VERIFY_TOKEN": "verify-me",
        "FACEBOOK_APP_SECRET": "very-secret-value",
        "FACEBOOK_PAGE_ACCESS_TOKEN": "page-token-value",
    }
    path, left_out = write_effective(env, target=tmp_path / "credentials.yml")
    written = path.read_text()
    assert "${FACEBOOK_APP_SECRET}" in written
    assert "very-secret-value" not in written and "page-token-value" not in written
    assert "${WEB_SESSION_SECRET}" in written and WEB["WEB_SESSION_SECRET"] not in written
    assert "channels.facebook.ClinicFacebookInput" not in left_out
