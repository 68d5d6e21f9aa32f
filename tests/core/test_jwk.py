"""Key loading (PEM, JWK), validation, JWKS export, generation and rotation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, rsa

from jwtauth.core.errors import ConfigInvalid, KeyUnknown
from jwtauth.core.keys.jwk import jwk_thumbprint, load_jwk, load_jwks, load_key, load_pem
from jwtauth.core.keys.jwks import (
    PRIVATE_MEMBERS,
    generate_key,
    private_jwk,
    private_pem,
    public_jwk,
    public_jwks,
    public_pem,
)
from jwtauth.core.keys.keyset import KeySet, hmac_key
from jwtauth.core.tokens import issue_access_token, verify_access_token
from tests.conftest import START
from tests.factories import asymmetric_key, asymmetric_policy

ASYMMETRIC = ("EdDSA", "ES256", "RS256", "PS256")


def _pem(private: object) -> bytes:
    return private.private_bytes(  # type: ignore[attr-defined,no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_round_trip_through_pem_and_jwk(alg: str) -> None:
    key = asymmetric_key(alg)
    from_private_pem = load_pem(private_pem(key).encode(), alg)
    from_public_pem = load_pem(public_pem(key).encode(), alg)
    from_private_jwk = load_key(json.dumps(private_jwk(key)), None)
    from_public_jwk = load_jwk(public_jwk(key))
    assert from_private_pem.kid == from_public_pem.kid == from_private_jwk.kid == from_public_jwk.kid == key.kid
    assert from_private_pem.can_sign
    assert from_private_jwk.can_sign
    assert not from_public_pem.can_sign
    assert not from_public_jwk.can_sign
    # A token signed by the loaded private key verifies with the loaded public key.
    issued = issue_access_token(asymmetric_policy(from_private_pem), sub="1", sid="s", now=START)
    claims = verify_access_token(issued.token, asymmetric_policy(from_public_jwk), now=START)
    assert claims.kid == key.kid


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_public_jwk_shape_has_no_private_members(alg: str) -> None:
    jwk = public_jwk(asymmetric_key(alg))
    assert list(jwk)[:4] == ["kty", "kid", "use", "alg"]
    assert jwk["use"] == "sig"
    assert jwk["alg"] == alg
    expected = {"RSA": {"n", "e"}, "EC": {"crv", "x", "y"}, "OKP": {"crv", "x"}}[jwk["kty"]]
    assert set(jwk) - {"kty", "kid", "use", "alg"} == expected
    assert not PRIVATE_MEMBERS & set(jwk)
    assert jwk["kid"] == jwk_thumbprint(jwk)


def test_rfc7638_thumbprint_example() -> None:
    # RFC 7638 §3.1.
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
        "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQ"
        "MicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr"
        "3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_hmac_only_set_publishes_nothing() -> None:
    keys = KeySet((hmac_key(b"k" * 32), hmac_key(b"j" * 32)))
    assert public_jwks(keys) == {"keys": []}
    with pytest.raises(ConfigInvalid):
        public_jwk(keys.signing)
    with pytest.raises(ConfigInvalid):
        public_pem(keys.signing)
    with pytest.raises(ConfigInvalid):
        private_pem(keys.signing)


def test_secret_jwk_round_trip() -> None:
    key = generate_key("HS256")
    assert load_jwk(private_jwk(key)).signing_key == key.signing_key
    assert load_key(key.signing_key.decode(), "HS256").kid == key.kid  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("material", "alg", "message"),
    [
        (lambda: _pem(rsa.generate_private_key(65537, 1024)), "RS256", "2048"),  # noqa: S505 (the point)
        (lambda: _pem(ec.generate_private_key(ec.SECP384R1())), "ES256", "P-256"),
        (lambda: _pem(ed448.Ed448PrivateKey.generate()), "EdDSA", "Ed25519"),
        (lambda: private_pem(asymmetric_key("EdDSA")).encode(), "ES256", "P-256"),
        (lambda: private_pem(asymmetric_key("ES256")).encode(), "RS256", "RSA"),
        (lambda: private_pem(asymmetric_key("EdDSA")).encode(), "HS256", "secret"),
        (lambda: private_pem(asymmetric_key("EdDSA")).encode(), "ES512", "unsupported"),
        (lambda: b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n", "EdDSA", "PEM"),
        (lambda: b"{not json", "EdDSA", "JSON"),
        (lambda: b"[1]", "HS256", "32"),
        (lambda: b"a bare secret that is long enough", "EdDSA", "PEM or JWK"),
        (lambda: b"short", "HS256", "RFC 7518"),
        (lambda: b"x" * 64, None, "needs an .alg."),
    ],
)
def test_bad_keys_rejected_with_clear_errors(material: object, alg: str | None, message: str) -> None:
    with pytest.raises(ConfigInvalid, match=message):
        load_key(material(), alg)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"use": "enc"}, "use"),
        ({"key_ops": ["encrypt"]}, "key_ops"),
        ({"key_ops": "verify"}, "key_ops"),
        ({"alg": "ES256"}, "configured"),
        ({"alg": "none"}, "configured"),
        ({"kty": "EC"}, "kty"),
        ({"crv": "Ed448"}, "curve"),
        ({"x": "AAAA"}, "valid EdDSA"),
        ({"kid": 7}, "kid"),
    ],
)
def test_bad_jwk_members_rejected(change: dict[str, object], message: str) -> None:
    jwk = {**public_jwk(asymmetric_key("EdDSA")), **change}
    with pytest.raises(ConfigInvalid, match=message):
        load_jwk(jwk, "EdDSA")


def test_jwk_without_any_alg_is_refused() -> None:
    jwk = {k: v for k, v in public_jwk(asymmetric_key("EdDSA")).items() if k != "alg"}
    with pytest.raises(ConfigInvalid, match=r"needs an .alg."):
        load_jwk(jwk)
    assert load_jwk(jwk, "EdDSA").algorithm == "EdDSA"


@pytest.mark.parametrize("document", [{}, {"keys": []}, {"keys": "x"}, {"keys": [1]}])
def test_bad_jwks_documents(document: dict[str, object]) -> None:
    with pytest.raises(ConfigInvalid):
        load_jwks(document)


def test_duplicate_kid_and_mixed_sets_rejected() -> None:
    eddsa = public_jwk(asymmetric_key("EdDSA"))
    with pytest.raises(ConfigInvalid, match="duplicate kid"):
        load_jwks({"keys": [eddsa, {**public_jwk(asymmetric_key("ES256")), "kid": eddsa["kid"]}]})
    with pytest.raises(ConfigInvalid, match="mix"):
        KeySet((asymmetric_key("EdDSA"), hmac_key(b"k" * 32)))


def test_generate_rejects_small_rsa_and_unknown_alg() -> None:
    with pytest.raises(ConfigInvalid):
        generate_key("RS256", rsa_bits=1024)
    with pytest.raises(ConfigInvalid):
        generate_key("none")
    with pytest.raises(ConfigInvalid):
        private_jwk(load_jwk(public_jwk(asymmetric_key())))


def test_rotation_newest_signs_older_verifies_retired_is_unknown() -> None:
    old, new = asymmetric_key("EdDSA", "old"), asymmetric_key("ES256", "new")
    verify_only_old = load_jwk(public_jwk(old))
    before = issue_access_token(asymmetric_policy(old), sub="1", sid="s", now=START)
    during = asymmetric_policy(new, verify_only_old)
    after = issue_access_token(during, sub="1", sid="s", now=START)
    assert verify_access_token(before.token, during, now=START).kid == "old"
    assert verify_access_token(after.token, during, now=START).kid == "new"
    retired = asymmetric_policy(new)
    with pytest.raises(KeyUnknown):
        verify_access_token(before.token, retired, now=START + timedelta(seconds=1))


def test_repr_never_shows_key_material() -> None:
    key = asymmetric_key("RS256")
    assert "PRIVATE" not in repr(key)
    assert "RSAPrivateKey" not in repr(key)
    assert repr(key) == f"Key(kid={key.kid!r}, algorithm='RS256')"


def _roca_shaped_modulus(bits: int = 2048) -> int:
    """A modulus with the ROCA fingerprint (every residue mod the small primes is a power
    of 65537, as for keys from the vulnerable Infineon library), built here so the check
    is covered without external vectors. It is not a product of two primes: the
    fingerprint test and the public-key loader only look at its residues and size."""
    from math import prod

    from jwtauth.core.keys.jwk import _ROCA_PRIMES

    m = prod(_ROCA_PRIMES)
    residue = pow(65537, 12345, m)
    k = (1 << (bits - 1)) // m + 1
    while (k * m + residue) % 2 == 0:
        k += 1
    return k * m + residue


def test_rsa_key_with_the_roca_fingerprint_is_refused() -> None:
    from jwt.utils import to_base64url_uint

    n = _roca_shaped_modulus()
    assert n.bit_length() == 2048
    jwk = {"kty": "RSA", "alg": "RS256", "n": to_base64url_uint(n).decode(), "e": "AQAB"}
    with pytest.raises(ConfigInvalid, match="ROCA"):
        load_jwk(jwk)
    # One unit away from the fingerprint it loads: the refusal is about the residues.
    jwk["n"] = to_base64url_uint(n + 2).decode()
    assert load_jwk(jwk).algorithm == "RS256"
