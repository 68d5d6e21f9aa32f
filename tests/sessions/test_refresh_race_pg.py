"""Concurrent refreshes with one refresh token on PostgreSQL, from real threads with
their own database connections: exactly one rotation, everyone gets 200."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from jwtauth import signals
from jwtauth.core.rotation import hash_jti
from jwtauth.core.tokens import verify_refresh_token
from jwtauth.sessions.models import RefreshSession
from tests.api.helpers import COOKIE, HELLO, LOGOUT_ALL, REFRESH, bearer, login

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 24


@pytest.fixture(autouse=True)
def _needs_postgres() -> None:
    if os.environ.get("JWTAUTH_TEST_DB") != "postgres":
        pytest.skip("needs PostgreSQL: run with JWTAUTH_TEST_DB=postgres (SQLite serialises writers)")


def _race(requests: list[Any]) -> list[Any]:
    """Run the callables at the same instant, each in its own thread and connection."""
    barrier = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = requests[index]()
        except BaseException as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _tab(cookie: str, csrf: str) -> Any:
    def post() -> Any:
        tab = APIClient(enforce_csrf_checks=True)
        tab.cookies[COOKIE] = cookie
        tab.cookies["csrftoken"] = csrf
        return tab.post(REFRESH, HTTP_X_CSRFTOKEN=csrf)

    return post


def test_concurrent_refresh_rotates_exactly_once(revocation_mode: str, user: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    login(client)
    cookie, csrf = client.cookies[COOKIE].value, client.cookies["csrftoken"].value
    rotations: list[Any] = []

    def count(sender: Any, **kwargs: Any) -> None:
        rotations.append(kwargs["session"].pk)

    signals.refresh_token_rotated.connect(count)
    try:
        responses = _race([_tab(cookie, csrf) for _ in range(THREADS)])
    finally:
        signals.refresh_token_rotated.disconnect(count)
    errors = [r for r in responses if isinstance(r, BaseException)]
    assert errors == []  # no IntegrityError, no deadlock, no exception of any kind
    assert [r.status_code for r in responses] == [200] * THREADS
    assert len(rotations) == 1
    new_cookies = [r.cookies[COOKIE].value for r in responses if COOKIE in r.cookies]
    assert len(new_cookies) == 1  # the family never forks; losers leave the newer cookie alone
    session = RefreshSession.objects.get()
    original = verify_refresh_token(cookie, _policy(), now=_now())
    successor = verify_refresh_token(new_cookies[0], _policy(), now=_now())
    assert session.previous_jti_hash == hash_jti(original.jti)
    assert session.jti_hash == hash_jti(successor.jti)
    assert session.revoked_at is None
    for response in responses:
        assert APIClient().get(HELLO, **bearer(response.json()["access_token"])).status_code == 200


def test_refresh_racing_logout_all_never_errors(user: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    access = login(client).json()["access_token"]
    cookie, csrf = client.cookies[COOKIE].value, client.cookies["csrftoken"].value

    def logout_all() -> Any:
        return APIClient().post(LOGOUT_ALL, **bearer(access))

    responses = _race([logout_all] + [_tab(cookie, csrf) for _ in range(THREADS - 1)])
    assert [r for r in responses if isinstance(r, BaseException)] == []
    assert (responses[0].status_code, responses[0].json()) == (200, {"revoked": 1})
    assert {r.status_code for r in responses[1:]} <= {200, 401}
    assert RefreshSession.objects.get().revoked_at is not None
    assert APIClient().get(HELLO, **bearer(access)).json()["code"] == "token_revoked"


def _policy() -> Any:
    from jwtauth.settings import get_settings

    return get_settings().refresh


def _now() -> Any:
    from jwtauth.settings import get_settings

    return get_settings().clock.now()
