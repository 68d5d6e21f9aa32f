"""The raw statements of the hot paths (jwtauth.sessions._sql) against the ORM, on the
database the suite runs on: SQLite by default, ``JWTAUTH_TEST_DB=postgres`` and
``JWTAUTH_TEST_DB=mariadb``; with ``--ds tests.custom_user.settings`` also for a user
model with a UUID primary key."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jwtauth.core.errors import TokenRevoked, UserInactive
from jwtauth.sessions._sql import load_session, rotate_session
from jwtauth.sessions.models import RefreshSession
from jwtauth.sessions.request_check import session_is_live
from jwtauth.sessions.service import start_session

pytestmark = pytest.mark.django_db


def _make_user(name: str) -> Any:
    model = get_user_model()
    return model._default_manager.create_user(**{model.USERNAME_FIELD: f"{name}@example.com", "password": "pw-12345"})


@pytest.fixture
def alice() -> Any:
    return _make_user("alice")


def test_check_is_one_query_and_true_for_a_live_session(alice: Any) -> None:
    session = start_session(alice).session
    with CaptureQueriesContext(connection) as queries:
        assert session_is_live(str(session.pk), alice.pk) is True
    assert len(queries) == 1


def test_check_refuses_a_session_of_another_user(alice: Any) -> None:
    bob = _make_user("bob")
    session = start_session(alice).session
    assert session_is_live(str(session.pk), bob.pk) is False


def test_check_refuses_revoked_unknown_and_malformed_sessions(alice: Any) -> None:
    session = start_session(alice).session
    RefreshSession.objects.filter(pk=session.pk).update(revoked_at=timezone.now())
    assert session_is_live(str(session.pk), alice.pk) is False
    assert session_is_live(str(uuid.uuid4()), alice.pk) is False
    with pytest.raises(TokenRevoked):
        session_is_live("not-a-uuid", alice.pk)


def test_check_refuses_an_inactive_user(alice: Any) -> None:
    session = start_session(alice).session
    type(alice)._default_manager.filter(pk=alice.pk).update(is_active=False)
    with pytest.raises(UserInactive):
        session_is_live(str(session.pk), alice.pk)


def test_load_session_matches_the_orm(alice: Any) -> None:
    session = start_session(alice, user_agent="ua", ip_address="192.0.2.7").session
    loaded = load_session(str(session.pk), type(alice))
    assert loaded is not None
    orm = RefreshSession.objects.get(pk=session.pk)
    for field in RefreshSession._meta.concrete_fields:
        assert getattr(loaded[0], field.attname) == getattr(orm, field.attname), field.name
    assert loaded[1] is True
    assert load_session(str(uuid.uuid4()), type(alice)) is None


def test_rotate_session_is_a_compare_and_swap(alice: Any) -> None:
    session = start_session(alice).session
    presented, now = session.jti_hash, timezone.now().replace(microsecond=123456)
    later = now + timedelta(days=1)
    assert rotate_session(session, presented=presented, jti_hash="a" * 64, now=now, expires_at=later) is True
    stored = RefreshSession.objects.get(pk=session.pk)
    assert (stored.jti_hash, stored.previous_jti_hash) == ("a" * 64, presented)
    assert (stored.rotated_at, stored.last_used_at, stored.expires_at) == (now, now, later)
    # The same presented hash again loses: another request rotated first.
    assert rotate_session(session, presented=presented, jti_hash="b" * 64, now=now, expires_at=later) is False
    RefreshSession.objects.filter(pk=session.pk).update(revoked_at=now)
    assert rotate_session(session, presented="a" * 64, jti_hash="c" * 64, now=now, expires_at=later) is False
    assert RefreshSession.objects.get(pk=session.pk).jti_hash == "a" * 64


def test_throttle_counters_change_and_read_like_the_orm() -> None:
    """The login throttle's raw UPDATE/SELECT (sorted per-key updates, one read)."""
    from jwtauth.sessions.attempt_counters import add_to_counters
    from jwtauth.sessions.models import LoginAttemptCounter

    expires_at = timezone.now() + timedelta(minutes=5)
    assert add_to_counters(["b", "a"], 1, expires_at=expires_at, read=["a", "b", "c"]) == {"a": 1, "b": 1, "c": 0}
    with CaptureQueriesContext(connection) as queries:
        assert add_to_counters(["a", "b"], 1, expires_at=expires_at, read=["a", "b"]) == {"a": 2, "b": 2}
    changes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "SELECT"))]
    assert len(changes) == 3  # one UPDATE per counter, one SELECT for all
    assert add_to_counters(["a", "missing"], -1, expires_at=expires_at) == {}  # a release reads nothing
    assert dict(LoginAttemptCounter.objects.values_list("key", "count")) == {"a": 1, "b": 2}
