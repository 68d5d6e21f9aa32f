"""Attacks on the login throttle: parallel guesses, spellings of one account, IPv6
allocations spread over many /64s, and several worker processes each counting alone."""

from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from jwtauth.sessions.models import LoginAttemptCounter
from tests.api.helpers import LOGIN
from tests.conftest import PASSWORD
from tests.testapp.hashers import GatedHasher


def attempt(client: APIClient, username: str, password: str = "wrong", ip: str = "10.0.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


# -- parallel guesses: at most the limit reach the hasher ------------------------------

GUESSES = 24
LIMIT = 5


def _post_login(url: str, username: str, password: str) -> int:
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(  # noqa: S310 (the local live server)
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    for _ in range(5):
        try:
            with urllib.request.urlopen(request, timeout=90) as response:  # noqa: S310 (the local live server)
                return int(response.status)
        except urllib.error.HTTPError as err:
            return int(err.code)
        except (ConnectionResetError, http.client.RemoteDisconnected):
            continue  # the server's listen backlog overflowed before the request was read: resend
    raise AssertionError("the live server kept resetting the connection")


@pytest.mark.postgres
def test_parallel_wrong_guesses_reach_the_hasher_at_most_limit_times(
    throttle_store: str, live_server: Any, settings: Any
) -> None:
    """N concurrent wrong passwords for one account against a live server: each attempt
    reserves its count before hashing, so only LIMIT of them ever reach the hasher."""
    if os.environ.get("JWTAUTH_TEST_DB") != "postgres":
        pytest.skip("needs PostgreSQL: run with JWTAUTH_TEST_DB=postgres (the live server's threads need it)")
    settings.PASSWORD_HASHERS = ["tests.testapp.hashers.GatedHasher"]
    settings.JWTAUTH = {**settings.JWTAUTH, "LOGIN_THROTTLE_RATES": {"ip": None, "account": f"{LIMIT}/min"}}
    get_user_model().objects.create_user(username="victim", password=PASSWORD)
    GatedHasher.reset()
    finished = [0]

    def guess(index: int) -> int:
        try:
            return _post_login(f"{live_server.url}{LOGIN}", "victim", f"guess {index}")
        finally:
            with GatedHasher.condition:
                finished[0] += 1
                GatedHasher.condition.notify_all()

    with ThreadPoolExecutor(GUESSES) as pool:
        futures = [pool.submit(guess, i) for i in range(GUESSES)]
        # Every guess is now either held at the hasher's gate or answered: open it.
        with GatedHasher.condition:
            assert GatedHasher.condition.wait_for(lambda: GatedHasher.entered + finished[0] >= GUESSES, timeout=90)
        GatedHasher.gate.set()
        statuses = [future.result() for future in futures]
    assert GatedHasher.entered == LIMIT
    assert sorted(statuses) == [401] * LIMIT + [429] * (GUESSES - LIMIT)


@pytest.mark.django_db
@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": None, "account": "2/min"})
def test_a_success_gives_its_reservation_back(user: Any) -> None:
    client = APIClient()
    for _ in range(5):
        assert attempt(client, "alice", PASSWORD).status_code == 200
    assert attempt(client, "alice").status_code == 401
    assert attempt(client, "alice").status_code == 401
    assert attempt(client, "alice", PASSWORD).status_code == 429


# -- the per-account counter follows the database's idea of "the same account" -------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("variant", "case_insensitive"),
    [
        ("al\u00edce", False),  # MySQL/MariaDB accent- and case-insensitive collations
        ("AL\u00cdCE", False),
        ("al\u0131ce", True),  # dotless i: PostgreSQL's UPPER() makes it ALICE
        ("al\u00edce", True),
    ],
)
def test_every_spelling_that_logs_in_counts_against_the_account(
    user: Any, settings: Any, variant: str, case_insensitive: bool
) -> None:
    settings.JWTAUTH = {
        **settings.JWTAUTH,
        "LOGIN_THROTTLE_RATES": {"ip": None, "account": "3/min"},
        "LOGIN_IDENTIFIER_CASE_INSENSITIVE": case_insensitive,
    }
    client = APIClient()
    if attempt(client, variant, PASSWORD).status_code != 200:
        pytest.skip(f"{variant!r} is not alice's login on {connection.vendor} (case_insensitive={case_insensitive})")
    for _ in range(3):
        assert attempt(client, variant).status_code == 401
    assert attempt(client, "alice", PASSWORD).status_code == 429


@pytest.mark.django_db
@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": None, "account": "3/min"})
@pytest.mark.parametrize("variant", ["al\u0131ce"])  # dotless i
def test_case_insensitive_manager_spellings_count_against_the_account(
    user: Any, monkeypatch: pytest.MonkeyPatch, variant: str
) -> None:
    """A user manager whose natural-key lookup is ``__iexact`` (a common way to make
    logins case-insensitive): on PostgreSQL ``UPPER()`` maps these to ALICE, while
    Python's case folding does not."""
    from django.contrib.auth.models import UserManager

    def iexact(self: Any, username: str) -> Any:
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})

    monkeypatch.setattr(UserManager, "get_by_natural_key", iexact)
    client = APIClient()
    if attempt(client, variant, PASSWORD).status_code != 200:
        pytest.skip(f"{variant!r} is not alice's login through __iexact on {connection.vendor}")
    for _ in range(3):
        assert attempt(client, variant).status_code == 401
    assert attempt(client, "alice", PASSWORD).status_code == 429


@pytest.mark.django_db
@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": None, "account": "3/min"})
def test_account_lookup_gives_no_enumeration_signal(user: Any) -> None:
    """A known and an unknown name fail alike: same answer, same queries."""
    client = APIClient()
    answers, query_counts = [], []
    for name in ("alice", "nobody"):
        with CaptureQueriesContext(connection) as queries:
            response = attempt(client, name)
        answers.append((response.status_code, response.json()))
        query_counts.append(len(queries))
    assert answers[0] == answers[1]
    assert query_counts[0] == query_counts[1]


# -- IPv6: a /48 cannot spread its guesses over 65,536 /64s ---------------------------


@pytest.mark.django_db
@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": "3/min", "ipv6_48": "4/min", "account": None})
def test_ipv6_48_bucket_catches_guesses_spread_over_64s() -> None:
    client = APIClient()
    for i in range(4):
        assert attempt(client, f"user{i}", ip=f"2001:db8:aa:{i:x}::1").status_code == 401
    response = attempt(client, "user9", ip="2001:db8:aa:ff::1")  # a fresh /64 of the same /48
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert attempt(client, "user9", ip="2001:db8:bb::1").status_code == 401  # another /48


@pytest.mark.django_db
@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": "3/min", "ipv6_48": "4/min", "account": None})
def test_ipv4_has_no_48_bucket() -> None:
    client = APIClient()
    for i in range(3):
        assert attempt(client, f"user{i}", ip=f"10.0.{i}.1").status_code == 401
    assert attempt(client, "user9", ip="10.0.9.1").status_code == 401


# -- several worker processes: a process-local cache keeps counts in the database ------


@pytest.mark.django_db
@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": "3/min", "account": None}, LOGIN_THROTTLE_CACHE="worker")
def test_process_local_cache_counts_in_the_database(settings: Any) -> None:
    """Two workers, each with its own LocMemCache: the count is shared anyway."""
    client = APIClient()
    settings.CACHES = {**settings.CACHES, "worker": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    for name in ("a", "b"):
        assert attempt(client, name).status_code == 401
    # the "other process": a LocMemCache that has never seen those failures
    settings.CACHES = {
        **settings.CACHES,
        "worker": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "worker-2"},
    }
    assert attempt(client, "c").status_code == 401
    assert attempt(client, "d").status_code == 429
    assert LoginAttemptCounter.objects.exists()


@pytest.mark.django_db
@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_CACHE="shared")
def test_shared_cache_keeps_counts_out_of_the_database(user: Any) -> None:
    attempt(APIClient(), "alice")
    assert not LoginAttemptCounter.objects.exists()
