"""Regressions found by trying to break a fresh install: login CSRF, odd bodies on the
cookie endpoints, duplicate refresh cookies, and settings that used to crash."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from jwtauth.sessions.models import RefreshSession
from jwtauth.settings import validate
from tests.api.helpers import COOKIE, LOGIN, LOGOUT, REFRESH, csrf_headers, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
BODY = {"username": "alice", "password": PASSWORD}


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://localhost:3000.evil.example", "https://testserver"]
)
def test_login_from_an_untrusted_origin_is_refused(api_client: APIClient, user: Any, origin: str) -> None:
    response = api_client.post(LOGIN, BODY, HTTP_ORIGIN=origin)  # a cross-site form post
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert COOKIE not in response.cookies
    assert not RefreshSession.objects.exists()


@pytest.mark.parametrize("origin", [None, "http://testserver", "http://localhost:3000"])
def test_login_from_a_trusted_or_no_origin(api_client: APIClient, user: Any, origin: str | None) -> None:
    extra = {} if origin is None else {"HTTP_ORIGIN": origin}
    assert api_client.post(LOGIN, BODY, format="json", **extra).status_code == 200


@pytest.mark.parametrize("endpoint", [REFRESH, LOGOUT])
def test_multipart_without_boundary_is_a_json_400(api_client: APIClient, user: Any, endpoint: str) -> None:
    headers = csrf_headers(api_client, login(api_client))
    headers.pop("HTTP_X_CSRFTOKEN")  # so Django looks for the token in the body
    r = api_client.generic("POST", endpoint, b"x", content_type="multipart/form-data", **headers)
    assert r.status_code == 400
    assert r["Content-Type"] == "application/json"
    assert r.json()["code"] == "parse_error"


def test_too_many_form_fields_at_refresh_is_a_json_400(api_client: APIClient, user: Any) -> None:
    login(api_client)
    body = "&".join(f"f{i}=1" for i in range(3000))
    r = api_client.generic("POST", REFRESH, body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400
    assert r.json()["code"] == "parse_error"


@pytest.mark.parametrize("endpoint", [REFRESH, LOGOUT])
def test_oversized_body_at_cookie_endpoints_is_413(api_client: APIClient, user: Any, endpoint: str) -> None:
    headers = csrf_headers(api_client, login(api_client))
    body = "a=" + "x" * 3_000_000
    r = api_client.generic("POST", endpoint, body, content_type="application/x-www-form-urlencoded", **headers)
    assert r.status_code == 413
    assert r.json()["code"] == "request_too_large"
    assert RefreshSession.objects.get().revoked_at is None


def test_nul_in_the_user_agent_is_replaced_not_a_500(api_client: APIClient, user: Any) -> None:
    # PostgreSQL refuses NUL in text (a DataError, so a 500); runserver and some WSGI servers pass it on.
    response = login(api_client, HTTP_USER_AGENT="evil\x00agent")
    assert response.status_code == 200
    assert RefreshSession.objects.get().user_agent == "evil\ufffdagent"


def test_duplicate_refresh_cookie_uses_the_first_one(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    live = response.cookies[COOKIE].value
    csrf = api_client.cookies["csrftoken"].value
    client = APIClient(enforce_csrf_checks=True)
    # what a browser sends with our cookie (Path=/api/auth/) and a stale one at Path=/
    header = f"{COOKIE}={live}; {COOKIE}=stale; csrftoken={csrf}"
    r = client.post(REFRESH, HTTP_COOKIE=header, HTTP_X_CSRFTOKEN=csrf)
    assert r.status_code == 200, r.content
    assert r.cookies[COOKIE].value not in ("", live)


@pytest.mark.parametrize(
    "raw",
    [
        {"ALGORITHM": ["HS256"]},
        {"CLOCK": "os.path"},
        {"CLOCK": "os.getcwd"},
        {"CLOCK": object()},
        {"USER_SERIALIZER": "no.such.Serializer"},
        {"REFRESH_COOKIE_NAME": "bad name;"},
        {"REFRESH_COOKIE_NAME": "a;b"},
        {"ACCESS_TOKEN_LIFETIME": timedelta.max},
        {"AUTH_HEADER_TYPES": ["Bea\trer"]},
        {"AUTH_HEADER_TYPES": []},
    ],
)
def test_bad_settings_are_reported_not_crashing(raw: dict[str, Any]) -> None:
    _, problems = validate(raw)
    assert "jwtauth.E002" in [p.check_id for p in problems]


def test_failure_after_the_session_insert_leaves_no_session(api_client: APIClient, user: Any) -> None:
    from django.contrib.auth.signals import user_logged_in

    def fail(**kwargs: Any) -> None:
        raise RuntimeError("last_login update failed")

    user_logged_in.connect(fail)
    try:
        with pytest.raises(RuntimeError):
            api_client.post(LOGIN, BODY, format="json")
    finally:
        user_logged_in.disconnect(fail)
    assert not RefreshSession.objects.exists()
