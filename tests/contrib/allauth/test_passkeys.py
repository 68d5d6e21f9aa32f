"""Passkeys through allauth's app client over HTTP, with a software authenticator
(no browser; ``test_passkeys_browser.py`` does the same in Chromium): registration,
passkey login (``amr`` ``["hwk"]``), passkey re-authentication, and removal of a
passkey revoking every other jwtauth session."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from jwtauth.sessions.models import RefreshSession

from .conftest import PASSWORD, AppClient

pytest.importorskip("allauth", reason="django-allauth is not installed (pip install 'jwtauth[allauth]')")
pytest.importorskip("fido2", reason="fido2 is not installed (pip install 'django-allauth[mfa]')")

from .soft_webauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db


def access_claims(app: AppClient) -> dict[str, Any]:
    assert app.access_token
    decoded: dict[str, Any] = jwt.decode(app.access_token, options={"verify_signature": False})
    return decoded


def password_login(user: Any) -> AppClient:
    app = AppClient()
    response = app.call("POST", "/auth/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.body
    return app


def password_and_passkey_login(user: Any, authenticator: SoftAuthenticator) -> AppClient:
    """Password, then the passkey as second factor (allauth asks for it once registered)."""
    app = AppClient()
    response = app.call("POST", "/auth/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 401
    assert any(f["id"] == "mfa_authenticate" and f.get("is_pending") for f in response.body["data"]["flows"])
    start = app.call("GET", "/auth/webauthn/authenticate")
    assert start.status_code == 200, start.body
    credential = authenticator.get(start.body["data"]["request_options"]["publicKey"])
    response = app.call("POST", "/auth/webauthn/authenticate", {"credential": credential})
    assert response.status_code == 200, response.body
    return app


def passkey_login(authenticator: SoftAuthenticator) -> tuple[AppClient, Any]:
    app = AppClient()
    start = app.call("GET", "/auth/webauthn/login")
    assert start.status_code == 200, start.body
    credential = authenticator.get(start.body["data"]["request_options"]["publicKey"])
    return app, app.call("POST", "/auth/webauthn/login", {"credential": credential})


@pytest.fixture
def passkey(verified_user: Any) -> SoftAuthenticator:
    """A passkey registered for ``verified_user`` through allauth's endpoints."""
    app = password_login(verified_user)
    assert app.call("POST", "/auth/reauthenticate", {"password": PASSWORD}).status_code == 200
    begin = app.call("GET", "/account/authenticators/webauthn?passwordless")
    assert begin.status_code == 200, begin.body
    authenticator = SoftAuthenticator()
    credential = authenticator.create(begin.body["data"]["creation_options"]["publicKey"])
    added = app.call(
        "POST", "/account/authenticators/webauthn", {"name": "soft key", "credential": credential, "passwordless": True}
    )
    assert added.status_code == 200, added.body
    assert "access_token" not in added.body["meta"]  # not a login
    return authenticator


def test_passkey_login_ends_in_jwtauth_tokens_with_amr_hwk(
    verified_user: Any, passkey: SoftAuthenticator, clock: Any
) -> None:
    app, response = passkey_login(passkey)
    assert response.status_code == 200, response.body
    assert [m["method"] for m in response.body["data"]["methods"]] == ["mfa"]
    assert response.cookies["jwtauth_refresh"].value
    issued = access_claims(app)
    assert (issued["amr"], issued["auth_time"]) == (["hwk"], int(clock.now().timestamp()))
    assert app.user().status_code == 200
    clock.advance(minutes=2)
    assert app.refresh().status_code == 200
    assert access_claims(app)["amr"] == ["hwk"]


def test_password_then_passkey_is_pwd_hwk_mfa(verified_user: Any, passkey: SoftAuthenticator) -> None:
    app = password_and_passkey_login(verified_user, passkey)
    assert access_claims(app)["amr"] == ["pwd", "hwk", "mfa"]


def test_an_unregistered_passkey_gets_no_tokens(verified_user: Any, passkey: SoftAuthenticator) -> None:
    stranger = SoftAuthenticator()  # same user handle and RP, another key
    stranger.user_handle, stranger.rp_id = passkey.user_handle, passkey.rp_id
    before = RefreshSession.objects.count()
    _, response = passkey_login(stranger)
    assert response.status_code == 400
    assert response.body["errors"]  # allauth's error shape
    assert "jwtauth_refresh" not in response.cookies
    assert RefreshSession.objects.count() == before


def test_passkey_reauthentication_updates_auth_time_and_amr(
    verified_user: Any, passkey: SoftAuthenticator, clock: Any
) -> None:
    app = password_and_passkey_login(verified_user, passkey)
    clock.advance(minutes=10)
    assert app.refresh().status_code == 200
    start = app.call("GET", "/auth/webauthn/reauthenticate")
    assert start.status_code == 200, start.body
    credential = passkey.get(start.body["data"]["request_options"]["publicKey"])
    response = app.call("POST", "/auth/webauthn/reauthenticate", {"credential": credential})
    assert response.status_code == 200, response.body
    assert app.refresh().status_code == 200
    refreshed = access_claims(app)
    assert (refreshed["amr"], refreshed["auth_time"]) == (["hwk"], int(clock.now().timestamp()))


def test_removing_a_passkey_revokes_the_other_sessions_and_keeps_the_callers(
    verified_user: Any, passkey: SoftAuthenticator
) -> None:
    by_passkey, response = passkey_login(passkey)
    assert response.status_code == 200
    elsewhere = password_and_passkey_login(verified_user, passkey)
    keeper = password_and_passkey_login(verified_user, passkey)

    assert keeper.call("POST", "/auth/reauthenticate", {"password": PASSWORD}).status_code == 200
    listed = keeper.call("GET", "/account/authenticators")
    ids = [a["id"] for a in listed.body["data"] if a["type"] == "webauthn"]
    assert len(ids) == 1
    removed = keeper.call("DELETE", "/account/authenticators/webauthn", {"authenticators": ids})
    assert removed.status_code == 200, removed.body

    for app in (by_passkey, elsewhere):
        assert app.user().status_code == 401  # access tokens stop at once
        assert app.refresh().json()["code"] == "refresh_token_revoked"
        assert app.call("GET", "/auth/session").status_code == 410
    assert keeper.user().status_code == 200  # the caller's own session stays
    assert keeper.refresh().status_code == 200
    live = RefreshSession.objects.filter(user=verified_user, revoked_at__isnull=True)
    assert live.count() == 1
    reasons = RefreshSession.objects.filter(user=verified_user).exclude(revoke_reason="")
    # The fixture's registering session and the two others.
    assert set(reasons.values_list("revoke_reason", flat=True)) == {"mfa_removed"}
    assert reasons.count() == 3
    # And the removed passkey no longer logs in.
    _, again = passkey_login(passkey)
    assert again.status_code == 400
