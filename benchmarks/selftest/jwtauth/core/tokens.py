"""FAKE jwtauth token core (self-test only)."""

import hashlib
import time
import uuid

import jwt


def _key() -> bytes:
    from django.conf import settings

    return hashlib.sha256(b"access:" + settings.SECRET_KEY.encode()).digest()


def issue_access_token(user_id: int) -> str:
    now = int(time.time())
    return jwt.encode({"sub": str(user_id), "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex}, _key(), "HS256")


def verify_access_token(token: str) -> dict:
    return jwt.decode(token, _key(), algorithms=["HS256"])
