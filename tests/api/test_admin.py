"""The refresh session admin: list, filter, search, revoke."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from jwtauth.sessions.models import RefreshSession
from jwtauth.sessions.service import start_session
from tests.conftest import FakeClock

pytestmark = pytest.mark.django_db

URL = "/admin/jwtauth/refreshsession/"


@pytest.fixture
def admin_client(db: None) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.mark.parametrize("state", ["", "live", "revoked", "expired"])
def test_list_and_filter(admin_client: Client, user: Any, clock: FakeClock, state: str) -> None:
    live, revoked, expired = (start_session(user).session for _ in range(3))
    RefreshSession.objects.filter(pk=revoked.pk).update(revoked_at=clock.now())
    RefreshSession.objects.filter(pk=expired.pk).update(expires_at=clock.now())
    response = admin_client.get(URL, {"state": state} if state else {})
    assert response.status_code == 200
    shown = {s.pk for s in response.context["cl"].result_list}
    expected = {"": {live.pk, revoked.pk, expired.pk}, "live": {live.pk}, "revoked": {revoked.pk}}
    assert shown == expected.get(state, {expired.pk})


def test_search_by_username(admin_client: Client, user: Any) -> None:
    start_session(user)
    assert admin_client.get(URL, {"q": "alice"}).context["cl"].result_count == 1
    assert admin_client.get(URL, {"q": "nobody"}).context["cl"].result_count == 0


@pytest.mark.parametrize("action", ["revoke_selected", "revoke_all_of_users"])
def test_revoke_actions(admin_client: Client, user: Any, action: str) -> None:
    first, second = start_session(user).session, start_session(user).session
    response = admin_client.post(URL, {"action": action, "_selected_action": [str(first.pk)]}, follow=True)
    assert response.status_code == 200
    revoked = set(RefreshSession.objects.filter(revoke_reason="admin").values_list("pk", flat=True))
    assert revoked == ({first.pk} if action == "revoke_selected" else {first.pk, second.pk})


@pytest.mark.jwtauth_settings(REVOCATION_CACHE="shared")
def test_revoke_action_when_cache_is_down(admin_client: Client, user: Any) -> None:
    from tests.testapp.caches import SharedDictCache

    session = start_session(user).session
    SharedDictCache.failing = {"write"}
    try:
        for action in ("revoke_selected", "revoke_all_of_users"):
            response = admin_client.post(URL, {"action": action, "_selected_action": [str(session.pk)]}, follow=True)
            assert "unavailable" in response.content.decode()
    finally:
        SharedDictCache.reset()
    assert RefreshSession.objects.get().revoked_at is None
