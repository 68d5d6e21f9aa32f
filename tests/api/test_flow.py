"""The split-token flow end to end through the test client, with CSRF enforced."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from jwtauth.sessions.models import RefreshSession
from tests.api.helpers import COOKIE, HELLO, LOGIN, LOGOUT, REFRESH, USER, bearer, csrf_headers, login
from tests.conftest import PASSWORD, FakeClock
from tests.security.helpers import unverified

pytestmark = pytest.mark.django_db


def test_login_response_shape_and_cookies(api_client: APIClient, user: Any) -> None:
    response = login(api_client, HTTP_USER_AGENT="pytest-agent")
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "csrf_token", "user"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert body["user"] == {
        "id": user.pk,
        "username": "alice",
        "email": "alice@example.com",
        "first_name": "",
        "last_name": "",
        "is_active": True,
    }
    assert response["Cache-Control"] == "no-store"
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/api/auth/"
    assert cookie["domain"] == ""
    assert cookie["max-age"] == 7 * 24 * 3600
    assert "csrftoken" in response.cookies
    session = RefreshSession.objects.get()
    assert session.user_agent == "pytest-agent"
    assert session.ip_address == "127.0.0.1"
    assert cookie.value not in str(RefreshSession.objects.values().get())


def test_user_endpoint_with_bearer(api_client: APIClient, user: Any) -> None:
    token = login(api_client).json()["access_token"]
    response = APIClient().get(USER, **bearer(token))
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "alice"
    assert APIClient().get(HELLO, **bearer(token)).json() == {"message": "hello", "user": "alice"}


def test_bearer_needs_no_csrf_even_for_unsafe_methods(api_client: APIClient, user: Any) -> None:
    token = login(api_client).json()["access_token"]
    client = APIClient(enforce_csrf_checks=True)
    assert client.post(HELLO, {}, format="json", **bearer(token)).status_code == 405  # reached the view


def test_no_header_is_anonymous(api_client: APIClient) -> None:
    response = api_client.get(USER)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer garbage",
        "Bearer a.b.c",
        "bearer x.y.z",
        "Bearer " + "a" * 10000,
        "Bearer é",
    ],
)
def test_bad_header_is_401_with_rfc6750_challenge(api_client: APIClient, header: str) -> None:
    response = api_client.get(USER, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="invalid_token", error_description="')


def test_other_scheme_is_left_to_other_authenticators(api_client: APIClient) -> None:
    response = api_client.get(USER, HTTP_AUTHORIZATION="Basic YTpi")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.jwtauth_settings(AUTH_HEADER_TYPES=["Bearer", "Token"])
def test_token_scheme_configurable(api_client: APIClient, user: Any) -> None:
    token = login(api_client).json()["access_token"]
    assert APIClient().get(USER, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert APIClient().get(USER, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


@pytest.mark.jwtauth_settings(LEEWAY=0)
def test_expired_access_token(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    token = login(api_client).json()["access_token"]
    clock.advance(299)
    assert APIClient().get(USER, **bearer(token)).status_code == 200
    clock.advance(1)
    response = APIClient().get(USER, **bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


@pytest.mark.parametrize(("leeway", "marker"), [(30, None), (30, 30), (5, 5)])
def test_leeway_boundaries(
    api_client: APIClient, user: Any, clock: FakeClock, settings: Any, leeway: int, marker: int | None
) -> None:
    """exp - leeway +- 1 s: the default leeway is 30 s, and LEEWAY still sets it."""
    if marker is not None:
        settings.JWTAUTH = {**settings.JWTAUTH, "LEEWAY": marker}
    token = login(api_client).json()["access_token"]
    exp = unverified(token)["exp"]
    clock.set(datetime.fromtimestamp(exp + leeway - 1, UTC))
    assert APIClient().get(USER, **bearer(token)).status_code == 200
    clock.advance(1)
    response = APIClient().get(USER, **bearer(token))
    assert (response.status_code, response.json()["code"]) == (401, "token_expired")
    clock.advance(1)
    assert APIClient().get(USER, **bearer(token)).status_code == 401


def test_refresh_token_is_not_an_access_token(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    refresh = response.cookies[COOKIE].value
    r = APIClient().get(USER, **bearer(refresh))
    assert r.status_code == 401
    assert r.json()["code"] in {"token_invalid", "key_unknown"}


def test_refresh_rotates(
    api_client: APIClient, user: Any, clock: FakeClock, after_grace: Callable[[], None], replay_refresh: Any
) -> None:
    first = login(api_client)
    old_cookie = first.cookies[COOKIE].value
    clock.advance(60)
    response = api_client.post(REFRESH, **csrf_headers(api_client, first))
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "csrf_token"}
    assert response["Cache-Control"] == "no-store"
    new_cookie = response.cookies[COOKIE]
    assert new_cookie.value != old_cookie
    assert new_cookie["httponly"]
    assert new_cookie["path"] == "/api/auth/"
    assert APIClient().get(USER, **bearer(body["access_token"])).status_code == 200
    # the old refresh token stops working (after the grace period)
    after_grace()
    r = replay_refresh(api_client, old_cookie)
    assert r.status_code == 401
    assert r.json()["code"] == "refresh_token_reused"
    assert r.cookies[COOKIE].value == ""
    # reuse revoked the whole family: the newest refresh token and access token die too
    assert api_client.post(REFRESH, **csrf_headers(api_client)).json()["code"] == "refresh_token_revoked"
    assert APIClient().get(USER, **bearer(body["access_token"])).json()["code"] == "token_revoked"


def test_csrf_endpoint_gives_a_token_that_refresh_accepts(api_client: APIClient, user: Any) -> None:
    login(api_client)
    fresh = api_client.get("/api/auth/csrf/")
    assert fresh.status_code == 200
    assert fresh["Cache-Control"] == "no-store"
    r = api_client.post(REFRESH, HTTP_X_CSRFTOKEN=fresh.json()["csrf_token"])
    assert r.status_code == 200


def test_refresh_without_cookie(api_client: APIClient) -> None:
    response = api_client.post(REFRESH)
    assert response.status_code == 401
    assert response.json() == {"detail": "No refresh token was sent.", "code": "refresh_token_missing"}


@pytest.mark.parametrize("csrf", ["missing", "wrong", "foreign-origin"])
def test_refresh_csrf_failures(api_client: APIClient, user: Any, csrf: str) -> None:
    response = login(api_client)
    headers: dict[str, str] = {}
    if csrf == "wrong":
        headers["HTTP_X_CSRFTOKEN"] = "x" * 64
    elif csrf == "foreign-origin":
        headers = {**csrf_headers(api_client, response), "HTTP_ORIGIN": "https://evil.example"}
    r = api_client.post(REFRESH, **headers)
    assert r.status_code == 403
    assert r.json()["code"] == "csrf_failed"
    assert COOKIE not in r.cookies  # a CSRF failure does not touch the session


def test_refresh_trusted_cross_origin(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    r = api_client.post(REFRESH, HTTP_ORIGIN="http://localhost:3000", **csrf_headers(api_client, response))
    assert r.status_code == 200


@pytest.mark.parametrize("value", ["garbage", "a.b.c", "é"])
def test_refresh_with_garbage_cookie(api_client: APIClient, value: str) -> None:
    api_client.get(USER)  # no csrf cookie yet: set one by hand
    api_client.cookies["csrftoken"] = "a" * 32
    api_client.cookies[COOKIE] = value
    r = api_client.post(REFRESH, HTTP_X_CSRFTOKEN="a" * 32)
    assert r.status_code == 401
    assert r.json()["code"] == "refresh_token_invalid"
    assert r.cookies[COOKIE].value == ""


def test_refresh_expired(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    response = login(api_client)
    clock.advance(days=7)
    r = api_client.post(REFRESH, **csrf_headers(api_client, response))
    assert r.status_code == 401
    assert r.json()["code"] == "refresh_token_expired"
    assert r.cookies[COOKIE].value == ""


def test_refresh_after_user_deleted(api_client: APIClient, user: Any) -> None:
    """Field case 2."""
    response = login(api_client)
    user.delete()
    r = api_client.post(REFRESH, **csrf_headers(api_client, response))
    assert r.status_code == 401
    assert r.json()["code"] == "refresh_token_revoked"
    assert r.cookies[COOKIE].value == ""


def test_inactive_user(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    access = response.json()["access_token"]
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert APIClient().get(USER, **bearer(access)).json()["code"] == "user_inactive"
    r = api_client.post(REFRESH, **csrf_headers(api_client, response))
    assert r.status_code == 401
    assert r.json()["code"] == "user_inactive"


def test_deleted_user_access_token(api_client: APIClient, user: Any) -> None:
    access = login(api_client).json()["access_token"]
    user.delete()
    r = APIClient().get(USER, **bearer(access))
    assert r.status_code == 401
    assert r.json()["code"] == "token_revoked"


def test_logout_revokes_and_clears_cookie_with_same_attributes(api_client: APIClient, user: Any) -> None:
    """Field case 6."""
    response = login(api_client)
    set_cookie = response.cookies[COOKIE]
    access = response.json()["access_token"]
    r = api_client.post(LOGOUT, **csrf_headers(api_client, response))
    assert r.status_code == 204
    cleared = r.cookies[COOKIE]
    assert cleared.value == ""
    assert cleared["max-age"] == 0
    assert "1970" in cleared["expires"]
    for attribute in ("path", "domain", "samesite", "secure", "httponly"):
        assert cleared[attribute] == set_cookie[attribute], attribute
    assert RefreshSession.objects.get().revoke_reason == "logout"
    assert APIClient().get(USER, **bearer(access)).json()["code"] == "token_revoked"
    replay = APIClient(enforce_csrf_checks=True)
    replay.cookies[COOKIE] = set_cookie.value
    replay.cookies["csrftoken"] = api_client.cookies["csrftoken"].value
    assert (
        replay.post(REFRESH, HTTP_X_CSRFTOKEN=api_client.cookies["csrftoken"].value).json()["code"]
        == "refresh_token_revoked"
    )


@pytest.mark.jwtauth_settings(REFRESH_COOKIE_DOMAIN="example.com", REFRESH_COOKIE_SAMESITE="Strict")
def test_logout_cookie_attributes_when_configured(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    r = api_client.post(LOGOUT, **csrf_headers(api_client, response))
    for attribute in ("path", "domain", "samesite", "secure", "httponly"):
        assert r.cookies[COOKIE][attribute] == response.cookies[COOKIE][attribute]
    assert r.cookies[COOKIE]["domain"] == "example.com"


def test_logout_without_cookie_is_204(api_client: APIClient) -> None:
    r = api_client.post(LOGOUT)
    assert r.status_code == 204
    assert COOKIE not in r.cookies


def test_logout_needs_csrf(api_client: APIClient, user: Any) -> None:
    login(api_client)
    r = api_client.post(LOGOUT)
    assert r.status_code == 403
    assert r.json()["code"] == "csrf_failed"
    assert RefreshSession.objects.get().revoked_at is None


def test_login_with_stale_bearer_and_garbage_cookie(api_client: APIClient, user: Any) -> None:
    """Field case 1: login never runs Bearer authentication."""
    api_client.cookies[COOKIE] = "garbage"
    response = api_client.post(
        LOGIN,
        {"username": "alice", "password": PASSWORD},
        format="json",
        HTTP_AUTHORIZATION="Bearer expired.or.garbage",
    )
    assert response.status_code == 200
    assert response.cookies[COOKIE].value not in ("", "garbage")
    # and refresh with a stale bearer header too
    r = api_client.post(REFRESH, HTTP_AUTHORIZATION="Bearer garbage", **csrf_headers(api_client, response))
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong"), ("nobody", PASSWORD), ("inactive", PASSWORD)],
)
def test_invalid_credentials_are_uniform(api_client: APIClient, user: Any, username: str, password: str) -> None:
    get_user_model().objects.create_user(username="inactive", password=PASSWORD, is_active=False)
    r = api_client.post(LOGIN, {"username": username, "password": password}, format="json")
    assert r.status_code == 401
    assert r.json() == {"detail": "Unable to log in with the provided credentials.", "code": "invalid_credentials"}
    assert COOKIE not in r.cookies
    assert not RefreshSession.objects.exists()


@pytest.mark.parametrize("backend", ["django.contrib.auth.backends.AllowAllUsersModelBackend"])
def test_inactive_user_rejected_even_by_permissive_backend(api_client: APIClient, settings: Any, backend: str) -> None:
    settings.AUTHENTICATION_BACKENDS = [backend]
    get_user_model().objects.create_user(username="inactive", password=PASSWORD, is_active=False)
    r = api_client.post(LOGIN, {"username": "inactive", "password": PASSWORD}, format="json")
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_credentials"


@pytest.mark.jwtauth_settings(LOGIN_FORM_ENABLED=True)
def test_form_login_when_enabled_needs_the_csrf_token(api_client: APIClient, user: Any) -> None:
    assert api_client.post(LOGIN, {"username": "alice", "password": PASSWORD}).json()["code"] == "csrf_failed"
    token = api_client.get("/api/auth/csrf/").json()["csrf_token"]
    assert (
        api_client.post(LOGIN, {"username": "alice", "password": PASSWORD}, HTTP_X_CSRFTOKEN=token).status_code == 200
    )
    token = api_client.cookies["csrftoken"].value
    body = f"username=alice&password={PASSWORD.replace(' ', '+')}&csrfmiddlewaretoken={token}"
    r = api_client.generic("POST", LOGIN, body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200


def test_password_with_spaces_is_not_trimmed(api_client: APIClient, db: None) -> None:
    """Field case 4."""
    get_user_model().objects.create_user(username="spacey", password="  pass word  ")
    assert api_client.post(LOGIN, {"username": "spacey", "password": "  pass word  "}, format="json").status_code == 200
    assert api_client.post(LOGIN, {"username": "spacey", "password": "pass word"}, format="json").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"null",
        b'"x"',
        b'{"username": null, "password": null}',
        b'{"username": 1, "password": []}',
        b'{"password": "x"}',
        b'{"username": "alice"}',
        b"[" * 5000 + b"]" * 5000,
        b'{"username": "alice", "password": "\xff\xfe"}',
        b"{not json",
        b"",
    ],
)
def test_bad_login_bodies_are_400(api_client: APIClient, user: Any, body: bytes) -> None:
    """Field case 5."""
    r = api_client.generic("POST", LOGIN, body, content_type="application/json")
    assert r.status_code == 400, r.content
    data = r.json()
    assert data["code"] in {"invalid_request", "parse_error"}
    assert data["detail"]


def test_field_errors_are_reported(api_client: APIClient, user: Any) -> None:
    r = api_client.post(LOGIN, {"username": 1, "password": []}, format="json")
    assert set(r.json()["errors"]) == {"username", "password"}


def test_megabyte_password_is_413_and_fast(api_client: APIClient, user: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        r = api_client.post(LOGIN, {"username": "alice", "password": "p" * 1_000_000}, format="json")
    assert r.status_code == 413
    assert r.json()["code"] == "request_too_large"
    assert len(queries) == 0


@pytest.mark.jwtauth_settings(LOGIN_MAX_BODY_BYTES=10_000_000)
def test_long_password_is_400_without_hashing(api_client: APIClient, user: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        r = api_client.post(LOGIN, {"username": "alice", "password": "p" * 1_000_000}, format="json")
    assert r.status_code == 400
    assert "password" in r.json()["errors"]
    assert len(queries) == 0


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/login/"])
def test_login_without_trailing_slash(api_client: APIClient, user: Any, path: str) -> None:
    """Field case 7."""
    r = api_client.post(path, {"username": "alice", "password": PASSWORD}, format="json")
    assert r.status_code == 200
    assert r.cookies[COOKIE]["path"] == "/api/auth/"


def test_unknown_path_is_json_404_not_500(api_client: APIClient) -> None:
    r = api_client.post("/api/auth/nope/", {}, format="json")
    assert r.status_code == 404


def test_no_secrets_in_logs(
    api_client: APIClient, user: Any, caplog: pytest.LogCaptureFixture, clock: FakeClock
) -> None:
    caplog.set_level(logging.DEBUG)
    response = login(api_client)
    old = response.cookies[COOKIE].value
    access = response.json()["access_token"]
    api_client.post(REFRESH, **csrf_headers(api_client, response))
    clock.advance(60)
    replay = APIClient(enforce_csrf_checks=True)
    replay.cookies[COOKIE] = old
    replay.cookies["csrftoken"] = api_client.cookies["csrftoken"].value
    assert replay.post(REFRESH, HTTP_X_CSRFTOKEN=api_client.cookies["csrftoken"].value).status_code == 401
    api_client.post(LOGIN, {"username": "alice", "password": "wrong-" + PASSWORD}, format="json")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "reuse detected" in text
    for secret in (old, access, PASSWORD):
        assert secret not in text


def test_session_expiry_slides_on_rotation(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    response = login(api_client)
    clock.advance(days=6)
    assert api_client.post(REFRESH, **csrf_headers(api_client, response)).status_code == 200
    clock.advance(days=6)
    assert api_client.post(REFRESH, **csrf_headers(api_client)).status_code == 200
    assert RefreshSession.objects.get().expires_at == clock.now() + timedelta(days=7)


def test_grace_period_answers_without_new_cookie(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    response = login(api_client)
    old = response.cookies[COOKIE].value
    csrf = csrf_headers(api_client, response)
    assert api_client.post(REFRESH, **csrf).status_code == 200
    clock.advance(5)
    tab = APIClient(enforce_csrf_checks=True)
    tab.cookies[COOKIE] = old
    tab.cookies["csrftoken"] = api_client.cookies["csrftoken"].value
    r = tab.post(REFRESH, HTTP_X_CSRFTOKEN=api_client.cookies["csrftoken"].value)
    assert r.status_code == 200
    assert COOKIE not in r.cookies
    assert APIClient().get(USER, **bearer(r.json()["access_token"])).status_code == 200
    assert RefreshSession.objects.get().revoked_at is None


@pytest.mark.parametrize("sid", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "' OR 1=1 --"])
def test_signed_token_with_foreign_sid(api_client: APIClient, user: Any, clock: FakeClock, sid: str) -> None:
    from jwtauth.core.tokens import issue_access_token
    from jwtauth.settings import get_settings

    token = issue_access_token(get_settings().access, sub=str(user.pk), sid=sid, now=clock.now()).token
    r = APIClient().get(USER, **bearer(token))
    assert r.status_code == 401
    assert r.json()["code"] == "token_revoked"


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong"), ("nobody", PASSWORD), ("inactive", PASSWORD)])
def test_every_failed_login_hashes_a_password_once(
    api_client: APIClient, settings: Any, username: str, password: str
) -> None:
    """Comparable timing: unknown users, wrong passwords and inactive users all run the
    hasher exactly once (Django's ModelBackend hashes a dummy for unknown users)."""
    from tests.testapp.hashers import CountingHasher

    settings.PASSWORD_HASHERS = ["tests.testapp.hashers.CountingHasher"]
    get_user_model().objects.create_user(username="alice", password=PASSWORD)
    get_user_model().objects.create_user(username="inactive", password=PASSWORD, is_active=False)
    CountingHasher.calls.clear()
    r = api_client.post(LOGIN, {"username": username, "password": password}, format="json")
    assert r.status_code == 401
    # MD5's verify() computes the hash through encode(): count the hash computations.
    assert CountingHasher.calls.count("encode") == 1, CountingHasher.calls
