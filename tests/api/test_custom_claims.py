"""TOKEN_CLAIMS through the HTTP API: login and every refresh, request.auth.claims,
HasClaim/HasScope, reserved names, conversion errors and the size limit."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from jwtauth.core.errors import ConfigInvalid
from jwtauth.sessions.models import RefreshSession
from jwtauth.settings import get_settings
from tests.api.helpers import COOKIE, REFRESH, bearer, csrf_headers, login
from tests.conftest import FakeClock
from tests.testapp import claims as hooks

pytestmark = pytest.mark.django_db

HOOK = "tests.testapp.claims.role_claims"
CLAIMS, ADMIN, ORDERS = "/api/claims/", "/api/admin-only/", "/api/orders/"


def payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.fixture(autouse=True)
def hook_state() -> Iterator[dict[str, Any]]:
    hooks.STATE.update(calls=[], extra={})
    yield hooks.STATE
    hooks.STATE.update(calls=[], extra={})


def refresh(client: APIClient) -> Any:
    return client.post(REFRESH, **csrf_headers(client))


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK)
def test_login_puts_converted_claims_in_the_access_token_only(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    access = payload(response.json()["access_token"])
    assert access["role"] == "member"
    assert access["scope"] == "orders:read"
    assert access["tenant"] == str(hooks.TENANT)
    assert access["credit"] == "19.90"
    assert access["member_since"] == 1735787045  # 2025-01-02T03:04:05Z as a NumericDate
    assert access["birthday"] == "1990-05-17"
    assert access["perms"] == ["a", "b"]
    assert set(payload(response.cookies[COOKIE].value)) == {"sub", "iat", "exp", "jti", "sid"}
    # The hook saw the user and the login request.
    ((pk, request),) = hooks.STATE["calls"]
    assert pk == user.pk and request.path == "/api/auth/login/"


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK)
def test_every_refresh_calls_the_hook_so_a_new_role_arrives_without_login(
    api_client: APIClient, user: Any, clock: FakeClock
) -> None:
    login(api_client)
    user.is_staff = True
    user.save()
    clock.advance(60)
    refreshed = refresh(api_client)
    assert refreshed.status_code == 200
    access = refreshed.json()["access_token"]
    assert payload(access)["role"] == "admin"
    assert payload(access)["scope"] == "orders:read orders:write"
    assert len(hooks.STATE["calls"]) == 2
    assert hooks.STATE["calls"][1][1].path == "/api/auth/refresh/"
    assert payload(refreshed.cookies[COOKIE].value).keys() == {"sub", "iat", "exp", "jti", "sid"}


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK)
def test_grace_period_refresh_gets_the_claims_too(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    login(api_client)
    old_cookie = api_client.cookies[COOKIE].value
    assert refresh(api_client).status_code == 200
    other = APIClient(enforce_csrf_checks=True)
    other.cookies = api_client.cookies
    other.cookies[COOKIE] = old_cookie
    within_grace = other.post(REFRESH, **csrf_headers(other))
    assert within_grace.status_code == 200
    assert COOKIE not in within_grace.cookies  # no second successor
    assert payload(within_grace.json()["access_token"])["role"] == "member"


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK)
def test_request_auth_claims_are_the_verified_custom_claims(api_client: APIClient, user: Any) -> None:
    access = login(api_client).json()["access_token"]
    body = APIClient().get(CLAIMS, **bearer(access)).json()
    assert body["claims"] == {
        "role": "member",
        "scope": "orders:read",
        "tenant": str(hooks.TENANT),
        "credit": "19.90",
        "member_since": 1735787045,
        "birthday": "1990-05-17",
        "perms": ["a", "b"],
    }


def test_without_a_hook_request_auth_claims_is_empty(api_client: APIClient, user: Any) -> None:
    access = login(api_client).json()["access_token"]
    assert APIClient().get(CLAIMS, **bearer(access)).json() == {"claims": {}}


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK)
def test_the_memo_keeps_verifying_a_token_once(
    api_client: APIClient, user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jwtauth.core import tokens as tokens_module

    access = login(api_client).json()["access_token"]
    assert APIClient().get(CLAIMS, **bearer(access)).status_code == 200
    calls: list[object] = []
    real = tokens_module.verify_jws
    monkeypatch.setattr(tokens_module, "verify_jws", lambda *a, **k: calls.append(a) or real(*a, **k))
    for _ in range(3):
        assert APIClient().get(CLAIMS, **bearer(access)).json()["claims"]["role"] == "member"
    assert calls == []  # memo hits: the signature was not checked again


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK)
def test_has_claim(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    access = login(api_client).json()["access_token"]
    denied = APIClient().get(ADMIN, **bearer(access))
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    user.is_staff = True
    user.save()
    clock.advance(10)
    admin_access = refresh(api_client).json()["access_token"]
    assert APIClient().get(ADMIN, **bearer(admin_access)).json() == {"ok": True}


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK)
def test_has_scope_answers_insufficient_scope_with_the_rfc_6750_challenge(
    api_client: APIClient, user: Any, clock: FakeClock
) -> None:
    access = login(api_client).json()["access_token"]
    denied = APIClient().post(ORDERS, {}, format="json", **bearer(access))
    assert denied.status_code == 403
    assert denied.json()["code"] == "insufficient_scope"
    assert denied["WWW-Authenticate"] == 'Bearer realm="api", error="insufficient_scope", scope="orders:write"'
    user.is_staff = True
    user.save()
    clock.advance(10)
    allowed = APIClient().post(ORDERS, {}, format="json", **bearer(refresh(api_client).json()["access_token"]))
    assert allowed.status_code == 200


def test_has_scope_without_a_token_is_401_not_403(api_client: APIClient) -> None:
    response = api_client.post(ORDERS, {}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("name", ["sub", "sid", "exp", "auth_time", "amr", "cnf", "typ"])
@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK)
def test_a_reserved_claim_fails_login_cleanly(
    api_client: APIClient, user: Any, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    hooks.STATE["extra"] = {name: "evil"}
    with caplog.at_level(logging.ERROR, logger="jwtauth"):
        response = api_client.post(
            "/api/auth/login/", {"username": "alice", "password": "correct horse battery staple"}, format="json"
        )
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The server cannot issue tokens with its current configuration.",
        "code": "config_invalid",
    }
    assert COOKIE not in response.cookies
    assert not RefreshSession.objects.exists()  # no half-made session
    assert any(repr(name) in record.getMessage() for record in caplog.records)


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK)
def test_a_value_without_json_form_is_logged_once_naming_claim_and_type(
    api_client: APIClient, user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from jwtauth.sessions import service

    service._logged_problems.clear()
    hooks.STATE["extra"] = {"price": complex(1, 2)}
    creds = {"username": "alice", "password": "correct horse battery staple"}
    with caplog.at_level(logging.ERROR, logger="jwtauth"):
        for _ in range(3):
            response = api_client.post("/api/auth/login/", creds, format="json")
            assert (response.status_code, response.json()["code"]) == (503, "config_invalid")
    messages = [r.getMessage() for r in caplog.records if r.name == "jwtauth"]
    assert len(messages) == 1
    assert "'price'" in messages[0] and "builtins.complex" in messages[0]
    service._logged_problems.clear()


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK)
def test_a_failing_hook_at_refresh_keeps_the_session_and_cookie(
    api_client: APIClient, user: Any, clock: FakeClock
) -> None:
    login(api_client)
    cookie = api_client.cookies[COOKIE].value
    session = RefreshSession.objects.get()
    hooks.STATE["extra"] = {"iss": "evil"}
    clock.advance(10)
    failed = refresh(api_client)
    assert (failed.status_code, failed.json()["code"]) == (503, "config_invalid")
    assert COOKIE not in failed.cookies  # not cleared
    assert RefreshSession.objects.get().jti_hash == session.jti_hash  # not rotated
    hooks.STATE["extra"] = {}
    assert api_client.cookies[COOKIE].value == cookie
    assert refresh(api_client).status_code == 200  # the same cookie still works


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK)
def test_an_access_token_over_the_size_limit_is_refused(api_client: APIClient, user: Any) -> None:
    hooks.STATE["extra"] = {"blob": "x" * 4000}
    creds = {"username": "alice", "password": "correct horse battery staple"}
    response = api_client.post("/api/auth/login/", creds, format="json")
    assert (response.status_code, response.json()["code"]) == (503, "config_invalid")
    assert not RefreshSession.objects.exists()


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS=HOOK, ACCESS_TOKEN_MAX_BYTES=8192)
def test_the_size_limit_is_a_setting(api_client: APIClient, user: Any) -> None:
    hooks.STATE["extra"] = {"blob": "x" * 4000}
    access = login(api_client).json()["access_token"]
    assert 4096 < len(access) <= 8192
    assert APIClient().get(CLAIMS, **bearer(access)).status_code == 200


@pytest.mark.parametrize(
    "overrides",
    [
        {"TOKEN_CLAIMS": "tests.testapp.claims.missing"},
        {"TOKEN_CLAIMS": "tests.testapp.claims.NOT_CALLABLE"},
        {"TOKEN_CLAIMS": 3},
        {"ACCESS_TOKEN_MAX_BYTES": 100},
        {"ACCESS_TOKEN_MAX_BYTES": 9000},
        {"ACCESS_TOKEN_MAX_BYTES": True},
    ],
)
def test_bad_settings_are_system_check_errors(settings: Any, overrides: dict[str, Any]) -> None:
    from django.core.management.base import SystemCheckError

    settings.JWTAUTH = {**settings.JWTAUTH, **overrides}
    with pytest.raises(ConfigInvalid, match="E002"):
        get_settings()
    with pytest.raises(SystemCheckError, match=next(iter(overrides))):
        call_command("check")


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS="tests.testapp.claims.not_a_mapping")
def test_a_hook_that_returns_no_mapping(api_client: APIClient, user: Any) -> None:
    creds = {"username": "alice", "password": "correct horse battery staple"}
    response = api_client.post("/api/auth/login/", creds, format="json")
    assert (response.status_code, response.json()["code"]) == (503, "config_invalid")
