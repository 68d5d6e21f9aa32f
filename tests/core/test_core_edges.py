"""Edges of the core that the flow tests do not reach."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import jwt
import pytest

from jwtauth.core.clock import SystemClock
from jwtauth.core.errors import ConfigInvalid, TokenInvalid
from jwtauth.core.jws import sign, verify_jws
from jwtauth.core.keys.jwk import jwk_thumbprint, load_key
from jwtauth.core.keys.keyset import Key, KeySet, hmac_key
from tests.factories import SECRET


def _token(header: dict[str, object]) -> str:
    def b64(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{b64(header)}.{b64({'sub': '1'})}.c2ln"


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert abs((datetime.now(UTC) - now).total_seconds()) < 60


def test_a_verify_only_key_cannot_sign() -> None:
    key = Key(kid="v", algorithm="HS256", signing_key=None, verifying_key=SECRET)
    with pytest.raises(TypeError):
        sign({"sub": "1"}, key, "at+jwt")


@pytest.mark.parametrize("typ", [7, ["at+jwt"]])
def test_a_typ_that_is_not_a_string_is_rejected(typ: object) -> None:
    # Correctly signed, so the typ check (and nothing else) is what refuses it.
    token = jwt.encode({"sub": "1"}, SECRET, algorithm="HS256", headers={"typ": typ})
    with pytest.raises(TokenInvalid) as refused:
        verify_jws(token, KeySet((hmac_key(SECRET),)), typ="at+jwt")
    assert refused.value.reason == "wrong typ"


@pytest.mark.parametrize("kid", [None, 7, ["a"]])
def test_a_kid_that_names_no_key_is_rejected(kid: object) -> None:
    keys = KeySet((hmac_key(SECRET), hmac_key(b"o" * 32)))
    header: dict[str, object] = {"alg": "HS256"} if kid is None else {"alg": "HS256", "kid": kid}
    with pytest.raises(TokenInvalid) as refused:
        verify_jws(_token(header), keys)
    # PyJWT refuses a kid that is not a string while parsing the header; with no kid and
    # several keys, our own check does.
    assert refused.value.reason == ("kid is not a string" if kid is None else "malformed header")


def test_thumbprint_needs_a_known_key_type() -> None:
    with pytest.raises(ConfigInvalid):
        jwk_thumbprint({"kty": "oct", "k": "c2VjcmV0"})
    with pytest.raises(ConfigInvalid):
        jwk_thumbprint({"kty": "OKP", "crv": "Ed25519"})  # x missing


def test_key_text_that_looks_like_json_but_is_no_jwk() -> None:
    with pytest.raises(ConfigInvalid):
        load_key('{"kty": ', "EdDSA")


def test_a_jwk_dict_loads_directly() -> None:
    key = load_key({"kty": "oct", "k": base64.urlsafe_b64encode(SECRET).rstrip(b"=").decode()}, "HS256", "k1")
    assert (key.kid, key.algorithm) == ("k1", "HS256")
