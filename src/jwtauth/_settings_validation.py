"""Validation of the ``JWTAUTH`` settings dict: defaults, types, ranges, imports.

Used by :func:`jwtauth.settings.get_settings` (which raises on any problem) and by the
system checks (which report each problem with its id).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings as django_settings
from django.utils.module_loading import import_string

from .core.errors import ConfigInvalid
from .core.keys.keyset import HMAC_ALGORITHMS, MIN_HMAC_KEY_BYTES
from .core.keys.sources import build_key_set
from .core.rates import parse_rate

__all__ = ["DEFAULTS", "SettingProblem", "key_bytes", "validate"]

DEFAULTS: dict[str, object] = {
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
    "USER_SERIALIZER": "jwtauth.api.serializers.UserSerializer",
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
#: RFC 9110 §5.6.2 token: what a cookie name (RFC 6265 §4.1.1) and an auth scheme may contain.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Durations beyond this are a typo, and datetime arithmetic would overflow.
_MAX_DURATION = timedelta(days=3650)


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """One problem found in ``JWTAUTH``: a system check id and a message."""

    check_id: str
    message: str


def _duration(value: object) -> timedelta | None:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return None


def key_bytes(value: object) -> bytes | None:
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
        return dict(DEFAULTS), [SettingProblem("jwtauth.E001", "JWTAUTH must be a dict.")]
    for name in raw:
        if name not in DEFAULTS:
            problems.append(SettingProblem("jwtauth.E001", f"JWTAUTH has an unknown key {name!r}."))
    merged = {**DEFAULTS, **{k: v for k, v in raw.items() if k in DEFAULTS}}

    def bad(name: str, expected: str) -> None:
        problems.append(SettingProblem("jwtauth.E002", f"JWTAUTH[{name!r}] must be {expected}; got {merged[name]!r}."))

    for name in _DURATIONS:
        duration = _duration(merged[name])
        if duration is None or duration < timedelta(0) or duration > _MAX_DURATION:
            bad(name, "a non-negative timedelta or int seconds, at most ten years")
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
    if not isinstance(merged["ALGORITHM"], str) or merged["ALGORITHM"] not in HMAC_ALGORITHMS:
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
        or not all(isinstance(t, str) and _TOKEN.fullmatch(t) for t in types)
    ):
        bad("AUTH_HEADER_TYPES", "a non-empty list of auth scheme names such as ['Bearer']")
    else:
        merged["AUTH_HEADER_TYPES"] = tuple(types)
    if not isinstance(merged["REFRESH_COOKIE_NAME"], str) or not _TOKEN.fullmatch(merged["REFRESH_COOKIE_NAME"]):
        bad("REFRESH_COOKIE_NAME", "a cookie name (letters, digits and !#$%&'*+-.^_`|~)")
    serializer = merged["USER_SERIALIZER"]
    if not isinstance(serializer, str) or not serializer:
        bad("USER_SERIALIZER", "a dotted path")
    else:
        try:
            import_string(serializer)
        except Exception:  # ImportError, or the module itself failing to import
            bad("USER_SERIALIZER", "an importable dotted path")
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
    if isinstance(algorithm, str) and algorithm in HMAC_ALGORITHMS:
        for name in ("ACCESS_TOKEN_SIGNING_KEY", "REFRESH_TOKEN_SIGNING_KEY"):
            if merged[name] is None:
                continue
            key = key_bytes(merged[name])
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
            clock = import_string(clock)()
        except Exception:  # not importable, not a class, or its constructor failed
            clock = None
    if not callable(getattr(clock, "now", None)):
        bad("CLOCK", "a dotted path to a clock class, or an object with a now() method")
    else:
        merged["CLOCK"] = clock
    _validate_throttling(merged, bad)
    return merged, problems


def _validate_throttling(merged: dict[str, object], bad: Callable[[str, str], None]) -> None:
    rates = merged["LOGIN_THROTTLE_RATES"]
    defaults: Any = DEFAULTS["LOGIN_THROTTLE_RATES"]
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
