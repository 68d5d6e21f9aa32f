"""jwtauth settings: one namespaced dict, ``JWTAUTH = {...}``, read lazily and validated.

``get_settings()`` builds a frozen :class:`JWTAuthSettings` on first use, caches it,
and forgets it when Django's ``setting_changed`` fires (so ``override_settings`` works
in tests). Nothing reads settings at import time.

Defaults (every key optional):

====================================  ==========================================
``ACCESS_TOKEN_LIFETIME``             ``timedelta(minutes=5)``
``REFRESH_TOKEN_LIFETIME``            ``timedelta(days=7)`` (sliding: each rotation
                                      starts a new lifetime)
``ALGORITHM``                         ``"HS256"`` (also HS384, HS512)
``ACCESS_TOKEN_SIGNING_KEY``          ``None``: HKDF-derived from ``SECRET_KEY``
``REFRESH_TOKEN_SIGNING_KEY``         ``None``: HKDF-derived from ``SECRET_KEY``
``ACCESS_TOKEN_KEYS``                 ``None``; or a key list, newest (signer) first,
                                      for EdDSA/ES256/RS256/PS256/HS* and rotation
                                      (see :mod:`jwtauth.core.keys.sources`)
``REFRESH_TOKEN_KEYS``                ``None`` (HKDF-derived HMAC); or a key list
``JWKS_MAX_AGE``                      ``timedelta(minutes=5)``: ``Cache-Control`` of
                                      ``jwks/`` (int seconds accepted)
``LEEWAY``                            ``timedelta(0)`` (int seconds accepted)
``ISSUER`` / ``AUDIENCE``             ``None``
``AUTH_HEADER_TYPES``                 ``("Bearer",)``
``REFRESH_COOKIE_NAME``               ``"jwtauth_refresh"``
``REFRESH_COOKIE_PATH``               ``None``: the URL prefix jwtauth is mounted at
``REFRESH_COOKIE_DOMAIN``             ``None`` (host-only)
``REFRESH_COOKIE_SECURE``             ``True``
``REFRESH_COOKIE_SAMESITE``           ``"Lax"`` (``"Strict"``, ``"None"``)
``REFRESH_REUSE_GRACE_PERIOD``        ``timedelta(seconds=10)`` (int seconds; 0 = off)
``USER_SERIALIZER``                   ``"jwtauth.api.serializers.UserSerializer"``
``PASSWORD_MAX_LENGTH``               ``4096`` characters
``LOGIN_MAX_BODY_BYTES``              ``65536``
``CLOCK``                             ``"jwtauth.core.clock.SystemClock"`` (dotted
                                      path or an object with ``now()``; a test seam)
``REVOCATION_CACHE``                  ``"default"``: the ``CACHES`` alias that holds
                                      session revocation state; ``None``, or a
                                      process-local cache (LocMem, Dummy), means
                                      every request checks the database
``REVOCATION_CACHE_FAILURE``          ``"database"``: when the cache errors, check
                                      the database; ``"reject"``: answer 503
                                      ``revocation_unavailable``
``MAX_SESSIONS_PER_USER``             ``None`` (unlimited); an int caps live
                                      sessions per user, oldest evicted on login
``LOGIN_THROTTLE_RATES``              ``{"ip": "20/min", "account": "10/15min"}``:
                                      failed logins allowed per client IP and per
                                      account; ``None`` turns one off
``LOGIN_THROTTLE_CACHE``              ``"default"``: the cache alias the counts live in
``NUM_PROXIES``                       ``0``: trusted reverse proxies in front of Django;
                                      the client IP is taken from the
                                      ``X-Forwarded-For`` entry they appended
====================================  ==========================================
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from ._settings_validation import DEFAULTS, SettingProblem, key_bytes, validate
from .core.clock import Clock
from .core.errors import ConfigInvalid
from .core.keys.keyset import MIN_HMAC_KEY_BYTES, KeySet, derive_key, hmac_key
from .core.rates import Rate
from .core.tokens import TokenPolicy, VerifiedTokenCache

__all__ = ["DEFAULTS", "JWTAuthSettings", "SettingProblem", "get_settings", "now", "validate"]


@dataclass(frozen=True, slots=True)
class JWTAuthSettings:
    """The validated ``JWTAUTH`` settings (see the module docstring for defaults)."""

    access: TokenPolicy
    refresh: TokenPolicy
    auth_header_types: tuple[str, ...]
    refresh_cookie_name: str
    refresh_cookie_path: str | None
    refresh_cookie_domain: str | None
    refresh_cookie_secure: bool
    refresh_cookie_samesite: str
    refresh_reuse_grace_period: timedelta
    user_serializer: str
    password_max_length: int
    login_max_body_bytes: int
    clock: Clock
    jwks_max_age: timedelta
    revocation_cache: str | None
    revocation_cache_failure: str
    max_sessions_per_user: int | None
    stateless_access_tokens: bool
    #: Per-process memo of access tokens whose signature verified (None: off).
    verified_tokens: VerifiedTokenCache | None
    login_throttle_rates: Mapping[str, Rate | None]
    login_throttle_cache: str
    num_proxies: int

    @property
    def access_token_lifetime(self) -> timedelta:
        return self.access.lifetime

    @property
    def refresh_token_lifetime(self) -> timedelta:
        return self.refresh.lifetime


def _key_set(configured: object, label: str, algorithm: str) -> KeySet:
    if isinstance(configured, KeySet):  # built from *_TOKEN_KEYS by validate()
        return configured
    explicit = key_bytes(configured)
    if explicit is not None:
        return KeySet((hmac_key(explicit, algorithm),))
    # Never use SECRET_KEY as-is: derive one key per purpose. Fallbacks keep tokens
    # signed before a SECRET_KEY rotation verifying until they expire.
    secrets = [django_settings.SECRET_KEY, *getattr(django_settings, "SECRET_KEY_FALLBACKS", [])]
    size = MIN_HMAC_KEY_BYTES[algorithm]
    return KeySet(tuple(hmac_key(derive_key(str(s).encode(), label, size), algorithm) for s in secrets))


def _build() -> JWTAuthSettings:
    merged, problems = validate()
    if problems:
        raise ConfigInvalid("; ".join(f"{p.check_id}: {p.message}" for p in problems))
    m: dict[str, Any] = merged
    algorithm = m["ALGORITHM"]
    common = {"leeway": m["LEEWAY"], "issuer": m["ISSUER"], "audience": m["AUDIENCE"]}
    return JWTAuthSettings(
        access=TokenPolicy(
            keys=_key_set(m["ACCESS_TOKEN_KEYS"] or m["ACCESS_TOKEN_SIGNING_KEY"], "access-token", algorithm),
            lifetime=m["ACCESS_TOKEN_LIFETIME"],
            **common,
        ),
        refresh=TokenPolicy(
            keys=_key_set(m["REFRESH_TOKEN_KEYS"] or m["REFRESH_TOKEN_SIGNING_KEY"], "refresh-token", algorithm),
            lifetime=m["REFRESH_TOKEN_LIFETIME"],
            **common,
        ),
        auth_header_types=m["AUTH_HEADER_TYPES"],
        refresh_cookie_name=m["REFRESH_COOKIE_NAME"],
        refresh_cookie_path=m["REFRESH_COOKIE_PATH"],
        refresh_cookie_domain=m["REFRESH_COOKIE_DOMAIN"],
        refresh_cookie_secure=m["REFRESH_COOKIE_SECURE"],
        refresh_cookie_samesite=m["REFRESH_COOKIE_SAMESITE"],
        refresh_reuse_grace_period=m["REFRESH_REUSE_GRACE_PERIOD"],
        user_serializer=m["USER_SERIALIZER"],
        password_max_length=m["PASSWORD_MAX_LENGTH"],
        login_max_body_bytes=m["LOGIN_MAX_BODY_BYTES"],
        clock=m["CLOCK"],
        jwks_max_age=m["JWKS_MAX_AGE"],
        revocation_cache=m["REVOCATION_CACHE"],
        revocation_cache_failure=m["REVOCATION_CACHE_FAILURE"],
        max_sessions_per_user=m["MAX_SESSIONS_PER_USER"],
        stateless_access_tokens=m["STATELESS_ACCESS_TOKENS"],
        verified_tokens=VerifiedTokenCache(m["VERIFIED_TOKEN_CACHE_SIZE"]) if m["VERIFIED_TOKEN_CACHE_SIZE"] else None,
        login_throttle_rates=MappingProxyType(m["LOGIN_THROTTLE_RATES"]),
        login_throttle_cache=m["LOGIN_THROTTLE_CACHE"],
        num_proxies=m["NUM_PROXIES"],
    )


@functools.cache
def get_settings() -> JWTAuthSettings:
    """Return the validated settings, built once and cached.

    Raises:
        ConfigInvalid (``config_invalid``): ``JWTAUTH`` is invalid; the message lists
            every problem with its system check id.
    """
    return _build()


def now() -> datetime:
    """The current time from the configured ``CLOCK`` (aware, UTC): the one time source of the
    Django layers, so tests move it with a fake clock."""
    return get_settings().clock.now()


_WATCHED = {"JWTAUTH", "SECRET_KEY", "SECRET_KEY_FALLBACKS"}


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: object) -> None:
    if setting in _WATCHED:
        get_settings.cache_clear()
