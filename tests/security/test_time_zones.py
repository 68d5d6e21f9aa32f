"""USE_TZ = False with a non-UTC TIME_ZONE: jwtauth refuses to run (system check E011 and a
503 config_invalid on every endpoint) instead of storing shifted expiries or answering 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from rest_framework.test import APIClient

from tests.api.helpers import LOGIN, REFRESH, USER, bearer, csrf_headers, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def naive_local_time(settings: Any) -> None:
    settings.USE_TZ = False
    settings.TIME_ZONE = "Europe/Paris"


def test_the_system_check_says_why(naive_local_time: None) -> None:
    messages = [m for m in run_checks() if m.id == "jwtauth.E011"]
    assert len(messages) == 1
    assert "USE_TZ = True" in messages[0].msg


def test_every_endpoint_answers_503_config_invalid_never_500(user: Any, settings: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    access = login(client).json()["access_token"]  # issued while USE_TZ was on
    settings.USE_TZ = False
    settings.TIME_ZONE = "Europe/Paris"
    for response in (
        APIClient().post(LOGIN, {"username": "alice", "password": "x"}, format="json"),
        client.post(REFRESH, **csrf_headers(client)),
        APIClient().get(USER, **bearer(access)),
    ):
        assert response.status_code != 500
        assert response.json()["code"] == "config_invalid"
    assert APIClient().post(LOGIN, {"username": "alice", "password": "x"}, format="json").status_code == 503
