"""Property tests: arbitrary input never raises anything but the documented errors."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from jwtauth.api.authentication import JWTAuthentication
from jwtauth.core.errors import RefreshTokenInvalid, TokenInvalid
from jwtauth.core.jws import decode_claims
from jwtauth.core.tokens import verify_access_token, verify_refresh_token
from tests.api.helpers import COOKIE, REFRESH, USER
from tests.factories import policy

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FIXTURES_OK = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# Token-shaped text: three base64url-ish segments, so inputs get past the cheap checks.
_B64 = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/", max_size=60)
token_like = st.builds(lambda parts: ".".join(parts), st.lists(_B64, min_size=1, max_size=5))
anything = st.one_of(st.text(max_size=300), token_like, st.binary(max_size=300), st.integers(), st.none())


@FIXTURES_OK
@given(token=anything)
def test_verify_access_token_raises_only_token_invalid(token: Any) -> None:
    with contextlib.suppress(TokenInvalid):
        verify_access_token(token, policy(), now=NOW)


@FIXTURES_OK
@given(token=anything)
def test_verify_refresh_token_raises_only_refresh_token_invalid(token: Any) -> None:
    with contextlib.suppress(RefreshTokenInvalid):
        verify_refresh_token(token, policy(), now=NOW)


@FIXTURES_OK
@given(payload=st.binary(max_size=300))
def test_decode_claims_raises_only_token_invalid(payload: bytes) -> None:
    with contextlib.suppress(TokenInvalid):
        assert isinstance(decode_claims(payload), dict)


@FIXTURES_OK
@given(header=st.one_of(st.text(max_size=300), st.builds(lambda t: "Bearer " + t, token_like)))
def test_header_parser_raises_only_token_invalid(header: str) -> None:
    try:
        token = JWTAuthentication().get_raw_token(header)
    except TokenInvalid:
        return
    assert token is None or header.lower().startswith("bearer")


# Header and cookie values reach Django as latin-1 decoded WSGI strings.
wsgi_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=300)


@pytest.mark.django_db
@FIXTURES_OK
@given(value=st.one_of(wsgi_text, st.builds(lambda t: "Bearer " + t, st.one_of(token_like, wsgi_text))))
def test_any_authorization_header_is_a_401(value: str) -> None:
    response = APIClient().get(USER, HTTP_AUTHORIZATION=value)
    assert response.status_code == 401
    assert response.json()["code"] in {"not_authenticated", "token_invalid", "key_unknown"}


@pytest.mark.django_db
@FIXTURES_OK
@given(value=st.one_of(wsgi_text, token_like))
def test_any_refresh_cookie_is_a_401_or_403(value: str) -> None:
    client = APIClient(enforce_csrf_checks=True)
    csrf = "c" * 32
    response = client.post(REFRESH, HTTP_COOKIE=f"csrftoken={csrf}; {COOKIE}={value}", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code in {401, 403}, response.content
    assert response.json()["code"] in {
        "refresh_token_missing",
        "refresh_token_invalid",
        "refresh_token_expired",
        "refresh_token_revoked",
        "csrf_failed",
    }
