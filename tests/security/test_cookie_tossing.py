"""Cookie tossing: several cookies named like the refresh cookie in one request.

A sibling subdomain can set a cookie with our name and a longer ``Path``; browsers send it
first (RFC 6265 §5.4). jwtauth reads every value (Werkzeug's ``parse_cookie``), tries each,
uses the one that verifies and is bound to the CSRF token, and never clears the real cookie
because a planted one failed. The ``__Host-`` prefix (``REFRESH_COOKIE_NAME``) keeps
sibling subdomains from planting one at all; system check ``jwtauth.E008`` enforces its
attributes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from rest_framework.test import APIClient

from jwtauth.checks import check_settings
from jwtauth.settings import validate
from tests.api.helpers import COOKIE, LOGOUT, REFRESH, login
from tests.conftest import PASSWORD
from tests.security.helpers import resign, unverified

pytestmark = pytest.mark.django_db

CSRF = "/api/auth/csrf/"


@pytest.fixture
def alice(api_client: APIClient, user: Any) -> dict[str, Any]:
    response = login(api_client)
    return {
        "refresh": response.cookies[COOKIE].value,
        "csrf": response.json()["csrf_token"],
        "csrf_cookie": api_client.cookies["csrftoken"].value,
        "sid": unverified(response.json()["access_token"])["sid"],
    }


@pytest.fixture
def mallory(db: None) -> dict[str, Any]:
    """The attacker's own, perfectly valid session, ready to be planted."""
    get_user_model().objects.create_user(username="mallory", password=PASSWORD)
    client = APIClient(enforce_csrf_checks=True)
    response = login(client, "mallory")
    return {"refresh": response.cookies[COOKIE].value, "sid": unverified(response.json()["access_token"])["sid"]}


def post(endpoint: str, cookies: list[str], session: dict[str, Any]) -> Any:
    """POST with the refresh cookies in this order (the planted one first, as browsers do)."""
    header = "; ".join([*(f"{COOKIE}={value}" for value in cookies), f"csrftoken={session['csrf_cookie']}"])
    return APIClient(enforce_csrf_checks=True).post(endpoint, HTTP_COOKIE=header, HTTP_X_CSRFTOKEN=session["csrf"])


def planted_garbage(session: dict[str, Any]) -> list[str]:
    claims = unverified(session["refresh"])
    return [
        "garbage",
        resign({**claims, "jti": "forged"}, typ="refresh+jwt", kid="nope", refresh=True),  # bad kid
        session["refresh"][:-4] + "AAAA",  # bad signature
    ]


@pytest.mark.parametrize("planted_first", [True, False])
@pytest.mark.parametrize("index", [0, 1, 2])
def test_planted_bad_cookie_does_not_shadow_the_real_one(
    alice: dict[str, Any], index: int, planted_first: bool
) -> None:
    cookies = [planted_garbage(alice)[index], alice["refresh"]]
    response = post(REFRESH, cookies if planted_first else cookies[::-1], alice)
    assert response.status_code == 200, response.content
    assert unverified(response.json()["access_token"])["sid"] == alice["sid"]
    assert response.cookies[COOKIE].value not in ("", alice["refresh"])  # rotated, not cleared


@pytest.mark.parametrize("planted_first", [True, False])
def test_planted_valid_session_is_not_used(alice: dict[str, Any], mallory: dict[str, Any], planted_first: bool) -> None:
    """Mallory's whole session planted: the CSRF binding picks Alice's cookie."""
    cookies = [mallory["refresh"], alice["refresh"]]
    response = post(REFRESH, cookies if planted_first else cookies[::-1], alice)
    assert response.status_code == 200, response.content
    assert unverified(response.json()["access_token"])["sid"] == alice["sid"]


def test_logout_revokes_the_real_session_behind_a_planted_cookie(
    alice: dict[str, Any], mallory: dict[str, Any]
) -> None:
    assert post(LOGOUT, [mallory["refresh"], "garbage", alice["refresh"]], alice).status_code == 204
    response = post(REFRESH, [alice["refresh"]], alice)
    assert (response.status_code, response.json()["code"]) == (401, "refresh_token_revoked")
    # Mallory's planted session was not the one logged out.
    assert post(REFRESH, [mallory["refresh"]], alice).json()["code"] == "csrf_failed"


def test_a_failing_planted_cookie_never_clears_the_real_one(alice: dict[str, Any], mallory: dict[str, Any]) -> None:
    """Only Mallory's session and garbage are bound to nothing Alice sent: 403, nothing cleared."""
    response = post(REFRESH, ["garbage", mallory["refresh"]], alice)
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    assert COOKIE not in response.cookies


def test_only_planted_garbage_is_401_and_cleared(alice: dict[str, Any]) -> None:
    response = post(REFRESH, planted_garbage(alice)[:2], alice)
    assert (response.status_code, response.json()["code"]) == (401, "refresh_token_invalid")
    assert response.cookies[COOKIE].value == ""


def test_csrf_endpoint_refuses_to_bind_to_an_ambiguous_pair(alice: dict[str, Any], mallory: dict[str, Any]) -> None:
    """Two sessions' cookies after a reload: no way to tell which is the user's own."""
    header = f"{COOKIE}={mallory['refresh']}; {COOKIE}={alice['refresh']}"
    client = APIClient(enforce_csrf_checks=True)
    token = client.get(CSRF, HTTP_COOKIE=header).json()["csrf_token"]
    secret = client.cookies["csrftoken"].value
    response = client.post(REFRESH, HTTP_COOKIE=f"{header}; csrftoken={secret}", HTTP_X_CSRFTOKEN=token)
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    # With one session's cookies (the planted garbage aside) it binds as usual.
    single = APIClient(enforce_csrf_checks=True)
    token = single.get(CSRF, HTTP_COOKIE=f"{COOKIE}=garbage; {COOKIE}={alice['refresh']}").json()["csrf_token"]
    assert (
        single.post(
            REFRESH,
            HTTP_COOKIE=f"{COOKIE}={alice['refresh']}; csrftoken={single.cookies['csrftoken'].value}",
            HTTP_X_CSRFTOKEN=token,
        ).status_code
        == 200
    )


def test_odd_cookie_headers_never_500(alice: dict[str, Any]) -> None:
    for header in (f'{COOKIE}="\\200\\377"; {COOKIE}=\x80\xff', f"{COOKIE}=; {COOKIE}", f"=;;{COOKIE}=a=b"):
        response = APIClient().post(REFRESH, HTTP_COOKIE=header)
        assert response.status_code in (401, 403), response.content


# -- the __Host- prefix ---------------------------------------------------------------

HOST_COOKIE = "__Host-jwtauth_refresh"


@pytest.mark.jwtauth_settings(REFRESH_COOKIE_NAME=HOST_COOKIE)
def test_host_prefixed_cookie_has_the_attributes_browsers_require(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    morsel = response.cookies[HOST_COOKIE]
    assert morsel["path"] == "/"
    assert morsel["domain"] == ""
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    csrf = response.json()["csrf_token"]
    assert api_client.post(REFRESH, HTTP_X_CSRFTOKEN=csrf).status_code == 200
    ids = {m.id for m in run_checks()}
    assert "jwtauth.E008" not in ids
    assert "jwtauth.W110" not in ids  # Path=/ is the documented price of the prefix


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"REFRESH_COOKIE_PATH": "/api/auth/"}, "REFRESH_COOKIE_PATH"),
        ({"REFRESH_COOKIE_DOMAIN": "example.com"}, "REFRESH_COOKIE_DOMAIN"),
        ({"REFRESH_COOKIE_SECURE": False}, "REFRESH_COOKIE_SECURE"),
    ],
)
def test_e008_host_prefix_attributes(settings: Any, overrides: dict[str, Any], fragment: str) -> None:
    settings.JWTAUTH = {**settings.JWTAUTH, "REFRESH_COOKIE_NAME": HOST_COOKIE, **overrides}
    values, _ = validate()
    messages = [m for m in check_settings(values) if m.id == "jwtauth.E008"]
    assert len(messages) == 1
    assert fragment in messages[0].msg
    assert "jwtauth.E008" in {m.id for m in run_checks()}
    settings.JWTAUTH = {**settings.JWTAUTH, "REFRESH_COOKIE_NAME": "jwtauth_refresh"}
    assert "jwtauth.E008" not in {m.id for m in run_checks()}
