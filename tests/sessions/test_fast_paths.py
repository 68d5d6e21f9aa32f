"""The hot paths' shortcuts: one revocation reader per cache object, and a refresh in
two raw statements that behave as the ORM would."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from redis.exceptions import ConnectionError as RedisConnectionError

from jwtauth import signals
from jwtauth.core.errors import RefreshTokenRevoked
from jwtauth.sessions._sql import load_session
from jwtauth.sessions.models import RefreshSession
from jwtauth.sessions.revocation import CacheVerdict, _reader, lookup, mark_revoked
from jwtauth.sessions.service import refresh_session, start_session
from tests.conftest import REDIS_URL, FakeClock

pytestmark = pytest.mark.django_db

SID = "6f1c5a0e-2f59-4a53-9d2e-0d7e4d1c9b11"


def test_reader_is_built_once_per_cache_object(shared_cache: str) -> None:
    cache = caches["shared"]
    assert _reader(cache) is _reader(cache)
    if shared_cache == "dict":
        assert _reader(cache) == cache.get


class _MyRedisCache(RedisCache):
    pass


def test_redis_subclasses_keep_their_own_get() -> None:
    cache = _MyRedisCache("redis://127.0.0.1:1/0", {})
    assert _reader(cache) == cache.get
    plain = RedisCache("redis://127.0.0.1:1/0", {})
    assert _reader(plain) != plain.get  # the long-lived client; nothing connects yet


@pytest.mark.redis
def test_redis_state_is_read_from_the_primary(settings: Any) -> None:
    """With replicas in LOCATION Django reads from a replica, which may lag behind a
    revocation; jwtauth reads the primary. Here the "replica" is unreachable."""
    if not REDIS_URL:
        pytest.skip("JWTAUTH_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/5)")
    settings.CACHES = {
        **settings.CACHES,
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": [REDIS_URL, "redis://127.0.0.1:1/0"],
            "KEY_PREFIX": f"jwtauth-test-{uuid.uuid4().hex}",
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        },
    }
    settings.JWTAUTH = {**settings.JWTAUTH, "REVOCATION_CACHE": "shared", "REVOCATION_CACHE_FAILURE": "reject"}
    mark_revoked([SID])
    assert lookup(SID) == (CacheVerdict.REVOKED, None)
    with pytest.raises(RedisConnectionError):
        caches["shared"].get("jwtauth:sid:" + SID)


def test_refresh_is_two_queries_and_updates_the_session(user: Any, clock: FakeClock) -> None:
    login = start_session(user)
    clock.advance(5)
    with CaptureQueriesContext(connection) as queries:
        result = refresh_session(login.refresh.token)
    assert len(queries) == 2
    stored = RefreshSession.objects.get(pk=login.session.pk)
    for name in ("jti_hash", "previous_jti_hash", "rotated_at", "last_used_at", "expires_at", "created_at"):
        assert getattr(result.session, name) == getattr(stored, name), name
    assert stored.rotated_at == clock.now()
    assert stored.previous_jti_hash == login.session.jti_hash


def test_rotated_signal_gets_the_user_for_one_more_query(user: Any) -> None:
    seen: list[Any] = []

    def receiver(sender: Any, session: RefreshSession, user: Any, **kwargs: Any) -> None:
        seen.append((session.pk, user))

    login = start_session(user)
    signals.refresh_token_rotated.connect(receiver)
    try:
        with CaptureQueriesContext(connection) as queries:
            refresh_session(login.refresh.token)
    finally:
        signals.refresh_token_rotated.disconnect(receiver)
    assert len(queries) == 3
    assert seen == [(login.session.pk, user)]


def test_load_session_reads_what_the_orm_reads(user: Any) -> None:
    session = start_session(user, user_agent="ua", ip_address="192.0.2.1").session
    loaded = load_session(str(session.pk), type(user))
    assert loaded is not None
    orm = RefreshSession.objects.get(pk=session.pk)
    assert loaded[1] is True
    for field in RefreshSession._meta.concrete_fields:
        assert getattr(loaded[0], field.attname) == getattr(orm, field.attname), field.name
    assert loaded[0].user == user  # loads lazily
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert load_session(str(session.pk), type(user)) == (orm, False)
    assert load_session("not-a-uuid", type(user)) is None
    assert load_session(str(uuid.uuid4()), type(user)) is None


def test_refresh_of_a_deleted_session_is_revoked(user: Any) -> None:
    login = start_session(user)
    RefreshSession.objects.all().delete()
    with pytest.raises(RefreshTokenRevoked):
        refresh_session(login.refresh.token)
