"""Concurrent exchanges of one simplejwt refresh token on PostgreSQL, from real threads with
their own database connections: exactly one session, everyone else refresh_token_revoked."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

pytest.importorskip(
    "rest_framework_simplejwt",
    reason="djangorestframework-simplejwt is not installed (pip install 'jwtauth[simplejwt]')",
)

from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from jwtauth.sessions.models import RefreshSession
from tests.api.helpers import REFRESH
from tests.conftest import START
from tests.factories import simplejwt_token
from tests.sessions.test_refresh_race_pg import _race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.jwtauth_settings(SIMPLEJWT_ACCEPT_UNTIL=START + timedelta(days=30)),
]

THREADS = 8


@pytest.fixture(autouse=True)
def _needs_postgres() -> None:
    if os.environ.get("JWTAUTH_TEST_DB") != "postgres":
        pytest.skip("needs PostgreSQL: run with JWTAUTH_TEST_DB=postgres (SQLite serialises writers)")


def test_concurrent_exchanges_start_exactly_one_session(user: Any, clock: Any) -> None:
    token = simplejwt_token("refresh", user, clock)

    def exchange() -> Any:
        return APIClient().post(REFRESH, {"refresh": token}, format="json")

    responses = _race([exchange] * THREADS)
    assert [r for r in responses if isinstance(r, BaseException)] == []
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [401] * (THREADS - 1)
    assert {r.json()["code"] for r in responses if r.status_code == 401} == {"refresh_token_revoked"}
    assert RefreshSession.objects.filter(user=user).count() == 1
    assert BlacklistedToken.objects.count() == 1
