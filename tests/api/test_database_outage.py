"""A database outage answers a clean 503 ``service_unavailable`` with ``Retry-After``,
never a 500: the client should retry, not log the user out.

The outage is simulated with Django's own query hook (``connection.execute_wrapper``),
which raises ``OperationalError``/``InterfaceError`` for every statement, as a stopped or
restarting PostgreSQL does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError, connection
from rest_framework.test import APIClient

from tests.api.helpers import HELLO, LOGIN, LOGOUT, REFRESH, USER, bearer, csrf_headers, login

pytestmark = pytest.mark.django_db


@contextmanager
def database_down(error: type[Exception] = OperationalError) -> Iterator[None]:
    def refuse(*args: Any) -> None:
        raise error("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


def assert_service_unavailable(response: Any, *, is_jwtauth_view: bool = True) -> None:
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "service_unavailable"
    assert set(response.json()) == {"detail", "code"}
    assert response["Retry-After"] == "5"
    if is_jwtauth_view:
        assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_login_during_outage_is_503(api_client: APIClient, user: Any, error: type[Exception]) -> None:
    with database_down(error):
        response = api_client.post(LOGIN, {"username": "alice", "password": "x" * 12}, format="json")
    assert_service_unavailable(response)


def test_refresh_and_logout_during_outage_are_503_and_change_nothing(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    headers = csrf_headers(api_client, response)
    with database_down():
        assert_service_unavailable(api_client.post(REFRESH, **headers))
        assert_service_unavailable(api_client.post(LOGOUT, **headers))
    # Afterwards the same cookie still rotates: the outage half-wrote nothing.
    assert api_client.post(REFRESH, **headers).status_code == 200


@pytest.mark.parametrize("path", [USER, HELLO])
def test_bearer_request_during_outage_is_503_not_401(api_client: APIClient, user: Any, path: str) -> None:
    token = login(api_client).json()["access_token"]
    with database_down():
        response = APIClient().get(path, **bearer(token))
    assert_service_unavailable(response, is_jwtauth_view=path == USER)
    assert "WWW-Authenticate" not in response


def test_bearer_outage_is_503_under_drf_default_exception_handler(
    api_client: APIClient, user: Any, settings: Any
) -> None:
    # The authentication class itself maps the outage, whatever EXCEPTION_HANDLER says.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "EXCEPTION_HANDLER": "rest_framework.views.exception_handler"}
    token = login(api_client).json()["access_token"]
    with database_down():
        response = APIClient().get(HELLO, **bearer(token))
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"


def test_lazy_user_load_during_outage_is_503(api_client: APIClient, user: Any, shared_cache: str) -> None:
    # With a shared revocation cache the session check needs no SQL; the first user
    # field a view reads loads the user, and that query meets the outage.
    token = login(api_client).json()["access_token"]
    with database_down():
        response = APIClient().get(USER, **bearer(token))
    assert_service_unavailable(response)


def test_outage_is_logged_without_details(api_client: APIClient, user: Any, caplog: Any) -> None:
    with database_down(), caplog.at_level("ERROR", logger="jwtauth"):
        api_client.post(LOGIN, {"username": "alice", "password": "x" * 12}, format="json")
    messages = [r.getMessage() for r in caplog.records if r.name == "jwtauth"]
    assert messages == ["jwtauth: database unavailable (OperationalError); answering 503"]
