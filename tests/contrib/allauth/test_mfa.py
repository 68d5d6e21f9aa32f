"""TOTP through allauth's app client: activation, password + code login, recovery codes,
throttling of wrong codes, and deactivation revoking the other sessions."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from jwtauth.sessions.models import RefreshSession

from .conftest import PASSWORD, AppClient

pytest.importorskip("allauth", reason="django-allauth is not installed (pip install 'jwtauth[allauth]')")

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

pytestmark = pytest.mark.django_db


def totp_codes(secret: str) -> list[str]:
    """The codes of this period and the next (MFA_TOTP_TOLERANCE = 1 accepts both)."""
    counters = list(yield_hotp_counters_from_time())
    current = counters[len(counters) // 2]
    return [format_hotp_value(hotp_value(secret, counter)) for counter in (current, current + 1)]


def password_step(user: Any) -> tuple[AppClient, Any]:
    app = AppClient()
    return app, app.call("POST", "/auth/login", {"email": user.email, "password": PASSWORD})


def reauthenticate(app: AppClient) -> None:
    """allauth asks for a fresh password before changing authenticators."""
    response = app.call("POST", "/auth/reauthenticate", {"password": PASSWORD})
    assert response.status_code == 200, response.body
    # Re-authenticating is not a new login: no second jwtauth session.
    assert "access_token" not in response.body["meta"]
    assert "jwtauth_refresh" not in response.cookies


@pytest.fixture
def totp_user(verified_user: Any) -> tuple[Any, list[str], list[str]]:
    """A user with TOTP activated: (user, unused TOTP codes, recovery codes)."""
    app, response = password_step(verified_user)
    assert response.status_code == 200
    reauthenticate(app)
    pending = app.call("GET", "/account/authenticators/totp")
    assert pending.status_code == 404  # not active yet: allauth proposes a secret
    secret = pending.body["meta"]["secret"]
    assert pending.body["meta"]["totp_url"].startswith("otpauth://totp/")
    codes = totp_codes(secret)
    activated = app.call("POST", "/account/authenticators/totp", {"code": codes.pop(0)})
    assert activated.status_code == 200, activated.body
    recovery = app.call("GET", "/account/authenticators/recovery-codes")
    assert recovery.status_code == 200
    return verified_user, codes, recovery.body["data"]["unused_codes"]


def test_pending_mfa_stage_gets_no_jwtauth_token_then_the_code_completes_the_login(totp_user: Any) -> None:
    user, codes, _ = totp_user
    before = RefreshSession.objects.count()
    app, response = password_step(user)
    assert response.status_code == 401
    assert "access_token" not in response.body["meta"]
    assert "jwtauth_refresh" not in response.cookies
    assert any(f["id"] == "mfa_authenticate" and f.get("is_pending") for f in response.body["data"]["flows"])
    assert RefreshSession.objects.count() == before

    response = app.call("POST", "/auth/2fa/authenticate", {"code": codes[0]})
    assert response.status_code == 200, response.body
    assert response.body["meta"]["access_token"]
    assert response.cookies["jwtauth_refresh"].value
    assert [m["method"] for m in response.body["data"]["methods"]] == ["password", "mfa"]
    assert app.user().status_code == 200
    assert app.refresh().status_code == 200


def test_a_recovery_code_completes_the_login_once(totp_user: Any) -> None:
    user, _, recovery_codes = totp_user
    app, _ = password_step(user)
    response = app.call("POST", "/auth/2fa/authenticate", {"code": recovery_codes[0]})
    assert response.status_code == 200
    assert app.user().status_code == 200
    again, _ = password_step(user)
    reused = again.call("POST", "/auth/2fa/authenticate", {"code": recovery_codes[0]})
    assert reused.status_code == 400
    assert "access_token" not in reused.body.get("meta", {})


def test_wrong_codes_are_throttled(totp_user: Any) -> None:
    user, codes, _ = totp_user
    app, _ = password_step(user)
    errors = [
        app.call("POST", "/auth/2fa/authenticate", {"code": "000000"}).body["errors"][0]["code"] for _ in range(6)
    ]
    assert errors[:5] == ["incorrect_code"] * 5
    assert errors[5] == "too_many_login_attempts"
    # Throttled: even the right code is refused now, and no token is issued.
    response = app.call("POST", "/auth/2fa/authenticate", {"code": codes[0]})
    assert response.status_code == 400
    assert "access_token" not in response.body.get("meta", {})
    assert app.user().status_code == 401


def test_deactivating_totp_revokes_the_other_sessions(totp_user: Any) -> None:
    user, codes, recovery_codes = totp_user
    keeper, _ = password_step(user)
    assert keeper.call("POST", "/auth/2fa/authenticate", {"code": codes[0]}).status_code == 200
    other, _ = password_step(user)
    assert other.call("POST", "/auth/2fa/authenticate", {"code": recovery_codes[0]}).status_code == 200

    reauthenticate(keeper)
    response = keeper.call("DELETE", "/account/authenticators/totp")
    assert response.status_code == 200, response.body
    assert other.user().status_code == 401
    assert other.refresh().json()["code"] == "refresh_token_revoked"
    assert keeper.user().status_code == 200  # the caller's own session stays
    assert keeper.refresh().status_code == 200
    keeper_sid = RefreshSession.objects.filter(user=user, revoked_at__isnull=True).values_list(
        "revoke_reason", flat=True
    )
    assert list(keeper_sid) == [""]
    assert set(
        RefreshSession.objects.filter(user=user).exclude(revoke_reason="").values_list("revoke_reason", flat=True)
    ) == {"mfa_removed"}


def access_claims(app: AppClient) -> dict[str, Any]:
    assert app.access_token
    decoded: dict[str, Any] = jwt.decode(app.access_token, options={"verify_signature": False})
    return decoded


def test_password_and_totp_is_pwd_otp_mfa_at_the_second_step(totp_user: Any, clock: Any) -> None:
    user, codes, _ = totp_user
    app, _ = password_step(user)
    clock.advance(seconds=20)  # typing the code
    assert app.call("POST", "/auth/2fa/authenticate", {"code": codes[0]}).status_code == 200
    second_step_at = int(clock.now().timestamp())
    issued = access_claims(app)
    assert issued["amr"] == ["pwd", "otp", "mfa"]
    assert issued["auth_time"] == second_step_at
    clock.advance(minutes=2)
    assert app.refresh().status_code == 200
    refreshed = access_claims(app)
    assert (refreshed["amr"], refreshed["auth_time"]) == (["pwd", "otp", "mfa"], second_step_at)


def test_mfa_reauthentication_updates_auth_time_and_amr(totp_user: Any, clock: Any) -> None:
    user, codes, recovery_codes = totp_user
    app, _ = password_step(user)
    assert app.call("POST", "/auth/2fa/authenticate", {"code": codes[0]}).status_code == 200
    clock.advance(minutes=10)
    assert app.refresh().status_code == 200
    assert app.http.post("/api/sudo/", headers={"Authorization": f"Bearer {app.access_token}"}).status_code == 403
    sessions = RefreshSession.objects.filter(user=user).count()

    response = app.call("POST", "/auth/2fa/reauthenticate", {"code": recovery_codes[0]})
    assert response.status_code == 200, response.body
    assert "access_token" not in response.body["meta"]
    assert app.refresh().status_code == 200
    refreshed = access_claims(app)
    # amr names the proof made at auth_time: the one-time code alone.
    assert (refreshed["amr"], refreshed["auth_time"]) == (["otp"], int(clock.now().timestamp()))
    assert app.http.post("/api/sudo/", headers={"Authorization": f"Bearer {app.access_token}"}).status_code == 200
    assert RefreshSession.objects.filter(user=user).count() == sessions  # no new login
