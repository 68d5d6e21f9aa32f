"""Shared fixtures: a fake clock, users, a CSRF-enforcing API client, and the
``jwtauth_settings`` marker (``@pytest.mark.jwtauth_settings(LEEWAY=5)``)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

PASSWORD = "correct horse battery staple"
START = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    """A clock you move by hand; never sleeps, never patches module paths."""

    def __init__(self, now: datetime = START) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float = 0, **kwargs: float) -> datetime:
        self._now += timedelta(seconds=seconds, **kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _jwtauth_settings(request: pytest.FixtureRequest, clock: FakeClock, settings: Any) -> None:
    marker = request.node.get_closest_marker("jwtauth_settings")
    overrides: dict[str, Any] = dict(marker.kwargs) if marker else {}
    # Through pytest-django's ``settings`` (not a separate override_settings): tests and
    # fixtures that change ``settings`` later then unwind in order, and no override
    # leaks into the next test.
    settings.JWTAUTH = {**getattr(settings, "JWTAUTH", {}), "CLOCK": clock, **overrides}


@pytest.fixture(autouse=True)
def _clear_caches() -> Iterator[None]:
    """Throttle counters and other cached state never leak from one test to the next."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    def clear() -> None:
        for alias in caches:
            cache = caches[alias]
            # Only process-local caches: clearing a shared Redis database would wipe
            # the keys of tests running in parallel workers (those use per-test prefixes).
            if isinstance(cache, LocMemCache):
                with contextlib.suppress(Exception):
                    cache.clear()

    clear()
    yield
    clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db: None) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username="alice", email="alice@example.com", password=PASSWORD)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient(enforce_csrf_checks=True)


REDIS_URL = os.environ.get("JWTAUTH_TEST_REDIS_URL", "")
_REDIS = pytest.param("redis", marks=pytest.mark.redis)


def _use_shared_cache(kind: str, settings: Any) -> None:
    from tests.testapp.caches import SharedDictCache

    if kind == "redis":
        if not REDIS_URL:
            pytest.skip("JWTAUTH_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/5)")
        settings.CACHES = {
            **settings.CACHES,
            "shared": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                # A per-test prefix: parallel workers never meet, nothing is flushed.
                "KEY_PREFIX": f"jwtauth-test-{uuid.uuid4().hex}",
                "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
            },
        }
    SharedDictCache.reset()
    settings.JWTAUTH = {**settings.JWTAUTH, "REVOCATION_CACHE": "shared"}


@pytest.fixture(autouse=True)
def _reset_shared_dict_cache() -> Iterator[None]:
    """Tests may make the shared dict cache fail on purpose; never past their end."""
    yield
    from tests.testapp.caches import SharedDictCache

    SharedDictCache.reset()


@pytest.fixture(params=["dict", _REDIS])
def shared_cache(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """``REVOCATION_CACHE`` on a shared cache: the counting dict cache
    (``tests.testapp.caches``), and Redis when ``JWTAUTH_TEST_REDIS_URL`` is set."""
    _use_shared_cache(request.param, settings)
    yield request.param
    from tests.testapp.caches import SharedDictCache

    SharedDictCache.reset()


@pytest.fixture(params=["database", "dict", _REDIS])
def revocation_mode(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """Every revocation set-up: ``database`` (the embedded default: a process-local
    cache is ignored), the shared dict cache, and Redis."""
    if request.param != "database":
        _use_shared_cache(request.param, settings)
    yield request.param
    from tests.testapp.caches import SharedDictCache

    SharedDictCache.reset()


@pytest.fixture
def after_grace(clock: FakeClock) -> Callable[[], None]:
    """Move the clock just past the refresh reuse grace period (a replaced refresh token
    presented after this is reuse)."""

    def advance() -> None:
        from jwtauth.settings import get_settings

        clock.advance(get_settings().refresh_reuse_grace_period.total_seconds() + 1)

    return advance


@pytest.fixture
def replay_refresh() -> Callable[[APIClient, str], Any]:
    """Replay a stolen refresh cookie from another client, with the victim's CSRF token
    (the strongest thief: one who also read the page's CSRF token)."""

    def replay(victim: APIClient, stolen_cookie: str) -> Any:
        from tests.api.helpers import COOKIE, REFRESH

        thief = APIClient(enforce_csrf_checks=True)
        csrf = victim.cookies["csrftoken"].value
        thief.cookies[COOKIE] = stolen_cookie
        thief.cookies["csrftoken"] = csrf
        return thief.post(REFRESH, HTTP_X_CSRFTOKEN=csrf)

    return replay


@pytest.fixture(params=["database", _REDIS])
def throttle_store(request: pytest.FixtureRequest, settings: Any) -> str:
    """The login throttle's counter store: the database (behind a process-local cache,
    PostgreSQL only: threads need their own connections) and Redis."""
    if request.param == "database":
        if os.environ.get("JWTAUTH_TEST_DB") != "postgres":
            pytest.skip("needs PostgreSQL: run with JWTAUTH_TEST_DB=postgres (SQLite serialises writers)")
    else:
        if not REDIS_URL:
            pytest.skip("JWTAUTH_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/5)")
        settings.CACHES = {
            **settings.CACHES,
            "throttle": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": f"jwtauth-test-{uuid.uuid4().hex}",
                "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 2},
            },
        }
        settings.JWTAUTH = {**settings.JWTAUTH, "LOGIN_THROTTLE_CACHE": "throttle"}
    return str(request.param)
