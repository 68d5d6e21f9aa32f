"""The CSRF token is bound to the refresh session (OWASP "signed double-submit cookie").

Threat: whoever can write cookies for the API's host (a sibling subdomain, a man in the
middle on plain http) chooses both halves of a plain double-submit pair. jwtauth's CSRF
secret is an HMAC of the refresh session id, so a well-formed pair that does not belong to
the refresh cookie presented is 403 ``csrf_failed``, and the session is left alone.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import COOKIE, LOGIN, LOGOUT, REFRESH, USER, bearer, csrf_headers, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CSRF = "/api/auth/csrf/"
CHOSEN = "a" * 32  # a well-formed Django CSRF secret the attacker picked


def victim(client: APIClient) -> dict[str, Any]:
    response = login(client)
    return {"refresh": response.cookies[COOKIE].value, "csrf": response.json()["csrf_token"]}


def post_with_pair(endpoint: str, refresh: str, csrf_cookie: str, csrf_header: str, **extra: Any) -> Any:
    client = APIClient(enforce_csrf_checks=True)
    client.cookies[COOKIE] = refresh
    client.cookies["csrftoken"] = csrf_cookie
    return client.post(endpoint, HTTP_X_CSRFTOKEN=csrf_header, **extra)


@pytest.mark.parametrize("endpoint", [REFRESH, LOGOUT])
def test_self_chosen_pair_is_refused_and_the_session_survives(api_client: APIClient, user: Any, endpoint: str) -> None:
    session = victim(api_client)
    response = post_with_pair(endpoint, session["refresh"], CHOSEN, CHOSEN)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "csrf_failed"
    assert COOKIE not in response.cookies  # the real cookie is not cleared
    # The session was neither rotated nor revoked: the owner refreshes as usual.
    assert api_client.post(REFRESH, HTTP_X_CSRFTOKEN=session["csrf"]).status_code == 200


def test_another_sessions_pair_is_refused(api_client: APIClient, user: Any) -> None:
    """An attacker's own valid, bound pair does not fit the victim's refresh cookie."""
    session = victim(api_client)
    attacker = APIClient(enforce_csrf_checks=True)
    login(attacker)
    secret = attacker.cookies["csrftoken"].value
    response = post_with_pair(REFRESH, session["refresh"], secret, secret)
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")


def test_body_token_and_cookie_secret_both_work(api_client: APIClient, user: Any) -> None:
    """The browser client sends the token from the body; after a reload, the cookie's value."""
    session = victim(api_client)
    first = api_client.post(REFRESH, HTTP_X_CSRFTOKEN=session["csrf"])
    assert first.status_code == 200
    # The token handed out by refresh/ is bound to the same session.
    assert api_client.post(REFRESH, HTTP_X_CSRFTOKEN=first.json()["csrf_token"]).status_code == 200
    assert api_client.post(REFRESH, HTTP_X_CSRFTOKEN=api_client.cookies["csrftoken"].value).status_code == 200


def test_csrf_endpoint_binds_to_the_refresh_cookie(user: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    unbound = client.get(CSRF).json()["csrf_token"]  # no refresh cookie yet: Django's own token
    login(client)
    response = post_with_pair(REFRESH, client.cookies[COOKIE].value, unbound, unbound)
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    # A reload loses the token from memory; csrf/ with the refresh cookie gives a bound one.
    fresh = APIClient(enforce_csrf_checks=True)
    fresh.cookies[COOKIE] = client.cookies[COOKIE].value
    token = fresh.get(CSRF).json()["csrf_token"]
    assert fresh.post(REFRESH, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_origin_is_still_checked(api_client: APIClient, user: Any) -> None:
    session = victim(api_client)
    response = api_client.post(REFRESH, HTTP_X_CSRFTOKEN=session["csrf"], HTTP_ORIGIN="https://evil.example")
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")


def test_secret_key_rotation_keeps_bound_tokens(api_client: APIClient, user: Any, settings: Any) -> None:
    session = victim(api_client)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-that-is-long-enough-for-hkdf-9876543210"
    response = api_client.post(REFRESH, HTTP_X_CSRFTOKEN=session["csrf"])
    assert response.status_code == 200, response.content
    # The token handed out now is bound under the new key.
    settings.SECRET_KEY_FALLBACKS = []
    assert api_client.post(REFRESH, HTTP_X_CSRFTOKEN=response.json()["csrf_token"]).status_code == 200


def test_logout_with_a_bound_pair(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    access = response.json()["access_token"]
    assert api_client.post(LOGOUT, **csrf_headers(api_client, response)).status_code == 204
    assert APIClient().get(USER, **bearer(access)).json()["code"] == "token_revoked"
    assert api_client.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json").status_code == 200
