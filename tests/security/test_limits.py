"""Size limits: oversized input is a fast 4xx ``{"detail", "code"}``, never a slow
hash, a 500 or an unbounded read."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jwt.api_jws import PyJWS
from rest_framework.test import APIClient

from tests.api.helpers import COOKIE, LOGIN, LOGOUT, REFRESH, USER
from tests.conftest import PASSWORD
from tests.testapp.hashers import CountingHasher

pytestmark = pytest.mark.django_db


@pytest.fixture
def jws_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How often PyJWS looked inside a token: oversized input must be refused before
    the JOSE parser runs (the mechanism that keeps it cheap), not merely quickly."""
    calls: list[int] = []
    original = PyJWS._load

    def counting(self: PyJWS, jwt: Any) -> Any:
        calls.append(len(jwt))
        return original(self, jwt)

    monkeypatch.setattr(PyJWS, "_load", counting)
    return calls


def queried(call: Any) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    return response, len(queries)


@pytest.mark.parametrize("size", [8193, 100_000, 1_000_000])
def test_huge_authorization_header_is_401_unparsed(api_client: APIClient, size: int, jws_parses: list[int]) -> None:
    response, queries = queried(lambda: api_client.get(USER, HTTP_AUTHORIZATION="Bearer " + "a" * size))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert jws_parses == []
    assert queries == 0


def test_token_just_over_the_limit_is_rejected_unparsed(api_client: APIClient, jws_parses: list[int]) -> None:
    token = "eyJhbGciOiJIUzI1NiJ9." + "a" * 8200 + ".sig"
    response = api_client.get(USER, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.json()["code"] == "token_invalid"
    assert jws_parses == []
    api_client.get(USER, HTTP_AUTHORIZATION="Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln")
    assert jws_parses, "the seam must see a token of ordinary size being parsed"


@pytest.mark.parametrize("size", [9000, 100_000])
def test_huge_refresh_cookie_is_401_unparsed(api_client: APIClient, size: int, jws_parses: list[int]) -> None:
    api_client.cookies["csrftoken"] = "a" * 32
    api_client.cookies[COOKIE] = "a" * size
    response, queries = queried(lambda: api_client.post(REFRESH, HTTP_X_CSRFTOKEN="a" * 32))
    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_invalid"
    assert jws_parses == []
    assert queries == 0


def test_huge_cookie_on_logout_is_204_without_queries(api_client: APIClient) -> None:
    api_client.cookies["csrftoken"] = "a" * 32
    api_client.cookies[COOKIE] = "a" * 100_000
    response, queries = queried(lambda: api_client.post(LOGOUT, HTTP_X_CSRFTOKEN="a" * 32))
    assert response.status_code == 204
    assert queries == 0


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_megabyte_password_is_413_unhashed(api_client: APIClient, user: Any, fmt: str, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["tests.testapp.hashers.CountingHasher"]
    CountingHasher.calls.clear()
    response, queries = queried(
        lambda: api_client.post(LOGIN, {"username": "alice", "password": "p" * 1_000_000}, format=fmt)
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large.", "code": "request_too_large"}
    assert CountingHasher.calls == []  # refused before authenticate(): nothing was hashed
    assert queries == 0


def test_declared_length_is_enough_for_413(api_client: APIClient, user: Any) -> None:
    # A client announcing 1 GB is refused before a single byte is read.
    response = api_client.generic("POST", LOGIN, b"{}", content_type="application/json", CONTENT_LENGTH="1000000000")
    assert response.status_code == 413


@pytest.mark.jwtauth_settings(PASSWORD_MAX_LENGTH=64)
def test_password_over_max_length_never_reaches_the_hasher(api_client: APIClient, user: Any) -> None:
    response, queries = queried(
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


@pytest.mark.jwtauth_settings(LOGIN_FORM_ENABLED=True)
def test_too_many_form_fields_is_json_400(api_client: APIClient, user: Any) -> None:
    body = "&".join(f"f{i}=1" for i in range(2000))
    api_client.cookies["csrftoken"] = "a" * 32
    response = api_client.generic(
        "POST", LOGIN, body, content_type="application/x-www-form-urlencoded", HTTP_X_CSRFTOKEN="a" * 32
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.jwtauth_settings(LOGIN_MAX_BODY_BYTES=1_000_000)
def test_deep_json_is_400(api_client: APIClient, user: Any) -> None:
    # Under the body limit, so the JSON parser itself meets the nesting: a RecursionError
    # inside json must become a 400, not a 500 (with the default limit it would be a 413
    # and the parser never reached).
    response = api_client.generic("POST", LOGIN, b"[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.jwtauth_settings(LOGIN_MAX_BODY_BYTES=1_000_000, LOGIN_FORM_ENABLED=True)
def test_too_many_multipart_fields_is_json_400(api_client: APIClient, user: Any) -> None:
    data = {f"f{i}": "1" for i in range(1200)}
    api_client.cookies["csrftoken"] = "a" * 32
    response = api_client.post(LOGIN, data, format="multipart", HTTP_X_CSRFTOKEN="a" * 32)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
