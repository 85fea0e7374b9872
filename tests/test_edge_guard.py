"""The edge limits without the Rasa server: settings, replies, both rate-limit backends."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels.guard import (
    DOMAIN,
    EdgeGuard,
    MemoryRateLimiter,
    RedisRateLimiter,
    Replies,
    clean_text,
    client_address,
)
from clinic_core.settings import EdgeSettings, SettingsError, trusted_networks
from ops.servers import free_port, redis_server, wait_for_port


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_defaults_and_environment_settings() -> None:
    assert EdgeSettings.load({}) == EdgeSettings()
    settings = EdgeSettings.load(
        {
            "MAX_MESSAGE_CHARS": "500",
            "RATE_LIMIT_MESSAGES": "5",
            "RATE_LIMIT_WINDOW_SECONDS": "10",
            "RATE_LIMIT_BACKEND": "redis",
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": "6390",
            "REDIS_DB": "2",
        }
    )
    assert (settings.max_message_chars, settings.rate_limit_messages) == (500, 5)
    assert (settings.rate_limit_backend, settings.redis_port, settings.redis_db) == (
        "redis",
        6390,
        2,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MAX_MESSAGE_CHARS": "lots"}, "MAX_MESSAGE_CHARS: value is not a valid integer"),
        ({"MAX_MESSAGE_CHARS": "0"}, "MAX_MESSAGE_CHARS: ensure this value is greater than or"),
        ({"RATE_LIMIT_BACKEND": "memcached"}, "expected memory or redis"),
        ({"RATE_LIMIT_BACKEND": "redis"}, "needs REDIS_HOST"),
        ({"RATE_LIMIT_ADDRESS_MESSAGES": "-1"}, "RATE_LIMIT_ADDRESS_MESSAGES: ensure this value"),
        ({"TRUSTED_PROXIES": "10.0.0.1 nginx"}, "TRUSTED_PROXIES: 'nginx' is not an address"),
    ],
)
def test_malformed_settings_stop_the_start_with_the_variable_name(env: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        EdgeSettings.load(env)


def test_the_address_limit_and_trusted_proxies_come_from_the_environment() -> None:
    assert EdgeSettings().rate_limit_address_messages == 120  # on in every profile
    assert EdgeSettings().trusted_proxies == ()  # no proxy believed unless configured
    settings = EdgeSettings.load(
        {"RATE_LIMIT_ADDRESS_MESSAGES": "30", "TRUSTED_PROXIES": "127.0.0.1, 10.1.0.0/16"}
    )
    assert settings.rate_limit_address_messages == 30
    assert settings.trusted_proxies == ("127.0.0.1/32", "10.1.0.0/16")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("203.0.113.9", None, "203.0.113.9"),
        # not from a trusted proxy: the header is the client's own words
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # our nginx on loopback added the client's address
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        # a client's own X-Forwarded-For sits left of what nginx appended
        ("127.0.0.1", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # two trusted proxies in a row: the first untrusted hop from the right
        ("127.0.0.1", "1.2.3.4, 198.51.100.1, 10.1.2.3", "198.51.100.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "not-an-address", "not-an-address"),
        (None, None, "unknown"),
    ],
)
def test_client_address_believes_x_forwarded_for_only_from_trusted_proxies(
    peer: str, forwarded_for: str, client: str
) -> None:
    import ipaddress

    trusted = [ipaddress.ip_network(n) for n in trusted_networks("127.0.0.1 10.1.0.0/16")]
    assert client_address(peer, forwarded_for, trusted) == client


async def test_the_address_limit_holds_whatever_sender_ids_a_client_uses() -> None:
    settings = EdgeSettings(rate_limit_messages=20, rate_limit_address_messages=5)
    edge = EdgeGuard(
        settings, Replies.from_domain(), MemoryRateLimiter(20, 60), MemoryRateLimiter(5, 60)
    )
    results = [await edge.check("rest", f"sender-{n}", "hi", "198.51.100.1") for n in range(6)]
    assert results[:5] == [None] * 5
    refused = results[5]
    assert refused is not None and refused.reason == "rate_limited" and refused.notify
    assert await edge.check("rest", "sender-x", "hi", "198.51.100.2") is None  # another client
    assert await edge.check("twilio", "sender-y", "hi") is None  # webhooks: per sender only


def test_replies_come_from_the_domain_with_their_values_filled() -> None:
    replies = Replies.from_domain(DOMAIN)
    assert "{max_chars}" in replies.too_long and "{retry_after}" in replies.too_many
    assert "1000 characters" in Replies.fill(replies.too_long, max_chars=1000)


def test_a_domain_without_the_replies_stops_the_start(tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text("responses:\n  utter_message_too_long:\n    - text: too long\n")
    with pytest.raises(ValueError, match=r"responses\.utter_too_many_messages"):
        Replies.from_domain(domain)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("my back\nhurts\t", "my back\nhurts\t"),
        ("nul\x00 bell\x07 esc\x1b[31m del\x7f c1\x85", "nul bell esc[31m del c1"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("emoji 😭🙏 and 腰", "emoji 😭🙏 and 腰"),
    ],
)
def test_text_is_cleaned_of_control_characters_and_lone_surrogates(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


async def test_memory_limiter_counts_a_fixed_window_per_sender() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(3, 60, clock=clock)
    assert [(await limiter.hit("rest:a")).allowed for _ in range(4)] == [True] * 3 + [False]
    assert (await limiter.hit("rest:b")).allowed  # another sender has their own window
    clock.now += 45
    refused = await limiter.hit("rest:a")
    assert not refused.allowed and refused.retry_after == 15
    clock.now += 15
    assert (await limiter.hit("rest:a")).allowed  # a new window


async def test_memory_limiter_forgets_old_senders() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(3, 60, max_keys=100, clock=clock)
    for number in range(100):
        await limiter.hit(f"rest:{number}")
    clock.now += 61
    await limiter.hit("rest:new")  # the 101st: ended windows are dropped
    assert list(limiter.windows) == ["rest:new"]
    for number in range(150):  # all current: the oldest half goes
        await limiter.hit(f"rest:x{number}")
    assert len(limiter.windows) <= 100


def guard(**changes: Any) -> EdgeGuard:
    settings = EdgeSettings(**{"max_message_chars": 20, "rate_limit_messages": 2, **changes})
    limiter = MemoryRateLimiter(settings.rate_limit_messages, settings.rate_limit_window_seconds)
    return EdgeGuard(settings, Replies.from_domain(), limiter)


async def test_guard_refuses_long_messages_and_fast_senders() -> None:
    edge = guard()
    assert await edge.check("rest", "a", "x" * 20) is None
    too_long = await edge.check("rest", "b", "x" * 21)
    assert too_long is not None and too_long.reason == "too_long"
    assert "under 20 characters" in too_long.text
    await edge.check("rest", "a", "hi")
    first = await edge.check("rest", "a", "hi")
    assert first is not None and first.reason == "rate_limited" and first.notify
    assert f"wait {first.retry_after} seconds" in first.text
    again = await edge.check("rest", "a", "hi")
    assert again is not None and not again.notify  # told once per window
    assert await edge.check("telegram", "a", "hi") is None  # counted per channel


async def test_wrapped_channel_answers_refusals_and_passes_the_rest_on() -> None:
    edge = guard()
    passed: List[str] = []

    async def on_new_message(message: UserMessage) -> None:
        passed.append(message.text or "")

    handle = edge.wrap(on_new_message, "twilio")
    output = CollectingOutputChannel()
    await handle(UserMessage("hello\x00", output, "+447700900001"))
    await handle(UserMessage("x" * 50, output, "+447700900001"))
    for _ in range(3):
        await handle(UserMessage("again", output, "+447700900001"))
    assert passed == ["hello"]
    texts = [m["text"] for m in output.messages]
    assert len(texts) == 2  # the long message, then "slow down" only once
    assert "too long" in texts[0] and "faster than I can answer" in texts[1]


# -- Redis ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = free_port()
    server = redis_server(port, tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        wait_for_port(port, server)
        yield port
    finally:
        server.stop()


COUNTING_TIMEOUT = 10.0  # seconds


async def test_redis_limit_holds_across_processes(redis_port: int) -> None:
    # two limiters with their own connections: two Rasa processes
    # A generous timeout: on a loaded machine the 0.25 s default fails open
    # (count 0), which is the outage behaviour tested below, not counting.
    first, second = (
        RedisRateLimiter(3, 1, "127.0.0.1", redis_port, db=3, timeout_seconds=COUNTING_TIMEOUT)
        for _ in range(2)
    )
    try:
        results = [await (first if n % 2 else second).hit("rest:shared") for n in range(5)]
        assert [r.allowed for r in results] == [True, True, True, False, False]
        assert [r.count for r in results] == [1, 2, 3, 4, 5]
        assert (await first.hit("rest:other")).allowed
        assert results[-1].retry_after == 1
        await asyncio.sleep(1.1)  # the key expired with its window
        assert (await second.hit("rest:shared")).allowed
        keys = await first.client.keys("*")
        assert keys and all(b"rest" not in k for k in keys)  # hashed: no sender ids in Redis
        assert all(0 < ttl <= 1000 for ttl in [await first.client.pttl(k) for k in keys])
    finally:
        await first.close()
        await second.close()


async def test_redis_counting_is_atomic_under_concurrency(redis_port: int) -> None:
    limiters = [
        RedisRateLimiter(20, 60, "127.0.0.1", redis_port, db=4, timeout_seconds=COUNTING_TIMEOUT)
        for _ in range(4)
    ]
    try:
        results = await asyncio.gather(*(limiters[n % 4].hit("socketio:burst") for n in range(50)))
        assert sorted(r.count for r in results) == list(range(1, 51))
        assert sum(r.allowed for r in results) == 20
    finally:
        for limiter in limiters:
            await limiter.close()


async def test_guard_from_env_uses_redis_when_asked(redis_port: int) -> None:
    env = {
        "RATE_LIMIT_BACKEND": "redis",
        "RATE_LIMIT_MESSAGES": "1",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_port),
        "REDIS_DB": "5",
    }
    edge = EdgeGuard.from_env(env)
    assert isinstance(edge.limiter, RedisRateLimiter)
    try:
        assert await edge.check("rest", "r", "hi") is None
        refusal = await edge.check("rest", "r", "hi")
        assert refusal is not None and refusal.reason == "rate_limited"
    finally:
        await edge.limiter.close()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: List[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


@pytest.mark.parametrize("server", ["nothing listening", "never answers"])
async def test_unreachable_redis_fails_open_quickly_with_a_warning(
    server: str, silent_server: int, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port() if server == "nothing listening" else silent_server
    limiter = RedisRateLimiter(1, 60, "127.0.0.1", port, timeout_seconds=0.25)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="channels.guard"):
        decisions = [await limiter.hit("rest:a") for _ in range(5)]
    elapsed = time.monotonic() - started
    await limiter.close()
    assert all(d.allowed for d in decisions)  # fail open
    assert elapsed < 1.0, f"took {elapsed:.2f} s"  # one short wait, then Redis is left alone
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "did not answer" in warnings[0]
