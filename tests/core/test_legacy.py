"""simplejwt tokens in the transition window: signature, typ, token type, window, claims
(pure core: tokens made with PyJWT as simplejwt makes them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest

from jwtauth.core.errors import TokenExpired, TokenInvalid
from jwtauth.core.keys.keyset import KeySet, hmac_key
from jwtauth.core.legacy import LegacyTokenPolicy, check_legacy_claims, verify_legacy_signature
from jwtauth.core.tokens import issue_access_token
from tests.conftest import START
from tests.factories import policy as jwtauth_policy

SECRET = b"simplejwt-signing-key-of-the-old-deployment-0123456789"
POLICY = LegacyTokenPolicy(keys=KeySet((hmac_key(SECRET, "HS256"),)), accept_until=START + timedelta(days=30))
NOW = START


def simplejwt(token_type: str = "access", key: bytes = SECRET, headers: Any = None, **overrides: Any) -> str:
    claims: dict[str, Any] = {
        "token_type": token_type,
        "exp": int(NOW.timestamp()) + 300,
        "iat": int(NOW.timestamp()),
        "jti": "a" * 32,
        "user_id": "1",
    }
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="HS256", headers=headers)


def verify(token: str, token_type: str = "access", now: Any = NOW) -> Any:
    return check_legacy_claims(verify_legacy_signature(token, POLICY), POLICY, token_type=token_type, now=now)


def test_an_access_token_verifies_with_its_custom_claims() -> None:
    claims = verify(simplejwt(role="admin", scope="read"))
    assert (claims.sub, claims.jti, claims.iat, claims.token_type) == ("1", "a" * 32, int(NOW.timestamp()), "access")
    assert claims.is_legacy and claims.sid is None and claims.auth_time is None and claims.jkt is None
    assert dict(claims.claims) == {"role": "admin", "scope": "read"}


def test_an_integer_user_id_and_no_iat() -> None:
    claims = verify(simplejwt(user_id=7, iat=None))
    assert claims.sub == "7" and claims.iat is None


@pytest.mark.parametrize(("token_type", "expected"), [("refresh", "access"), ("access", "refresh")])
def test_the_token_type_must_match(token_type: str, expected: str) -> None:
    with pytest.raises(TokenInvalid):
        verify(simplejwt(token_type), expected)


def test_the_window_end_is_exclusive() -> None:
    token = simplejwt(exp=int(POLICY.accept_until.timestamp()) + 60)
    assert verify(token, now=POLICY.accept_until - timedelta(seconds=1)).sub == "1"
    with pytest.raises(TokenInvalid):
        verify(token, now=POLICY.accept_until)


def test_expiry_and_leeway() -> None:
    with pytest.raises(TokenExpired):
        verify(simplejwt(), now=NOW + timedelta(seconds=300))


@pytest.mark.parametrize(
    "overrides",
    [{"user_id": True}, {"user_id": ["1"]}, {"jti": 5}, {"user_id": None}, {"token_type": None}, {"jti": None}],
)
def test_malformed_claims(overrides: dict[str, Any]) -> None:
    with pytest.raises(TokenInvalid):
        verify(simplejwt(**overrides))


def test_another_key_or_a_jwtauth_token_is_not_simplejwt() -> None:
    with pytest.raises(TokenInvalid):
        verify_legacy_signature(simplejwt(key=b"another-deployment-signing-key-0123456789-abcdef"), POLICY)
    # jwtauth's own access token, even under the same secret: its typ is at+jwt.
    ours = issue_access_token(jwtauth_policy(secret=SECRET), sub="1", sid="s", now=NOW).token
    with pytest.raises(TokenInvalid, match="wrong typ"):
        verify_legacy_signature(ours, POLICY)
