"""Step-up re-authentication: auth_time/amr in access tokens and carried through refresh,
reauthenticate/, RecentlyAuthenticated, and the settings that guard password/change/,
logout-all/ and DELETE sessions/<id>/."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from jwtauth.sessions.models import RefreshSession
from tests.api.helpers import LOGOUT_ALL, PASSWORD_CHANGE, SESSIONS, bearer, csrf_headers, login
from tests.conftest import PASSWORD, START, FakeClock

pytestmark = pytest.mark.django_db

REAUTH, SUDO, STRICT = "/api/auth/reauthenticate/", "/api/sudo/", "/api/sudo/strict/"
T0 = int(START.timestamp())


def payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def refresh(client: APIClient) -> Any:
    return client.post("/api/auth/refresh/", **csrf_headers(client))


def reauth(access: str, password: str = PASSWORD, **extra: Any) -> Any:
    return APIClient().post(REAUTH, {"password": password}, format="json", **bearer(access), **extra)


def test_access_tokens_carry_auth_time_and_amr_through_every_refresh(
    api_client: APIClient, user: Any, clock: FakeClock
) -> None:
    access = login(api_client).json()["access_token"]
    assert (payload(access)["auth_time"], payload(access)["amr"]) == (T0, ["pwd"])
    session = RefreshSession.objects.get()
    assert (session.auth_time, session.amr) == (START, "pwd")
    for _ in range(3):
        clock.advance(600)
        access = refresh(api_client).json()["access_token"]
        claims = payload(access)
        assert (claims["auth_time"], claims["amr"]) == (T0, ["pwd"])  # unchanged: a refresh proves no credential
        assert claims["iat"] > T0
    assert "auth_time" not in payload(api_client.cookies["jwtauth_refresh"].value)


def test_request_auth_has_auth_time_and_amr(user: Any) -> None:
    import jwtauth

    pair = jwtauth.tokens_for_user(user, amr=["otp"])
    claims = jwtauth.verify_access_token(pair.access_token)
    assert (claims.auth_time, claims.amr) == (T0, ("otp",))
    assert "auth_time" not in claims.claims  # owned by jwtauth, not a custom claim


def test_recently_authenticated_boundary(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    login(api_client)
    clock.advance(300)  # exactly REAUTHENTICATION_MAX_AGE: still recent
    access = refresh(api_client).json()["access_token"]
    assert APIClient().post(SUDO, **bearer(access)).status_code == 200
    clock.advance(1)
    access = refresh(api_client).json()["access_token"]
    denied = APIClient().post(SUDO, **bearer(access))
    assert denied.status_code == 403
    assert denied.json() == {
        "detail": "This action needs you to confirm your password again.",
        "code": "reauthentication_required",
        "max_age": 300,
    }


def test_max_age_per_view(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    login(api_client)
    clock.advance(61)
    access = refresh(api_client).json()["access_token"]
    assert APIClient().post(SUDO, **bearer(access)).status_code == 200
    denied = APIClient().post(STRICT, **bearer(access))
    assert (denied.status_code, denied.json()["max_age"]) == (403, 60)


def test_reauthenticate_then_retry(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    login(api_client)
    clock.advance(3600)
    access = refresh(api_client).json()["access_token"]
    assert APIClient().post(SUDO, **bearer(access)).json()["code"] == "reauthentication_required"
    response = reauth(access)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert response["Cache-Control"] == "no-store"
    fresh = body["access_token"]
    assert payload(fresh)["auth_time"] == T0 + 3600
    assert payload(fresh)["sid"] == payload(access)["sid"]
    assert APIClient().post(SUDO, **bearer(fresh)).json() == {"ok": True}
    assert RefreshSession.objects.get().auth_time == clock.now()
    # The next refresh carries the new auth_time on.
    clock.advance(60)
    assert payload(refresh(api_client).json()["access_token"])["auth_time"] == T0 + 3600


def test_wrong_password_is_401_counted_by_the_throttles_and_keeps_the_session(
    api_client: APIClient, user: Any, clock: FakeClock
) -> None:
    login(api_client)
    clock.advance(3600)
    access = refresh(api_client).json()["access_token"]
    for _ in range(10):  # LOGIN_THROTTLE_RATES["account"] = 10/15min
        wrong = reauth(access, "not my password")
        assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_credentials")
        assert wrong["WWW-Authenticate"].startswith("Bearer")
    throttled = reauth(access)  # even the right password: over the limit
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    session = RefreshSession.objects.get()
    assert session.revoked_at is None
    assert session.auth_time == START  # unchanged
    assert APIClient().get(SESSIONS, **bearer(access)).status_code == 200  # token still valid


def test_reauthenticate_needs_a_bearer_token_and_a_password(api_client: APIClient, user: Any) -> None:
    anonymous = APIClient().post(REAUTH, {"password": PASSWORD}, format="json")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    access = login(api_client).json()["access_token"]
    missing = APIClient().post(REAUTH, {}, format="json", **bearer(access))
    assert (missing.status_code, missing.json()["code"]) == (400, "invalid_request")
    wrong_type = APIClient().post(REAUTH, {"password": 1}, format="json", **bearer(access))
    assert wrong_type.status_code == 400


def test_reauthenticate_on_a_revoked_session(api_client: APIClient, user: Any, settings: Any) -> None:
    settings.JWTAUTH = {**settings.JWTAUTH, "STATELESS_ACCESS_TOKENS": True}
    access = login(api_client).json()["access_token"]
    RefreshSession.objects.update(revoked_at=START)
    response = reauth(access)
    assert (response.status_code, response.json()["code"]) == (401, "token_revoked")


def test_password_change_needs_a_recent_credential_by_default(
    api_client: APIClient, user: Any, clock: FakeClock
) -> None:
    login(api_client)
    clock.advance(301)
    access = refresh(api_client).json()["access_token"]
    change = {"old_password": PASSWORD, "new_password": "a brand new passphrase 42"}
    denied = APIClient().post(PASSWORD_CHANGE, change, format="json", **bearer(access))
    assert (denied.status_code, denied.json()["code"]) == (403, "reauthentication_required")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # unchanged
    fresh = reauth(access).json()["access_token"]
    assert APIClient().post(PASSWORD_CHANGE, change, format="json", **bearer(fresh)).status_code == 204


@pytest.mark.jwtauth_settings(REAUTHENTICATE_FOR_PASSWORD_CHANGE=False)
def test_password_change_requirement_can_be_turned_off(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    login(api_client)
    clock.advance(3600)
    access = refresh(api_client).json()["access_token"]
    change = {"old_password": PASSWORD, "new_password": "a brand new passphrase 42"}
    assert APIClient().post(PASSWORD_CHANGE, change, format="json", **bearer(access)).status_code == 204


def test_logout_all_and_session_delete_do_not_need_it_by_default(
    api_client: APIClient, user: Any, clock: FakeClock
) -> None:
    login(APIClient(enforce_csrf_checks=True))
    login(api_client)
    clock.advance(3600)
    access = refresh(api_client).json()["access_token"]
    other = RefreshSession.objects.order_by("created_at").first()
    assert other is not None
    assert APIClient().delete(f"{SESSIONS}{other.pk}/", **bearer(access)).status_code == 204
    assert APIClient().post(LOGOUT_ALL, **bearer(access)).status_code == 200  # {"revoked": n}


@pytest.mark.jwtauth_settings(REAUTHENTICATE_FOR_LOGOUT_ALL=True, REAUTHENTICATE_FOR_SESSION_DELETE=True)
def test_logout_all_and_session_delete_can_require_it(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    login(APIClient(enforce_csrf_checks=True))
    login(api_client)
    clock.advance(3600)
    access = refresh(api_client).json()["access_token"]
    other = RefreshSession.objects.order_by("created_at").first()
    assert other is not None
    for response in (
        APIClient().delete(f"{SESSIONS}{other.pk}/", **bearer(access)),
        APIClient().post(LOGOUT_ALL, **bearer(access)),
    ):
        assert (response.status_code, response.json()["code"], response.json()["max_age"]) == (
            403,
            "reauthentication_required",
            300,
        )
    assert not RefreshSession.objects.filter(revoked_at__isnull=False).exists()
    fresh = reauth(access).json()["access_token"]
    assert APIClient().delete(f"{SESSIONS}{other.pk}/", **bearer(fresh)).status_code == 204
    assert APIClient().post(LOGOUT_ALL, **bearer(fresh)).status_code == 200  # {"revoked": n}


@pytest.mark.parametrize("ended", ["expired", "past SESSION_MAX_LIFETIME"])
def test_reauthenticate_on_an_ended_session(api_client: APIClient, user: Any, settings: Any, ended: str) -> None:
    """A session whose refresh token expired, or that outlived SESSION_MAX_LIFETIME, gets
    no new auth_time and no new access token: it has ended, whatever its access tokens say."""
    from datetime import timedelta

    settings.JWTAUTH = {**settings.JWTAUTH, "STATELESS_ACCESS_TOKENS": True}
    access = login(api_client).json()["access_token"]
    if ended == "expired":
        RefreshSession.objects.update(expires_at=START - timedelta(seconds=1))
    else:
        RefreshSession.objects.update(created_at=START - timedelta(days=31))
    response = reauth(access)
    assert (response.status_code, response.json()["code"]) == (401, "token_revoked")
    assert RefreshSession.objects.get().auth_time == START
