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
                                      (see :mod:`jwtauth.store.key_sources`)
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
``USER_SERIALIZER``                   ``"jwtauth.web.serializers.UserSerializer"``
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from .core.clock import Clock
from .core.errors import ConfigInvalid
from .core.keys import HMAC_ALGORITHMS, MIN_HMAC_KEY_BYTES, KeySet, derive_key, hmac_key
from .core.rates import Rate, parse_rate
from .core.tokens import TokenPolicy, VerifiedTokenCache
from .store.key_sources import build_key_set

__all__ = ["JWTAuthSettings", "SettingProblem", "get_settings", "validate"]

_DEFAULTS: dict[str, object] = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ALGORITHM": "HS256",
    "ACCESS_TOKEN_SIGNING_KEY": None,
    "REFRESH_TOKEN_SIGNING_KEY": None,
    "LEEWAY": timedelta(0),
    "ISSUER": None,
    "AUDIENCE": None,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "REFRESH_COOKIE_NAME": "jwtauth_refresh",
    "REFRESH_COOKIE_PATH": None,
    "REFRESH_COOKIE_DOMAIN": None,
    "REFRESH_COOKIE_SECURE": True,
    "REFRESH_COOKIE_SAMESITE": "Lax",
    "REFRESH_REUSE_GRACE_PERIOD": timedelta(seconds=10),
    "USER_SERIALIZER": "jwtauth.web.serializers.UserSerializer",
    "PASSWORD_MAX_LENGTH": 4096,
    "LOGIN_MAX_BODY_BYTES": 65536,
    "CLOCK": "jwtauth.core.clock.SystemClock",
    "ACCESS_TOKEN_KEYS": None,
    "REFRESH_TOKEN_KEYS": None,
    "JWKS_MAX_AGE": timedelta(minutes=5),
    "REVOCATION_CACHE": "default",
    "REVOCATION_CACHE_FAILURE": "database",
    "MAX_SESSIONS_PER_USER": None,
    "STATELESS_ACCESS_TOKENS": False,
    "VERIFIED_TOKEN_CACHE_SIZE": 10_000,
    "LOGIN_THROTTLE_RATES": {"ip": "20/min", "account": "10/15min"},
    "LOGIN_THROTTLE_CACHE": "default",
    "NUM_PROXIES": 0,
}

_DURATIONS = ("ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME", "LEEWAY", "REFRESH_REUSE_GRACE_PERIOD", "JWKS_MAX_AGE")
_OPTIONAL_STRINGS = ("ISSUER", "AUDIENCE", "REFRESH_COOKIE_PATH", "REFRESH_COOKIE_DOMAIN")
_SAMESITE = ("Lax", "Strict", "None")


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """One problem found in ``JWTAUTH``: a system check id and a message."""

    check_id: str
    message: str


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


def _duration(value: object) -> timedelta | None:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return None


def _key_bytes(value: object) -> bytes | None:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return None


def _user_settings() -> Mapping[str, object]:
    raw = getattr(django_settings, "JWTAUTH", {})
    return raw if isinstance(raw, Mapping) else {"__invalid__": raw}


def validate(raw: Mapping[str, object] | None = None) -> tuple[dict[str, object], list[SettingProblem]]:
    """Merge ``JWTAUTH`` with the defaults and validate it.

    Returns:
        ``(merged, problems)``; ``problems`` lists :class:`SettingProblem` with ids
        ``jwtauth.E001`` (not a dict / unknown key), ``E002`` (wrong type or value),
        ``E003`` (HMAC key shorter than RFC 7518 §3.2 allows), ``E004`` (refresh
        lifetime not longer than access lifetime), ``E006`` (a key in
        ``ACCESS_TOKEN_KEYS``/``REFRESH_TOKEN_KEYS`` is invalid, or the list clashes
        with ``*_SIGNING_KEY``).
    """
    raw = _user_settings() if raw is None else raw
    problems: list[SettingProblem] = []
    if "__invalid__" in raw:
        return dict(_DEFAULTS), [SettingProblem("jwtauth.E001", "JWTAUTH must be a dict.")]
    for name in raw:
        if name not in _DEFAULTS:
            problems.append(SettingProblem("jwtauth.E001", f"JWTAUTH has an unknown key {name!r}."))
    merged = {**_DEFAULTS, **{k: v for k, v in raw.items() if k in _DEFAULTS}}

    def bad(name: str, expected: str) -> None:
        problems.append(SettingProblem("jwtauth.E002", f"JWTAUTH[{name!r}] must be {expected}; got {merged[name]!r}."))

    for name in _DURATIONS:
        duration = _duration(merged[name])
        if duration is None or duration < timedelta(0):
            bad(name, "a non-negative timedelta or int seconds")
        else:
            merged[name] = duration
    for name in ("ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME"):
        if isinstance(merged[name], timedelta) and merged[name] <= timedelta(0):  # type: ignore[operator]
            bad(name, "a positive duration")
    access_lifetime, refresh_lifetime = merged["ACCESS_TOKEN_LIFETIME"], merged["REFRESH_TOKEN_LIFETIME"]
    if (
        isinstance(access_lifetime, timedelta)
        and isinstance(refresh_lifetime, timedelta)
        and refresh_lifetime <= access_lifetime
    ):
        problems.append(
            SettingProblem("jwtauth.E004", "REFRESH_TOKEN_LIFETIME must be longer than ACCESS_TOKEN_LIFETIME.")
        )
    if merged["ALGORITHM"] not in HMAC_ALGORITHMS:
        bad("ALGORITHM", f"one of {sorted(HMAC_ALGORITHMS)}")
    for name in _OPTIONAL_STRINGS:
        if merged[name] is not None and (not isinstance(merged[name], str) or not merged[name]):
            bad(name, "None or a non-empty string")
    path = merged["REFRESH_COOKIE_PATH"]
    if isinstance(path, str) and not path.startswith("/"):
        bad("REFRESH_COOKIE_PATH", "a path starting with '/'")
    types = merged["AUTH_HEADER_TYPES"]
    if isinstance(types, str):
        merged["AUTH_HEADER_TYPES"] = types = (types,)
    if (
        not isinstance(types, list | tuple)
        or not types
        or not all(isinstance(t, str) and t and " " not in t for t in types)
    ):
        bad("AUTH_HEADER_TYPES", "a non-empty list of words such as ['Bearer']")
    else:
        merged["AUTH_HEADER_TYPES"] = tuple(types)
    for name in ("REFRESH_COOKIE_NAME", "USER_SERIALIZER"):
        if not isinstance(merged[name], str) or not merged[name]:
            bad(name, "a non-empty string")
    if merged["REFRESH_COOKIE_SAMESITE"] not in _SAMESITE:
        bad("REFRESH_COOKIE_SAMESITE", f"one of {_SAMESITE}")
    for name in ("REFRESH_COOKIE_SECURE", "STATELESS_ACCESS_TOKENS"):
        if not isinstance(merged[name], bool):
            bad(name, "a bool")
    size = merged["VERIFIED_TOKEN_CACHE_SIZE"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        bad("VERIFIED_TOKEN_CACHE_SIZE", "an int >= 0")
    for name in ("PASSWORD_MAX_LENGTH", "LOGIN_MAX_BODY_BYTES"):
        value = merged[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            bad(name, "a positive int")
    algorithm = merged["ALGORITHM"]
    if algorithm in HMAC_ALGORITHMS:
        for name in ("ACCESS_TOKEN_SIGNING_KEY", "REFRESH_TOKEN_SIGNING_KEY"):
            if merged[name] is None:
                continue
            key = _key_bytes(merged[name])
            if key is None:
                bad(name, "None, str or bytes")
            elif len(key) < MIN_HMAC_KEY_BYTES[str(algorithm)]:
                problems.append(
                    SettingProblem(
                        "jwtauth.E003",
                        f"JWTAUTH[{name!r}] is {len(key)} bytes; {algorithm} needs at least "
                        f"{MIN_HMAC_KEY_BYTES[str(algorithm)]} (RFC 7518 §3.2).",
                    )
                )
    for name, legacy in (
        ("ACCESS_TOKEN_KEYS", "ACCESS_TOKEN_SIGNING_KEY"),
        ("REFRESH_TOKEN_KEYS", "REFRESH_TOKEN_SIGNING_KEY"),
    ):
        if merged[name] is None:
            continue
        if merged[legacy] is not None:
            problems.append(SettingProblem("jwtauth.E006", f"JWTAUTH sets both {name!r} and {legacy!r}; keep one."))
        try:
            merged[name] = build_key_set(merged[name])
        except ConfigInvalid as exc:
            problems.append(SettingProblem("jwtauth.E006", f"JWTAUTH[{name!r}] {exc.reason}."))
    if merged["REVOCATION_CACHE"] is not None and (
        not isinstance(merged["REVOCATION_CACHE"], str) or not merged["REVOCATION_CACHE"]
    ):
        bad("REVOCATION_CACHE", "None or a CACHES alias")
    if merged["REVOCATION_CACHE_FAILURE"] not in ("database", "reject"):
        bad("REVOCATION_CACHE_FAILURE", "'database' or 'reject'")
    cap = merged["MAX_SESSIONS_PER_USER"]
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        bad("MAX_SESSIONS_PER_USER", "None or a positive int")
    clock = merged["CLOCK"]
    if isinstance(clock, str):
        try:
            clock_class = import_string(clock)
            merged["CLOCK"] = clock = clock_class()
        except ImportError:
            bad("CLOCK", "an importable dotted path")
    if not isinstance(merged["CLOCK"], str) and not callable(getattr(clock, "now", None)):
        bad("CLOCK", "an object with a now() method")
    _validate_throttling(merged, bad)
    return merged, problems


def _validate_throttling(merged: dict[str, object], bad: Callable[[str, str], None]) -> None:
    rates = merged["LOGIN_THROTTLE_RATES"]
    defaults: Any = _DEFAULTS["LOGIN_THROTTLE_RATES"]
    if not isinstance(rates, Mapping) or not set(rates) <= set(defaults):
        bad("LOGIN_THROTTLE_RATES", f"a dict with keys from {sorted(defaults)}")
    else:
        try:
            merged["LOGIN_THROTTLE_RATES"] = {
                scope: None if text is None else parse_rate(text) for scope, text in {**defaults, **rates}.items()
            }
        except ConfigInvalid:
            bad("LOGIN_THROTTLE_RATES", "a dict of rates such as '20/min' or '10/15min' (or None)")
    if not isinstance(merged["LOGIN_THROTTLE_CACHE"], str) or not merged["LOGIN_THROTTLE_CACHE"]:
        bad("LOGIN_THROTTLE_CACHE", "a cache alias")
    proxies = merged["NUM_PROXIES"]
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        bad("NUM_PROXIES", "an int >= 0")


def _key_set(configured: object, label: str, algorithm: str) -> KeySet:
    if isinstance(configured, KeySet):  # built from *_TOKEN_KEYS by validate()
        return configured
    explicit = _key_bytes(configured)
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


_WATCHED = {"JWTAUTH", "SECRET_KEY", "SECRET_KEY_FALLBACKS"}
_on_change: list[Callable[[], None]] = []


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: object) -> None:
    if setting in _WATCHED:
        get_settings.cache_clear()
        for hook in _on_change:
            hook()
