"""Small factories for test tokens and keys."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

import jwt

from jwtauth.core.keys.jwks import generate_key
from jwtauth.core.keys.keyset import Key, KeySet, hmac_key
from jwtauth.core.tokens import TokenPolicy

SECRET = b"k" * 32
OTHER_SECRET = b"o" * 32


def policy(secret: bytes = SECRET, lifetime: timedelta = timedelta(minutes=5), **kwargs: Any) -> TokenPolicy:
    return TokenPolicy(keys=KeySet((hmac_key(secret),)), lifetime=lifetime, **kwargs)


def claims(now: datetime, **overrides: Any) -> dict[str, Any]:
    iat = int(now.timestamp())
    base: dict[str, Any] = {"sub": "1", "sid": "s-1", "jti": "j-1", "iat": iat, "exp": iat + 300}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def forge(
    payload: dict[str, Any],
    *,
    secret: bytes = SECRET,
    typ: str | None = "at+jwt",
    kid: str | None = "auto",
    alg: str = "HS256",
    headers: dict[str, Any] | None = None,
) -> str:
    """Sign arbitrary claims and headers with PyJWT (for negative tests)."""
    hdr: dict[str, Any] = dict(headers or {})
    if typ is not None:
        hdr["typ"] = typ
    if kid == "auto":
        hdr["kid"] = hmac_key(secret).kid
    elif kid is not None:
        hdr["kid"] = kid
    return jwt.encode(payload, secret, algorithm=alg, headers=hdr)


@functools.cache
def asymmetric_key(algorithm: str = "EdDSA", kid: str | None = None) -> Key:
    """A generated signing key, cached per (algorithm, kid): RSA generation is slow."""
    return generate_key(algorithm, kid, rsa_bits=2048)


def asymmetric_policy(*keys: Key, lifetime: timedelta = timedelta(minutes=5), **kwargs: Any) -> TokenPolicy:
    return TokenPolicy(keys=KeySet(keys or (asymmetric_key(),)), lifetime=lifetime, **kwargs)


def simplejwt_token(kind: str, user: Any, clock: Any, **claims: Any) -> str:
    """A token as an old simplejwt deployment issued it (``kind``: ``"access"`` or
    ``"refresh"``), at the fake clock's time; a claim given as ``None`` is removed."""
    from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

    token = (AccessToken if kind == "access" else RefreshToken).for_user(user)
    token.set_iat(at_time=clock.now())
    token.set_exp(from_time=clock.now())
    for name, value in claims.items():
        if value is None:
            del token[name]
        else:
            token[name] = value
    return str(token)
