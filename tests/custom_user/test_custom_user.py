"""Field case 3: a UUID primary key and ``USERNAME_FIELD = "email"`` work end to end."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.api.helpers import COOKIE, LOGIN, LOGOUT, REFRESH, USER, bearer, csrf_headers
from tests.conftest import PASSWORD, START
from tests.factories import simplejwt_token

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        settings.AUTH_USER_MODEL != "custom_user.EmailUser", reason="needs --ds tests.custom_user.settings"
    ),
]


@pytest.fixture
def email_user(db: None) -> Any:
    from tests.custom_user.models import EmailUser

    return EmailUser.objects.create_user(email="bob@example.com", password=PASSWORD)


@pytest.mark.parametrize("field", ["email", "username"])
def test_login_user_refresh_logout(api_client: APIClient, email_user: Any, field: str) -> None:
    response = api_client.post(LOGIN, {field: "bob@example.com", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    # USERNAME_FIELD under its own name and as "username"; no first/last name on this model.
    assert body["user"] == {
        "id": str(email_user.pk),
        "email": "bob@example.com",
        "username": "bob@example.com",
        "is_active": True,
    }
    payload = body["access_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == str(email_user.pk)
    assert APIClient().get(USER, **bearer(body["access_token"])).json()["user"]["id"] == str(email_user.pk)
    refreshed = api_client.post(REFRESH, **csrf_headers(api_client, response))
    assert refreshed.status_code == 200
    assert APIClient().get(USER, **bearer(refreshed.json()["access_token"])).status_code == 200
    assert api_client.post(LOGOUT, **csrf_headers(api_client)).status_code == 204
    assert APIClient().get(USER, **bearer(refreshed.json()["access_token"])).json()["code"] == "token_revoked"


def test_missing_email_field(api_client: APIClient, email_user: Any) -> None:
    r = api_client.post(LOGIN, {"password": PASSWORD}, format="json")
    assert r.status_code == 400
    assert "email" in r.json()["errors"]


def test_wrong_password(api_client: APIClient, email_user: Any) -> None:
    r = api_client.post(LOGIN, {"email": "bob@example.com", "password": "nope"}, format="json")
    assert r.status_code == 401
    assert COOKIE not in r.cookies


@pytest.mark.jwtauth_settings(TOKEN_CLAIMS="tests.testapp.claims.user_pk_claims")
def test_token_claims_hook_with_a_uuid_primary_key(api_client: APIClient, email_user: Any) -> None:
    response = api_client.post(LOGIN, {"email": "bob@example.com", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    access = response.json()["access_token"]
    part = access.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    # The UUID pk became its string form, as documented; the hook saw the custom user.
    assert claims["uid"] == str(email_user.pk)
    assert claims["email"] == "bob@example.com"
    assert APIClient().get("/api/claims/", **bearer(access)).json()["claims"] == {
        "uid": str(email_user.pk),
        "email": "bob@example.com",
    }
    refreshed = api_client.post(REFRESH, **csrf_headers(api_client, response))
    assert refreshed.status_code == 200
    assert APIClient().get("/api/claims/", **bearer(refreshed.json()["access_token"])).json()["claims"]["uid"] == str(
        email_user.pk
    )


@pytest.mark.jwtauth_settings(SIMPLEJWT_ACCEPT_UNTIL=START + timedelta(days=30))
def test_simplejwt_tokens_of_a_uuid_user(email_user: Any, clock: Any) -> None:
    pytest.importorskip("rest_framework_simplejwt", reason="djangorestframework-simplejwt is not installed")
    access = simplejwt_token("access", email_user, clock)
    assert APIClient().get(USER, **bearer(access)).json()["user"]["id"] == str(email_user.pk)
    exchanged = APIClient().post(REFRESH, {"refresh": simplejwt_token("refresh", email_user, clock)}, format="json")
    assert exchanged.status_code == 200, exchanged.content
    assert exchanged.json()["user"]["id"] == str(email_user.pk)
