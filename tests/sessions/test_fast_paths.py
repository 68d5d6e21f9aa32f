"""The hot paths' shortcuts: one revocation reader per cache object, and a refresh in
two raw statements that behave as the ORM would."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jwtauth import signals
from jwtauth.core.errors import RefreshTokenRevoked
from jwtauth.sessions._sql import load_session
from jwtauth.sessions.models import RefreshSession
from jwtauth.sessions.revocation import CacheVerdict, _reader, lookup, mark_live, mark_revoked
from jwtauth.sessions.service import refresh_session, start_session
from tests.conftest import REDIS_URL, FakeClock, _use_shared_cache

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
    pytest.importorskip("redis", reason="redis-py is not installed (pip install 'jwtauth[redis]')")
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
    redis_exceptions = pytest.importorskip("redis.exceptions")
    with pytest.raises(redis_exceptions.ConnectionError):
        caches["shared"].get("jwtauth:sid:" + SID)


def _client_id(connection: Any) -> int:
    connection.send_command("CLIENT", "ID")
    return int(connection.read_response())


@pytest.mark.redis
def test_redis_reads_share_one_held_connection(settings: Any) -> None:
    _use_shared_cache("redis", settings)
    cache = caches["shared"]
    mark_live(SID, 7, cache=cache)
    reader = _reader(cache)
    assert lookup(SID, cache=cache) == (CacheVerdict.LIVE, "7")
    held = reader.connection  # type: ignore[attr-defined]
    first = _client_id(held)
    for _ in range(3):
        assert lookup(SID, cache=cache) == (CacheVerdict.LIVE, "7")
    assert reader.connection is held  # type: ignore[attr-defined]
    assert _client_id(held) == first  # the same server-side client: no reconnect, no pool


@pytest.mark.redis
def test_redis_reader_reconnects_after_the_server_drops_it(settings: Any) -> None:
    """Redis restarted or the idle connection was killed: the next read reconnects
    (redis-py's Retry, as ``redis.Redis`` does) instead of failing a request."""
    redis = pytest.importorskip("redis", reason="redis-py is not installed (pip install 'jwtauth[redis]')")

    _use_shared_cache("redis", settings)
    settings.JWTAUTH = {**settings.JWTAUTH, "REVOCATION_CACHE_FAILURE": "reject"}
    cache = caches["shared"]
    mark_revoked([SID])
    assert lookup(SID, cache=cache) == (CacheVerdict.REVOKED, None)
    reader = _reader(cache)
    old = _client_id(reader.connection)  # type: ignore[attr-defined]
    redis.Redis.from_url(REDIS_URL).client_kill_filter(_id=old)
    assert lookup(SID, cache=cache) == (CacheVerdict.REVOKED, None)
    assert _client_id(reader.connection) != old  # type: ignore[attr-defined]


@pytest.mark.redis
def test_a_forked_child_reads_on_a_connection_of_its_own(settings: Any) -> None:
    """A worker forked after the parent read (gunicorn --preload) must never share the
    parent's socket: both would read each other's replies, e.g. a "live" for a revoked
    session."""
    _use_shared_cache("redis", settings)
    cache = caches["shared"]
    mark_revoked([SID])
    assert lookup(SID, cache=cache) == (CacheVerdict.REVOKED, None)
    reader = _reader(cache)
    parent = _client_id(reader.connection)  # type: ignore[attr-defined]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its verdict and its connection, never return into pytest
        code = 1
        try:
            verdict = lookup(SID, cache=cache)[0].value
            os.write(write_end, f"{verdict} {_client_id(reader.connection)}".encode())  # type: ignore[attr-defined]
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as answer:
        verdict, child = answer.read().split()
    os.waitpid(pid, 0)
    assert verdict == CacheVerdict.REVOKED.value
    assert int(child) != parent
    assert _client_id(reader.connection) == parent  # type: ignore[attr-defined]


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
