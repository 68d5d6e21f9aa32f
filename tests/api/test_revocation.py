"""Revocation takes effect on the very next request, in every set-up, and what each
set-up costs per authenticated request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from jwtauth import signals
from jwtauth.sessions.models import RefreshSession
from tests.api.helpers import COOKIE, HELLO, LOGIN, LOGOUT, LOGOUT_ALL, PK, REFRESH, USER, bearer, csrf_headers, login
from tests.conftest import PASSWORD, FakeClock
from tests.testapp.caches import SharedDictCache

pytestmark = pytest.mark.django_db


def _login() -> tuple[APIClient, str]:
    client = APIClient(enforce_csrf_checks=True)
    return client, login(client).json()["access_token"]


def _get(path: str, token: str) -> tuple[int, Any]:
    response = APIClient().get(path, **bearer(token))
    return response.status_code, response.json()


def _queries(path: str, token: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        status, _ = _get(path, token)
    return status, len(queries)


# -- cost per request ---------------------------------------------------------------


def test_database_mode_costs_one_query(user: Any) -> None:
    """The embedded default: LocMemCache is process-local, so it is never trusted."""
    _, token = _login()
    SharedDictCache.reset()
    assert _queries(PK, token) == (200, 1)
    # a view reading user fields loads the user too: one more query, by primary key
    assert _queries(HELLO, token) == (200, 2)
    assert SharedDictCache.calls == []


@pytest.mark.jwtauth_settings(REVOCATION_CACHE=None)
def test_cache_can_be_switched_off(user: Any) -> None:
    _, token = _login()
    assert _queries(PK, token) == (200, 1)


def test_shared_cache_steady_state_costs_no_query(shared_cache: str, user: Any) -> None:
    _, token = _login()
    SharedDictCache.calls = []
    assert _queries(PK, token) == (200, 0)
    if shared_cache == "dict":
        assert SharedDictCache.calls == ["get"]  # one round trip
    # a view reading user fields loads the user: one query, by primary key
    assert _queries(HELLO, token) == (200, 1)
    assert _queries(USER, token) == (200, 1)


def test_shared_cache_miss_falls_back_to_database_and_repopulates(shared_cache: str, user: Any) -> None:
    _, token = _login()
    caches["shared"].delete(f"jwtauth:sid:{RefreshSession.objects.get().pk}")
    assert _queries(PK, token) == (200, 1)
    assert _queries(PK, token) == (200, 0)


def test_session_user_is_lazy_but_real(shared_cache: str, user: Any) -> None:
    _, token = _login()
    assert _get(PK, token) == (200, {"pk": user.pk})
    assert _get(HELLO, token) == (200, {"message": "hello", "user": "alice"})


# -- every revocation path, on the next request -------------------------------------


def test_logout_revokes_access_token(revocation_mode: str, user: Any) -> None:
    client, token = _login()
    assert _get(PK, token)[0] == 200
    assert client.post(LOGOUT, **csrf_headers(client)).status_code == 204
    assert _get(PK, token) == (401, {"detail": "The access token has been revoked.", "code": "token_revoked"})


def test_reuse_revokes_access_tokens(
    revocation_mode: str, user: Any, after_grace: Callable[[], None], replay_refresh: Any
) -> None:
    client, token = _login()
    stolen = client.cookies[COOKIE].value
    assert _get(PK, token)[0] == 200
    fresh = client.post(REFRESH, **csrf_headers(client)).json()["access_token"]
    after_grace()
    assert replay_refresh(client, stolen).json()["code"] == "refresh_token_reused"
    for access in (token, fresh):
        assert _get(PK, access)[1]["code"] == "token_revoked"


def test_deactivation_revokes(revocation_mode: str, user: Any) -> None:
    client, token = _login()
    assert _get(PK, token)[0] == 200
    user.is_active = False
    user.save()
    assert _get(PK, token)[1]["code"] == "token_revoked"
    assert client.post(REFRESH, **csrf_headers(client)).json()["code"] == "user_inactive"
    assert RefreshSession.objects.get().revoke_reason == "user_inactive"


def test_deactivation_with_update_fields(shared_cache: str, user: Any) -> None:
    _, token = _login()
    assert _get(PK, token)[0] == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _get(PK, token)[1]["code"] == "token_revoked"


def test_deactivation_behind_our_back_still_caught_when_user_loads(shared_cache: str, user: Any) -> None:
    """A queryset update() sends no signal: the cached session stays live, but any
    view that touches the user loads it and refuses an inactive one."""
    _, token = _login()
    assert _get(PK, token)[0] == 200
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert _get(HELLO, token) == (401, {"detail": "The user is inactive or no longer exists.", "code": "user_inactive"})


def test_user_deletion_revokes(revocation_mode: str, user: Any) -> None:
    _, token = _login()
    assert _get(PK, token)[0] == 200
    user.delete()
    assert _get(PK, token)[1]["code"] == "token_revoked"


def test_password_set_elsewhere_revokes_every_session(revocation_mode: str, user: Any) -> None:
    """Admin, password reset and ``changepassword`` do set_password() + save()."""
    _, token = _login()
    assert _get(PK, token)[0] == 200
    user.set_password("reset by admin 12345")
    user.save()
    assert _get(PK, token)[1]["code"] == "token_revoked"
    assert RefreshSession.objects.get().revoke_reason == "password_changed"


@pytest.mark.parametrize(
    "hashers",
    [["django.contrib.auth.hashers.PBKDF2PasswordHasher", "django.contrib.auth.hashers.MD5PasswordHasher"]],
)
def test_password_hash_upgrade_on_login_revokes_nothing(user: Any, settings: Any, hashers: list[str]) -> None:
    _, token = _login()
    settings.PASSWORD_HASHERS = hashers
    login(APIClient())  # check_password() upgrades MD5 -> PBKDF2 and saves the password
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_")
    assert _get(PK, token)[0] == 200
    assert not RefreshSession.objects.filter(revoked_at__isnull=False).exists()


@pytest.mark.jwtauth_settings(MAX_SESSIONS_PER_USER=2)
def test_session_cap_evicts_oldest(revocation_mode: str, user: Any, clock: FakeClock) -> None:
    _, first = _login()
    clock.advance(1)
    _, second = _login()
    clock.advance(1)
    _, third = _login()
    assert _get(PK, first)[1]["code"] == "token_revoked"
    assert _get(PK, second)[0] == 200
    assert _get(PK, third)[0] == 200
    assert RefreshSession.objects.filter(revoke_reason="evicted").count() == 1
    assert RefreshSession.objects.filter(revoked_at__isnull=True).count() == 2


# -- when the cache fails -------------------------------------------------------------


def test_cache_read_failure_falls_back_to_database(user: Any, settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings.JWTAUTH = {**settings.JWTAUTH, "REVOCATION_CACHE": "shared"}
    client, token = _login()
    SharedDictCache.failing = {"read"}
    assert _queries(PK, token) == (200, 1)
    assert "revocation cache read failed" in caplog.text
    assert client.post(LOGOUT, **csrf_headers(client)).status_code == 204
    assert _get(PK, token)[1]["code"] == "token_revoked"


@pytest.mark.jwtauth_settings(REVOCATION_CACHE="shared", REVOCATION_CACHE_FAILURE="reject")
def test_cache_read_failure_can_fail_closed(user: Any) -> None:
    _, token = _login()
    SharedDictCache.failing = {"read"}
    response = APIClient().get(PK, **bearer(token))
    assert response.status_code == 503
    assert response.json() == {
        "detail": "Session state is temporarily unavailable; try again.",
        "code": "revocation_unavailable",
    }


@pytest.mark.jwtauth_settings(REVOCATION_CACHE="shared")
def test_cache_write_failure_refuses_logout_and_changes_nothing(user: Any) -> None:
    client, token = _login()
    assert _get(PK, token)[0] == 200  # cached as live
    SharedDictCache.failing = {"write"}
    response = APIClient().post(LOGOUT_ALL, **bearer(token))
    assert response.status_code == 503
    assert response.json()["code"] == "revocation_unavailable"
    response = client.post(LOGOUT, **csrf_headers(client))
    assert response.status_code == 503
    assert COOKIE not in response.cookies  # keep the cookie: the client retries
    assert RefreshSession.objects.get().revoked_at is None
    SharedDictCache.failing = set()
    assert client.post(LOGOUT, **csrf_headers(client)).status_code == 204
    assert _get(PK, token)[1]["code"] == "token_revoked"


@pytest.mark.jwtauth_settings(REVOCATION_CACHE="shared")
def test_cache_write_failure_never_blocks_login_or_reuse_detection(
    user: Any, after_grace: Callable[[], None], replay_refresh: Any
) -> None:
    SharedDictCache.failing = {"write"}
    client, _token = _login()
    stolen = client.cookies[COOKIE].value
    client.post(REFRESH, **csrf_headers(client))
    after_grace()
    response = replay_refresh(client, stolen)
    assert response.json()["code"] == "refresh_token_reused"
    assert RefreshSession.objects.get().revoke_reason == "reuse"


# -- signals -----------------------------------------------------------------------


def test_signals(user: Any, after_grace: Callable[[], None], replay_refresh: Any) -> None:
    seen: list[tuple[str, Any]] = []

    def record(name: str) -> Any:
        def receiver(sender: Any, **kwargs: Any) -> None:
            seen.append((name, kwargs.get("reason")))

        return receiver

    receivers = {
        user_logged_in: record("logged_in"),
        user_login_failed: record("login_failed"),
        signals.session_started: record("started"),
        signals.refresh_token_rotated: record("rotated"),
        signals.refresh_token_reused: record("reused"),
        signals.session_revoked: record("revoked"),
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver)
    try:
        APIClient().post(LOGIN, {"username": "alice", "password": "wrong"}, format="json")
        client, token = _login()
        stolen = client.cookies[COOKIE].value
        client.post(REFRESH, **csrf_headers(client))
        after_grace()
        replay_refresh(client, stolen)
        _, token = _login()
        APIClient().post(LOGOUT_ALL, **bearer(token))
    finally:
        for signal, receiver in receivers.items():
            signal.disconnect(receiver)
    assert seen == [
        ("login_failed", None),
        ("started", None),
        ("logged_in", None),
        ("rotated", None),
        ("revoked", "reuse"),
        ("reused", None),
        ("started", None),
        ("logged_in", None),
        ("revoked", "logout_all"),
    ]


def test_no_token_or_password_in_logs(user: Any, caplog: pytest.LogCaptureFixture, settings: Any) -> None:
    settings.JWTAUTH = {**settings.JWTAUTH, "REVOCATION_CACHE": "shared", "REVOCATION_CACHE_FAILURE": "reject"}
    caplog.set_level("DEBUG")
    client, token = _login()
    SharedDictCache.failing = {"read", "write"}
    APIClient().get(PK, **bearer(token))
    client.post(LOGOUT, **csrf_headers(client))
    text = caplog.text
    assert "revocation cache" in text
    for secret in (token, client.cookies[COOKIE].value, PASSWORD):
        assert secret not in text


# -- found by a break-it pass -------------------------------------------------------


def test_deleting_a_session_row_revokes_its_tokens(revocation_mode: str, user: Any) -> None:
    _, token = _login()
    assert _get(PK, token)[0] == 200  # the cache, if any, now says "live"
    RefreshSession.objects.all().delete()  # the admin's delete action, or the ORM
    assert _get(PK, token) == (401, {"detail": "The access token has been revoked.", "code": "token_revoked"})


@pytest.mark.parametrize("update_fields", [None, ["password"]])
def test_password_set_and_saved_revokes_sessions(revocation_mode: str, user: Any, update_fields: Any) -> None:
    """A hand-written reset view often saves with update_fields=["password"]."""
    _, token = _login()
    assert _get(PK, token)[0] == 200
    fresh = get_user_model().objects.get(pk=user.pk)
    fresh.set_password("a brand new passphrase")
    fresh.save(update_fields=update_fields)
    assert _get(PK, token)[1]["code"] == "token_revoked"


def test_password_hash_upgrade_on_login_is_not_a_change(revocation_mode: str, user: Any, settings: Any) -> None:
    _, token = _login()
    # a new preferred hasher: the next successful login upgrades the stored hash
    settings.PASSWORD_HASHERS = ["tests.testapp.hashers.CountingHasher", *settings.PASSWORD_HASHERS]
    _, second = _login()
    assert get_user_model().objects.get(pk=user.pk).password.startswith("counting_md5$")
    assert _get(PK, token)[0] == 200
    assert _get(PK, second)[0] == 200


@pytest.mark.jwtauth_settings(MAX_SESSIONS_PER_USER=1)
def test_session_cap_is_enforced_again_after_commit(
    user: Any, django_capture_on_commit_callbacks: Any, clock: FakeClock
) -> None:
    from jwtauth.sessions.service import start_session

    first = start_session(user)
    # a login racing this one commits a row that its own eviction could not see...
    racing = RefreshSession.objects.create(
        user=user, created_at=clock.now(), last_used_at=clock.now(), expires_at=clock.now(), jti_hash="x" * 64
    )
    RefreshSession.objects.filter(pk=racing.pk).update(expires_at=first.session.expires_at)
    clock.advance(1)
    with django_capture_on_commit_callbacks(execute=True):
        latest = start_session(user)
    live = list(RefreshSession.objects.filter(revoked_at__isnull=True).values_list("pk", flat=True))
    assert live == [latest.session.pk]
