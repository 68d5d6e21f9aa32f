"""A cached, rate-limited client for a remote JWK Set (RFC 7517 §5).

Used by :mod:`jwtauth.contrib.resource_server.authentication`. Keys are loaded through the same
validating loader as configured keys (:func:`jwtauth.core.keys.jwk.load_jwk`); a key whose
``alg`` is not accepted, or that fails validation, is ignored and logged by ``kid``.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import urllib.request
from collections.abc import Mapping
from http.client import HTTPException

from ...core.clock import Clock
from ...core.errors import ConfigInvalid, JWKSUnavailable
from ...core.keys.jwk import load_jwk
from ...core.keys.keyset import Key, KeySet

__all__ = ["MAX_JWKS_BYTES", "RemoteJWKS"]

logger = logging.getLogger("jwtauth.resource_server")

#: A JWKS bigger than this (bytes) is refused: ours is a few hundred bytes per key.
MAX_JWKS_BYTES = 262144


class RemoteJWKS:
    """A cached, rate-limited view of a remote JWK Set (thread-safe).

    Args:
        url: the JWKS URL (http or https).
        algorithms: the ``alg`` values accepted; keys for others are ignored.
        cache_seconds / min_refetch_seconds / timeout_seconds: see the module docstring.
        clock: the time source (``now()`` returns an aware datetime).
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
    ) -> None:
        self.url, self.algorithms, self.clock = url, algorithms, clock
        self.cache_seconds, self.min_refetch_seconds, self.timeout_seconds = (
            cache_seconds,
            min_refetch_seconds,
            timeout_seconds,
        )
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._failed_at = float("-inf")

    def key_set(self) -> KeySet:
        """The cached key set, refetched when older than ``cache_seconds``.

        Concurrent callers wait for one fetch and share its outcome (see
        :meth:`_refetch_locked`).

        Raises:
            JWKSUnavailable (``jwks_unavailable``): no keys could ever be fetched.
        """
        with self._lock:
            if self.clock.now().timestamp() - self._fetched_at >= self.cache_seconds:
                self._refetch_locked()
            if self._keys is None:
                raise JWKSUnavailable()
            return self._keys

    def refetch_for_unknown_kid(self, seen: KeySet | None = None) -> KeySet | None:
        """Refetch once for a token with an unknown ``kid``.

        Args:
            seen: the key set the caller's token failed against. If another thread
                replaced it while this one waited for the lock, that newer set is
                returned without a fetch (a key rotation reaches every waiter at once).

        Returns:
            The newer key set, or ``None`` when rate-limited or the fetch failed.
        """
        with self._lock:
            if self._keys is not None and self._keys is not seen:
                return self._keys
            return self._keys if self._refetch_locked() else None

    def retry_after_seconds(self) -> int:
        """Whole seconds (at least 1) until the next fetch may be attempted, for ``Retry-After``."""
        # No lock: a fetch in flight may hold it for a whole timeout, and a slightly
        # stale reading only shifts a hint.
        last = max(self._attempted_at, self._failed_at)
        remaining = self.min_refetch_seconds - (self.clock.now().timestamp() - last)
        return max(1, math.ceil(min(max(remaining, 0.0), self.min_refetch_seconds)))

    def _refetch_locked(self) -> bool:
        # Threat: a black-holed or slow JWKS URL. Every attempt, failed ones too, is
        # rate-limited, and a failure counts from when it ended, so a hanging server
        # costs at most one timeout per min_refetch_seconds; callers that queued on
        # the lock meanwhile see that attempt here and reuse its outcome instead of
        # fetching again.
        now = self.clock.now().timestamp()
        if now - max(self._attempted_at, self._failed_at) < self.min_refetch_seconds:
            return False
        self._attempted_at = now
        try:
            keys = self._fetch()
        except JWKSUnavailable as exc:
            self._failed_at = self.clock.now().timestamp()
            logger.warning("jwks fetch failed: url=%s reason=%s", self.url, exc.reason)
            return False
        self._keys, self._fetched_at = keys, now
        return True

    def _fetch(self) -> KeySet:
        request = urllib.request.Request(self.url, headers={"Accept": "application/json"})  # noqa: S310 (scheme checked)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310
                body = response.read(MAX_JWKS_BYTES + 1)
            if len(body) > MAX_JWKS_BYTES:
                raise JWKSUnavailable("jwks too large")
            document = json.loads(body)
        except (OSError, ValueError, HTTPException) as exc:
            raise JWKSUnavailable(f"fetch failed: {type(exc).__name__}") from exc
        members = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(members, list):
            raise JWKSUnavailable("not a JWK Set")
        keys: list[Key] = []
        for member in members:
            if not isinstance(member, Mapping) or member.get("alg") not in self.algorithms:
                continue  # e.g. an encryption key or an algorithm we do not accept
            try:
                keys.append(load_jwk(member))
            except ConfigInvalid as exc:
                logger.warning("jwks key ignored: kid=%r reason=%s", member.get("kid"), exc.reason)
        try:
            return KeySet(tuple(keys))
        except ConfigInvalid as exc:  # empty, or a duplicate kid: ambiguous, use nothing
            raise JWKSUnavailable(f"no usable key set: {exc.reason}") from exc
