"""The error registry: each code is defined once (class, status, message), every view
declares what it answers with, and exercising the views produces only declared codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from jwtauth.api.session_views import PasswordChangeView, SessionDetailView
from jwtauth.api.views import JWTAuthAPIView, LoginView, LogoutView, RefreshView, UserView
from jwtauth.core.errors import ERRORS, JWTAuthError
from tests.api.helpers import (
    COOKIE,
    LOGIN,
    LOGOUT,
    PASSWORD_CHANGE,
    REFRESH,
    SESSIONS,
    USER,
    bearer,
    csrf_headers,
    login,
)


def test_each_code_is_defined_once_with_status_and_message() -> None:
    for code, cls in ERRORS.items():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", code), code
        assert cls.code == code
        assert 400 <= cls.status < 600
        assert cls.default_detail.endswith("."), code


def test_views_declare_only_registered_errors() -> None:
    for view in [LoginView, RefreshView, LogoutView, UserView, SessionDetailView, PasswordChangeView]:
        assert view.errors, view
        for err in view.errors:
            assert issubclass(err, JWTAuthError)
            assert ERRORS[err.code] is err


def _declared(view: type[JWTAuthAPIView]) -> dict[str, int]:
    return {err.code: err.status for err in view.errors}


Case = Callable[[APIClient, Any], Any]


def _bad_json(client: APIClient, user: Any) -> Any:
    return client.post(LOGIN, "{", content_type="application/json")


def _missing_field(client: APIClient, user: Any) -> Any:
    return client.post(LOGIN, {"username": "alice"}, format="json")


def _wrong_password(client: APIClient, user: Any) -> Any:
    return client.post(LOGIN, {"username": "alice", "password": "nope"}, format="json")


def _untrusted_origin(client: APIClient, user: Any) -> Any:
    return client.post(LOGIN, {"username": "alice", "password": "x"}, format="json", HTTP_ORIGIN="https://evil.example")


def _too_large(client: APIClient, user: Any) -> Any:
    return client.post(LOGIN, '{"username": "' + "a" * 70_000 + '"}', content_type="application/json")


def _wrong_media_type(client: APIClient, user: Any) -> Any:
    return client.post(LOGIN, "username=alice", content_type="application/xml")


def _throttled(client: APIClient, user: Any) -> Any:
    for _ in range(10):
        _wrong_password(client, user)
    return _wrong_password(client, user)


def _no_refresh_cookie(client: APIClient, user: Any) -> Any:
    client.get("/api/auth/csrf/")
    return client.post(REFRESH, **csrf_headers(client))


def _forged_refresh_cookie(client: APIClient, user: Any) -> Any:
    client.get("/api/auth/csrf/")
    client.cookies[COOKIE] = "not-a-jwt"
    return client.post(REFRESH, **csrf_headers(client))


def _refresh_without_csrf(client: APIClient, user: Any) -> Any:
    login(client)
    return client.post(REFRESH)


def _logout_without_csrf(client: APIClient, user: Any) -> Any:
    login(client)
    return client.post(LOGOUT)


def _no_token(client: APIClient, user: Any) -> Any:
    return client.get(USER)


def _bad_token(client: APIClient, user: Any) -> Any:
    return client.get(USER, **bearer("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"))


def _foreign_session(client: APIClient, user: Any) -> Any:
    token = login(client).json()["access_token"]
    return client.delete(f"{SESSIONS}00000000-0000-0000-0000-000000000000/", **bearer(token))


def _weak_new_password(client: APIClient, user: Any) -> Any:
    token = login(client).json()["access_token"]
    return client.post(PASSWORD_CHANGE, {"old_password": "x"}, format="json", **bearer(token))


def _password_change_throttled(client: APIClient, user: Any) -> Any:
    token = login(client).json()["access_token"]
    body = {"old_password": "wrong", "new_password": "another long password 123"}
    for _ in range(10):
        client.post(PASSWORD_CHANGE, body, format="json", **bearer(token))
    return client.post(PASSWORD_CHANGE, body, format="json", **bearer(token))


CASES: list[tuple[type[JWTAuthAPIView], Case, str]] = [
    (LoginView, _bad_json, "parse_error"),
    (LoginView, _missing_field, "invalid_request"),
    (LoginView, _wrong_password, "invalid_credentials"),
    (LoginView, _untrusted_origin, "csrf_failed"),
    (LoginView, _too_large, "request_too_large"),
    (LoginView, _wrong_media_type, "unsupported_media_type"),
    (LoginView, _throttled, "throttled"),
    (RefreshView, _no_refresh_cookie, "refresh_token_missing"),
    (RefreshView, _forged_refresh_cookie, "refresh_token_invalid"),
    (RefreshView, _refresh_without_csrf, "csrf_failed"),
    (LogoutView, _logout_without_csrf, "csrf_failed"),
    (UserView, _no_token, "not_authenticated"),
    (UserView, _bad_token, "token_invalid"),
    (SessionDetailView, _foreign_session, "not_found"),
    (PasswordChangeView, _weak_new_password, "invalid_request"),
    (PasswordChangeView, _password_change_throttled, "throttled"),
]


@pytest.mark.parametrize(("view", "case", "expected"), CASES, ids=[f"{v.__name__}-{c}" for v, _, c in CASES])
def test_exercised_codes_are_declared(
    view: type[JWTAuthAPIView], case: Case, expected: str, api_client: APIClient, user: Any
) -> None:
    response = case(api_client, user)
    code = response.json()["code"]
    assert code == expected
    declared = _declared(view)
    assert code in declared, f"{view.__name__} answered {code!r}, which it does not declare"
    assert response.status_code == declared[code] == ERRORS[code].status


def test_the_docs_error_table_is_generated() -> None:
    from pathlib import Path

    from jwtauth.api.urls import error_reference

    text = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text()
    table = re.search(r"<!-- error-reference:start -->\n(.*?)<!-- error-reference:end -->", text, re.S)
    assert table is not None
    assert table.group(1) == error_reference(), (
        "docs/errors.md is out of date; regenerate the table with "
        "`python -c 'import django; django.setup(); from jwtauth.api.urls import error_reference; "
        "print(error_reference())'` (DJANGO_SETTINGS_MODULE=tests.settings)"
    )
