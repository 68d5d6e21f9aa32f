"""A cached, rate-limited client for a remote JWK Set (RFC 7517 §5).

Used by :mod:`jwtauth.contrib.resource_server.authentication`. Keys are loaded through the same
validating loader as configured keys (:func:`jwtauth.core.keys.jwk.load_jwk`); a key whose
``alg`` is not accepted, or that fails validation, is ignored and logged by ``kid``.

Threats and what answers them:

- A slow or trickling JWKS host: one fetch has a total deadline (``timeout_seconds`` for
  the whole exchange, not per socket read), the lock is never held during network I/O,
  requests keep verifying with the cached keys while one refresh runs, and fetch times are
  stamped when the fetch ends, so the rate limit counts from then.
- A redirect to a host the operator never configured (http, another port): redirects are
  refused; the URL must be https unless it is loopback or ``ALLOW_INSECURE_HTTP`` is set
  (system check ``jwtauth.E201``).
- A malformed document (deep nesting, wrong member types): 503 ``jwks_unavailable``,
  never a 500.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import socket
import threading
import time
from collections.abc import Callable, Mapping
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from ssl import create_default_context
from typing import Any
from urllib.parse import urlsplit

from ...core.clock import Clock
from ...core.errors import ConfigInvalid, JWKSUnavailable
from ...core.keys.jwk import load_jwk
from ...core.keys.keyset import Key, KeySet

__all__ = ["MAX_JWKS_BYTES", "RemoteJWKS", "fetch_jwks_document", "parse_jwks"]

logger = logging.getLogger("jwtauth.resource_server")

#: A JWKS bigger than this (bytes) is refused: ours is a few hundred bytes per key.
MAX_JWKS_BYTES = 262144
_CHUNK_BYTES = 16384

#: ``fetcher(url) -> body``: raises JWKSUnavailable on any failure (the test seam).
Fetcher = Callable[[str], bytes]


class _DeadlineMixin:
    """Keeps the connected socket so every read can be given the time left."""

    sock: Any
    deadline_socket: Any = None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.deadline_socket = self.sock


class _HTTPConnection(_DeadlineMixin, HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineMixin, HTTPSConnection):
    pass


def fetch_jwks_document(
    url: str,
    *,
    timeout_seconds: float,
    max_bytes: int = MAX_JWKS_BYTES,
    monotonic: Callable[[], float] = time.monotonic,
) -> bytes:
    """GET ``url`` with Python's ``http.client`` within a total deadline; no redirects.

    Args:
        url: an ``http(s)`` URL (validated by the settings).
        timeout_seconds: the deadline for the whole exchange (connect, headers, body).
        max_bytes: a longer body is refused.
        monotonic: the clock the deadline is measured with (a test seam).

    Returns:
        The response body of a 200.

    Raises:
        JWKSUnavailable (``jwks_unavailable``): any status but 200 (a 3xx is "redirect
            refused"), a network or protocol error, a body over ``max_bytes``, or the
            deadline passed.
    """
    parts = urlsplit(url)
    deadline = monotonic() + timeout_seconds

    def time_left() -> float:
        left = deadline - monotonic()
        if left <= 0:
            raise JWKSUnavailable("deadline exceeded")
        return left

    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: _HTTPConnection | _HTTPSConnection
    if parts.scheme == "https":
        connection = _HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout_seconds, context=create_default_context()
        )
    else:
        connection = _HTTPConnection(parts.hostname or "", parts.port, timeout=timeout_seconds)
    # A blocking read cannot see the deadline pass; this shuts the socket down at the
    # deadline, which ends any read in progress (a trickle of header bytes included).
    watchdog = threading.Timer(timeout_seconds, _shut_down, args=(connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("GET", target, headers={"Accept": "application/json"})
        connection.deadline_socket.settimeout(time_left())
        response = connection.getresponse()
        if 300 <= response.status < 400:
            raise JWKSUnavailable("redirect refused")
        if response.status != 200:
            raise JWKSUnavailable(f"HTTP {response.status}")
        body = bytearray()
        while True:
            connection.deadline_socket.settimeout(time_left())
            chunk = response.read1(_CHUNK_BYTES)
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > max_bytes:
                raise JWKSUnavailable("jwks too large")
    except (OSError, HTTPException, ValueError) as exc:
        raise JWKSUnavailable(f"fetch failed: {type(exc).__name__}") from exc
    finally:
        watchdog.cancel()
        connection.close()


def _shut_down(connection: _HTTPConnection | _HTTPSConnection) -> None:
    sock = connection.deadline_socket
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


def _kid_for_log(member: Mapping[Any, Any]) -> str:
    kid = member.get("kid")
    return kid[:64] if isinstance(kid, str) else type(kid).__name__


def parse_jwks(body: bytes, algorithms: frozenset[str]) -> KeySet:
    """Parse a JWK Set document into the key set of its usable keys.

    Members that are not objects, carry an ``alg`` not in ``algorithms`` (or none), or do
    not load as a valid key are ignored (logged by ``kid``).

    Raises:
        JWKSUnavailable (``jwks_unavailable``): not JSON (or nested too deep), not an
            object with a ``keys`` list, no usable key, or a duplicate ``kid``.
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise JWKSUnavailable(f"not JSON: {type(exc).__name__}") from exc
    members = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(members, list):
        raise JWKSUnavailable("not a JWK Set")
    keys: list[Key] = []
    for member in members:
        if not isinstance(member, Mapping):
            continue
        alg = member.get("alg")
        if not isinstance(alg, str) or alg not in algorithms:
            continue  # e.g. an encryption key or an algorithm we do not accept
        try:
            keys.append(load_jwk(member))
        except (ConfigInvalid, ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
            # Members of the wrong type can trip the key parsers in many ways; any of
            # them only means "not a usable key".
            reason = exc.reason if isinstance(exc, ConfigInvalid) else type(exc).__name__
            logger.warning("jwks key ignored: kid=%r reason=%s", _kid_for_log(member), reason)
    try:
        return KeySet(tuple(keys))
    except ConfigInvalid as exc:  # empty, or a duplicate kid: ambiguous, use nothing
        raise JWKSUnavailable(f"no usable key set: {exc.reason}") from exc


class RemoteJWKS:
    """A cached, rate-limited view of a remote JWK Set (thread-safe).

    Args:
        url: the JWKS URL (https, or http on loopback / when allowed by the settings).
        algorithms: the ``alg`` values accepted; keys for others are ignored.
        cache_seconds / min_refetch_seconds / timeout_seconds: see the module docstring
            of :mod:`jwtauth.contrib.resource_server.authentication`.
        clock: the time source (``now()`` returns an aware datetime).
        fetcher: ``fetcher(url) -> body``, raising JWKSUnavailable; default
            :func:`fetch_jwks_document` with ``timeout_seconds`` (a test seam).
    """

    def __init__(
        self,
        url: str,
        algorithms: frozenset[str],
        *,
        cache_seconds: float,
        min_refetch_seconds: float,
        timeout_seconds: float,
        clock: Clock,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.url, self.algorithms, self.clock = url, algorithms, clock
        self.cache_seconds, self.min_refetch_seconds, self.timeout_seconds = (
            cache_seconds,
            min_refetch_seconds,
            timeout_seconds,
        )
        self._fetcher: Fetcher = fetcher or (lambda u: fetch_jwks_document(u, timeout_seconds=timeout_seconds))
        # Guards the fields below; never held while fetching.
        self._lock = threading.Lock()
        self._fetch_ended = threading.Condition(self._lock)
        self._in_flight = False
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._failed_at = float("-inf")

    def key_set(self) -> KeySet:
        """The cached key set, refreshed when older than ``cache_seconds``.

        With cached keys, a stale set stays in use: one caller refreshes it (outside the
        lock) while every other keeps verifying with it. Without any (the first use),
        concurrent callers wait for one fetch, at most its deadline, and share its outcome.

        Raises:
            JWKSUnavailable (``jwks_unavailable``): no keys could be fetched yet.
        """
        with self._lock:
            now = self._now()
            if self._keys is not None and now - self._fetched_at < self.cache_seconds:
                return self._keys
            if self._in_flight:
                if self._keys is not None:
                    return self._keys  # another caller is refreshing: keep verifying
                self._wait_for_fetch_locked()
                return self._keys_or_raise_locked()
            if not self._may_fetch_locked(now):
                return self._keys_or_raise_locked()
            self._start_fetch_locked(now)
        self._fetch()
        with self._lock:
            return self._keys_or_raise_locked()

    def refetch_for_unknown_kid(self, seen: KeySet | None = None) -> KeySet | None:
        """Refetch once for a token with an unknown ``kid``.

        Args:
            seen: the key set the caller's token failed against. If another thread
                replaced it meanwhile, that newer set is returned without a fetch (a key
                rotation reaches every waiter at once); if a fetch is running, its
                outcome is awaited (at most its deadline) and shared.

        Returns:
            The newer key set, or ``None`` when rate-limited or the fetch failed.
        """
        with self._lock:
            if self._keys is not None and self._keys is not seen:
                return self._keys
            if self._in_flight:
                self._wait_for_fetch_locked()
                return self._newer_locked(seen)
            if not self._may_fetch_locked(self._now()):
                return None
            self._start_fetch_locked(self._now())
        self._fetch()
        with self._lock:
            return self._newer_locked(seen)

    def retry_after_seconds(self) -> int:
        """Whole seconds (at least 1) until the next fetch may be attempted, for ``Retry-After``."""
        last = max(self._attempted_at, self._failed_at)
        remaining = self.min_refetch_seconds - (self._now() - last)
        return max(1, math.ceil(min(max(remaining, 0.0), self.min_refetch_seconds)))

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _may_fetch_locked(self, now: float) -> bool:
        # Every attempt, failed ones too, is rate-limited; a failure counts from when it
        # ended, so a hanging server costs at most one deadline per min_refetch_seconds.
        return now - max(self._attempted_at, self._failed_at) >= self.min_refetch_seconds

    def _start_fetch_locked(self, now: float) -> None:
        self._in_flight = True
        self._attempted_at = now

    def _wait_for_fetch_locked(self) -> None:
        # Bounded: the fetch itself ends by its deadline; the margin covers scheduling.
        self._fetch_ended.wait_for(lambda: not self._in_flight, timeout=self.timeout_seconds + 1)

    def _keys_or_raise_locked(self) -> KeySet:
        if self._keys is None:
            raise JWKSUnavailable()
        return self._keys

    def _newer_locked(self, seen: KeySet | None) -> KeySet | None:
        return self._keys if self._keys is not None and self._keys is not seen else None

    def _fetch(self) -> None:
        """Fetch and parse without the lock; stamp the outcome when the fetch ended."""
        keys: KeySet | None = None
        reason = ""
        try:
            keys = parse_jwks(self._fetcher(self.url), self.algorithms)
        except JWKSUnavailable as exc:
            reason = exc.reason
        except Exception as exc:  # a fetcher must never turn into a 500 for every request
            reason = f"fetcher error: {type(exc).__name__}"
        ended = self._now()
        with self._lock:
            if keys is not None:
                self._keys, self._fetched_at = keys, ended
            else:
                self._failed_at = ended
            self._in_flight = False
            self._fetch_ended.notify_all()
        if keys is None:
            logger.warning("jwks fetch failed: url=%s reason=%s", self.url, reason)
