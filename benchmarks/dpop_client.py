"""A DPoP client for the benchmarks: one ES256 key, a fresh proof per request (PyJWT).

Proofs are made outside the timed part of a scenario: they are the client's cost.
"""

from __future__ import annotations

import itertools
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from jwtauth.core.dpop import access_token_hash
from jwtauth.core.keys.jwk import jwk_thumbprint

__all__ = ["DPoPClient"]

_ORIGIN = "http://testserver"  # RequestFactory's host


class DPoPClient:
    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._jwk = dict(jwt.algorithms.ECAlgorithm.to_jwk(self._key.public_key(), as_dict=True))
        self.jkt = jwk_thumbprint(self._jwk)
        self._ids = itertools.count()

    def proof(self, htm: str, path: str, *, access_token: str | None = None) -> str:
        claims: dict[str, object] = {
            "jti": f"bench-{next(self._ids)}-{time.monotonic_ns()}",
            "htm": htm,
            "htu": _ORIGIN + path,
            "iat": int(time.time()),
        }
        if access_token is not None:
            claims["ath"] = access_token_hash(access_token)
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": self._jwk})
