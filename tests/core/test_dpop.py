"""DPoP proof verification (RFC 9449 §4.3) with a frozen clock, and interop with jwcrypto."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jwt as jwcrypto_jwt

from jwtauth.core.dpop import (
    access_token_hash,
    dpop_nonce,
    normalize_htu,
    verify_dpop_proof,
)
from jwtauth.core.errors import DPoPNonceRequired, DPoPProofInvalid
from jwtauth.core.keys.jwk import jwk_thumbprint
from tests.conftest import START

HTU = "https://api.example.com/api/me/"
WINDOW = timedelta(seconds=60)
NOW = int(START.timestamp())
_ALG_CLASSES = jwt.algorithms.get_default_algorithms()


def new_key(alg: str = "ES256") -> Any:
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: Any, alg: str = "ES256") -> dict[str, Any]:
    return dict(_ALG_CLASSES[alg].to_jwk(key.public_key(), as_dict=True))


ES256_KEY = new_key("ES256")


def make_proof(
    key: Any = ES256_KEY,
    *,
    alg: str = "ES256",
    htm: str = "GET",
    htu: str = HTU,
    iat: Any = NOW,
    jti: Any = "proof-1",
    access_token: str | None = None,
    header: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    **extra: Any,
) -> str:
    claims: dict[str, Any] = {"jti": jti, "htm": htm, "htu": htu, "iat": iat, **extra}
    if access_token is not None:
        claims["ath"] = access_token_hash(access_token)
    for name in drop:
        claims.pop(name, None)
    headers: dict[str, Any] = {"typ": "dpop+jwt", "jwk": public_jwk(key, alg)}
    headers.update(header or {})
    headers = {k: v for k, v in headers.items() if v is not None}
    return jwt.encode(claims, key, algorithm=alg, headers=headers)


def verify(proof: str, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"htm": "GET", "htu": HTU, "now": START, "iat_window": WINDOW}
    options.update(kwargs)
    return verify_dpop_proof(proof, **options)


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_valid_proof(alg: str) -> None:
    key = new_key(alg)
    proof = verify(make_proof(key, alg=alg))
    assert proof.jkt == jwk_thumbprint(public_jwk(key, alg))
    assert (proof.jti, proof.iat, proof.htm, proof.htu, proof.nonce) == ("proof-1", NOW, "GET", HTU, None)


def test_rsa_only_when_allowed() -> None:
    key = new_key("PS256")
    with pytest.raises(DPoPProofInvalid, match="alg not allowed"):
        verify(make_proof(key, alg="PS256"))
    assert verify(make_proof(key, alg="PS256"), algorithms=("PS256",)).jkt


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyJWT >= 2.11 warns about short keys
def test_small_rsa_key_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505  (the refused case)
    with pytest.raises(DPoPProofInvalid, match="RSA key too small"):
        verify(make_proof(small, alg="RS256"), algorithms=("RS256",))


@pytest.mark.parametrize("htm", ["POST", "get"])
def test_wrong_htm(htm: str) -> None:
    with pytest.raises(DPoPProofInvalid, match="htm"):
        verify(make_proof(htm=htm))


@pytest.mark.parametrize(
    "htu",
    [
        "https://api.example.com/api/logout/",  # a proof for another URL
        "https://evil.example.com/api/me/",
        "http://api.example.com/api/me/",
        "https://api.example.com:8443/api/me/",
        "https://api.example.com/api/me",
    ],
)
def test_wrong_htu(htu: str) -> None:
    with pytest.raises(DPoPProofInvalid, match="htu does not match"):
        verify(make_proof(htu=htu))


@pytest.mark.parametrize(
    "htu",
    [
        "https://api.example.com/api/me/?page=2",  # §4.3: query and fragment are ignored
        "https://api.example.com/api/me/#top",
        "HTTPS://API.example.COM:443/api/me/",
    ],
)
def test_htu_normalised(htu: str) -> None:
    assert verify(make_proof(htu=htu)).htu == HTU


@pytest.mark.parametrize("htu", ["/api/me/", "ftp://api.example.com/x", "https://", "https://[::1/x", 7])
def test_htu_not_an_http_uri(htu: Any) -> None:
    with pytest.raises(DPoPProofInvalid):
        verify(make_proof(htu=htu))


def test_normalize_htu() -> None:
    assert normalize_htu("http://Example.com") == "http://example.com/"
    assert normalize_htu("http://example.com:80/a?b#c") == "http://example.com/a"
    assert normalize_htu("http://example.com:8000/a") == "http://example.com:8000/a"
    assert normalize_htu("https://[::1]:443/a") == "https://[::1]/a"


@pytest.mark.parametrize("offset", [-60, 0, 60])
def test_iat_inside_window(offset: int) -> None:
    assert verify(make_proof(iat=NOW + offset)).iat == NOW + offset


@pytest.mark.parametrize("offset", [-61, 61, -3600])
def test_iat_stale_or_future(offset: int) -> None:
    with pytest.raises(DPoPProofInvalid, match="iat outside"):
        verify(make_proof(iat=NOW + offset))


@pytest.mark.parametrize("iat", ["now", True, None])
def test_iat_not_a_number(iat: Any) -> None:
    with pytest.raises(DPoPProofInvalid, match="iat"):
        verify(make_proof(iat=iat))


def test_ath_matches() -> None:
    assert verify(make_proof(access_token="tok.en.x"), access_token="tok.en.x").jti == "proof-1"


def test_wrong_ath() -> None:
    with pytest.raises(DPoPProofInvalid, match="ath does not match"):
        verify(make_proof(access_token="other.token.x"), access_token="tok.en.x")


def test_missing_ath() -> None:
    with pytest.raises(DPoPProofInvalid, match="ath does not match"):
        verify(make_proof(), access_token="tok.en.x")


def test_ath_of_a_non_ascii_token() -> None:
    with pytest.raises(DPoPProofInvalid, match="ath does not match"):
        verify(make_proof(ath="x"), access_token="tök")


def test_ath_without_access_token() -> None:
    with pytest.raises(DPoPProofInvalid, match="ath without"):
        verify(make_proof(access_token="tok.en.x"))


def test_wrong_key_for_bound_token() -> None:
    bound_to = jwk_thumbprint(public_jwk(new_key()))
    with pytest.raises(DPoPProofInvalid, match=r"cnf\.jkt"):
        verify(make_proof(), jkt=bound_to)
    right = jwk_thumbprint(public_jwk(ES256_KEY))
    assert verify(make_proof(), jkt=right).jkt == right


def test_signature_by_another_key() -> None:
    proof = make_proof(new_key(), header={"jwk": public_jwk(ES256_KEY)})
    with pytest.raises(DPoPProofInvalid, match="bad signature"):
        verify(proof)


def test_alg_none() -> None:
    proof = jwt.encode(
        {"jti": "j", "htm": "GET", "htu": HTU, "iat": NOW},
        None,
        algorithm="none",
        headers={"typ": "dpop+jwt", "jwk": public_jwk(ES256_KEY)},
    )
    assert proof.endswith(".")
    with pytest.raises(DPoPProofInvalid, match="alg not allowed"):
        verify(proof)


def test_alg_hs256_with_symmetric_jwk() -> None:
    secret = b"s" * 32
    proof = jwt.encode(
        {"jti": "j", "htm": "GET", "htu": HTU, "iat": NOW},
        secret,
        algorithm="HS256",
        headers={"typ": "dpop+jwt", "jwk": {"kty": "oct", "k": "c3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3M"}},
    )
    with pytest.raises(DPoPProofInvalid, match="alg not allowed"):
        verify(proof, algorithms=("ES256", "EdDSA", "HS256"))


def test_private_key_material_in_jwk() -> None:
    private = dict(json.loads(_ALG_CLASSES["ES256"].to_jwk(ES256_KEY)))
    assert "d" in private
    with pytest.raises(DPoPProofInvalid, match="private key material"):
        verify(make_proof(header={"jwk": private}))


@pytest.mark.parametrize(
    "jwk",
    [
        None,
        "not-an-object",
        {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},  # kty does not fit ES256
        {"kty": "EC", "crv": "P-384", "x": "AAAA", "y": "AAAA"},
        {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},  # not a point on the curve
    ],
)
def test_bad_jwk(jwk: Any) -> None:
    with pytest.raises(DPoPProofInvalid, match="jwk"):
        verify(make_proof(header={"jwk": jwk} if jwk is not None else {"jwk": None}))


@pytest.mark.parametrize("typ", [None, "JWT", "at+jwt", "application/dpop+jwt"])
def test_missing_or_wrong_typ(typ: str | None) -> None:
    with pytest.raises(DPoPProofInvalid, match="typ"):
        verify(make_proof(header={"typ": typ}))


@pytest.mark.parametrize("claim", ["jti", "htm", "htu", "iat"])
def test_missing_claim(claim: str) -> None:
    with pytest.raises(DPoPProofInvalid, match=f"claim {claim} missing"):
        verify(make_proof(drop=(claim,)))


@pytest.mark.parametrize("jti", ["", 5, "x" * 257, "\ud800"])
def test_bad_jti(jti: Any) -> None:
    with pytest.raises(DPoPProofInvalid, match="jti"):
        verify(make_proof(jti=jti))


@pytest.mark.parametrize("proof", [None, "", "a.b", "x" * 9000, "e30.e30.!!", "bm90IGpzb24.e30.AA"])
def test_not_a_proof(proof: Any) -> None:
    with pytest.raises(DPoPProofInvalid):
        verify(proof)


def test_claims_not_an_object() -> None:
    proof = jwt.api_jws.encode(
        b"[1]", ES256_KEY, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": public_jwk(ES256_KEY)}
    )
    with pytest.raises(DPoPProofInvalid, match="claims"):
        verify(proof)


def test_nonce() -> None:
    secret = b"n" * 32
    current = dpop_nonce(secret, START, timedelta(minutes=5))
    previous = dpop_nonce(secret, START, timedelta(minutes=5), previous=True)
    assert current != previous
    assert dpop_nonce(secret, START + timedelta(minutes=5), timedelta(minutes=5), previous=True) == current
    accepted = (current, previous)
    assert verify(make_proof(nonce=current), nonces=accepted).nonce == current
    assert verify(make_proof(nonce=previous), nonces=accepted).nonce == previous
    for proof in (make_proof(), make_proof(nonce="stale")):
        with pytest.raises(DPoPNonceRequired) as info:
            verify(proof, nonces=accepted)
        assert info.value.code == "use_dpop_nonce"
    with pytest.raises(DPoPProofInvalid, match="nonce is not a string"):
        verify(make_proof(nonce=5))
    # Without a server nonce policy, a client nonce is carried but not required.
    assert verify(make_proof(nonce="anything")).nonce == "anything"


# Interop: proofs made by an independent JOSE library.


@pytest.mark.parametrize(
    ("kty", "params", "alg"), [("EC", {"crv": "P-256"}, "ES256"), ("OKP", {"crv": "Ed25519"}, "EdDSA")]
)
def test_jwcrypto_proof_verifies(kty: str, params: dict[str, str], alg: str) -> None:
    key = jwcrypto_jwk.JWK.generate(kty=kty, **params)
    public = json.loads(key.export_public())
    token = jwcrypto_jwt.JWT(
        header={"typ": "dpop+jwt", "alg": alg, "jwk": public},
        claims={"jti": "jc-1", "htm": "POST", "htu": HTU, "iat": NOW, "ath": access_token_hash("a.b.c")},
    )
    token.make_signed_token(key)
    proof = verify(token.serialize(), htm="POST", access_token="a.b.c")
    assert proof.jkt == key.thumbprint()  # RFC 7638 SHA-256 thumbprint, computed by jwcrypto


def test_thumbprint_matches_jwcrypto() -> None:
    public = public_jwk(ES256_KEY)
    assert jwk_thumbprint(public) == jwcrypto_jwk.JWK(**public).thumbprint()
