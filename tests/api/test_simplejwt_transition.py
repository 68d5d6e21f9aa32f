"""The transition from simplejwt: its access tokens accepted and its refresh tokens
exchanged once, only while ``SIMPLEJWT_ACCEPT_UNTIL`` lies ahead (frozen clock)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.core.checks import Error, Warning
from rest_framework.test import APIClient, APIRequestFactory

pytest.importorskip(
    "rest_framework_simplejwt",
    reason="djangorestframework-simplejwt is not installed (pip install 'jwtauth[simplejwt]')",
)

from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from jwtauth import JWTAuthentication
from jwtauth.api.transition import exchange_legacy_refresh_token
from jwtauth.checks import check_jwtauth
from jwtauth.core.errors import RefreshTokenMissing
from jwtauth.core.legacy import LegacyClaims
from jwtauth.sessions.models import RefreshSession
from tests.api.helpers import COOKIE, HELLO, LOGOUT_ALL, REFRESH, SESSIONS, USER, bearer, login
from tests.conftest import START
from tests.factories import simplejwt_token

UNTIL = START + timedelta(days=30)
pytestmark = [pytest.mark.django_db, pytest.mark.jwtauth_settings(SIMPLEJWT_ACCEPT_UNTIL=UNTIL)]


def exchange(client: APIClient, token: str, **extra: Any) -> Any:
    return client.post(REFRESH, {"refresh": token}, format="json", **extra)


# Access tokens


def test_a_simplejwt_access_token_authenticates_with_legacy_claims(user: Any, clock: Any) -> None:
    token = simplejwt_token("access", user, clock, role="admin")
    request = APIRequestFactory().get(HELLO, **bearer(token))
    authenticated_user, claims = JWTAuthentication().authenticate(request)  # type: ignore[arg-type,misc]
    assert authenticated_user == user
    assert isinstance(claims, LegacyClaims)
    assert claims.is_legacy and claims.sid is None and claims.auth_time is None and claims.token_type == "access"
    assert claims.sub == str(user.pk) and dict(claims.claims) == {"role": "admin"}
    assert APIClient().get(USER, **bearer(token)).json()["user"]["username"] == "alice"


def test_the_window_end_refuses_simplejwt_access_tokens(api_client: APIClient, user: Any, clock: Any) -> None:
    clock.set(UNTIL - timedelta(minutes=1))
    token = simplejwt_token("access", user, clock)
    assert api_client.get(HELLO, **bearer(token)).status_code == 200
    clock.set(UNTIL)
    response = api_client.get(HELLO, **bearer(token))
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.jwtauth_settings(SIMPLEJWT_ACCEPT_UNTIL=None)
def test_without_a_window_simplejwt_tokens_are_refused(api_client: APIClient, user: Any, clock: Any) -> None:
    response = api_client.get(HELLO, **bearer(simplejwt_token("access", user, clock)))
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_a_simplejwt_refresh_token_is_no_access_token(api_client: APIClient, user: Any, clock: Any) -> None:
    response = api_client.get(HELLO, **bearer(simplejwt_token("refresh", user, clock)))
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_an_expired_simplejwt_access_token(api_client: APIClient, user: Any, clock: Any) -> None:
    token = simplejwt_token("access", user, clock)
    clock.advance(minutes=6)  # simplejwt's default lifetime is 5 minutes, LEEWAY 0
    response = api_client.get(HELLO, **bearer(token))
    assert response.status_code == 401 and response.json()["code"] == "token_expired"


def test_another_key_is_not_simplejwt(api_client: APIClient, user: Any, clock: Any) -> None:
    claims = RefreshToken(simplejwt_token("access", user, clock), verify=False).payload
    token = jwt.encode(claims, "another-deployment-signing-key-0123456789-abcdef", algorithm="HS256")
    response = api_client.get(HELLO, **bearer(token))
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_simplejwt_audience_is_required_when_configured(
    api_client: APIClient, user: Any, clock: Any, settings: Any
) -> None:
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "AUDIENCE": "old-api"}
    assert api_client.get(HELLO, **bearer(simplejwt_token("access", user, clock, aud="old-api"))).status_code == 200
    response = api_client.get(HELLO, **bearer(simplejwt_token("access", user, clock)))
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_an_inactive_user_is_refused(api_client: APIClient, user: Any, clock: Any) -> None:
    token = simplejwt_token("access", user, clock)
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = api_client.get(HELLO, **bearer(token))
    assert response.status_code == 401 and response.json()["code"] == "user_inactive"


def test_revoking_every_session_ends_older_simplejwt_tokens(api_client: APIClient, user: Any, clock: Any) -> None:
    old = simplejwt_token("access", user, clock)
    clock.advance(seconds=5)
    access = login(APIClient()).json()["access_token"]
    assert api_client.post(LOGOUT_ALL, **bearer(access)).status_code == 200
    response = api_client.get(HELLO, **bearer(old))
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"
    clock.advance(seconds=5)
    assert api_client.get(HELLO, **bearer(simplejwt_token("access", user, clock))).status_code == 200


def test_session_endpoints_refuse_simplejwt_tokens(api_client: APIClient, user: Any, clock: Any) -> None:
    token = simplejwt_token("access", user, clock)
    for method, path in (("get", SESSIONS), ("post", LOGOUT_ALL)):
        response = getattr(api_client, method)(path, **bearer(token))
        assert response.status_code == 401 and response.json()["code"] == "token_invalid", path


def test_simplejwt_revoke_token_claim_is_honoured(api_client: APIClient, user: Any, clock: Any, settings: Any) -> None:
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "CHECK_REVOKE_TOKEN": True}
    # simplejwt's for_user() adds this claim when CHECK_REVOKE_TOKEN was on at its import.
    token = simplejwt_token("access", user, clock, hash_password=get_md5_hash_password(user.password))
    assert api_client.get(HELLO, **bearer(token)).status_code == 200
    user.set_password("another horse battery staple")
    user.save()
    response = api_client.get(HELLO, **bearer(token))
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"


# Refresh token exchange


def test_a_simplejwt_refresh_token_is_exchanged_once(api_client: APIClient, user: Any, clock: Any) -> None:
    token = simplejwt_token("refresh", user, clock)
    response = exchange(api_client, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "csrf_token", "user"}
    assert response.cookies[COOKIE]["httponly"]
    session = RefreshSession.objects.get(user=user)
    assert session.amr == "simplejwt" and session.auth_time is None
    assert BlacklistedToken.objects.filter(token__jti=RefreshToken(token, verify=False)["jti"]).exists()
    assert APIClient().get(HELLO, **bearer(body["access_token"])).status_code == 200
    again = exchange(APIClient(), token)
    assert again.status_code == 401 and again.json()["code"] == "refresh_token_revoked"
    assert RefreshSession.objects.filter(user=user).count() == 1


def test_a_token_simplejwt_blacklisted_is_refused(api_client: APIClient, user: Any, clock: Any) -> None:
    token = simplejwt_token("refresh", user, clock)
    RefreshToken(token, verify=False).blacklist()  # simplejwt's token/blacklist/ or rotation
    response = exchange(api_client, token)
    assert response.status_code == 401 and response.json()["code"] == "refresh_token_revoked"
    assert not RefreshSession.objects.exists()


def test_a_concurrent_exchange_of_the_same_token_loses(
    api_client: APIClient, user: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = simplejwt_token("refresh", user, clock)
    # The other request blacklisted the token between this one's check and its write.
    monkeypatch.setattr(RefreshToken, "check_blacklist", lambda self: None)
    RefreshToken(token, verify=False).blacklist()
    response = exchange(api_client, token)
    assert response.status_code == 401 and response.json()["code"] == "refresh_token_revoked"
    assert not RefreshSession.objects.exists()


def test_an_access_token_is_not_exchanged(api_client: APIClient, user: Any, clock: Any) -> None:
    response = exchange(api_client, simplejwt_token("access", user, clock))
    assert response.status_code == 401 and response.json()["code"] == "refresh_token_invalid"


def test_an_expired_refresh_token_is_not_exchanged(api_client: APIClient, user: Any, clock: Any) -> None:
    token = simplejwt_token("refresh", user, clock)
    clock.advance(days=2)  # simplejwt's default refresh lifetime is 1 day
    response = exchange(api_client, token)
    assert response.status_code == 401 and response.json()["code"] == "refresh_token_expired"


def test_an_inactive_user_gets_no_session(api_client: APIClient, user: Any, clock: Any) -> None:
    token = simplejwt_token("refresh", user, clock)
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = exchange(api_client, token)
    assert response.status_code == 401 and response.json()["code"] == "user_inactive"
    assert not RefreshSession.objects.exists()


def test_the_exchange_refuses_an_untrusted_origin(api_client: APIClient, user: Any, clock: Any) -> None:
    token = simplejwt_token("refresh", user, clock)
    response = exchange(api_client, token, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert not BlacklistedToken.objects.exists()


def test_after_the_window_the_body_is_ignored(api_client: APIClient, user: Any, clock: Any) -> None:
    token = simplejwt_token("refresh", user, clock)
    clock.set(UNTIL)
    response = exchange(api_client, token)
    assert response.status_code == 401 and response.json()["code"] == "refresh_token_missing"
    assert not BlacklistedToken.objects.exists()


@pytest.mark.jwtauth_settings(SIMPLEJWT_ACCEPT_UNTIL=UNTIL, SIMPLEJWT_REFRESH_COOKIE_NAME="app-refresh")
def test_the_dj_rest_auth_cookie_needs_csrf(api_client: APIClient, user: Any, clock: Any) -> None:
    api_client.cookies["app-refresh"] = simplejwt_token("refresh", user, clock)
    refused = api_client.post(REFRESH)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    api_client.cookies["csrftoken"] = "a" * 32
    response = api_client.post(REFRESH, HTTP_X_CSRFTOKEN="a" * 32)
    assert response.status_code == 200, response.content
    assert response.cookies["app-refresh"]["max-age"] == 0 and response.cookies[COOKIE].value
    # The next refresh/ uses the jwtauth cookie, bound to the new CSRF token.
    assert api_client.post(REFRESH, HTTP_X_CSRFTOKEN=response.json()["csrf_token"]).status_code == 200


# Settings and checks


def _ids(messages: list[Any], level: type) -> set[str]:
    return {m.id for m in messages if isinstance(m, level)}


def test_the_blacklist_app_is_required(settings: Any) -> None:
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "rest_framework_simplejwt.token_blacklist"]
    assert "jwtauth.E013" in _ids(check_jwtauth(), Error)


@pytest.mark.parametrize(
    "simple_jwt",
    [
        {"JWK_URL": "https://issuer.example/jwks"},
        {"TOKEN_TYPE_CLAIM": None},
        {"ALGORITHM": "HS256", "SIGNING_KEY": "short"},
        {"ALGORITHM": "RS384"},
        {"ALGORITHM": "RS256", "VERIFYING_KEY": "not a pem"},
        {"AUDIENCE": ["a", "b"]},
        {"LEEWAY": "30"},
    ],
)
def test_what_jwtauth_cannot_verify_is_an_error(settings: Any, simple_jwt: dict[str, Any]) -> None:
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, **simple_jwt}
    assert "jwtauth.E013" in _ids(check_jwtauth(), Error)


@pytest.mark.jwtauth_settings(SIMPLEJWT_ACCEPT_UNTIL=START.replace(tzinfo=None))
def test_a_naive_window_end_is_an_error() -> None:
    assert "jwtauth.E002" in _ids(check_jwtauth(), Error)


def test_a_past_window_is_a_warning(clock: Any) -> None:
    assert "jwtauth.W003" not in _ids(check_jwtauth(), Warning)
    clock.set(UNTIL)
    assert "jwtauth.W003" in _ids(check_jwtauth(), Warning)
    assert "jwtauth.E013" not in _ids(check_jwtauth(), Error)


def test_a_user_id_the_field_cannot_hold(api_client: APIClient, user: Any, clock: Any) -> None:
    response = api_client.get(HELLO, **bearer(simplejwt_token("access", user, clock, user_id="not-a-number")))
    assert response.status_code == 401 and response.json()["code"] == "user_inactive"


def test_a_refresh_token_older_than_logout_all_is_not_exchanged(user: Any, clock: Any) -> None:
    token = simplejwt_token("refresh", user, clock)
    clock.advance(seconds=5)
    access = login(APIClient()).json()["access_token"]
    assert APIClient().post(LOGOUT_ALL, **bearer(access)).status_code == 200
    response = exchange(APIClient(), token)
    assert response.status_code == 401 and response.json()["code"] == "refresh_token_revoked"
    assert not BlacklistedToken.objects.exists()


def test_the_exchange_function_checks_the_window_itself(user: Any, clock: Any) -> None:
    token = simplejwt_token("refresh", user, clock)
    clock.set(UNTIL)
    with pytest.raises(RefreshTokenMissing):
        exchange_legacy_refresh_token(token, APIRequestFactory().post(REFRESH))
