"""Size limits: oversized input is a fast 4xx ``{"detail", "code"}``, never a slow
hash, a 500 or an unbounded read."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api.helpers import COOKIE, LOGIN, LOGOUT, REFRESH, USER
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# Generous for loaded CI machines; the zero query counts are the precise part.
FAST_SECONDS = 2.0


def timed(call: Any) -> tuple[Any, float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = call()
        elapsed = time.perf_counter() - started
    return response, elapsed, len(queries)


@pytest.mark.parametrize("size", [8193, 100_000, 1_000_000])
def test_huge_authorization_header_is_fast_401(api_client: APIClient, size: int) -> None:
    response, elapsed, queries = timed(lambda: api_client.get(USER, HTTP_AUTHORIZATION="Bearer " + "a" * size))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert elapsed < FAST_SECONDS
    assert queries == 0


def test_token_just_over_the_limit_is_rejected_unparsed(api_client: APIClient) -> None:
    token = "eyJhbGciOiJIUzI1NiJ9." + "a" * 8200 + ".sig"
    response = api_client.get(USER, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.json()["code"] == "token_invalid"


@pytest.mark.parametrize("size", [9000, 100_000])
def test_huge_refresh_cookie_is_fast_401(api_client: APIClient, size: int) -> None:
    api_client.cookies["csrftoken"] = "a" * 32
    api_client.cookies[COOKIE] = "a" * size
    response, elapsed, queries = timed(lambda: api_client.post(REFRESH, HTTP_X_CSRFTOKEN="a" * 32))
    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_invalid"
    assert elapsed < FAST_SECONDS
    assert queries == 0


def test_huge_cookie_on_logout_is_204_without_queries(api_client: APIClient) -> None:
    api_client.cookies["csrftoken"] = "a" * 32
    api_client.cookies[COOKIE] = "a" * 100_000
    response, _elapsed, queries = timed(lambda: api_client.post(LOGOUT, HTTP_X_CSRFTOKEN="a" * 32))
    assert response.status_code == 204
    assert queries == 0


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_megabyte_password_is_fast_413(api_client: APIClient, user: Any, fmt: str) -> None:
    response, elapsed, queries = timed(
        lambda: api_client.post(LOGIN, {"username": "alice", "password": "p" * 1_000_000}, format=fmt)
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large.", "code": "request_too_large"}
    assert elapsed < FAST_SECONDS
    assert queries == 0


def test_declared_length_is_enough_for_413(api_client: APIClient, user: Any) -> None:
    # A client announcing 1 GB is refused before a single byte is read.
    response = api_client.generic("POST", LOGIN, b"{}", content_type="application/json", CONTENT_LENGTH="1000000000")
    assert response.status_code == 413


@pytest.mark.jwtauth_settings(PASSWORD_MAX_LENGTH=64)
def test_password_over_max_length_never_reaches_the_hasher(api_client: APIClient, user: Any) -> None:
    response, _elapsed, queries = timed(
        lambda: api_client.post(LOGIN, {"username": "alice", "password": "p" * 65}, format="json")
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert queries == 0  # authenticate() always loads the user first: it never ran
    assert api_client.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json").status_code == 200


def test_huge_username_is_400(api_client: APIClient, user: Any) -> None:
    response = api_client.post(LOGIN, {"username": "a" * 5000, "password": "x"}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()["errors"]


def test_too_many_form_fields_is_json_400(api_client: APIClient, user: Any) -> None:
    body = "&".join(f"f{i}=1" for i in range(2000))
    response = api_client.generic("POST", LOGIN, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_deep_json_is_400(api_client: APIClient, user: Any) -> None:
    response = api_client.generic("POST", LOGIN, b"[" * 100_000, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response.json()["code"] in {"parse_error", "request_too_large"}


@pytest.mark.jwtauth_settings(LOGIN_MAX_BODY_BYTES=1_000_000)
def test_too_many_multipart_fields_is_json_400(api_client: APIClient, user: Any) -> None:
    data = {f"f{i}": "1" for i in range(1200)}
    response = api_client.post(LOGIN, data, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
