"""Abuse by volume: a user with 10,000 sessions must not get a 2.4 MB session list or a
logout-all statement that lists 10,000 ids, and housekeeping must delete in bulk."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from jwtauth.sessions.models import RefreshSession
from tests.api.helpers import LOGOUT_ALL, PK, SESSIONS, bearer, login
from tests.conftest import FakeClock

pytestmark = pytest.mark.django_db

MANY = 10_000


def _many_sessions(user: Any, clock: FakeClock, count: int = MANY) -> None:
    now = clock.now()
    RefreshSession.objects.bulk_create(
        [
            RefreshSession(
                user=user,
                created_at=now - timedelta(seconds=count - i),
                last_used_at=now - timedelta(seconds=i),
                expires_at=now + timedelta(days=7),
                jti_hash=f"{i:064x}",
            )
            for i in range(count)
        ],
        batch_size=1000,
    )


def _token() -> str:
    return str(login(APIClient()).json()["access_token"])


def test_logout_all_on_10000_sessions_is_set_based(user: Any, clock: FakeClock) -> None:
    _many_sessions(user, clock)
    token = _token()
    with CaptureQueriesContext(connection) as queries:
        response = APIClient().post(LOGOUT_ALL, **bearer(token))
    assert response.status_code == 200
    assert response.json() == {"revoked": MANY + 1}
    assert not RefreshSession.objects.filter(revoked_at__isnull=True).exists()
    # No statement names the sessions one by one: every one is short.
    longest = max(len(q["sql"]) for q in queries.captured_queries)
    assert longest < 1000, longest
    assert len(queries) < 12
    assert APIClient().get(PK, **bearer(token)).json()["code"] == "token_revoked"


def test_logout_all_statements_do_not_grow_with_the_sessions(user: Any, clock: FakeClock) -> None:
    counts = []
    for extra in (0, 500):
        _many_sessions(user, clock, extra)
        token = _token()
        with CaptureQueriesContext(connection) as queries:
            APIClient().post(LOGOUT_ALL, **bearer(token))
        counts.append((len(queries), max(len(q["sql"]) for q in queries.captured_queries)))
    assert counts[0] == counts[1]


def test_session_list_is_paginated_and_ordered_by_last_use(user: Any, clock: FakeClock) -> None:
    _many_sessions(user, clock, 120)
    clock.advance(1)
    token = _token()  # the newest, last used now
    first = APIClient().get(SESSIONS, **bearer(token))
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 121
    assert len(body["sessions"]) == 50  # the documented default page size
    assert body["previous"] is None and "page=2" in body["next"]
    assert body["sessions"][0]["current"] is True
    used = [s["last_used_at"] for s in body["sessions"]]
    assert used == sorted(used, reverse=True)
    biggest = APIClient().get(SESSIONS, {"page_size": 10_000}, **bearer(token)).json()
    assert len(biggest["sessions"]) == 100  # the documented maximum
    last = APIClient().get(SESSIONS, {"page": 3}, **bearer(token)).json()
    assert len(last["sessions"]) == 21 and last["next"] is None
    past = APIClient().get(SESSIONS, {"page": 9}, **bearer(token))
    assert (past.status_code, past.json()["code"]) == (404, "not_found")


# -- housekeeping in bulk ------------------------------------------------------------


def _expired(user: Any, clock: FakeClock, count: int, *, days_ago: float) -> None:
    when = clock.now() - timedelta(days=days_ago)
    RefreshSession.objects.bulk_create(
        [
            RefreshSession(user=user, created_at=when, last_used_at=when, expires_at=when, jti_hash=f"{i:064x}")
            for i in range(count)
        ],
        batch_size=1000,
    )


def test_cleanup_deletes_in_set_based_batches(user: Any, clock: FakeClock) -> None:
    from django.core.management import call_command

    _expired(user, clock, 2500, days_ago=30)
    with CaptureQueriesContext(connection) as queries:
        call_command("jwtauth_cleanup", "--batch-size=1000", stdout=None)
    assert not RefreshSession.objects.exists()
    deletes = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('DELETE FROM "jwtauth_refreshsession"')
    ]
    # one DELETE per batch (3 for 2,500 expired rows, 1 each for the passes over
    # SESSION_MAX_LIFETIME and revoked rows), no row loaded, nothing per row
    assert len(deletes) == 5, deletes
    assert len(queries) < 14
    assert max(len(q["sql"]) for q in queries.captured_queries) < 1000


def test_cleanup_keeps_recently_expired_sessions_for_reuse_detection(user: Any, clock: FakeClock) -> None:
    """A family that expired an hour ago is kept (default: one refresh token lifetime),
    so its stolen, replaced refresh token is still recognised."""
    from jwtauth.sessions.queries import delete_stale_sessions

    _expired(user, clock, 3, days_ago=1 / 24)
    _expired(user, clock, 2, days_ago=8)
    assert delete_stale_sessions(revoked_older_than=timedelta(days=7)) == 2
    assert RefreshSession.objects.count() == 3


@pytest.mark.jwtauth_settings(SESSION_CLEANUP_GRACE_PERIOD=0)
def test_cleanup_grace_period_is_configurable(user: Any, clock: FakeClock) -> None:
    from jwtauth.sessions.queries import delete_stale_sessions

    _expired(user, clock, 3, days_ago=1 / 24)
    assert delete_stale_sessions(revoked_older_than=timedelta(days=7)) == 3


def test_no_pre_delete_receiver_disables_fast_delete() -> None:
    from django.db.models.signals import post_delete, pre_delete

    assert not pre_delete.has_listeners(RefreshSession)
    assert not post_delete.has_listeners(RefreshSession)


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_deleting_a_live_session_row_still_stops_its_access_tokens(shared_cache: str, user: Any, how: str) -> None:
    token = _token()
    assert APIClient().get(PK, **bearer(token)).status_code == 200  # cached as live
    if how == "instance":
        RefreshSession.objects.get().delete()
    else:
        RefreshSession.objects.all().delete()
    assert APIClient().get(PK, **bearer(token)).json()["code"] == "token_revoked"
