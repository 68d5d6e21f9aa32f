"""A DPoP client for tests: one key, proofs for any request (PyJWT, RFC 9449 §4.2)."""

from __future__ import annotations

import itertools
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from jwtauth.core.dpop import access_token_hash
from jwtauth.core.keys.jwk import jwk_thumbprint

_counter = itertools.count()


class DPoPKey:
    """An ES256 client key making DPoP proofs; ``now`` comes from the test's clock."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.public_jwk: dict[str, Any] = dict(
            jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        )
        self.jkt = jwk_thumbprint(self.public_jwk)

    def proof(
        self,
        htm: str,
        url: str,
        *,
        access_token: str | None = None,
        nonce: str | None = None,
        iat_offset: int = 0,
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        body: dict[str, Any] = {
            "jti": f"proof-{next(_counter)}",
            "htm": htm,
            "htu": url if url.startswith("http") else f"http://testserver{url}",
            "iat": int(self.clock.now().timestamp()) + iat_offset,
        }
        if access_token is not None:
            body["ath"] = access_token_hash(access_token)
        if nonce is not None:
            body["nonce"] = nonce
        body.update(claims)
        headers: dict[str, Any] = {"typ": "dpop+jwt", "jwk": self.public_jwk, **(header or {})}
        return jwt.encode(body, self.private, algorithm="ES256", headers=headers)

    def headers(self, htm: str, url: str, access_token: str | None = None, **kwargs: Any) -> dict[str, str]:
        """Test-client keyword arguments: ``DPoP`` (and ``Authorization: DPoP``) headers."""
        extra = {"HTTP_DPOP": self.proof(htm, url, access_token=access_token, **kwargs)}
        if access_token is not None:
            extra["HTTP_AUTHORIZATION"] = f"DPoP {access_token}"
        return extra
