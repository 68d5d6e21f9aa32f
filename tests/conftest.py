"""Shared fixtures: a fake clock, users, a CSRF-enforcing API client, and the
``jwtauth_settings`` marker (``@pytest.mark.jwtauth_settings(LEEWAY=5)``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import override_settings
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
    with override_settings(JWTAUTH=merged):
        yield


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
