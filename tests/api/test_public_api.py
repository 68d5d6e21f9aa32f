"""The public API: everything on ``jwtauth.__all__`` resolves, nothing private is
exported, every name is documented, and the session functions behave as ``login/``."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
from django.dispatch import Signal
from rest_framework.test import APIClient

import jwtauth
from jwtauth.sessions.models import RefreshSession
from tests.api.helpers import COOKIE, REFRESH, USER, bearer
from tests.conftest import FakeClock

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_public_name_resolves_and_is_jwtauths_own() -> None:
    assert jwtauth.__all__ == sorted(jwtauth.__all__)
    assert len(set(jwtauth.__all__)) == len(jwtauth.__all__)
    for name in jwtauth.__all__:
        value = getattr(jwtauth, name)
        if name == "__version__":
            continue
        assert not name.startswith("_"), name
        if isinstance(value, Signal):
            assert value is getattr(__import__("jwtauth.signals", fromlist=["x"]), name)
            continue
        module = value.__module__
        assert module.startswith("jwtauth."), (name, module)
        # Defined in a module, not a private helper re-exported under a public name.
        assert value.__name__ == name, name
        assert not any(part.startswith("_") for part in module.split(".")), (name, module)


def test_nothing_else_is_exported() -> None:
    assert dir(jwtauth) == sorted(jwtauth.__all__)
    with pytest.raises(AttributeError):
        jwtauth.start_session  # noqa: B018  # an internal, not exported
    assert set(jwtauth._EXPORTS) | {"__version__"} == set(jwtauth.__all__)


def test_every_public_name_is_documented_with_its_signature() -> None:
    text = API_DOC.read_text()
    # A heading per function, class and signal; the exception classes are rows of one table.
    headings = set(re.findall(r"^(?:#{2,4} |\| )`(\w+)`", text, re.MULTILINE))
    missing = sorted(set(jwtauth.__all__) - headings - {"__version__"})
    assert not missing, f"docs/api.md lacks {missing}"
    for name in jwtauth.__all__:
        value = getattr(jwtauth, name)
        if inspect.isfunction(value):
            params = inspect.signature(value).parameters
            for param in params:
                assert param in text, (name, param)


def test_error_classes_carry_their_codes() -> None:
    codes = {
        name: getattr(jwtauth, name).code
        for name in jwtauth.__all__
        if name[0].isupper()
        and isinstance(getattr(jwtauth, name), type)
        and issubclass(getattr(jwtauth, name), jwtauth.JWTAuthError)
    }
    assert codes["TokenExpired"] == "token_expired"
    assert codes["RefreshTokenReused"] == "refresh_token_reused"
    assert all(re.fullmatch(r"[a-z_]+", code) for code in codes.values())


@pytest.mark.django_db
def test_tokens_for_user_starts_a_session_like_login(user: Any, clock: FakeClock, rf: Any) -> None:
    assert user.last_login is None
    started: list[Any] = []

    def on_started(sender: Any, session: Any, user: Any, **kwargs: Any) -> None:
        started.append(session)

    jwtauth.session_started.connect(on_started)
    try:
        request = rf.post("/sso/callback", HTTP_USER_AGENT="sso-agent", REMOTE_ADDR="203.0.113.9")
        pair = jwtauth.tokens_for_user(user, request=request)
    finally:
        jwtauth.session_started.disconnect(on_started)
    assert isinstance(pair, jwtauth.TokenPair)
    session = RefreshSession.objects.get()
    assert started == [session]
    assert pair.session_id == str(session.pk)
    assert (session.user_agent, session.ip_address) == ("sso-agent", "203.0.113.9")
    assert pair.expires_in == 300
    assert pair.access_expires_at == clock.now() + jwtauth_settings_access_lifetime()
    assert pair.refresh_expires_in == 7 * 24 * 3600
    user.refresh_from_db()
    assert user.last_login is not None  # user_logged_in was sent, as on login/ (Django's own clock)
    assert APIClient().get(USER, **bearer(pair.access_token)).json()["user"]["username"] == "alice"
    claims = jwtauth.verify_access_token(pair.access_token)
    assert (claims.sub, claims.sid) == (str(user.pk), pair.session_id)


def jwtauth_settings_access_lifetime() -> Any:
    from jwtauth.settings import get_settings

    return get_settings().access_token_lifetime


@pytest.mark.django_db
def test_tokens_for_user_without_request(user: Any) -> None:
    pair = jwtauth.tokens_for_user(user)
    session = RefreshSession.objects.get()
    assert (session.user_agent, session.ip_address) == ("", None)
    assert APIClient().get(USER, **bearer(pair.access_token)).status_code == 200


@pytest.mark.django_db
def test_tokens_for_user_refuses_an_inactive_user(user: Any) -> None:
    user.is_active = False
    user.save()
    with pytest.raises(jwtauth.UserInactive):
        jwtauth.tokens_for_user(user)
    assert not RefreshSession.objects.exists()


@pytest.mark.django_db
def test_custom_view_finishes_a_login_with_set_refresh_cookie(user: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/api/sso-login/", {"user_id": user.pk}, format="json")
    assert response.status_code == 200
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/api/auth/"  # the prefix jwtauth is mounted at, as for login/
    assert cookie["max-age"] == 7 * 24 * 3600
    access = response.json()["access_token"]
    assert APIClient().get(USER, **bearer(access)).status_code == 200
    # The cookie it set works for refresh/ like one set by login/.
    refreshed = client.post(REFRESH, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert refreshed.status_code == 200, refreshed.content
    assert refreshed.cookies[COOKIE].value != cookie.value


@pytest.mark.django_db
def test_verify_access_token_rejects_a_revoked_session(user: Any) -> None:
    pair = jwtauth.tokens_for_user(user)
    other = jwtauth.tokens_for_user(user)
    assert jwtauth.revoke_user_sessions(user, keep_session_id=other.session_id) == 1
    with pytest.raises(jwtauth.TokenRevoked):
        jwtauth.verify_access_token(pair.access_token)
    assert jwtauth.verify_access_token(other.access_token).sid == other.session_id
    response = APIClient().get(USER, **bearer(pair.access_token))
    assert (response.status_code, response.json()["code"]) == (401, "token_revoked")
    assert jwtauth.revoke_user_sessions(user.pk, reason="admin") == 1
    assert RefreshSession.objects.get(pk=other.session_id).revoke_reason == "admin"


@pytest.mark.django_db
def test_verify_access_token_rejects_garbage_and_expired(user: Any, clock: FakeClock) -> None:
    with pytest.raises(jwtauth.TokenInvalid):
        jwtauth.verify_access_token("not.a.token")
    pair = jwtauth.tokens_for_user(user)
    clock.advance(300 + 30)  # lifetime + the default LEEWAY
    with pytest.raises(jwtauth.TokenExpired):
        jwtauth.verify_access_token(pair.access_token)
