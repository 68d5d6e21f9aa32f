"""Login throttling: failed logins per client IP and per account, on the shared cache.

Threats: online password guessing against one account from many addresses
(the per-account limit) and against many accounts from one address (the per-IP
limit). Only *failed* logins count, so a victim's successful login neither resets
an attacker's count nor is blocked by its own earlier success; a client that is over
a limit is refused with 429 ``throttled`` and ``Retry-After`` *before* the password
hasher runs. The per-account limit lets anyone slow down logins to an account they
can name (the usual trade-off); turn it off with ``LOGIN_THROTTLE_RATES={"account":
None}`` if that matters more than guessing.

Counts are two fixed-window counters per key (this window and the last) combined into
a sliding-window estimate. Each failure is one atomic ``cache.incr``, so concurrent
guesses are all counted (a read-modify-write list, as DRF's default history keeps,
loses them under concurrency). The cache must be shared by every worker (Redis or
Memcached): a process-local cache multiplies the limits by the number of processes.
If the cache is down, throttling fails open and logs a warning: logins keep working.

The client IP is ``REMOTE_ADDR`` unless ``NUM_PROXIES`` > 0; then it is the
``X-Forwarded-For`` entry appended by the outermost of those trusted proxies. IPv6
clients are counted per /64, the block one subscriber usually controls.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import unicodedata
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from ..settings import get_settings

__all__ = [
    "LoginAccountThrottle",
    "LoginIPThrottle",
    "check_login_throttles",
    "client_ip",
    "record_login_failure",
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


def _ip_ident(address: str) -> str:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _account_ident(username: str) -> str:
    # Compatibility-normalised and case-folded, so "Alice" and its fullwidth twin share one
    # count; hashed, so cache keys stay short and hold no usernames.
    normalised = unicodedata.normalize("NFKC", username).casefold().strip()
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class _FailureThrottle(SimpleRateThrottle):
    """A DRF throttle that counts failures (via :meth:`record_failure`), not requests."""

    scope = "login"

    def __init__(self, username: str | None = None) -> None:
        # SimpleRateThrottle.__init__ reads DRF's THROTTLE_RATES; ours come from JWTAUTH.
        conf = get_settings()
        rate = conf.login_throttle_rates.get(self.scope)
        self.username = username
        self.num_requests = rate.num_requests if rate else 0
        self.duration = rate.duration_seconds if rate else 0
        self.cache = caches[conf.login_throttle_cache]
        self.timer = lambda: conf.clock.now().timestamp()
        self.history = []
        self._wait = 0.0

    def _ident(self, request: HttpRequest) -> str | None:
        raise NotImplementedError

    def get_cache_key(self, request: Request | HttpRequest, view: APIView | None = None) -> str | None:
        if not self.num_requests:
            return None
        ident = self._ident(request._request if isinstance(request, Request) else request)
        return None if ident is None else f"jwtauth:throttle:{self.scope}:{ident}"

    def _windows(self, key: str) -> tuple[str, str, float]:
        self.now = self.timer()
        index, into = divmod(self.now, self.duration)
        return f"{key}:{int(index)}", f"{key}:{int(index) - 1}", into / self.duration

    def allow_request(self, request: Any, view: Any = None) -> bool:
        """``False`` when the failures in the sliding window reached the limit."""
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        current_key, previous_key, fraction = self._windows(key)
        counts = self.cache.get_many([current_key, previous_key])
        current, previous = int(counts.get(current_key, 0)), int(counts.get(previous_key, 0))
        limit = self.num_requests
        if current + previous * (1 - fraction) < limit:
            return True
        # Seconds until the estimate drops below the limit: first while the previous
        # window's weight fades, else into the next window, as this one fades.
        if current < limit:
            wait_fraction = (1 - (limit - current) / previous) - fraction
        else:
            wait_fraction = (1 - fraction) + (1 - limit / current)
        # The estimate must drop strictly below the limit: the next whole second after.
        self._wait = float(math.floor(wait_fraction * self.duration) + 1)
        return False

    def wait(self) -> float | None:
        return self._wait

    def record_failure(self, request: Any) -> None:
        """Count one failed login for this throttle's key (one atomic increment)."""
        key = self.get_cache_key(request)
        if key is None:
            return
        current_key, _previous, _fraction = self._windows(key)
        # The counter must outlive the next window, where it is the "previous" one.
        self.cache.add(current_key, 0, timeout=2 * self.duration)
        try:
            self.cache.incr(current_key)
        except ValueError:  # expired between add() and incr()
            self.cache.set(current_key, 1, timeout=2 * self.duration)


class LoginIPThrottle(_FailureThrottle):
    """Failed logins per client IP (``LOGIN_THROTTLE_RATES["ip"]``)."""

    scope = "ip"

    def _ident(self, request: HttpRequest) -> str | None:
        address = client_ip(request)
        return None if address is None else _ip_ident(address)


class LoginAccountThrottle(_FailureThrottle):
    """Failed logins per account, from any client (``LOGIN_THROTTLE_RATES["account"]``)."""

    scope = "account"

    def _ident(self, request: HttpRequest) -> str | None:
        return None if not self.username else _account_ident(self.username)


def _throttles(username: str | None) -> tuple[_FailureThrottle, ...]:
    return (LoginIPThrottle(username), LoginAccountThrottle(username))


def check_login_throttles(request: HttpRequest | Request, username: str | None) -> None:
    """Refuse a login attempt when its IP or account is over the failure limit.

    Raises:
        rest_framework.exceptions.Throttled: 429, code ``throttled``, with
            ``Retry-After`` (seconds) set from the longest wait.
    """
    waits = []
    for throttle in _throttles(username):
        try:
            allowed = throttle.allow_request(request)
        except Exception:  # the cache is down: fail open, loudly
            logger.warning("jwtauth: login throttle cache unavailable; not throttling (scope=%s)", throttle.scope)
            continue
        if not allowed:
            logger.info("jwtauth: login throttled (scope=%s)", throttle.scope)
            waits.append(throttle.wait() or 1.0)
    if waits:
        raise Throttled(wait=max(waits))


def record_login_failure(request: HttpRequest | Request, username: str | None) -> None:
    """Count a failed login against the client IP and the account. Never raises."""
    for throttle in _throttles(username):
        try:
            throttle.record_failure(request)
        except Exception:
            logger.warning("jwtauth: login throttle cache unavailable; failure not counted (scope=%s)", throttle.scope)
