"""Login throttling: failures per client IP and per account, 429 ``throttled``."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
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
def test_ip_throttle_429_with_retry_after(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    for name in ("a", "b", "c"):
        assert attempt(api_client, username=name).status_code == 401
    with CaptureQueriesContext(connection) as queries:
        response = attempt(api_client, username="d", password=PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert set(response.json()) == {"detail", "code"}
    assert int(response["Retry-After"]) > 0
    assert len(queries) == 0  # refused before the user lookup and the password hasher
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
def test_account_throttle_spans_ips_and_normalises(api_client: APIClient, user: Any) -> None:
    assert attempt(api_client, username="alice", ip="10.0.0.1").status_code == 401
    assert attempt(api_client, username="ALICE", ip="10.0.0.2").status_code == 401
    assert attempt(api_client, username="\uff41\uff4c\uff49\uff43\uff45", ip="10.0.0.3").status_code == 401  # fullwidth
    response = attempt(api_client, username="alice", password=PASSWORD, ip="10.0.0.4")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    # other accounts are unaffected
    assert attempt(api_client, username="bob", ip="10.0.0.4").status_code == 401


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
    assert "throttle cache unavailable" in caplog.text


def test_concurrent_failures_are_all_counted(user: Any) -> None:
    """Each failure is an atomic increment: no lost update under concurrency."""
    from concurrent.futures import ThreadPoolExecutor

    from django.test import RequestFactory

    from jwtauth.api.throttling import LoginAccountThrottle, record_login_failure

    request = RequestFactory().post(LOGIN, REMOTE_ADDR="10.0.0.9")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: record_login_failure(request, "alice"), range(200)))
    throttle = LoginAccountThrottle("alice")
    key = throttle.get_cache_key(request)
    assert key is not None
    current, _previous, _fraction = throttle._windows(key)
    assert throttle.cache.get(current) == 200


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
    assert merged["LOGIN_THROTTLE_RATES"] == {"ip": None, "account": Rate(10, 900)}
