"""Login throttling: failed logins per client IP (and IPv6 /48) and per account.

Threats: online password guessing against one account from many addresses (the
per-account limit), against many accounts from one address (the per-IP limit), and
from one IPv6 allocation spread over many /64s (the per-/48 limit).

Every attempt **reserves** its place before the password hasher runs: one atomic
increment per counter (Redis ``INCR``, or an ``UPDATE ... count + 1`` in the database,
all of one attempt's counters in one transaction),
refused with 429 ``throttled`` and ``Retry-After`` when the count it got is over the
limit. A successful login gives its reservations back, so in the end only failures
count: a victim's successful login neither resets an attacker's count nor is blocked
by its own earlier success. Because the increment comes first, N concurrent guesses
get N distinct counts and at most the limit of them reach the hasher (checking first
and counting after, as before, let 41 of 64 parallel guesses through a limit of 10).

Counts are two fixed-window counters per key (this window and the last) combined into
a sliding-window estimate. Where they live:

- a shared cache (Redis, Memcached): ``LOGIN_THROTTLE_CACHE``;
- that alias is a process-local ``LocMemCache``: the database
  (:mod:`jwtauth.sessions.attempt_counters`), so several worker processes share one
  count; ``DummyCache`` counts nothing (check ``jwtauth.W103``).

If the store fails, throttling fails open and logs a warning: logins keep working.

The client IP is ``REMOTE_ADDR`` unless ``NUM_PROXIES`` > 0; then it is the
``X-Forwarded-For`` entry appended by the outermost of those trusted proxies. IPv6
clients are counted per /64 (the block one subscriber usually controls) and per /48
(one site's allocation, with its own, higher limit).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from rest_framework.exceptions import Throttled
from rest_framework.request import Request

from ..sessions.attempt_counters import add_to_counters
from ..settings import get_settings

__all__ = [
    "LoginAttempt",
    "account_ident",
    "client_ip",
    "reserve_login_attempt",
]

logger = logging.getLogger("jwtauth")


def _parse_ip(value: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest, num_proxies: int | None = None) -> str | None:
    """The client's IP address.

    Args:
        request: the Django request.
        num_proxies: trusted reverse proxies; defaults to ``JWTAUTH["NUM_PROXIES"]``.

    Returns:
        ``REMOTE_ADDR`` when ``num_proxies`` is 0; otherwise the ``X-Forwarded-For``
        entry ``num_proxies`` places from the right (the address the outermost
        trusted proxy saw), falling back to ``REMOTE_ADDR`` when that entry is absent
        or not an IP address. ``None`` if no valid address is known.
    """
    proxies = get_settings().num_proxies if num_proxies is None else num_proxies
    if proxies > 0:
        # Entries left of the ones our proxies appended are client-controlled.
        hops = [hop for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
        if hops:
            forwarded = _parse_ip(hops[-min(proxies, len(hops))])
            if forwarded is not None:
                return str(forwarded)
    remote = _parse_ip(request.META.get("REMOTE_ADDR"))
    return None if remote is None else str(remote)


def _ip_idents(address: str) -> dict[str, str]:
    """The per-scope idents of one client address: ``ip`` always, ``ipv6_48`` for IPv6."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return {"ip": str(ip.ipv4_mapped)}
        return {
            "ip": str(ipaddress.ip_network(f"{ip}/64", strict=False)),
            "ipv6_48": str(ipaddress.ip_network(f"{ip}/48", strict=False)),
        }
    return {"ip": str(ip)}


def _hashed(text: str) -> str:
    # Hashed, so keys stay short and hold no usernames or addresses.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def account_ident(username: str, user_pk: Any = None) -> str:
    """The per-account counter's ident.

    Args:
        username: the identifier as submitted.
        user_pk: the primary key of the user the auth backend's lookup resolves
            ``username`` to, or ``None`` when there is none.

    Returns:
        For an existing user, an ident of its primary key, so every spelling the
        database takes for that account (``alíce`` for ``alice`` under MySQL's
        accent-insensitive collations, ``ALICE``...) shares one count. Otherwise the
        username compatibility-decomposed, stripped of combining marks and case-folded
        (``Alice``, its full-width twin and ``alíce`` share one), so unknown names behave like
        known ones and the count reveals nothing about which exist.
    """
    if user_pk is not None:
        return _hashed(f"pk:{user_pk}")
    decomposed = unicodedata.normalize("NFKD", username)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()
    return _hashed(f"name:{unicodedata.normalize('NFKC', folded)}")


class _Store(Protocol):
    def add(self, keys: list[str], delta: int, timeout: timedelta, read: list[str]) -> dict[str, int]: ...


@dataclass(frozen=True, slots=True)
class _CacheStore:
    cache: BaseCache

    def add(self, keys: list[str], delta: int, timeout: timedelta, read: list[str]) -> dict[str, int]:
        seconds = int(timeout.total_seconds())
        counts: dict[str, int] = {}
        for key in keys:
            if delta > 0:
                self.cache.add(key, 0, timeout=seconds)
            try:
                counts[key] = int(self.cache.incr(key, delta))
            except ValueError:  # expired between add() and incr()
                counts[key] = max(delta, 0)
                if delta > 0:
                    self.cache.set(key, delta, timeout=seconds)
        unread = [key for key in read if key not in counts]
        found = self.cache.get_many(unread) if unread else {}
        return {key: counts[key] if key in counts else int(found.get(key) or 0) for key in read}


@dataclass(frozen=True, slots=True)
class _RedisStore:
    """A Django ``RedisCache``: one pipelined round trip per change, on its primary.

    For each key ``SET key 0 EX timeout NX`` then ``INCRBY key delta`` (what
    ``cache.add()`` + ``cache.incr()`` do in two round trips each), and one ``MGET`` for
    the other counts read. Django stores integers unpickled, so the values stay
    readable through the cache API.
    """

    cache: RedisCache
    client: Any  # redis.Redis

    def add(self, keys: list[str], delta: int, timeout: timedelta, read: list[str]) -> dict[str, int]:
        seconds = int(timeout.total_seconds())
        pipeline = self.client.pipeline(transaction=False)
        for key in keys:
            name = self.cache.make_key(key)
            pipeline.set(name, 0, ex=seconds, nx=True)
            pipeline.incrby(name, delta)
        unread = [key for key in read if key not in keys]
        if unread:
            pipeline.mget([self.cache.make_key(key) for key in unread])
        results = pipeline.execute()
        counts = {key: int(results[2 * index + 1]) for index, key in enumerate(keys)}
        if unread:
            counts.update({key: int(value or 0) for key, value in zip(unread, results[-1], strict=True)})
        return {key: counts[key] for key in read}


def _redis_store(cache: RedisCache) -> _RedisStore | None:
    # Django's RedisCacheClient (private, unchanged since Django 4.0): None when its
    # internals differ, and the cache API is used instead.
    try:
        client = cache._cache.get_client(None, write=True)
    except AttributeError:
        return None
    return _RedisStore(cache, client) if hasattr(client, "pipeline") else None


@dataclass(frozen=True, slots=True)
class _DatabaseStore:
    def add(self, keys: list[str], delta: int, timeout: timedelta, read: list[str]) -> dict[str, int]:
        return add_to_counters(keys, delta, expires_at=get_settings().clock.now() + timeout, read=read)


#: Cache object attribute: the store built for it (Django keeps one cache object per alias
#: and thread, so each thread reuses its own redis-py client).
_STORE_ATTR = "_jwtauth_throttle_store"


def _store() -> _Store:
    cache = caches[get_settings().login_throttle_cache]
    store: _Store | None = cache.__dict__.get(_STORE_ATTR)
    if store is None:
        # A process-local cache would let each worker count alone: use the database.
        if isinstance(cache, LocMemCache):
            store = _DatabaseStore()
        else:
            store = (_redis_store(cache) if type(cache) is RedisCache else None) or _CacheStore(cache)
        cache.__dict__[_STORE_ATTR] = store
    return store


@dataclass(slots=True)
class LoginAttempt:
    """The reservations one login attempt holds; :meth:`release` gives them back."""

    store: _Store | None = None
    held: list[str] = field(default_factory=list)
    timeout: timedelta = field(default_factory=timedelta)

    def release(self) -> None:
        """Give the reservations back (after a successful login). Never raises.

        With the database store, inside a transaction, the counters change in that
        transaction: ``login/`` gives them back in the one that starts the session.
        """
        held, self.held, store = self.held, [], self.store
        if store is None or not held:
            return
        try:
            store.add(held, -1, self.timeout, [])
        except Exception:
            logger.warning("jwtauth: login throttle store unavailable; reservation not released")


def _scopes(request: HttpRequest, account: str | None) -> dict[str, str]:
    idents: dict[str, str] = {}
    address = client_ip(request)
    if address is not None:
        idents.update(_ip_idents(address))
    if account is not None:
        idents["account"] = account
    return idents


def reserve_login_attempt(request: HttpRequest | Request, account: str | None) -> LoginAttempt:
    """Reserve one attempt on every throttle counter of this request, before hashing.

    Each counter gets one atomic increment; if the count it returns puts the sliding
    window estimate over the limit, every reservation made is given back and the
    attempt is refused. Keep the returned reservation for a failed login; call
    :meth:`LoginAttempt.release` after a successful one.

    Args:
        request: the request (its client IP is counted).
        account: :func:`account_ident` of the submitted identifier, or ``None``.

    Returns:
        The held :class:`LoginAttempt`.

    Raises:
        rest_framework.exceptions.Throttled: 429, code ``throttled``, with
            ``Retry-After`` (seconds) set from the longest wait.
    """
    conf = get_settings()
    django_request = request._request if isinstance(request, Request) else request
    now = conf.clock.now().timestamp()
    # (scope, limit, fraction of the window gone, duration, this window's key, the last one's)
    windows: list[tuple[str, int, float, int, str, str]] = []
    for scope, ident in _scopes(django_request, account).items():
        rate = conf.login_throttle_rates.get(scope)
        if rate is None:
            continue
        limit, duration = rate.num_requests, rate.duration_seconds
        index, into = divmod(now, duration)
        key = f"jwtauth:throttle:{scope}:{_hashed(ident)}"
        windows.append((scope, limit, into / duration, duration, f"{key}:{int(index)}", f"{key}:{int(index) - 1}"))
    attempt = LoginAttempt()
    if not windows:
        return attempt
    # A counter must outlive the next window, where it is the "previous" one.
    timeout = timedelta(seconds=2 * max(window[3] for window in windows))
    current_keys = [window[4] for window in windows]
    try:
        store = _store()
        counts = store.add(current_keys, 1, timeout, [*current_keys, *(window[5] for window in windows)])
    except Exception:  # the store is down: fail open, loudly
        logger.warning(
            "jwtauth: login throttle store unavailable; not throttling (scopes=%s)",
            ",".join(window[0] for window in windows),
        )
        return attempt
    attempt.store, attempt.held, attempt.timeout = store, current_keys, timeout
    waits: list[float] = []
    for scope, limit, fraction, duration, current_key, previous_key in windows:
        before = counts[current_key] - 1  # the attempts ahead of this one
        previous = counts[previous_key]
        if before + previous * (1 - fraction) < limit:
            continue
        logger.info("jwtauth: login throttled (scope=%s)", scope)
        waits.append(_wait_seconds(before, previous, fraction, limit, duration))
    if waits:
        attempt.release()
        raise Throttled(wait=max(waits))
    return attempt


def _wait_seconds(current: int, previous: int, fraction: float, limit: int, duration: int) -> float:
    # Seconds until the estimate drops below the limit: first while the previous
    # window's weight fades, else into the next window, as this one fades.
    if current < limit:
        wait_fraction = (1 - (limit - current) / previous) - fraction
    else:
        wait_fraction = (1 - fraction) + (1 - limit / current)
    # The estimate must drop strictly below the limit: the next whole second after.
    return float(math.floor(wait_fraction * duration) + 1)
