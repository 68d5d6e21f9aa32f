"""Token forging helpers for the attack tests: sign anything with the *real* keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt

from jwtauth.settings import get_settings


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def access_secret() -> tuple[bytes, str]:
    key = get_settings().access.keys.signing
    assert isinstance(key.signing_key, bytes)
    return key.signing_key, key.kid


def refresh_secret() -> tuple[bytes, str]:
    key = get_settings().refresh.keys.signing
    assert isinstance(key.signing_key, bytes)
    return key.signing_key, key.kid


def unverified(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def sign_raw(header: bytes | str, payload: bytes | str, secret: bytes | None = None) -> str:
    """HS256 over exactly these header and payload bytes (no JSON re-encoding)."""
    secret = secret if secret is not None else access_secret()[0]
    h = b64(header.encode() if isinstance(header, str) else header)
    p = b64(payload.encode() if isinstance(payload, str) else payload)
    signature = hmac.new(secret, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64(signature)}"


def resign(claims: dict[str, Any], *, typ: str = "at+jwt", refresh: bool = False, **headers: Any) -> str:
    """Sign ``claims`` with the real access (or refresh) key and ``kid``."""
    secret, kid = refresh_secret() if refresh else access_secret()
    header: dict[str, Any] = {"typ": typ, "kid": kid, **headers}
    return jwt.encode(claims, secret, algorithm="HS256", headers=header)


def header_json(alg: str, kid: str | None = None, typ: str = "at+jwt", **extra: Any) -> str:
    header: dict[str, Any] = {"alg": alg, "typ": typ, **extra}
    if kid is not None:
        header["kid"] = kid
    return json.dumps(header, separators=(",", ":"))
