"""Interoperability with an independent JOSE implementation (jwcrypto).

Tokens we issue verify with jwcrypto using only what ``GET jwks/`` publishes; tokens
jwcrypto signs, with a key of our published shape, verify with ours.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from jwtauth.core.errors import TokenInvalid
from jwtauth.core.keys.jwk import load_jwks
from jwtauth.core.keys.jwks import private_pem
from jwtauth.core.tokens import TokenPolicy, issue_access_token, verify_access_token
from jwtauth.settings import get_settings
from tests.conftest import START
from tests.factories import asymmetric_key, claims

jwk = pytest.importorskip("jwcrypto.jwk", reason="jwcrypto (test extra) not installed")
jws = pytest.importorskip("jwcrypto.jws")

ALGS = ("EdDSA", "ES256", "RS256", "PS256")


def _entry(alg: str) -> dict[str, str]:
    return {"kid": alg.lower(), "alg": alg, "private_key": private_pem(asymmetric_key(alg, alg.lower()))}


@pytest.mark.parametrize("alg", ALGS)
def test_our_tokens_verify_with_jwcrypto_through_our_jwks(api_client: APIClient, alg: str, settings: Any) -> None:
    others = [_entry(a) for a in ALGS if a != alg]
    with override_settings(JWTAUTH={**settings.JWTAUTH, "ACCESS_TOKEN_KEYS": [_entry(alg), *others]}):
        published = api_client.get("/api/auth/jwks/").content.decode()
        issued = issue_access_token(get_settings().access, sub="7", sid="s", now=START)
    keyset = jwk.JWKSet.from_json(published)
    token = jws.JWS()
    token.deserialize(issued.token)
    header = token.jose_header
    assert header == {"alg": alg, "kid": alg.lower(), "typ": "at+jwt"}
    token.verify(keyset.get_key(header["kid"]), alg=alg)
    assert json.loads(token.payload)["sub"] == "7"
    # jwcrypto, too, refuses the token under any other published key.
    with pytest.raises(jws.InvalidJWSSignature):
        token.verify(keyset.get_key(others[0]["kid"]), alg=others[0]["alg"])


@pytest.mark.parametrize("alg", ALGS)
def test_jwcrypto_tokens_verify_with_ours(alg: str) -> None:
    kty, params = {"EdDSA": ("OKP", {"crv": "Ed25519"}), "ES256": ("EC", {"crv": "P-256"})}.get(
        alg, ("RSA", {"size": 2048})
    )
    theirs = jwk.JWK.generate(kty=kty, kid=f"theirs-{alg}", **params)
    published = {**json.loads(theirs.export_public()), "alg": alg, "use": "sig"}
    signed = jws.JWS(json.dumps(claims(START)).encode())
    signed.add_signature(theirs, alg=alg, protected=json.dumps({"alg": alg, "kid": f"theirs-{alg}", "typ": "at+jwt"}))
    compact = signed.serialize(compact=True)
    policy = TokenPolicy(keys=load_jwks({"keys": [published]}), lifetime=START - START)
    verified = verify_access_token(compact, policy, now=START)
    assert verified.kid == f"theirs-{alg}"
    assert verified.sub == "1"
    head, payload, signature = compact.split(".")
    forged = signature[:8] + ("A" if signature[8] != "A" else "B") + signature[9:]
    with pytest.raises(TokenInvalid):
        verify_access_token(f"{head}.{payload}.{forged}", policy, now=START)
