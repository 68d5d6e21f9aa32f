"""The OpenAPI 3 schema from drf-spectacular with jwtauth.contrib.openapi."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("drf_spectacular")

from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

import jwtauth.contrib.openapi  # noqa: F401  (registers the extensions)
from jwtauth.contrib.openapi import ERROR_CODES

SPECTACULAR = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}


@pytest.fixture
def schema(settings: Any) -> dict[str, Any]:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **SPECTACULAR}
    GENERATOR_STATS.reset()
    generated = SchemaGenerator(urlconf="tests.security.openapi_urls").get_schema(request=None, public=True)
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
    assert set(content) == {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}
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
        "import jwtauth.web.views, jwtauth.urls; sys.exit('drf_spectacular' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
