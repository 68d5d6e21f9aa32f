"""SESSION_MAX_LIFETIME: a session ends at created_at + max whatever its rotations; the
refresh cookie never outlives it; sessions/ shows both expiries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from jwtauth.sessions.models import RefreshSession
from jwtauth.sessions.queries import delete_stale_sessions
from tests.api.helpers import COOKIE, SESSIONS, USER, bearer, csrf_headers, login
from tests.conftest import START, FakeClock

pytestmark = pytest.mark.django_db

DAY = 24 * 3600


def refresh(client: APIClient) -> Any:
    return client.post("/api/auth/refresh/", **csrf_headers(client))


def keep_refreshing(client: APIClient, clock: FakeClock, *, days: int) -> None:
    for _ in range(days):
        clock.advance(DAY)
        response = refresh(client)
        assert response.status_code == 200, response.content


def test_default_is_thirty_days_whatever_the_rotations(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    login(api_client)
    keep_refreshing(api_client, clock, days=29)  # each refresh well within the 7-day idle timeout
    # Day 29 + 23:59:59: still live.
    clock.advance(DAY - 1)
    assert refresh(api_client).status_code == 200
    # created_at + 30 days exactly: over.
    clock.advance(1)
    response = refresh(api_client)
    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_expired"
    assert response["WWW-Authenticate"]
    assert response.cookies[COOKIE]["max-age"] == 0  # cleared
    assert RefreshSession.objects.get().revoked_at is None  # ended, not revoked


@pytest.mark.jwtauth_settings(SESSION_MAX_LIFETIME=timedelta(days=10))
def test_the_cookie_max_age_never_outlives_the_session(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    response = login(api_client)
    assert response.cookies[COOKIE]["max-age"] == 7 * DAY  # the idle timeout comes first
    clock.advance(5 * DAY)
    rotated = refresh(api_client)
    assert rotated.cookies[COOKIE]["max-age"] == 5 * DAY  # capped at created_at + 10 days
    assert RefreshSession.objects.get().expires_at == START + timedelta(days=10)
    clock.advance(5 * DAY - 1)
    last = refresh(api_client)
    assert last.status_code == 200
    assert last.cookies[COOKIE]["max-age"] == 1
    clock.advance(1)
    assert refresh(api_client).json()["code"] == "refresh_token_expired"


def test_the_refresh_token_exp_is_capped_too(user: Any, clock: FakeClock, settings: Any) -> None:
    import jwt

    settings.JWTAUTH = {**settings.JWTAUTH, "SESSION_MAX_LIFETIME": timedelta(days=3)}
    from jwtauth import tokens_for_user

    pair = tokens_for_user(user)
    exp = jwt.decode(pair.refresh_token, options={"verify_signature": False})["exp"]
    assert exp == int((START + timedelta(days=3)).timestamp())
    assert pair.refresh_expires_in == 3 * DAY
    assert pair.refresh_expires_at == START + timedelta(days=3)


def test_lowering_the_setting_ends_older_sessions_at_once(
    api_client: APIClient, user: Any, clock: FakeClock, settings: Any
) -> None:
    login(api_client)
    clock.advance(3 * DAY)
    settings.JWTAUTH = {**settings.JWTAUTH, "SESSION_MAX_LIFETIME": timedelta(days=2)}
    assert refresh(api_client).json()["code"] == "refresh_token_expired"


def test_the_idle_timeout_still_applies(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    login(api_client)
    clock.advance(7 * DAY)
    assert refresh(api_client).json()["code"] == "refresh_token_expired"


def test_sessions_list_shows_both_expiries(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    login(api_client)
    clock.advance(DAY)
    access = refresh(api_client).json()["access_token"]
    (session,) = APIClient().get(SESSIONS, **bearer(access)).json()["sessions"]
    assert session["idle_expires_at"] == "2026-01-09T12:00:00Z"  # last rotation + 7 days
    assert session["absolute_expires_at"] == "2026-01-31T12:00:00Z"  # login + 30 days
    assert session["expires_at"] == session["idle_expires_at"]
    keep_refreshing(api_client, clock, days=27)  # day 28
    access = refresh(api_client).json()["access_token"]
    (session,) = APIClient().get(SESSIONS, **bearer(access)).json()["sessions"]
    assert session["expires_at"] == session["absolute_expires_at"] == "2026-01-31T12:00:00Z"
    # Past the absolute end the session is no longer listed, and housekeeping deletes it
    # once the cleanup grace period (default one refresh token lifetime) has passed too.
    clock.advance(3 * DAY)
    assert APIClient().get(USER, **bearer(access)).status_code in (200, 401)  # access tokens are short-lived
    assert delete_stale_sessions(revoked_older_than=timedelta(days=30)) == 0
    assert delete_stale_sessions(revoked_older_than=timedelta(days=30), grace_period=timedelta(0)) == 1


@pytest.mark.parametrize("value", [0, -1, "30d"])
def test_bad_values_are_refused(settings: Any, value: object) -> None:
    from jwtauth.core.errors import ConfigInvalid
    from jwtauth.settings import get_settings

    settings.JWTAUTH = {**settings.JWTAUTH, "SESSION_MAX_LIFETIME": value}
    with pytest.raises(ConfigInvalid, match="SESSION_MAX_LIFETIME"):
        get_settings()
