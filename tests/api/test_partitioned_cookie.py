"""``REFRESH_COOKIE_PARTITIONED``: every ``Set-Cookie`` of the refresh cookie carries
``Partitioned`` (CHIPS), the deletions included, since a deletion without it addresses the
unpartitioned jar and leaves the partitioned cookie in the browser."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.helpers import COOKIE, LOGOUT, LOGOUT_ALL, REFRESH, SESSIONS, bearer, csrf_headers, login

pytestmark = pytest.mark.django_db

CROSS_SITE = {"REFRESH_COOKIE_SAMESITE": "None", "REFRESH_COOKIE_SECURE": True, "REFRESH_COOKIE_PARTITIONED": True}


def set_cookie_header(response: Any, name: str = COOKIE) -> str:
    """The ``Set-Cookie`` header value as Django's handlers write it (``Morsel.output``)."""
    return str(response.cookies[name].output(header="")).strip()


def attributes(header: str) -> list[str]:
    """The attribute names of one ``Set-Cookie`` value, lower-case (RFC 6265 §5.2)."""
    return [part.split("=", 1)[0].strip().lower() for part in header.split(";")[1:]]


@pytest.mark.jwtauth_settings(**CROSS_SITE)
def test_login_and_refresh_set_a_partitioned_cookie(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    header = set_cookie_header(response)
    assert header.startswith(f"{COOKIE}=ey")
    assert {"partitioned", "secure", "httponly", "samesite"} <= set(attributes(header))
    assert "SameSite=None" in header.split("; ")

    refreshed = api_client.post(REFRESH, **csrf_headers(api_client, response))
    assert refreshed.status_code == 200
    assert "partitioned" in attributes(set_cookie_header(refreshed))


@pytest.mark.jwtauth_settings(**CROSS_SITE)
def test_every_deletion_is_partitioned_too(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    stolen = response.cookies[COOKIE].value
    logout = api_client.post(LOGOUT, **csrf_headers(api_client, response))
    assert logout.status_code == 204
    assert logout.cookies[COOKIE].value == ""
    assert "partitioned" in attributes(set_cookie_header(logout))

    # A refresh that fails (the session is revoked) clears the cookie.
    replay = APIClient(enforce_csrf_checks=True)
    replay.cookies[COOKIE] = stolen
    replay.cookies["csrftoken"] = api_client.cookies["csrftoken"].value
    failed = replay.post(REFRESH, HTTP_X_CSRFTOKEN=api_client.cookies["csrftoken"].value)
    assert failed.json()["code"] == "refresh_token_revoked"
    assert "partitioned" in attributes(set_cookie_header(failed))

    access = login(api_client).json()["access_token"]
    logout_all = APIClient().post(LOGOUT_ALL, **bearer(access))
    assert logout_all.status_code == 200
    assert "partitioned" in attributes(set_cookie_header(logout_all))

    access = login(api_client).json()["access_token"]
    [current] = [s for s in APIClient().get(SESSIONS, **bearer(access)).json()["sessions"] if s["current"]]
    deleted = APIClient().delete(f"{SESSIONS}{current['id']}/", **bearer(access))
    assert deleted.status_code == 204
    assert "partitioned" in attributes(set_cookie_header(deleted))


@pytest.mark.jwtauth_settings(REFRESH_COOKIE_SAMESITE="None", REFRESH_COOKIE_SECURE=True)
def test_no_partitioned_attribute_by_default(api_client: APIClient, user: Any) -> None:
    response = login(api_client)
    assert "partitioned" not in attributes(set_cookie_header(response))
    logout = api_client.post(LOGOUT, **csrf_headers(api_client, response))
    assert "partitioned" not in attributes(set_cookie_header(logout))


@pytest.mark.jwtauth_settings(**CROSS_SITE)
def test_the_csrf_cookie_is_partitioned_too(api_client: APIClient, user: Any, settings: Any) -> None:
    # Third-party-cookie blocking would drop an unpartitioned csrftoken, and refresh/
    # would then fail its CSRF check although the refresh cookie arrived.
    settings.CSRF_COOKIE_SAMESITE, settings.CSRF_COOKIE_SECURE = "None", True
    response = login(api_client)
    header = set_cookie_header(response, "csrftoken")
    assert {"partitioned", "secure", "samesite"} <= set(attributes(header))
    assert "SameSite=None" in header.split("; ")
    assert header.count("Partitioned") == 1

    # GET csrf/ (after a reload) hands out a new token: its cookie is partitioned too.
    api_client.cookies.pop("csrftoken")
    fresh = api_client.get("/api/auth/csrf/")
    assert fresh.status_code == 200
    assert "partitioned" in attributes(set_cookie_header(fresh, "csrftoken"))
    # ... and it works for refresh/ (the middleware's own pass wrote no second cookie).
    refreshed = api_client.post(REFRESH, HTTP_X_CSRFTOKEN=fresh.json()["csrf_token"])
    assert refreshed.status_code == 200, refreshed.json()


@pytest.mark.jwtauth_settings(REFRESH_COOKIE_SAMESITE="None", REFRESH_COOKIE_SECURE=True)
def test_the_csrf_cookie_is_not_partitioned_by_default(api_client: APIClient, user: Any) -> None:
    assert "partitioned" not in attributes(set_cookie_header(login(api_client), "csrftoken"))


@pytest.mark.jwtauth_settings(**CROSS_SITE)
def test_a_partitioned_response_survives_pickling(api_client: APIClient, user: Any) -> None:
    # Django's cache middleware pickles responses; the copy must still say Partitioned.
    response = login(api_client)
    copy = pickle.loads(pickle.dumps(response.cookies))  # noqa: S301 (our own bytes)
    assert str(copy[COOKIE].output(header="")).strip() == set_cookie_header(response)
