"""Token issue/verify: claims, typ confusion, expiry boundaries and leeway, iss/aud."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from jwtauth.core.errors import KeyUnknown, RefreshTokenExpired, RefreshTokenInvalid, TokenExpired, TokenInvalid
from jwtauth.core.jws import decode_claims
from jwtauth.core.tokens import (
    issue_access_token,
    issue_refresh_token,
    verify_access_token,
    verify_refresh_token,
)
from tests.conftest import START
from tests.factories import OTHER_SECRET, SECRET, claims, forge, policy

NOW = START


def _parts(token: str) -> tuple[dict, dict]:
    def dec(seg: str) -> dict:
        return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))

    header, payload, _ = token.split(".")
    return dec(header), dec(payload)


def test_access_token_claims_and_header() -> None:
    issued = issue_access_token(policy(issuer="https://api.example", audience="spa"), sub="42", sid="s1", now=NOW)
    header, payload = _parts(issued.token)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "HS256"
    assert header["kid"]
    assert set(payload) == {"iss", "sub", "aud", "iat", "exp", "jti", "sid"}
    assert payload["sub"] == "42"
    assert payload["sid"] == "s1"
    assert payload["exp"] - payload["iat"] == 300
    assert issued.lifetime_seconds == 300
    assert issued.jti == payload["jti"]


def test_round_trip() -> None:
    p = policy()
    issued = issue_access_token(p, sub="42", sid="s1", now=NOW)
    verified = verify_access_token(issued.token, p, now=NOW)
    assert (verified.sub, verified.sid, verified.jti) == ("42", "s1", issued.jti)


def test_jti_unique() -> None:
    p = policy()
    assert issue_access_token(p, sub="1", sid="s", now=NOW).jti != issue_access_token(p, sub="1", sid="s", now=NOW).jti


def test_refresh_token_rejected_as_access_token_even_with_one_key() -> None:
    p = policy()
    refresh = issue_refresh_token(p, sub="1", sid="s", now=NOW)
    with pytest.raises(TokenInvalid):
        verify_access_token(refresh.token, p, now=NOW)


def test_access_token_rejected_as_refresh_token_even_with_one_key() -> None:
    p = policy()
    access = issue_access_token(p, sub="1", sid="s", now=NOW)
    with pytest.raises(RefreshTokenInvalid):
        verify_refresh_token(access.token, p, now=NOW)


@pytest.mark.parametrize(
    ("offset", "leeway", "ok"),
    [(299, 0, True), (300, 0, False), (301, 0, False), (304, 5, True), (305, 5, False), (306, 5, False)],
)
def test_expiry_boundaries(offset: int, leeway: int, ok: bool) -> None:
    p = policy(leeway=timedelta(seconds=leeway))
    token = issue_access_token(p, sub="1", sid="s", now=NOW).token
    if ok:
        verify_access_token(token, p, now=NOW + timedelta(seconds=offset))
    else:
        with pytest.raises(TokenExpired):
            verify_access_token(token, p, now=NOW + timedelta(seconds=offset))


def test_refresh_expiry_has_its_own_code() -> None:
    p = policy(lifetime=timedelta(days=1))
    token = issue_refresh_token(p, sub="1", sid="s", now=NOW).token
    with pytest.raises(RefreshTokenExpired) as info:
        verify_refresh_token(token, p, now=NOW + timedelta(days=1))
    assert info.value.code == "refresh_token_expired"


@pytest.mark.parametrize("field", ["iat", "nbf"])
@pytest.mark.parametrize(("ahead", "leeway", "ok"), [(5, 5, True), (6, 5, False), (1, 0, False)])
def test_future_iat_nbf_beyond_leeway(field: str, ahead: int, leeway: int, ok: bool) -> None:
    p = policy(leeway=timedelta(seconds=leeway))
    ts = int(NOW.timestamp()) + ahead
    token = forge(claims(NOW, **{field: ts}))
    if ok:
        verify_access_token(token, p, now=NOW)
    else:
        with pytest.raises(TokenInvalid):
            verify_access_token(token, p, now=NOW)


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "jti", "sid"])
def test_required_claims(missing: str) -> None:
    with pytest.raises(TokenInvalid):
        verify_access_token(forge(claims(NOW, **{missing: None})), policy(), now=NOW)


@pytest.mark.parametrize(("name", "value"), [("sub", 1), ("exp", "soon"), ("exp", True), ("jti", ["a"])])
def test_claim_types(name: str, value: object) -> None:
    with pytest.raises(TokenInvalid):
        verify_access_token(forge(claims(NOW, **{name: value})), policy(), now=NOW)


def test_issuer_and_audience() -> None:
    p = policy(issuer="https://a", audience="spa")
    with pytest.raises(TokenInvalid):
        verify_access_token(forge(claims(NOW, iss="https://b", aud="spa")), p, now=NOW)
    with pytest.raises(TokenInvalid):
        verify_access_token(forge(claims(NOW, iss="https://a", aud="other")), p, now=NOW)
    verify_access_token(forge(claims(NOW, iss="https://a", aud=["other", "spa"])), p, now=NOW)
    with pytest.raises(TokenInvalid):  # aud present but none expected
        verify_access_token(forge(claims(NOW, aud="spa")), policy(), now=NOW)


@pytest.mark.parametrize("typ", ["JWT", None, "refresh+jwt", "at+jwt2"])
def test_wrong_typ(typ: str | None) -> None:
    with pytest.raises(TokenInvalid):
        verify_access_token(forge(claims(NOW), typ=typ), policy(), now=NOW)


@pytest.mark.parametrize("typ", ["AT+JWT", "application/at+jwt"])
def test_typ_forms_accepted(typ: str) -> None:
    verify_access_token(forge(claims(NOW), typ=typ), policy(), now=NOW)


def test_wrong_key_and_unknown_kid() -> None:
    with pytest.raises(TokenInvalid):
        verify_access_token(forge(claims(NOW), secret=OTHER_SECRET, kid=policy().keys.signing.kid), policy(), now=NOW)
    with pytest.raises(KeyUnknown) as info:
        verify_access_token(forge(claims(NOW), kid="../../etc/passwd"), policy(), now=NOW)
    assert info.value.code == "key_unknown"


def test_algorithm_comes_from_the_key() -> None:
    token = forge(claims(NOW), alg="HS512", secret=SECRET * 2, kid=policy().keys.signing.kid)
    with pytest.raises(TokenInvalid):
        verify_access_token(token, policy(), now=NOW)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_rejected(alg: str) -> None:
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    kid = policy().keys.signing.kid
    token = f"{b64({'alg': alg, 'typ': 'at+jwt', 'kid': kid})}.{b64(claims(NOW))}."
    with pytest.raises(TokenInvalid):
        verify_access_token(token, policy(), now=NOW)


@pytest.mark.parametrize("token", ["", "a", "a.b", "a.b.c.d", "....", "é.é.é", None, 123, b"a.b.c", "x" * 9000])
def test_garbage(token: object) -> None:
    with pytest.raises(TokenInvalid):
        verify_access_token(token, policy(), now=NOW)


def test_tampered_payload() -> None:
    p = policy()
    token = issue_access_token(p, sub="1", sid="s", now=NOW).token
    header, _payload, sig = token.split(".")
    other = issue_access_token(p, sub="2", sid="s", now=NOW).token.split(".")[1]
    with pytest.raises(TokenInvalid):
        verify_access_token(f"{header}.{other}.{sig}", p, now=NOW)


def test_duplicate_keys_and_deep_nesting_rejected() -> None:
    with pytest.raises(TokenInvalid):
        decode_claims(b'{"sub": "1", "sub": "2"}')
    with pytest.raises(TokenInvalid):
        decode_claims(b"[" * 5000 + b"]" * 5000)
    with pytest.raises(TokenInvalid):
        decode_claims(b"\xff\xfe")
    with pytest.raises(TokenInvalid):
        decode_claims(b"[1]")


def test_unicode_and_uuid_subjects() -> None:
    p = policy()
    for sub in ("ünï©ødé", "8c4f5b1e-0a7e-4d0e-9f3e-1b2c3d4e5f60"):
        assert verify_access_token(issue_access_token(p, sub=sub, sid="s", now=NOW).token, p, now=NOW).sub == sub
