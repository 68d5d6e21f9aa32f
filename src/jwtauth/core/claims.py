"""Custom claims: the application's own claims in access tokens, checked and converted.

An application adds claims (a role, a tenant id, OAuth scopes) through the
``TOKEN_CLAIMS`` hook. This module decides what may go into a token and how Python
values become JSON, so a bad hook fails with a clear :class:`ConfigInvalid` naming the
claim instead of an unreadable serialisation error or a silently overridden claim.

Conversion (documented in ``docs/claims.md``):

==========================  =====================================================
``str``, ``int``, ``bool``,  as JSON
``None``, finite ``float``
``list``, ``tuple``          a JSON array (items converted the same way)
``dict`` (string keys)       a JSON object (values converted the same way)
``uuid.UUID``                its canonical string, ``"0b6f..."``
``decimal.Decimal``          its exact string, ``"19.90"`` (a float would round)
aware ``datetime``           a NumericDate: whole seconds since the epoch (RFC 7519 §2)
``date``                     ISO 8601, ``"2026-01-31"``
``scope``                    a space-separated string (RFC 9068 §2.2.3); a list or
                             tuple of scope tokens is joined with spaces
anything else                :class:`ConfigInvalid` naming the claim and the type
==========================  =====================================================
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import uuid
from collections.abc import Mapping
from types import MappingProxyType

from .errors import ConfigInvalid

__all__ = ["RESERVED_CLAIMS", "SCOPE_CLAIM", "convert_claims", "custom_claims", "freeze", "scopes_of"]

#: Claims a ``TOKEN_CLAIMS`` hook may not set: the registered claims jwtauth sets or
#: checks (RFC 7519 §4.1), the ones it owns (``sid``; ``auth_time`` from OpenID Connect
#: Core §2; ``amr``, RFC 8176; ``cnf``, RFC 7800) and ``typ``, which belongs in the header.
RESERVED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "sid", "auth_time", "amr", "cnf", "typ"})

#: The OAuth scope claim: a space-separated string (RFC 9068 §2.2.3, RFC 8693 §4.2).
SCOPE_CLAIM = "scope"

_MAX_DEPTH = 16


def _json(value: object, claim: str, depth: int) -> object:
    if depth > _MAX_DEPTH:
        raise ConfigInvalid(f"TOKEN_CLAIMS: claim {claim!r} is nested deeper than {_MAX_DEPTH} levels")
    # bool before int: it is an int subclass.
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigInvalid(f"TOKEN_CLAIMS: claim {claim!r} is {value!r}, which JSON cannot carry")
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ConfigInvalid(f"TOKEN_CLAIMS: claim {claim!r} is Decimal {value}, which JSON cannot carry")
        return str(value)
    if isinstance(value, dt.datetime):  # before date: datetime is a date subclass
        if value.tzinfo is None or value.utcoffset() is None:
            raise ConfigInvalid(f"TOKEN_CLAIMS: claim {claim!r} is a naive datetime; give an aware one (UTC)")
        return int(value.timestamp())
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(item, claim, depth + 1) for item in value]
    if isinstance(value, Mapping):
        converted: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ConfigInvalid(
                    f"TOKEN_CLAIMS: claim {claim!r} has a key of type {type(key).__name__}; JSON keys are strings"
                )
            converted[key] = _json(item, claim, depth + 1)
        return converted
    raise ConfigInvalid(
        f"TOKEN_CLAIMS: claim {claim!r} is of type {type(value).__module__}.{type(value).__qualname__}, "
        "which has no JSON form; convert it in the hook (see docs/claims.md)"
    )


def _scope(value: object) -> str:
    if isinstance(value, list | tuple) and all(isinstance(item, str) and " " not in item for item in value):
        value = " ".join(value)
    # RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), space-separated.
    if not isinstance(value, str) or any(
        not token or any(c in '"\\' or not 0x21 <= ord(c) <= 0x7E for c in token) for token in value.split(" ")
    ):
        raise ConfigInvalid(
            "TOKEN_CLAIMS: claim 'scope' must be a space-separated string of scope tokens "
            "(or a list of them), RFC 9068 §2.2.3"
        )
    return value


def convert_claims(raw: object) -> dict[str, object]:
    """Check and convert what a ``TOKEN_CLAIMS`` hook returned.

    Args:
        raw: the hook's result: a mapping of claim name to value.

    Returns:
        A new dict of JSON-ready values (``raw`` is never mutated).

    Raises:
        ConfigInvalid (``config_invalid``): ``raw`` is not a mapping, a name is not a
            non-empty string or is reserved (:data:`RESERVED_CLAIMS`), or a value has
            no JSON form; the message names the claim and the type.
    """
    if not isinstance(raw, Mapping):
        raise ConfigInvalid(f"TOKEN_CLAIMS must return a mapping of claims; got {type(raw).__name__}")
    claims: dict[str, object] = {}
    for name, value in raw.items():
        if not isinstance(name, str) or not name:
            raise ConfigInvalid(f"TOKEN_CLAIMS returned a claim name {name!r}; names are non-empty strings")
        if name in RESERVED_CLAIMS:
            raise ConfigInvalid(f"TOKEN_CLAIMS may not set the claim {name!r}: jwtauth sets it")
        claims[name] = _scope(value) if name == SCOPE_CLAIM else _json(value, name, 0)
    return claims


def freeze(value: object) -> object:
    """A read-only copy of a decoded JSON value: arrays become tuples, objects
    :class:`~types.MappingProxyType`. Verified claims are shared by every request that
    presents the same token (the verified-token memo), so no view may change them."""
    if isinstance(value, list):
        return tuple(freeze(item) for item in value)
    if isinstance(value, dict):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    return value


def custom_claims(claims: Mapping[str, object], owned: frozenset[str] = RESERVED_CLAIMS) -> Mapping[str, object]:
    """The claims of a verified token beyond the registered and jwtauth-owned ones, read-only.

    Args:
        claims: the decoded claims set.
        owned: the names to leave out (default :data:`RESERVED_CLAIMS`).
    """
    return MappingProxyType({name: freeze(value) for name, value in claims.items() if name not in owned})


def scopes_of(claims: Mapping[str, object]) -> frozenset[str]:
    """The scope tokens of a ``scope`` claim (RFC 9068 §2.2.3); empty when absent or not a string."""
    value = claims.get(SCOPE_CLAIM)
    return frozenset(value.split()) if isinstance(value, str) else frozenset()
