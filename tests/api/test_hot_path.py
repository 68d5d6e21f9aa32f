"""The per-request session check: the raw-SQL path, stateless mode, queries per request."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from jwtauth.core.tokens import issue_access_token
from jwtauth.sessions.models import RefreshSession
from jwtauth.settings import get_settings
from tests.api.helpers import LOGOUT, USER, bearer, csrf_headers, login
from tests.conftest import PASSWORD, FakeClock

pytestmark = pytest.mark.django_db
PK = "/api/pk/"


def _get(path: str, token: str) -> tuple[int, int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = APIClient().get(path, **bearer(token))
    return response.status_code, len(queries), response.json()


def test_embedded_default_costs_one_small_query(api_client: APIClient, user: Any) -> None:
    token = login(api_client).json()["access_token"]
    status, count, body = _get(PK, token)
    assert (status, count, body) == (200, 1, {"pk": user.pk})


def test_session_of_another_user_is_refused(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    login(api_client)
    other = get_user_model().objects.create_user(username="mallory", password=PASSWORD)
    sid = str(RefreshSession.objects.get(user=user).pk)
    forged = issue_access_token(get_settings().access, sub=str(other.pk), sid=sid, now=clock.now()).token
    status, _, body = _get(PK, forged)
    assert (status, body["code"]) == (401, "token_revoked")


def test_non_numeric_sub_is_refused(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    login(api_client)
    sid = str(RefreshSession.objects.get(user=user).pk)
    forged = issue_access_token(get_settings().access, sub="not-a-pk", sid=sid, now=clock.now()).token
    status, count, body = _get(PK, forged)
    assert (status, count, body["code"]) == (401, 0, "token_revoked")


def test_deactivated_user_is_refused_by_the_raw_query(api_client: APIClient, user: Any) -> None:
    token = login(api_client).json()["access_token"]
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)  # no signals
    status, _, body = _get(PK, token)
    assert (status, body["code"]) == (401, "user_inactive")


def test_verified_token_memo_is_used_per_settings(api_client: APIClient, user: Any) -> None:
    token = login(api_client).json()["access_token"]
    memo = get_settings().verified_tokens
    assert memo is not None
    assert _get(PK, token)[0] == 200
    assert memo.get(token) is not None


@pytest.mark.jwtauth_settings(VERIFIED_TOKEN_CACHE_SIZE=0)
def test_verified_token_memo_can_be_switched_off(api_client: APIClient, user: Any) -> None:
    token = login(api_client).json()["access_token"]
    assert get_settings().verified_tokens is None
    assert _get(PK, token)[0] == 200


@pytest.mark.jwtauth_settings(STATELESS_ACCESS_TOKENS=True)
def test_stateless_mode_costs_no_query_and_trusts_the_token_until_it_expires(
    api_client: APIClient, user: Any, clock: FakeClock
) -> None:
    response = login(api_client)
    token = response.json()["access_token"]
    assert _get(PK, token)[:2] == (200, 0)
    assert api_client.post(LOGOUT, **csrf_headers(api_client, response)).status_code == 204
    # the documented trade-off: a logged-out access token works until it expires...
    assert _get(PK, token)[:2] == (200, 0)
    # ...but a view that reads the user still refuses a deactivated one
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    status, _, body = _get(USER, token)
    assert (status, body["code"]) == (401, "user_inactive")
    clock.advance(300 + 30)  # lifetime + the default LEEWAY
    assert _get(PK, token)[2]["code"] == "token_expired"


@pytest.mark.jwtauth_settings(STATELESS_ACCESS_TOKENS=True)
def test_user_gone_mid_request_is_401_even_with_drf_default_handler(
    api_client: APIClient, user: Any, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "EXCEPTION_HANDLER": "rest_framework.views.exception_handler"}
    token = login(api_client).json()["access_token"]
    user.delete()
    response = APIClient().get("/api/hello/", **bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"
