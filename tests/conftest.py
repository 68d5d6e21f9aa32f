"""Shared fixtures: a fake clock, users, a CSRF-enforcing API client, and the
``jwtauth_settings`` marker (``@pytest.mark.jwtauth_settings(LEEWAY=5)``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
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
def _jwtauth_settings(request: pytest.FixtureRequest, clock: FakeClock, settings: Any) -> Iterator[None]:
    marker = request.node.get_closest_marker("jwtauth_settings")
    overrides: dict[str, Any] = dict(marker.kwargs) if marker else {}
    merged = {**getattr(settings, "JWTAUTH", {}), "CLOCK": clock, **overrides}
    # Through pytest-django's ``settings`` so that a test's own ``settings.X = ...``
    # is undone in the right (LIFO) order and the override never leaks.
    settings.JWTAUTH = merged
    yield


@pytest.fixture(autouse=True)
def _clear_caches() -> Iterator[None]:
    """Throttle counters and other cached state never leak from one test to the next."""
    from django.core.cache import caches

    def clear() -> None:
        for alias in caches:
            # A test may configure an unreachable cache on purpose.
            with contextlib.suppress(Exception):
                caches[alias].clear()

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
