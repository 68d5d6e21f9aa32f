"""``ATOMIC_REQUESTS = True`` (docs/allauth.md recommends it) must not undo the writes
jwtauth makes on an error answer: a failed guess's throttle count, the revocation of a
token family on reuse. DRF's exception handler marks the request's transaction for
rollback, so jwtauth's views run outside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import COOKIE, PASSWORD_CHANGE, REFRESH, bearer, csrf_headers, login
from tests.conftest import PASSWORD, FakeClock
from tests.dpop_helpers import DPoPKey

# Transactional: under a test-case transaction DRF's set_rollback() would hit the test's
# own atomic block, not a request's.
pytestmark = pytest.mark.django_db(transaction=True)

LOGIN_URL = "/api/auth/login/"
REAUTH = "/api/auth/reauthenticate/"
STRICT_SUDO = "/api/sudo/strict/"
TIGHT = {"ip": "3/min", "account": "3/min"}


@pytest.fixture(autouse=True)
def atomic_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)


def test_jwtauth_views_are_exempt_from_atomic_requests() -> None:
    from django.db import connections
    from django.urls import resolve

    for path in ("/api/auth/login/", REFRESH, "/api/auth/logout/", REAUTH, PASSWORD_CHANGE):
        assert set(connections) <= resolve(path).func._non_atomic_requests  # type: ignore[attr-defined]


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT)
def test_failed_logins_still_count(user: Any) -> None:
    client = APIClient()
    codes = [
        client.post(LOGIN_URL, {"username": "alice", "password": "wrong"}, format="json").status_code for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT)
def test_failed_step_up_and_password_change_guesses_still_count(user: Any) -> None:
    access = login(APIClient()).json()["access_token"]
    assert APIClient().post(REAUTH, {"password": "wrong"}, format="json", **bearer(access)).status_code == 401
    assert APIClient().post(REAUTH, {"password": "wrong"}, format="json", **bearer(access)).status_code == 401
    body = {"old_password": "wrong", "new_password": "a new one, long enough 123"}
    assert APIClient().post(PASSWORD_CHANGE, body, format="json", **bearer(access)).status_code == 400
    response = APIClient().post(REAUTH, {"password": PASSWORD}, format="json", **bearer(access))
    assert response.status_code == 429


def test_reuse_still_revokes_the_family(
    api_client: APIClient,
    user: Any,
    clock: FakeClock,
    after_grace: Callable[[], None],
    replay_refresh: Any,
) -> None:
    first = login(api_client)
    stolen = first.cookies[COOKIE].value
    clock.advance(60)
    rotated = api_client.post(REFRESH, **csrf_headers(api_client, first))
    assert rotated.status_code == 200
    after_grace()
    assert replay_refresh(api_client, stolen).json()["code"] == "refresh_token_reused"
    assert api_client.post(REFRESH, **csrf_headers(api_client)).json()["code"] == "refresh_token_revoked"
    access = rotated.json()["access_token"]
    assert APIClient().get("/api/auth/user/", **bearer(access)).json()["code"] == "token_revoked"


@pytest.mark.jwtauth_settings(DPOP="optional")
def test_a_dpop_proof_answered_with_an_error_cannot_be_replayed(
    revocation_mode: str, api_client: APIClient, user: Any, clock: FakeClock
) -> None:
    """The proof's replay record must outlive the rollback of an error answer. In the
    database it cannot (the request's transaction holds it): jwtauth.W118 says so."""
    if revocation_mode == "database":
        pytest.skip("replay records in the database roll back with the request: system check jwtauth.W118")
    key = DPoPKey(clock)
    login_proof = key.proof("POST", LOGIN_URL)
    credentials = {"username": "alice", "password": PASSWORD}
    logged_in = api_client.post(LOGIN_URL, credentials, format="json", HTTP_DPOP=login_proof)
    access = logged_in.json()["access_token"]
    clock.advance(120)  # past the strict view's max_age: it answers 403
    headers = key.headers("POST", STRICT_SUDO, access)
    assert APIClient().post(STRICT_SUDO, {}, format="json", **headers).status_code == 403
    replayed = APIClient().post(STRICT_SUDO, {"another": "body"}, format="json", **headers)
    assert replayed.status_code == 401 and replayed.json()["code"] == "invalid_dpop_proof"
