"""Password reset and change, deactivation and login by e-mailed code through allauth's
app client: what they do to jwtauth sessions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from jwtauth.sessions.models import RefreshSession

from .conftest import APP, NEW_PASSWORD, PASSWORD, AppClient, last_mail_link

pytest.importorskip("allauth", reason="django-allauth is not installed (pip install 'jwtauth[allauth]')")

pytestmark = pytest.mark.django_db


def login(user: Any, password: str = PASSWORD) -> AppClient:
    app = AppClient()
    response = app.call("POST", "/auth/login", {"email": user.email, "password": password})
    assert response.status_code == 200, response.body
    assert app.user().status_code == 200
    return app


def test_password_reset_by_email_revokes_every_session_then_the_new_password_works(verified_user: Any) -> None:
    laptop, phone = login(verified_user), login(verified_user)
    assert RefreshSession.objects.filter(user=verified_user, revoked_at__isnull=True).count() == 2

    stranger = AppClient()  # the reset happens in a third client, not logged in
    assert stranger.call("POST", "/auth/password/request", {"email": verified_user.email}).status_code == 200
    key = last_mail_link(r"/account/password/reset/key/(\S+)")
    response = stranger.call("POST", "/auth/password/reset", {"key": key, "password": NEW_PASSWORD})
    assert response.status_code == 401  # reset done; ACCOUNT_LOGIN_ON_PASSWORD_RESET is off
    assert "access_token" not in response.body.get("meta", {})

    assert not RefreshSession.objects.filter(user=verified_user, revoked_at__isnull=True).exists()
    for app in (laptop, phone):
        assert app.user().status_code == 401  # access tokens stop at once
        refreshed = app.refresh()
        assert refreshed.status_code == 401
        assert refreshed.json()["code"] == "refresh_token_revoked"
        assert app.call("GET", "/auth/session").status_code == 410  # allauth's session token too

    bad = AppClient().call("POST", "/auth/login", {"email": verified_user.email, "password": PASSWORD})
    assert bad.status_code == 400
    login(verified_user, NEW_PASSWORD)


def test_password_change_revokes_every_session(verified_user: Any) -> None:
    laptop, phone = login(verified_user), login(verified_user)
    response = laptop.call(
        "POST", "/account/password/change", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.body  # allauth: changed, still signed in...
    assert "access_token" not in response.body["meta"]
    assert not RefreshSession.objects.filter(user=verified_user, revoked_at__isnull=True).exists()
    assert phone.refresh().json()["code"] == "refresh_token_revoked"
    assert laptop.user().status_code == 401
    # ...but every jwtauth session, the caller's included, is revoked, and with it the
    # allauth session token (allauth cycled it; the new one is linked to the same family).
    assert laptop.call("GET", "/auth/session").status_code == 410


def test_an_inactive_account_cannot_refresh(verified_user: Any) -> None:
    app = login(verified_user)
    verified_user.is_active = False
    verified_user.save()
    refreshed = app.refresh()
    assert refreshed.status_code == 401
    assert refreshed.json()["code"] == "user_inactive"
    # allauth refuses the account as well.
    again = AppClient().call("POST", "/auth/login", {"email": verified_user.email, "password": PASSWORD})
    assert again.status_code != 200
    assert RefreshSession.objects.filter(user=verified_user, revoked_at__isnull=True).count() == 0


def test_login_by_emailed_code(verified_user: Any) -> None:
    app = AppClient()
    response = app.call("POST", "/auth/code/request", {"email": verified_user.email})
    assert response.status_code == 401  # pending: the code was mailed
    assert "access_token" not in response.body["meta"]
    assert RefreshSession.objects.count() == 0
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.MULTILINE)
    assert code, mail.outbox[-1].body
    wrong = app.call("POST", "/auth/code/confirm", {"code": "000000"})
    assert wrong.status_code == 400 and wrong.body["errors"]  # allauth's error shape
    response = app.call("POST", "/auth/code/confirm", {"code": code.group(1)})
    assert response.status_code == 200, response.body
    assert response.body["meta"]["access_token"]
    assert response.cookies["jwtauth_refresh"].value
    assert app.user().status_code == 200


@pytest.fixture
def mail_down(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import connection

    settings.EMAIL_BACKEND = "tests.contrib.allauth.failing_mail.Backend"
    # The documented set-up: the view's writes roll back when it fails.
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)


def test_mail_server_down_during_signup_is_a_503_and_leaves_no_user(mail_down: None) -> None:
    from django.contrib.auth import get_user_model

    app = AppClient()
    response = app.call("POST", "/auth/signup", {"email": "erin@example.com", "password": PASSWORD})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.body == {
        "status": 503,
        "errors": [{"message": "E-mail cannot be sent right now; try again later.", "code": "email_unavailable"}],
    }
    assert not get_user_model().objects.filter(email="erin@example.com").exists()
    assert RefreshSession.objects.count() == 0


def test_mail_server_down_during_password_reset_is_a_503(verified_user: Any, mail_down: None) -> None:
    app = login(verified_user)
    response = AppClient().call("POST", "/auth/password/request", {"email": verified_user.email})
    assert response.status_code == 503
    assert response.body["errors"][0]["code"] == "email_unavailable"
    assert app.refresh().status_code == 200  # nothing was reset or revoked


@pytest.mark.parametrize(
    ("path", "field"),
    [("/auth/login", "password"), ("/auth/signup", "password"), ("/auth/reauthenticate", "password")],
)
def test_a_lone_surrogate_in_a_password_is_a_400_not_a_500(verified_user: Any, path: str, field: str) -> None:
    # JSON may escape half a surrogate pair ("\ud800"); Django's hashers cannot encode it.
    app = login(verified_user) if path == "/auth/reauthenticate" else AppClient()
    data = {"email": verified_user.email if path == "/auth/login" else "frank@example.com", field: "long enough \ud800"}
    headers = {"Authorization": f"Bearer {app.access_token}"} if app.access_token else {}
    response = app.call("POST", path, data, **headers)
    assert response.status_code == 400
    assert response.body == {
        "status": 400,
        "errors": [
            {
                "message": "Surrogate characters are not allowed: U+D800.",
                "code": "surrogate_characters_not_allowed",
                "param": field,
            }
        ],
    }
    assert RefreshSession.objects.filter(revoked_at__isnull=True).count() == (1 if app.access_token else 0)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_gets_allauths_error_shape(db: None, body: bytes) -> None:
    """allauth itself answers these with an empty 400; the client gets its documented shape."""
    from django.test import Client

    response = Client().post(APP + "/auth/login", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "errors": [{"message": "The request body must be a JSON object.", "code": "invalid_json"}],
    }


def test_a_body_over_the_upload_limit_is_a_413_in_allauths_shape(db: None, settings: Any) -> None:
    from django.test import Client

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client().post(
        APP + "/auth/login", {"email": "a@example.com", "password": "x" * 2048}, "application/json"
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "request_too_large"
