"""Signup, e-mail verification, password login and logout through allauth's app client
end in jwtauth sessions; pending stages never receive a jwtauth token."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from jwtauth.sessions.models import RefreshSession

from .conftest import PASSWORD, AppClient, last_mail_link

pytest.importorskip("allauth", reason="django-allauth is not installed (pip install 'jwtauth[allauth]')")

pytestmark = pytest.mark.django_db


def assert_logged_in(app: AppClient, response: Any) -> None:
    """The response completes a login: jwtauth tokens in meta, refresh + CSRF cookies set."""
    assert response.status_code == 200, response.body
    meta = response.body["meta"]
    assert meta["is_authenticated"] is True
    assert meta["token_type"] == "Bearer"
    assert isinstance(meta["expires_in"], int)
    assert meta["expires_in"] > 0
    assert "refresh_token" not in meta  # the refresh token only ever travels in the cookie
    cookie = response.cookies["jwtauth_refresh"]
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["path"] == "/api/auth/"  # jwtauth's endpoints, not allauth's
    assert cookie["samesite"]
    assert response.cookies["csrftoken"].value  # the rotated CSRF secret matches meta.csrf_token
    assert response["Cache-Control"] == "no-store"
    assert app.user().status_code == 200


def test_signup_verify_email_then_logged_in_with_jwtauth_tokens(app: AppClient) -> None:
    response = app.call("POST", "/auth/signup", {"email": "dora@example.com", "password": PASSWORD})
    # Pending e-mail verification: allauth's session token only, no jwtauth token.
    assert response.status_code == 401
    assert "access_token" not in response.body["meta"]
    assert "jwtauth_refresh" not in response.cookies
    assert any(f["id"] == "verify_email" and f.get("is_pending") for f in response.body["data"]["flows"])
    assert RefreshSession.objects.count() == 0

    key = last_mail_link(r"/account/verify-email/(\S+)")
    assert len(mail.outbox) == 1
    response = app.call("POST", "/auth/email/verify", {"key": key})
    assert_logged_in(app, response)
    session = RefreshSession.objects.get()
    assert session.user.email == "dora@example.com"

    # jwtauth's cookie endpoints keep working on that session.
    refreshed = app.refresh()
    assert refreshed.status_code == 200
    assert app.user().json()["user"]


def test_password_login_and_allauth_logout_revokes_the_jwtauth_session(app: AppClient, verified_user: Any) -> None:
    response = app.call("POST", "/auth/login", {"email": verified_user.email, "password": PASSWORD})
    assert_logged_in(app, response)
    session = RefreshSession.objects.get(user=verified_user)

    response = app.call("DELETE", "/auth/session")
    assert response.status_code == 401  # allauth: logged out
    session.refresh_from_db()
    assert session.revoke_reason == "logout"
    cookie = response.cookies["jwtauth_refresh"]
    assert cookie.value == ""
    assert cookie["max-age"] == 0
    assert cookie["path"] == "/api/auth/"
    assert app.user().status_code == 401


def test_wrong_password_gets_no_tokens(app: AppClient, verified_user: Any) -> None:
    response = app.call("POST", "/auth/login", {"email": verified_user.email, "password": "wrong"})
    assert response.status_code == 400
    assert response.body["errors"]  # allauth's error shape
    assert "meta" not in response.body or "access_token" not in response.body["meta"]
    assert "jwtauth_refresh" not in response.cookies
    assert RefreshSession.objects.count() == 0


def test_revoking_the_jwtauth_session_ends_the_allauth_session_token(app: AppClient, verified_user: Any) -> None:
    app.call("POST", "/auth/login", {"email": verified_user.email, "password": PASSWORD})
    assert app.call("GET", "/auth/session").status_code == 200
    logout = app.http.post("/api/auth/logout/", headers={"X-CSRFToken": app.csrf_token})
    assert logout.status_code == 204
    # allauth's documented answer for a session token that is no longer valid.
    assert app.call("GET", "/auth/session").status_code == 410


def test_login_from_an_untrusted_origin_is_refused(app: AppClient, verified_user: Any) -> None:
    response = app.call(
        "POST", "/auth/login", {"email": verified_user.email, "password": PASSWORD}, Origin="https://evil.example"
    )
    assert response.status_code == 403
    assert response.body == {"detail": "CSRF check failed.", "code": "csrf_failed"}
    assert "jwtauth_refresh" not in response.cookies
    assert RefreshSession.objects.count() == 0
    trusted = app.call(
        "POST", "/auth/login", {"email": verified_user.email, "password": PASSWORD}, Origin="http://localhost:3000"
    )
    assert trusted.status_code == 200


def test_after_a_reload_the_access_token_stands_in_for_the_session_token(app: AppClient, verified_user: Any) -> None:
    app.call("POST", "/auth/login", {"email": verified_user.email, "password": PASSWORD})
    # A page reload: memory is gone; the refresh cookie gives a new access token.
    app.session_token = None
    assert app.refresh().status_code == 200
    bearer = {"Authorization": f"Bearer {app.access_token}"}
    session = app.call("GET", "/auth/session", **bearer)
    assert session.status_code == 200
    assert session.body["data"]["user"]["email"] == verified_user.email
    assert "access_token" not in session.body["meta"]  # not a new login
    assert RefreshSession.objects.filter(user=verified_user).count() == 1
    # Sensitive changes still need allauth's re-authentication, then work.
    assert app.call("POST", "/auth/reauthenticate", {"password": PASSWORD}, **bearer).status_code == 200
    assert app.call("GET", "/account/authenticators/totp", **bearer).status_code == 404  # a secret proposed
    assert app.session_token is None  # the access token is the only credential held

    # allauth's logout through the access token ends the jwtauth session.
    assert app.call("DELETE", "/auth/session", **bearer).status_code == 401
    assert RefreshSession.objects.get(user=verified_user).revoke_reason == "logout"
    app.session_token = None
    assert app.call("GET", "/auth/session", **bearer).status_code == 401  # revoked: anonymous


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Bearer", "Basic Zm9vOmJhcg=="],
    ids=["garbage", "empty", "other-scheme"],
)
def test_a_bad_authorization_header_counts_as_anonymous(app: AppClient, authorization: str) -> None:
    response = app.call("GET", "/auth/session", Authorization=authorization)
    assert response.status_code == 401
    assert response.body["meta"]["is_authenticated"] is False


@pytest.mark.jwtauth_settings(
    REFRESH_COOKIE_PARTITIONED=True, REFRESH_COOKIE_SAMESITE="None", REFRESH_COOKIE_SECURE=True
)
def test_partitioned_cookies_after_an_allauth_login(app: AppClient, verified_user: Any, settings: Any) -> None:
    # A cross-site front end in a browser that blocks third-party cookies keeps only
    # partitioned ones: csrftoken must be partitioned too, or refresh/ fails csrf_failed.
    settings.CSRF_COOKIE_SAMESITE, settings.CSRF_COOKIE_SECURE = "None", True
    response = app.call("POST", "/auth/login", {"email": verified_user.email, "password": PASSWORD})
    assert response.status_code == 200, response.body
    assert response.cookies["jwtauth_refresh"].get("partitioned")
    assert response.cookies[settings.CSRF_COOKIE_NAME].get("partitioned")
    assert app.refresh().status_code == 200
    logout = app.call("DELETE", "/auth/session")
    assert logout.cookies["jwtauth_refresh"].value == ""
    assert logout.cookies["jwtauth_refresh"].get("partitioned")
