"""The OpenAPI 3 schema from drf-spectacular with jwtauth.contrib.openapi.schema."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("drf_spectacular")

from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

import jwtauth.contrib.openapi.schema  # noqa: F401  (registers the extensions)
from jwtauth.contrib.openapi.schema import ERROR_CODES
from tests.conftest import START

SPECTACULAR = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}


@pytest.fixture
def schema(settings: Any) -> dict[str, Any]:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **SPECTACULAR}
    GENERATOR_STATS.reset()
    generated = SchemaGenerator(urlconf="tests.contrib.openapi.openapi_urls").get_schema(request=None, public=True)
    assert not GENERATOR_STATS, (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache))
    return generated  # type: ignore[no-any-return]


def test_schema_is_valid_openapi_without_warnings(schema: dict[str, Any]) -> None:
    validate_schema(schema)


def test_endpoints_are_listed(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    for endpoint in ("login", "refresh", "logout", "user"):
        assert f"/api/auth/{endpoint}/" in paths
    assert set(paths["/api/auth/login/"]) == {"post"}
    assert set(paths["/api/auth/user/"]) == {"get"}


def test_security_schemes(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes["jwtAuth"]["type"] == "http"
    assert schemes["jwtAuth"]["scheme"] == "bearer"
    assert schemes["jwtAuth"]["bearerFormat"] == "JWT"
    assert schemes["refreshCookie"] == {
        **schemes["refreshCookie"],
        "type": "apiKey",
        "in": "cookie",
        "name": "jwtauth_refresh",
    }
    assert schemes["csrfToken"]["in"] == "header"
    paths = schema["paths"]
    assert paths["/api/auth/user/"]["get"]["security"] == [{"jwtAuth": []}]
    assert paths["/api/auth/refresh/"]["post"]["security"] == [{"refreshCookie": [], "csrfToken": []}]
    assert {} in paths["/api/auth/logout/"]["post"]["security"]
    assert paths["/api/auth/login/"]["post"]["security"] == [{}]


def test_error_codes_per_status(schema: dict[str, Any]) -> None:
    # Written out here, not read from the table the schema is built from: a view that
    # stops declaring an error (or declares one under the wrong status) fails this.
    login = schema["paths"]["/api/auth/login/"]["post"]["responses"]
    expected = {
        "400": ["invalid_request", "parse_error"],
        "401": ["invalid_credentials", "invalid_dpop_proof", "use_dpop_nonce"],
        "403": ["login_flow_required", "csrf_failed"],
        "413": ["request_too_large"],
        "415": ["unsupported_media_type"],
        "429": ["throttled"],
        "503": ["config_invalid", "service_unavailable"],
    }
    for status, codes in expected.items():
        assert login[status]["content"]["application/json"]["schema"]["properties"]["code"]["enum"] == codes
    change = schema["paths"]["/api/auth/password/change/"]["post"]["responses"]
    assert change["429"]["content"]["application/json"]["schema"]["properties"]["code"]["enum"] == ["throttled"]
    for endpoint, statuses in ERROR_CODES.items():
        method = {"user": "get", "sessions": "get", "session": "delete"}.get(endpoint, "post")
        path = {"session": "sessions/{session_id}", "password-change": "password/change"}.get(endpoint, endpoint)
        responses = schema["paths"][f"/api/auth/{path}/"][method]["responses"]
        for status, codes in statuses.items():
            body = responses[str(status)]["content"]["application/json"]["schema"]
            assert body["properties"]["code"]["enum"] == list(codes)
            assert body["required"] == ["detail", "code"]


def test_login_request_and_headers(schema: dict[str, Any]) -> None:
    login = schema["paths"]["/api/auth/login/"]["post"]
    content = login["requestBody"]["content"]
    assert set(content) == {"application/json"}  # forms only with LOGIN_FORM_ENABLED
    assert login["requestBody"]["required"] is True
    body = schema["components"]["schemas"]["LoginRequest"]
    assert set(body["required"]) == {"username", "password"}
    assert body["properties"]["password"]["minLength"] == 1
    assert "Retry-After" in login["responses"]["429"]["headers"]
    assert "Set-Cookie" in login["responses"]["200"]["headers"]
    ok = login["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(ok["required"]) == {"access_token", "token_type", "expires_in", "csrf_token", "user"}


def test_core_views_do_not_import_drf_spectacular() -> None:
    import subprocess
    import sys

    code = (
        "import django, os, sys; os.environ['DJANGO_SETTINGS_MODULE']='tests.settings'; django.setup();"
        "import jwtauth.api.views, jwtauth.urls; sys.exit('drf_spectacular' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_jwks_is_described(schema: dict[str, Any]) -> None:
    jwks = schema["paths"]["/api/auth/jwks/"]
    assert set(jwks) == {"get"}
    get = jwks["get"]
    assert get["security"] == [{}]
    ok = get["responses"]["200"]
    assert "Cache-Control" in ok["headers"]
    body = ok["content"]["application/json"]["schema"]
    assert body["required"] == ["keys"]
    assert set(body["properties"]["keys"]["items"]["required"]) == {"kty", "kid", "use", "alg"}


def _documented(schema: dict[str, Any], path: str, method: str, response: Any) -> None:
    """The response's status and ``code`` are in the schema of that operation."""
    responses = schema["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in responses, (path, status, response.content)
    codes = responses[status]["content"]["application/json"]["schema"]["properties"]["code"]["enum"]
    assert response.json()["code"] in codes, (path, status, response.json())


_FORM = "application/x-www-form-urlencoded"
_BROKEN_MULTIPART = {"data": b"--x\r\nnot a part", "content_type": "multipart/form-data"}


@pytest.mark.django_db
def test_real_error_responses_are_documented(schema: dict[str, Any], user: Any) -> None:
    from rest_framework.test import APIClient

    from jwtauth.settings import get_settings
    from tests.api.helpers import LOGIN, LOGOUT, REFRESH, csrf_headers, login
    from tests.api.test_database_outage import database_down

    big = get_settings().login_max_body_bytes + 1
    creds = {"username": "alice", "password": "x"}
    client = APIClient(enforce_csrf_checks=True)
    # Login from a browser page on an untrusted origin (login CSRF).
    response = client.post(LOGIN, creds, format="json", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    _documented(schema, "/api/auth/login/", "post", response)
    headers = csrf_headers(client, login(client))
    cases = [
        ({"data": "a=" + "b" * big, "content_type": _FORM, **headers}, 413),
        ({**_BROKEN_MULTIPART, **headers}, 400),
    ]
    for path in (REFRESH, LOGOUT):
        for kwargs, status in cases:
            response = client.post(path, **kwargs)
            assert response.status_code == status, (path, response.content)
            _documented(schema, path, "post", response)
    with database_down():
        for path in (LOGIN, REFRESH, LOGOUT):
            response = client.post(path, creds, format="json", **headers)
            assert response.status_code == 503, (path, response.content)
            _documented(schema, path, "post", response)


@pytest.mark.jwtauth_settings(SIMPLEJWT_ACCEPT_UNTIL=START)
def test_refresh_takes_a_simplejwt_token_only_during_the_transition(settings: Any) -> None:
    pytest.importorskip("rest_framework_simplejwt", reason="djangorestframework-simplejwt is not installed")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **SPECTACULAR}
    GENERATOR_STATS.reset()
    generated = SchemaGenerator(urlconf="tests.contrib.openapi.openapi_urls").get_schema(request=None, public=True)
    assert not GENERATOR_STATS
    validate_schema(generated)
    body = generated["paths"]["/api/auth/refresh/"]["post"]["requestBody"]
    assert not body.get("required", False)
    assert "SimpleJWTRefreshRequest" in str(body)


def test_refresh_has_no_body_without_the_transition(schema: dict[str, Any]) -> None:
    assert "requestBody" not in schema["paths"]["/api/auth/refresh/"]["post"]


def test_every_401_documents_its_challenge(schema: dict[str, Any]) -> None:
    """RFC 6750 §3 / RFC 9110 §15.5.2: each 401 the schema lists carries WWW-Authenticate."""
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "401" in operation.get("responses", {})
        and "WWW-Authenticate" not in operation["responses"]["401"].get("headers", {})
    ]
    assert missing == []
