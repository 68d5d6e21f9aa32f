"""Login throttling: failures per client IP and per account, 429 ``throttled``."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from rest_framework.test import APIClient

from jwtauth.api.throttling import client_ip
from tests.api.helpers import LOGIN
from tests.conftest import PASSWORD, FakeClock

pytestmark = pytest.mark.django_db

TIGHT = {"ip": "3/min", "account": "5/min"}


def attempt(
    client: APIClient, username: str = "alice", password: str = "wrong", ip: str = "10.0.0.1", **extra: Any
) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip, **extra)


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT)
def test_ip_throttle_429_with_retry_after(api_client: APIClient, user: Any, clock: FakeClock, settings: Any) -> None:
    from tests.testapp.hashers import CountingHasher

    settings.PASSWORD_HASHERS = ["tests.testapp.hashers.CountingHasher", *settings.PASSWORD_HASHERS]
    for name in ("a", "b", "c"):
        assert attempt(api_client, username=name).status_code == 401
    CountingHasher.calls.clear()
    response = attempt(api_client, username="d", password=PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert set(response.json()) == {"detail", "code"}
    assert int(response["Retry-After"]) > 0
    assert CountingHasher.calls == []  # refused before any password hasher runs
    # even the right password is refused while throttled...
    assert attempt(api_client, password=PASSWORD).status_code == 429
    # ...until the window slides by
    clock.advance(120)
    assert attempt(api_client, password=PASSWORD).status_code == 200


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT)
def test_retry_after_is_honest(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    for _ in range(3):
        attempt(api_client, username="x")
    wait = int(attempt(api_client).headers["Retry-After"])
    clock.advance(wait - 1)
    assert attempt(api_client, password=PASSWORD).status_code == 429
    clock.advance(1)
    assert attempt(api_client, password=PASSWORD).status_code == 200


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": None, "account": "3/min"})
def test_account_throttle_spans_ips(api_client: APIClient, user: Any) -> None:
    for i in range(3):
        assert attempt(api_client, username="alice", ip=f"10.0.0.{i + 1}").status_code == 401
    response = attempt(api_client, username="alice", password=PASSWORD, ip="10.0.0.4")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    # other accounts are unaffected
    assert attempt(api_client, username="bob", ip="10.0.0.4").status_code == 401


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": None, "account": "3/min"})
def test_unknown_account_names_are_normalised(api_client: APIClient, db: None) -> None:
    # No such user: the count is keyed on the case-folded name stripped of accents and
    # compatibility forms, so it behaves as a real account's would.
    assert attempt(api_client, username="bob", ip="10.0.0.1").status_code == 401
    assert attempt(api_client, username="BOB", ip="10.0.0.2").status_code == 401
    assert attempt(api_client, username="\uff42\uff4f\uff42", ip="10.0.0.3").status_code == 401  # fullwidth
    assert attempt(api_client, username="b\u00f6b", ip="10.0.0.4").status_code == 429  # accented
    assert attempt(api_client, username="carol", ip="10.0.0.4").status_code == 401


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT)
def test_success_does_not_reset_other_clients_failures(api_client: APIClient, user: Any) -> None:
    attacker = APIClient()
    for name in ("a", "b"):
        attempt(attacker, username=name, ip="10.6.6.6")
    assert attempt(api_client, password=PASSWORD, ip="10.0.0.1").status_code == 200
    assert attempt(attacker, username="c", ip="10.6.6.6").status_code == 401
    assert attempt(attacker, username="d", ip="10.6.6.6").status_code == 429


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT)
def test_successes_and_bad_requests_are_not_counted(api_client: APIClient, user: Any) -> None:
    for _ in range(10):
        assert attempt(api_client, password=PASSWORD).status_code == 200
        assert api_client.post(LOGIN, {"password": "x"}, format="json").status_code == 400


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT)
def test_spoofed_forwarded_for_is_ignored_without_proxies(api_client: APIClient, user: Any) -> None:
    for i in range(3):
        attempt(api_client, username=f"u{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert attempt(api_client, username="z", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT, NUM_PROXIES=1)
def test_trusted_proxy_forwarded_for(api_client: APIClient, user: Any) -> None:
    # Behind one proxy (REMOTE_ADDR 10.0.0.1) the client is the rightmost entry; the
    # leftmost is whatever the client wrote and must not split its count.
    for i in range(3):
        attempt(api_client, username=f"u{i}", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}, 198.51.100.7")
    assert attempt(api_client, username="z", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert attempt(api_client, username="z", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 401


@pytest.mark.parametrize(
    ("meta", "proxies", "expected"),
    [
        ({"REMOTE_ADDR": "10.0.0.1"}, 0, "10.0.0.1"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, 0, "10.0.0.1"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, 1, "1.2.3.4"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.2.3.4, 10.0.0.2"}, 2, "1.2.3.4"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, 3, "1.2.3.4"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, 1, "10.0.0.1"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": " , "}, 1, "10.0.0.1"),
        ({"REMOTE_ADDR": "garbage"}, 0, None),
        ({}, 0, None),
    ],
)
def test_client_ip(rf: Any, meta: dict[str, str], proxies: int, expected: str | None) -> None:
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    assert client_ip(request, proxies) == expected


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT)
def test_ipv6_counted_per_64(api_client: APIClient, user: Any) -> None:
    for i in range(3):
        attempt(api_client, username=f"u{i}", ip=f"2001:db8:1:2::{i + 1}")
    assert attempt(api_client, username="z", ip="2001:db8:1:2:ffff::1").status_code == 429
    assert attempt(api_client, username="z", ip="2001:db8:1:3::1").status_code == 401


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": None, "account": None})
def test_throttling_can_be_turned_off(api_client: APIClient, user: Any) -> None:
    for _ in range(30):
        assert attempt(api_client).status_code == 401


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": "2/10min"})
def test_window_multiplier(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    attempt(api_client, username="a")
    attempt(api_client, username="b")
    assert attempt(api_client, username="c").status_code == 429
    clock.advance(minutes=9)
    assert attempt(api_client, username="c").status_code == 429
    clock.advance(minutes=1)
    assert attempt(api_client, username="c").status_code == 429  # the previous window still weighs
    clock.advance(1)
    assert attempt(api_client, username="c").status_code == 401


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT, LOGIN_THROTTLE_CACHE="broken")
def test_cache_down_fails_open_and_logs(
    api_client: APIClient, user: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "broken": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    caplog.set_level(logging.WARNING, logger="jwtauth")
    for _ in range(5):
        assert attempt(api_client).status_code == 401
    assert attempt(api_client, password=PASSWORD).status_code == 200
    assert "throttle store unavailable" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_counter_stores_count_every_increment(settings: Any, throttle_store: str) -> None:
    """Each attempt is one atomic increment per counter: no lost update, no deadlock."""
    from concurrent.futures import ThreadPoolExecutor
    from datetime import timedelta

    from django.db import connection as default_connection

    from jwtauth.api.throttling import _store

    store = _store()

    key, other = "jwtauth:test:counter", "jwtauth:test:other"

    def add(i: int) -> int:
        try:
            # Half the callers name the counters in the other order: rows are locked in
            # key order whatever the order given, so no two attempts deadlock.
            return store.add([key, other] if i % 2 else [other, key], 1, timedelta(minutes=1), [key])[key]
        finally:
            default_connection.close()

    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(add, range(200)))
    assert sorted(counts) == list(range(1, 201))  # each caller saw a distinct count
    assert store.add([], 0, timedelta(minutes=1), ["jwtauth:test:counter"]) == {"jwtauth:test:counter": 200}


@pytest.mark.parametrize(
    "overrides",
    [
        {"LOGIN_THROTTLE_RATES": "20/min"},
        {"LOGIN_THROTTLE_RATES": {"ip": "often"}},
        {"LOGIN_THROTTLE_RATES": {"user": "5/min"}},
        {"LOGIN_THROTTLE_CACHE": ""},
        {"NUM_PROXIES": -1},
        {"NUM_PROXIES": True},
        {"NUM_PROXIES": "1"},
    ],
)
def test_throttle_settings_are_validated(overrides: dict[str, Any]) -> None:
    from jwtauth.settings import validate

    _merged, problems = validate(overrides)
    assert [p.check_id for p in problems] == ["jwtauth.E002"]


def test_partial_rates_keep_the_other_default() -> None:
    from jwtauth.core.rates import Rate
    from jwtauth.settings import validate

    merged, problems = validate({"LOGIN_THROTTLE_RATES": {"ip": None}})
    assert not problems
    assert merged["LOGIN_THROTTLE_RATES"] == {"ip": None, "ipv6_48": Rate(100, 60), "account": Rate(10, 900)}


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT, LOGIN_THROTTLE_CACHE="shared")
def test_a_shared_cache_other_than_redis_counts_through_the_cache_api(api_client: APIClient, user: Any) -> None:
    """Memcached and other shared caches: add() + incr() per counter, get_many() for the rest."""
    from tests.testapp.caches import SharedDictCache

    SharedDictCache.reset()
    assert attempt(api_client, password=PASSWORD).status_code == 200  # a success gives its places back
    for name in ("a", "b", "c"):
        assert attempt(api_client, username=name).status_code == 401
    assert attempt(api_client, username="d", password=PASSWORD).status_code == 429
    assert "add" in SharedDictCache.calls  # counted in the shared cache, not the database
    SharedDictCache.reset()


@pytest.mark.django_db(transaction=True)
@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES=TIGHT)
def test_a_database_error_giving_back_the_reservation_is_no_500(
    user: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The reservation is given back in the login's own transaction: a database error
    there is logged and rolls back only its savepoint, and the session still starts."""
    import jwtauth.api.views as views
    import jwtauth.sessions.attempt_counters as counters

    failing = {"on": False}
    real_sql, real_authenticate = counters.counter_update_sql, views.authenticate

    def update_sql(alias: str) -> str:
        return "UPDATE jwtauth_no_such_table SET n = n + %s WHERE k = %s" if failing["on"] else real_sql(alias)

    def authenticate(*args: Any, **kwargs: Any) -> Any:
        found = real_authenticate(*args, **kwargs)
        failing["on"] = True  # the reservation went through; giving it back fails
        return found

    monkeypatch.setattr(counters, "counter_update_sql", update_sql)
    monkeypatch.setattr(views, "authenticate", authenticate)
    caplog.set_level(logging.WARNING, logger="jwtauth")
    response = APIClient(raise_request_exception=False).post(
        LOGIN, {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    assert "reservation not released" in caplog.text
