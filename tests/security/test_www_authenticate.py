"""Every 401 carries ``WWW-Authenticate`` (RFC 9110 §15.5.2).

The Bearer-authenticated endpoints answer with RFC 6750 §3 challenges; the cookie
endpoints (``login/``, ``refresh/``, ``logout/``) with the ``Cookie`` scheme of
draft-broyer-http-cookie-auth, naming the login URL and the refresh cookie.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from jwtauth.api.errors import api_error, exception_handler
from jwtauth.core.errors import InvalidCredentials, RefreshTokenMissing, TokenExpired
from tests.api.helpers import COOKIE, LOGIN, LOGOUT, REFRESH, SESSIONS, USER, bearer, csrf_headers, login
from tests.conftest import FakeClock

pytestmark = pytest.mark.django_db

COOKIE_CHALLENGE = f'Cookie realm="api", form-action="{LOGIN}", cookie-name="{COOKIE}"'


def assert_cookie_challenge(response: Any, code: str) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"] == COOKIE_CHALLENGE


def test_login_with_wrong_password(api_client: APIClient, user: Any) -> None:
    response = api_client.post(LOGIN, {"username": "alice", "password": "wrong"}, format="json")
    assert_cookie_challenge(response, "invalid_credentials")


def test_refresh_without_cookie(api_client: APIClient, user: Any) -> None:
    assert_cookie_challenge(api_client.post(REFRESH), "refresh_token_missing")


def test_refresh_with_garbage_cookie(api_client: APIClient, user: Any) -> None:
    headers = csrf_headers(api_client, login(api_client))
    api_client.cookies[COOKIE] = "garbage"
    assert_cookie_challenge(api_client.post(REFRESH, **headers), "refresh_token_invalid")


def test_refresh_with_expired_cookie(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    headers = csrf_headers(api_client, login(api_client))
    clock.advance(days=8)
    assert_cookie_challenge(api_client.post(REFRESH, **headers), "refresh_token_expired")


def test_refresh_after_logout(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    headers = csrf_headers(api_client, response)
    cookie = response.cookies[COOKIE].value
    assert api_client.post(LOGOUT, **headers).status_code == 204
    api_client.cookies[COOKIE] = cookie
    assert_cookie_challenge(api_client.post(REFRESH, **headers), "refresh_token_revoked")


def test_refresh_token_reuse(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    response = login(api_client)
    headers = csrf_headers(api_client, response)
    old = response.cookies[COOKIE].value
    assert api_client.post(REFRESH, **headers).status_code == 200
    clock.advance(60)  # past the grace period
    api_client.cookies[COOKIE] = old
    assert_cookie_challenge(api_client.post(REFRESH, **headers), "refresh_token_reused")


@pytest.mark.parametrize("path", [USER, SESSIONS])
def test_bearer_endpoints(api_client: APIClient, user: Any, path: str) -> None:
    anonymous = api_client.get(path)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="api"'
    bad = api_client.get(path, **bearer("a.b.c"))
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_token"')


@pytest.mark.parametrize("err", [InvalidCredentials(), RefreshTokenMissing(), TokenExpired()])
def test_exception_handler_gives_every_401_a_challenge(err: Any) -> None:
    """A project view that lets a jwtauth error escape still answers a proper 401."""
    response = exception_handler(api_error(err), {})
    assert response is not None
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="api"')
    assert ('error="invalid_token"' in response["WWW-Authenticate"]) is isinstance(err, TokenExpired)
    response = exception_handler(err, {})
    assert response is not None
    assert response.has_header("WWW-Authenticate")
