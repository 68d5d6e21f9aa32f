"""How the user authenticated reaches jwtauth's access tokens: ``amr`` (RFC 8176) and
``auth_time`` from allauth's authentication records of the login, carried through
``refresh/``, and updated by allauth's re-authentication so ``RecentlyAuthenticated``
passes after the next ``refresh/``."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from django.core import mail

from jwtauth.sessions.models import RefreshSession

from .conftest import PASSWORD, AppClient, last_mail_link

pytest.importorskip("allauth", reason="django-allauth is not installed (pip install 'jwtauth[allauth]')")

pytestmark = pytest.mark.django_db

SUDO = "/api/sudo/"  # a view with RecentlyAuthenticated (REAUTHENTICATION_MAX_AGE: 5 minutes)


def claims(token: str | None) -> dict[str, Any]:
    assert token
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def epoch(clock: Any) -> int:
    return int(clock.now().timestamp())


def sudo(app: AppClient) -> Any:
    return app.http.post(SUDO, headers={"Authorization": f"Bearer {app.access_token}"})


def password_login(user: Any) -> AppClient:
    app = AppClient()
    response = app.call("POST", "/auth/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.body
    return app


def test_password_login_is_pwd_and_survives_refresh(verified_user: Any, clock: Any) -> None:
    app = password_login(verified_user)
    logged_in_at = epoch(clock)
    first = claims(app.access_token)
    assert first["amr"] == ["pwd"]
    assert first["auth_time"] == logged_in_at
    session = RefreshSession.objects.get(user=verified_user)
    assert (session.amr, int(session.auth_time.timestamp())) == ("pwd", logged_in_at)

    clock.advance(minutes=3)
    assert app.refresh().status_code == 200
    refreshed = claims(app.access_token)
    assert refreshed["iat"] == epoch(clock)
    # A refresh proves possession of a cookie, not a credential: amr and auth_time stay.
    assert (refreshed["amr"], refreshed["auth_time"]) == (["pwd"], logged_in_at)


def test_login_by_emailed_code_is_otp(verified_user: Any, clock: Any) -> None:
    app = AppClient()
    assert app.call("POST", "/auth/code/request", {"email": verified_user.email}).status_code == 401
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.MULTILINE)
    assert code
    clock.advance(seconds=40)  # reading the mail
    assert app.call("POST", "/auth/code/confirm", {"code": code.group(1)}).status_code == 200
    assert claims(app.access_token)["amr"] == ["otp"]
    assert claims(app.access_token)["auth_time"] == epoch(clock)
    clock.advance(minutes=1)
    assert app.refresh().status_code == 200
    assert claims(app.access_token)["amr"] == ["otp"]


def test_signup_then_email_confirmation_names_no_method(app: AppClient, clock: Any) -> None:
    # allauth records no authentication step for "confirmed the e-mail link": the token
    # says when, not how (no amr claim).
    app.call("POST", "/auth/signup", {"email": "dora@example.com", "password": PASSWORD})
    key = last_mail_link(r"/account/verify-email/(\S+)")
    assert app.call("POST", "/auth/email/verify", {"key": key}).status_code == 200
    issued = claims(app.access_token)
    assert "amr" not in issued
    assert issued["auth_time"] == epoch(clock)


@pytest.mark.parametrize("credential", ["session_token", "bearer"])
def test_allauth_password_reauthentication_updates_auth_time(verified_user: Any, clock: Any, credential: str) -> None:
    app = password_login(verified_user)
    assert sudo(app).status_code == 200  # just logged in
    clock.advance(minutes=10)
    assert app.refresh().status_code == 200
    refused = sudo(app)
    assert refused.status_code == 403
    assert refused.json()["code"] == "reauthentication_required"

    headers = {}
    if credential == "bearer":  # after a page reload: the access token stands for allauth's session
        app.session_token = None
        headers["Authorization"] = f"Bearer {app.access_token}"
    response = app.call("POST", "/auth/reauthenticate", {"password": PASSWORD}, **headers)
    assert response.status_code == 200, response.body
    # No new login: no token in allauth's answer, no new session, no new cookie.
    assert "access_token" not in response.body["meta"]
    assert "jwtauth_refresh" not in response.cookies
    assert RefreshSession.objects.filter(user=verified_user).count() == 1
    session = RefreshSession.objects.get(user=verified_user)
    assert int(session.auth_time.timestamp()) == epoch(clock)

    assert sudo(app).status_code == 403  # the access token in hand still says the old time
    assert app.refresh().status_code == 200  # the next refresh/ carries the new one
    refreshed = claims(app.access_token)
    assert (refreshed["amr"], refreshed["auth_time"]) == (["pwd"], epoch(clock))
    assert sudo(app).status_code == 200


def test_wrong_password_reauthentication_changes_nothing(verified_user: Any, clock: Any) -> None:
    app = password_login(verified_user)
    logged_in_at = epoch(clock)
    clock.advance(minutes=10)
    response = app.call("POST", "/auth/reauthenticate", {"password": "not it"})
    assert response.status_code == 400
    assert response.body["errors"]  # allauth's error shape
    assert app.refresh().status_code == 200
    assert claims(app.access_token)["auth_time"] == logged_in_at
    assert sudo(app).status_code == 403


def test_reauthentication_of_a_revoked_session_is_refused(verified_user: Any, clock: Any) -> None:
    app = password_login(verified_user)
    session = RefreshSession.objects.get(user=verified_user)
    assert app.http.post("/api/auth/logout/", headers={"X-CSRFToken": app.csrf_token}).status_code == 204
    response = app.call("POST", "/auth/reauthenticate", {"password": PASSWORD})
    assert response.status_code == 410  # allauth's session token ended with the family
    session.refresh_from_db()
    assert session.revoke_reason == "logout"


def test_auth_time_is_when_the_last_step_completed(verified_user: Any, clock: Any) -> None:
    # allauth stamps its records with time.time(); put jwtauth's clock a year past it so
    # the record's moment, not the session's start, is what auth_time can only be.
    clock.set(datetime.fromtimestamp(time.time(), tz=UTC) + timedelta(days=365))
    before = int(time.time())
    app = password_login(verified_user)
    after = int(time.time()) + 1
    issued = claims(app.access_token)
    assert before <= issued["auth_time"] <= after
    assert issued["iat"] == epoch(clock)
