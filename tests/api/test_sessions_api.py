"""logout-all/, sessions/, sessions/<id>/ and password/change/, in every revocation
set-up (database only, shared dict cache, Redis)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from jwtauth.sessions.models import RefreshSession
from tests.api.helpers import (
    COOKIE,
    HELLO,
    LOGIN,
    LOGOUT_ALL,
    PASSWORD_CHANGE,
    REFRESH,
    SESSIONS,
    bearer,
    csrf_headers,
    login,
)
from tests.conftest import PASSWORD, FakeClock

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a much newer passphrase 2026"


def _login(username: str = "alice", password: str = PASSWORD, agent: str = "agent") -> tuple[APIClient, str]:
    client = APIClient(enforce_csrf_checks=True)
    token = login(client, username, password, HTTP_USER_AGENT=agent).json()["access_token"]
    return client, token


def _status(token: str) -> tuple[int, str | None]:
    response = APIClient().get(HELLO, **bearer(token))
    return response.status_code, response.json().get("code")


@pytest.fixture
def bob(db: None) -> Any:
    return get_user_model().objects.create_user(username="bob", password=PASSWORD)


def test_logout_all(revocation_mode: str, user: Any) -> None:
    (laptop, laptop_token), (phone, phone_token) = _login(), _login()
    assert _status(phone_token) == (200, None)
    response = APIClient().post(LOGOUT_ALL, **bearer(laptop_token))
    assert response.status_code == 200
    assert response.json() == {"revoked": 2}
    assert response.cookies[COOKIE].value == ""
    assert response.cookies[COOKIE]["path"] == "/api/auth/"
    assert _status(laptop_token) == (401, "token_revoked")
    assert _status(phone_token) == (401, "token_revoked")
    for client in (laptop, phone):
        assert client.post(REFRESH, **csrf_headers(client)).json()["code"] == "refresh_token_revoked"
    assert set(RefreshSession.objects.values_list("revoke_reason", flat=True)) == {"logout_all"}


def test_logout_all_leaves_other_users_alone(revocation_mode: str, user: Any, bob: Any) -> None:
    _, alice_token = _login()
    _, bob_token = _login("bob")
    assert APIClient().post(LOGOUT_ALL, **bearer(alice_token)).json() == {"revoked": 1}
    assert _status(bob_token) == (200, None)


@pytest.mark.parametrize("path", [LOGOUT_ALL, SESSIONS, SESSIONS + "x/", PASSWORD_CHANGE])
def test_endpoints_need_a_bearer_token(api_client: APIClient, path: str) -> None:
    response = api_client.post(path) if "sessions" not in path else api_client.get(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_session_list(revocation_mode: str, user: Any, bob: Any, clock: FakeClock) -> None:
    _login(agent="old browser")
    clock.advance(60)
    _, token = _login(agent="new browser")
    _login("bob")
    _login(agent="logged out")
    RefreshSession.objects.filter(user_agent="logged out").update(revoked_at=clock.now())
    response = APIClient().get(SESSIONS, **bearer(token))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    sessions = response.json()["sessions"]
    assert [s["user_agent"] for s in sessions] == ["new browser", "old browser"]
    assert [s["current"] for s in sessions] == [True, False]
    first = sessions[0]
    assert set(first) == {
        "id",
        "created_at",
        "last_used_at",
        "expires_at",
        "idle_expires_at",
        "absolute_expires_at",
        "user_agent",
        "ip_address",
        "current",
    }
    assert first["ip_address"] == "127.0.0.1"
    assert datetime.fromisoformat(first["created_at"]) == clock.now()
    assert datetime.fromisoformat(first["expires_at"]) == RefreshSession.objects.get(pk=first["id"]).expires_at
    assert first["id"] == str(RefreshSession.objects.get(user_agent="new browser").pk)


def test_session_list_hides_expired(user: Any, clock: FakeClock) -> None:
    _login(agent="old")
    clock.advance(days=6)
    _login(agent="new")
    clock.advance(days=1)
    _, token = _login(agent="newest")
    agents = [s["user_agent"] for s in APIClient().get(SESSIONS, **bearer(token)).json()["sessions"]]
    assert agents == ["newest", "new"]


def test_revoke_one_session(revocation_mode: str, user: Any) -> None:
    _, laptop_token = _login(agent="laptop")
    phone, phone_token = _login(agent="phone")
    phone_id = str(RefreshSession.objects.get(user_agent="phone").pk)
    response = APIClient().delete(f"{SESSIONS}{phone_id}/", **bearer(laptop_token))
    assert response.status_code == 204
    assert COOKIE not in response.cookies  # not the caller's own session
    assert _status(phone_token) == (401, "token_revoked")
    assert phone.post(REFRESH, **csrf_headers(phone)).json()["code"] == "refresh_token_revoked"
    assert _status(laptop_token) == (200, None)
    assert RefreshSession.objects.get(pk=phone_id).revoke_reason == "revoked_by_user"
    # already revoked: gone from the user's point of view
    assert APIClient().delete(f"{SESSIONS}{phone_id}/", **bearer(laptop_token)).status_code == 404


def test_revoke_own_session_clears_cookie(revocation_mode: str, user: Any) -> None:
    _, token = _login()
    sid = RefreshSession.objects.get().pk
    response = APIClient().delete(f"{SESSIONS}{sid}", **bearer(token))  # no trailing slash either
    assert response.status_code == 204
    assert response.cookies[COOKIE].value == ""
    assert _status(token) == (401, "token_revoked")


def test_revoke_other_users_session_is_404(revocation_mode: str, user: Any, bob: Any) -> None:
    _, alice_token = _login()
    _, bob_token = _login("bob")
    bob_sid = RefreshSession.objects.get(user=bob).pk
    response = APIClient().delete(f"{SESSIONS}{bob_sid}/", **bearer(alice_token))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert _status(bob_token) == (200, None)
    assert RefreshSession.objects.get(pk=bob_sid).revoked_at is None


@pytest.mark.parametrize(
    "session_id",
    ["nope", "123", "00000000-0000-0000-0000-000000000000", "%20", "%00", "' OR 1=1 --", "x" * 5000, "é", "{}"],
)
def test_revoke_malformed_or_unknown_id_is_404(user: Any, session_id: str) -> None:
    _, token = _login()
    response = APIClient().delete(f"{SESSIONS}{session_id}/", **bearer(token))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert _status(token) == (200, None)


def test_revoke_session_with_uppercase_id(user: Any) -> None:
    _, token = _login()
    sid = str(RefreshSession.objects.get().pk).upper()
    response = APIClient().delete(f"{SESSIONS}{sid}/", **bearer(token))
    assert response.status_code == 204
    assert response.cookies[COOKIE].value == ""


def _change(token: str, old: Any = PASSWORD, new: Any = NEW_PASSWORD) -> Any:
    return APIClient().post(PASSWORD_CHANGE, {"old_password": old, "new_password": new}, format="json", **bearer(token))


def test_password_change(revocation_mode: str, user: Any) -> None:
    me, token = _login(agent="me")
    _, other_token = _login(agent="other")
    response = _change(token)
    assert response.status_code == 204
    assert COOKIE not in response.cookies
    assert _status(token) == (200, None)
    assert _status(other_token) == (401, "token_revoked")
    # the caller stays logged in: its refresh cookie still rotates
    assert me.post(REFRESH, **csrf_headers(me)).status_code == 200
    assert RefreshSession.objects.get(user_agent="other").revoke_reason == "password_changed"
    assert APIClient().post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json").status_code == 401
    login(APIClient(), password=NEW_PASSWORD)


def test_password_change_wrong_old_password(user: Any) -> None:
    _, token = _login()
    _, other_token = _login()
    response = _change(token, old="wrong")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert set(response.json()["errors"]) == {"old_password"}
    assert _status(other_token) == (200, None)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_runs_validators(user: Any, settings: Any) -> None:
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    ]
    _, token = _login()
    for weak in ("short", "alice@example.com"):
        response = _change(token, new=weak)
        assert response.status_code == 400, weak
        assert set(response.json()["errors"]) == {"new_password"}
        assert response.json()["errors"]["new_password"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "body",
    [b"", b"[]", b"{not json", b'{"old_password": 1, "new_password": []}', b'{"old_password": "x"}', b"[" * 5000],
)
def test_password_change_bad_bodies_are_400(user: Any, body: bytes) -> None:
    _, token = _login()
    response = APIClient().generic("POST", PASSWORD_CHANGE, body, content_type="application/json", **bearer(token))
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid_request", "parse_error"}


def test_password_change_too_long(user: Any) -> None:
    _, token = _login()
    assert _change(token, new="p" * 5000).status_code == 400
    response = _change(token, new="p" * 100_000)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_password_change_keeps_spaces(user: Any) -> None:
    _, token = _login()
    assert _change(token, new="  " + NEW_PASSWORD + "  ").status_code == 204
    login(APIClient(), password="  " + NEW_PASSWORD + "  ")


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": None, "account": "3/min"})
def test_guessing_the_old_password_is_throttled(api_client: APIClient, user: Any) -> None:
    from tests.api.helpers import bearer, login

    token = login(api_client).json()["access_token"]
    client = APIClient()
    statuses = [
        client.post(
            "/api/auth/password/change/",
            {"old_password": f"guess-{i}", "new_password": "another long passphrase 42"},
            format="json",
            **bearer(token),
        ).status_code
        for i in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    right = client.post(
        "/api/auth/password/change/",
        {"old_password": PASSWORD, "new_password": "another long passphrase 42"},
        format="json",
        **bearer(token),
    )
    assert right.status_code == 429
    assert right.json()["code"] == "throttled"
    assert "Retry-After" in right
