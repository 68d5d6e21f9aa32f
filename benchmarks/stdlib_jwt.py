"""A bare HS256 JWT check with only the standard library: a reference point for the benchmark ONLY.

It checks the header's alg, the HMAC-SHA256 signature and exp, nothing more (no typ, nbf, aud, iss,
kid, leeway, denylist). Real code should use a maintained library; this shows how close to the
cost of hmac + base64 + json a full implementation gets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

__all__ = ["StdlibJWTAuthentication", "StdlibUser", "encode", "verify"]

_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")


def _b64decode(part: bytes) -> bytes:
    return base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4))


def encode(user_id: int, key: bytes, lifetime_seconds: int = 3600) -> str:
    """Issue an HS256 token with the same claim set simplejwt puts in its access tokens."""
    now = int(time.time())
    claims = {
        "token_type": "access",
        "exp": now + lifetime_seconds,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "user_id": str(user_id),
    }
    payload = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=")
    signing_input = _HEADER + b"." + payload
    sig = base64.urlsafe_b64encode(hmac.new(key, signing_input, hashlib.sha256).digest()).rstrip(b"=")
    return (signing_input + b"." + sig).decode()


def verify(token: str | bytes, key: bytes) -> dict[str, Any] | None:
    """Return the claims of a valid token, else None."""
    raw = token.encode() if isinstance(token, str) else token
    try:
        header, payload, sig = raw.split(b".")
        if json.loads(_b64decode(header)).get("alg") != "HS256":
            return None
        expected = hmac.new(key, header + b"." + payload, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _b64decode(sig)):
            return None
        claims = json.loads(_b64decode(payload))
    except ValueError:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
        return None
    return claims


class StdlibUser:
    """A user built from claims alone, like simplejwt's TokenUser."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims
        self.pk = self.id = claims.get("user_id")


class StdlibJWTAuthentication:
    """DRF authentication class: ``Authorization: Bearer <stdlib HS256 token>``."""

    def authenticate(self, request: Any) -> tuple[StdlibUser, dict[str, Any]] | None:
        from django.conf import settings
        from rest_framework.exceptions import AuthenticationFailed

        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith("Bearer "):
            return None
        claims = verify(header[7:], settings.BENCH_STDLIB_KEY)
        if claims is None:
            raise AuthenticationFailed("invalid token")
        return StdlibUser(claims), claims

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'
