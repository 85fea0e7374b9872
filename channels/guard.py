"""Limits at the edge of every public channel: message length and per-sender rate.

Every channel in credentials.yml passes each incoming message through the
same :class:`EdgeGuard` before Rasa sees it:

* the text is cleaned: control characters (other than tab and newline) are
  dropped and lone UTF-16 surrogates become U+FFFD, so that no database or
  provider API chokes on what a client sent;
* each client address may send ``RATE_LIMIT_ADDRESS_MESSAGES`` messages per
  ``RATE_LIMIT_WINDOW_SECONDS`` on the channels a browser or script reaches
  directly (REST and the website's socket.io), whatever sender or session
  ids it uses. The address is the connection's peer; ``X-Forwarded-For`` is
  read only when the peer is one of ``TRUSTED_PROXIES`` (addresses or
  networks, space or comma separated), from the right, skipping trusted
  proxies, so a client cannot choose it. Messaging webhooks come from the
  provider's addresses and are limited per (signed) sender instead;
* each sender may send ``RATE_LIMIT_MESSAGES`` messages per
  ``RATE_LIMIT_WINDOW_SECONDS`` on a channel (a fixed window; 0 turns the
  limit off). Beyond that the message is dropped and the sender is told to
  slow down, once per window on messaging channels (each reply costs an SMS
  or an API call) and on every request over REST;
* a message longer than ``MAX_MESSAGE_CHARS`` is not passed on; the sender is
  told the limit instead.

The replies are the domain's ``utter_message_too_long`` and
``utter_too_many_messages``, read from domain.yml once, when the server
starts, so that a clinic edits them where it edits all other wording.

The rate-limit counters live in the server process by default
(``RATE_LIMIT_BACKEND=memory``). Several Rasa processes (Sanic workers or
machines) share them in Redis with ``RATE_LIMIT_BACKEND=redis`` and the lock
store's ``REDIS_HOST``, ``REDIS_PORT``, ``REDIS_DB`` (and ``REDIS_PASSWORD``).
If Redis does not answer within a quarter of a second, messages are let
through (fail open) with a warning in the log, and Redis is asked again only
after a few seconds, so that an outage never holds up patients.

Request bodies larger than ``MAX_REQUEST_BYTES`` (64 kB) are refused by
Sanic with 413 before any channel reads them; socket.io packets larger than
that (a polling POST or a WebSocket message) close the socket
(channels/website_socketio.py).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
)

import yaml
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, Sanic

from clinic_core.settings import ChannelSettings, EdgeSettings

logger = logging.getLogger(__name__)

DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"
TOO_LONG = "utter_message_too_long"
TOO_MANY = "utter_too_many_messages"
REDIS_KEY_PREFIX = "clinic:ratelimit:"
# Beyond this Redis counts as down: messages pass (fail open) rather than wait.
REDIS_TIMEOUT_SECONDS = 0.25
# Lua runs atomically in Redis: the counter and its expiry are set together.
FIXED_WINDOW_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
# Tab, newline and carriage return stay; other C0 and C1 controls go.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
TEMPLATE_VARIABLE = re.compile(r"{([a-z_]+)}")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def client_address(
    peer: Optional[str], forwarded_for: Optional[str], trusted: Sequence[Network]
) -> str:
    """The client's address: the peer, or what trusted proxies say they received from.

    ``X-Forwarded-For`` is read from the right (the entry our own proxy added)
    and only while the address it came from is a trusted proxy; the first
    untrusted address is the client. Entries a client wrote itself sit to the
    left of that and are never read.
    """

    def is_trusted(address: str) -> bool:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in trusted)

    address = (peer or "").strip() or "unknown"
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    while is_trusted(address) and hops:
        address = hops.pop()
    return address


@dataclass(frozen=True)
class Replies:
    """The two replies, as written in domain.yml."""

    too_long: str
    too_many: str

    @classmethod
    def from_domain(cls, path: Path = DOMAIN) -> Replies:
        """Read the responses; a missing one stops the start with its name."""
        responses = (yaml.safe_load(path.read_text()) or {}).get("responses") or {}

        def text(name: str) -> str:
            variants = responses.get(name) or [{}]
            value = variants[0].get("text") if isinstance(variants[0], dict) else None
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{path.name}: responses.{name} with a text is needed")
            return value

        return cls(text(TOO_LONG), text(TOO_MANY))

    @staticmethod
    def fill(template: str, **values: Any) -> str:
        """The template with ``{name}`` replaced by the values given."""
        return TEMPLATE_VARIABLE.sub(
            lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template
        )


def clean_text(text: str) -> str:
    """The text without control characters, with lone surrogates replaced."""
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return CONTROL_CHARACTERS.sub("", text)


@dataclass(frozen=True)
class Decision:
    """One message counted against its sender's window."""

    allowed: bool
    count: int  # messages in the window so far, this one included (0: not counted)
    retry_after: int  # seconds until the window ends


class RateLimiter(Protocol):
    """Counts messages per key in fixed windows."""

    limit: int

    async def hit(self, key: str) -> Decision:
        """Count one message for ``key``."""
        ...


class MemoryRateLimiter:
    """Fixed windows in this process (one Rasa process)."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``limit`` messages per ``window_seconds``; at most ``max_keys`` senders kept."""
        self.limit, self.window, self.max_keys, self.clock = limit, window_seconds, max_keys, clock
        self.windows: Dict[str, Tuple[float, int]] = {}

    async def hit(self, key: str) -> Decision:
        """Count one message for ``key``."""
        now = self.clock()
        start, count = self.windows.get(key, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        count += 1
        self.windows[key] = (start, count)
        if len(self.windows) > self.max_keys:
            self.forget_old(now)
        retry_after = max(1, math.ceil(start + self.window - now))
        return Decision(count <= self.limit, count, retry_after)

    def forget_old(self, now: float) -> None:
        """Drop ended windows; if that is not enough, the oldest half."""
        self.windows = {k: v for k, v in self.windows.items() if now - v[0] < self.window}
        if len(self.windows) > self.max_keys:
            newest = sorted(self.windows.items(), key=lambda item: item[1][0])
            self.windows = dict(newest[len(newest) // 2 :])


class RedisRateLimiter:
    """Fixed windows in Redis, shared by every Rasa process: INCR and PEXPIRE in one script."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        host: str,
        port: int = 6379,
        db: int = 0,
        password: Optional[str] = None,
        timeout_seconds: float = 0.25,
        pause_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Where Redis is; how long to wait for it and to leave it alone after a failure."""
        self.limit, self.window = limit, window_seconds
        self.host, self.port, self.db, self.password = host, port, db, password
        self.timeout, self.pause, self.clock = timeout_seconds, pause_seconds, clock
        self.client: Any = None  # made in the server's event loop, on first use
        self.script: Any = None
        self.paused_until = 0.0

    def connect(self) -> None:
        """A client with short timeouts and no retries: an outage must not hold messages."""
        import redis.asyncio

        self.client = redis.asyncio.Redis(
            host=self.host,
            port=self.port,
            db=self.db,
            password=self.password,
            socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout,
            retry_on_timeout=False,
            health_check_interval=0,
        )
        self.script = self.client.register_script(FIXED_WINDOW_SCRIPT)

    @staticmethod
    def redis_key(key: str) -> str:
        """The Redis key: hashed, so no phone number or chat id is stored in Redis."""
        return REDIS_KEY_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:32]

    async def hit(self, key: str) -> Decision:
        """Count one message for ``key``; let it through if Redis does not answer."""
        if self.clock() < self.paused_until:
            return Decision(True, 0, 0)
        from redis.exceptions import RedisError

        try:
            if self.client is None:
                self.connect()
            window_ms = int(self.window * 1000)
            count, ttl_ms = await asyncio.wait_for(
                self.script(keys=[self.redis_key(key)], args=[window_ms]),
                timeout=self.timeout * 2,
            )
        except (RedisError, OSError, asyncio.TimeoutError) as error:
            self.paused_until = self.clock() + self.pause
            logger.warning(
                "Rate limit: Redis at %s:%s did not answer (%s); messages are let through "
                "unlimited for the next %.0f s",
                self.host,
                self.port,
                type(error).__name__,
                self.pause,
            )
            return Decision(True, 0, 0)
        return Decision(int(count) <= self.limit, int(count), max(1, math.ceil(ttl_ms / 1000)))

    async def close(self) -> None:
        """Close the connections (tests; the server simply exits)."""
        if self.client is not None:
            await self.client.close()
            await self.client.connection_pool.disconnect()
            self.client = None


@dataclass(frozen=True)
class Refusal:
    """Why a message was not passed on, and what the sender is told."""

    reason: str  # "too_long" or "rate_limited"
    text: str
    retry_after: int = 0
    notify: bool = True  # False: the sender was already told in this window


class EdgeGuard:
    """Checks each incoming message against the limits."""

    def __init__(
        self,
        settings: EdgeSettings,
        replies: Replies,
        limiter: Optional[RateLimiter],
        address_limiter: Optional[RateLimiter] = None,
    ) -> None:
        """The limits, the replies and the rate limiters per sender and per address."""
        self.settings, self.replies, self.limiter = settings, replies, limiter
        self.address_limiter = address_limiter
        self.trusted: List[Network] = [ipaddress.ip_network(n) for n in settings.trusted_proxies]

    def client_address(self, peer: Optional[str], forwarded_for: Optional[str]) -> str:
        """The client's address (see :func:`client_address`), with our trusted proxies."""
        return client_address(peer, forwarded_for, self.trusted)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, domain: Path = DOMAIN) -> EdgeGuard:
        """The guard ``env`` describes (default: the process environment) and the domain's replies.

        Raises:
            SettingsError: a limit is not valid; the message names its variable.

        """
        settings = EdgeSettings.load(env)

        def limiter_for(limit: int) -> Optional[RateLimiter]:
            if not limit:
                return None
            if settings.rate_limit_backend == "redis":
                assert settings.redis_host is not None
                return RedisRateLimiter(
                    limit,
                    settings.rate_limit_window_seconds,
                    settings.redis_host,
                    settings.redis_port,
                    settings.redis_db,
                    settings.redis_password,
                    REDIS_TIMEOUT_SECONDS,
                )
            return MemoryRateLimiter(limit, settings.rate_limit_window_seconds)

        limiter = limiter_for(settings.rate_limit_messages)
        address_limiter = limiter_for(settings.rate_limit_address_messages)
        window = f"per {settings.rate_limit_window_seconds} s"
        logger.info(
            "Edge limits: %d characters a message, %s per sender and %s per client address "
            "%s (%s; trusted proxies: %s), request bodies up to %d bytes",
            settings.max_message_chars,
            settings.rate_limit_messages or "no limit",
            settings.rate_limit_address_messages or "no limit",
            window,
            settings.rate_limit_backend,
            " ".join(settings.trusted_proxies) or "none",
            settings.max_request_bytes,
        )
        return cls(settings, Replies.from_domain(domain), limiter, address_limiter)

    async def check(
        self, channel: str, sender_id: str, text: str, address: Optional[str] = None
    ) -> Optional[Refusal]:
        """None if the message may go on, else why not and the reply.

        ``address`` is the client's address on channels a client reaches
        directly (None on provider webhooks): it is counted first, so that a
        client changing sender ids is still held to the per-address limit.
        """
        counted = [(self.limiter, f"{channel}:{sender_id}", "sender")]
        if address is not None:
            counted.insert(0, (self.address_limiter, f"address:{address}", "client address"))
        for limiter, key, what in counted:
            if limiter is None:
                continue
            decision = await limiter.hit(key)
            if not decision.allowed:
                first = decision.count == limiter.limit + 1
                if first:
                    logger.warning("Rate limit: %s %s over the limit; dropping", channel, what)
                reply = Replies.fill(self.replies.too_many, retry_after=decision.retry_after)
                return Refusal("rate_limited", reply, decision.retry_after, notify=first)
        if len(text) > self.settings.max_message_chars:
            logger.info("A %d-character %s message was not passed on", len(text), channel)
            reply = Replies.fill(self.replies.too_long, max_chars=self.settings.max_message_chars)
            return Refusal("too_long", reply)
        return None

    def wrap(
        self,
        on_new_message: OnNewMessage,
        channel: str,
        address_of: Optional[Callable[[UserMessage], Optional[str]]] = None,
    ) -> OnNewMessage:
        """``on_new_message`` behind the limits; refusals are answered on the channel.

        ``address_of`` gives a message's client address on channels a client
        reaches directly (the website's socket.io).
        """

        async def guarded(message: UserMessage) -> Any:
            if isinstance(message.text, str):
                message.text = clean_text(message.text)
            address = address_of(message) if address_of else None
            refusal = await self.check(channel, message.sender_id, message.text or "", address)
            if refusal is None:
                return await on_new_message(message)
            if refusal.notify:
                # send_response: each output channel turns the id into its own address
                await message.output_channel.send_response(
                    message.sender_id, {"text": refusal.text}
                )
            return None

        return guarded

    def limit_request_size(self, blueprint: Blueprint) -> None:
        """Make the server refuse request bodies over ``max_request_bytes`` (413).

        Set on the Rasa server's app only, not through ``SANIC_REQUEST_MAX_SIZE``:
        every Sanic process we start (the action server too, whose requests
        carry whole conversations) would read that variable.
        """

        @blueprint.listener("before_server_start")
        async def cap(app: Sanic, _: Any) -> None:
            limit = min(int(app.config.REQUEST_MAX_SIZE), self.settings.max_request_bytes)
            if limit != app.config.REQUEST_MAX_SIZE:
                app.config.REQUEST_MAX_SIZE = limit

    def client_key(self, address: str) -> str:
        """A pseudonym of a client address, for records that outlive the request.

        Keyed with ``WEB_SESSION_SECRET`` when set, so that the stored value
        cannot be reversed by hashing every IPv4 address.
        """
        secret = ChannelSettings.load().web_session_secret.encode()
        return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:24]


@functools.cache
def edge_guard() -> EdgeGuard:
    """The process's guard, shared by its channels (made once, at start)."""
    return EdgeGuard.from_env()
