"""Attacks on verification: alg none, HMAC with the public key, kid tricks, header
injection (jku/x5u/jwk/x5c/crit/b64), alg mismatch, and malformed encodings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import jwt
import pytest

from jwtauth.core.errors import KeyUnknown, TokenInvalid
from jwtauth.core.jws import verify_jws
from jwtauth.core.keys.jwks import public_jwk, public_pem
from jwtauth.core.keys.keyset import KeySet
from jwtauth.core.tokens import issue_access_token, verify_access_token
from tests.conftest import START
from tests.factories import asymmetric_key, asymmetric_policy, claims


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, object], payload: dict[str, object]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"


def _hs256(header: dict[str, object], payload: dict[str, object], secret: bytes) -> str:
    # Built by hand: PyJWT itself refuses to use PEM text as an HMAC secret.
    signing_input = _unsigned(header, payload)
    return f"{signing_input}.{_b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


_IO_EVENTS = ("open", "socket.connect", "socket.getaddrinfo", "urllib.Request", "os.listdir", "subprocess.Popen")
_watching: list[bool] = []


def _audit(event: str, args: object) -> None:
    if _watching and event in _IO_EVENTS:
        raise AssertionError(f"unexpected I/O during verification: {event} {args!r}")


sys.addaudithook(_audit)  # process-wide and permanent, but inert unless _watching


@contextmanager
def no_io() -> Iterator[None]:
    _watching.append(True)
    try:
        yield
    finally:
        _watching.pop()


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("kid", [None, "auto"])
def test_alg_none_in_any_casing(alg: str, kid: str | None) -> None:
    key = asymmetric_key("EdDSA")
    header: dict[str, object] = {"alg": alg, "typ": "at+jwt"}
    if kid:
        header["kid"] = key.kid
    token = _unsigned(header, claims(START)) + "."
    with pytest.raises(TokenInvalid):
        verify_access_token(token, asymmetric_policy(key), now=START)


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256", "PS256"])
@pytest.mark.parametrize("material", ["pem", "jwk"])
def test_hs256_signed_with_the_public_key_fails(alg: str, material: str) -> None:
    key = asymmetric_key(alg)
    secret = public_pem(key).encode() if material == "pem" else json.dumps(public_jwk(key)).encode()
    token = _hs256({"alg": "HS256", "typ": "at+jwt", "kid": key.kid}, claims(START), secret)
    with pytest.raises(TokenInvalid):
        verify_access_token(token, asymmetric_policy(key), now=START)


@pytest.mark.parametrize(
    "kid",
    ["../../../../etc/passwd", "/dev/zero", "file:///etc/passwd", "http://127.0.0.1:1/k", "' OR 1=1 --", "\x00", ""],
)
def test_unknown_kid_rejected_without_any_io(kid: str) -> None:
    key = asymmetric_key("EdDSA")
    forged = jwt.encode(claims(START), key.signing_key, algorithm="EdDSA", headers={"typ": "at+jwt", "kid": kid})  # type: ignore[arg-type]
    policy = asymmetric_policy(key, asymmetric_key("ES256"))
    with no_io(), pytest.raises(KeyUnknown):
        verify_access_token(forged, policy, now=START)


def test_audit_hook_really_catches_io() -> None:
    with no_io(), pytest.raises(AssertionError, match="unexpected I/O"):
        open("/dev/null")  # noqa: SIM115


@pytest.mark.parametrize(
    "header",
    [
        {"jku": "http://127.0.0.1:1/jwks.json"},
        {"x5u": "http://127.0.0.1:1/cert.pem"},
        {"x5c": ["MIIB"]},
        {"crit": ["exp"], "exp": 1},
        {"b64": False, "crit": ["b64"]},
    ],
)
def test_key_and_processing_headers_rejected(header: dict[str, object]) -> None:
    key = asymmetric_key("EdDSA")
    token = jwt.encode(
        claims(START), key.signing_key, algorithm="EdDSA", headers={"typ": "at+jwt", "kid": key.kid, **header}
    )  # type: ignore[arg-type]
    with no_io(), pytest.raises(TokenInvalid):
        verify_access_token(token, asymmetric_policy(key), now=START)


def test_embedded_attacker_jwk_is_never_trusted() -> None:
    ours, attacker = asymmetric_key("EdDSA"), asymmetric_key("EdDSA", "attacker")
    headers = {"typ": "at+jwt", "kid": ours.kid, "jwk": public_jwk(attacker)}
    token = jwt.encode(claims(START), attacker.signing_key, algorithm="EdDSA", headers=headers)  # type: ignore[arg-type]
    with pytest.raises(TokenInvalid):
        verify_access_token(token, asymmetric_policy(ours), now=START)
    # Even without the header, the attacker's signature does not verify with our key.
    headers.pop("jwk")
    token = jwt.encode(claims(START), attacker.signing_key, algorithm="EdDSA", headers=headers)  # type: ignore[arg-type]
    with pytest.raises(TokenInvalid, match="bad signature"):
        verify_access_token(token, asymmetric_policy(ours), now=START)


@pytest.mark.parametrize(("signer", "claimed"), [("RS256", "PS256"), ("PS256", "RS256"), ("ES256", "EdDSA")])
def test_alg_mismatch_between_header_and_key(signer: str, claimed: str) -> None:
    # A token signed correctly with the key but labelled with another alg, and a key
    # used under another alg than it was configured for: both rejected.
    signing = asymmetric_key(signer)
    token = issue_access_token(asymmetric_policy(signing), sub="1", sid="s", now=START).token
    header, payload, signature = token.split(".")
    relabelled = json.loads(base64.urlsafe_b64decode(header + "=="))
    relabelled["alg"] = claimed
    with pytest.raises(TokenInvalid, match="alg does not match"):
        verify_jws(f"{_b64(json.dumps(relabelled).encode())}.{payload}.{signature}", KeySet((signing,)))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + "=",
        lambda t: t.replace(".", "=.", 1),
        lambda t: t + ".",
        lambda t: " " + t,
        lambda t: t.replace(".", ".\n", 1),
        lambda t: t[: t.rindex(".") + 1] + t[t.rindex(".") + 1 :].replace("-", "+").replace("_", "/"),
    ],
)
def test_non_canonical_encodings_rejected(mangle: object) -> None:
    key = asymmetric_key("EdDSA")
    token = issue_access_token(asymmetric_policy(key), sub="1", sid="s", now=START).token
    mangled = mangle(token)  # type: ignore[operator]
    if mangled == token:
        pytest.skip("mangling did not change this token")
    with pytest.raises(TokenInvalid):
        verify_jws(mangled, KeySet((key,)))


def test_stray_low_bits_in_signature_rejected() -> None:
    # Ed25519 signatures are 64 bytes: the last base64url character carries 4 unused
    # bits. Setting one gives a second spelling of the same signature bytes.
    key = asymmetric_key("EdDSA")
    token = issue_access_token(asymmetric_policy(key), sub="1", sid="s", now=START).token
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    twin = token[:-1] + alphabet[last | 1 if last % 2 == 0 else last & ~1]
    assert base64.urlsafe_b64decode(twin.split(".")[2] + "==") == base64.urlsafe_b64decode(token.split(".")[2] + "==")
    with pytest.raises(TokenInvalid, match="compact"):
        verify_jws(twin, KeySet((key,)))
