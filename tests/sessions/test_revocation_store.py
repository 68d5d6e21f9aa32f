"""The revocation cache rules, the session user, housekeeping and the new settings."""

from __future__ import annotations

import copy
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jwtauth.checks import check_settings
from jwtauth.core.errors import ConfigInvalid, UserInactive
from jwtauth.core.rotation import Verdict
from jwtauth.sessions.models import RefreshSession
from jwtauth.sessions.queries import delete_stale_sessions
from jwtauth.sessions.revocation import CacheVerdict, SessionUser, lookup, mark_live, mark_revoked, revocation_cache
from jwtauth.sessions.service import refresh_session, start_session
from jwtauth.settings import validate
from tests.conftest import FakeClock
from tests.testapp.caches import SharedDictCache

pytestmark = pytest.mark.django_db

SID = "6f1c5a0e-2f59-4a53-9d2e-0d7e4d1c9b11"


def test_live_entry_never_overwrites_a_tombstone(shared_cache: str) -> None:
    """A request that read the session as live just before a revocation cannot
    resurrect it: live entries are written with add()."""
    mark_revoked([SID])
    mark_live(SID, 1)
    assert lookup(SID) == (CacheVerdict.REVOKED, None)


def test_tombstone_overwrites_a_live_entry(shared_cache: str) -> None:
    mark_live(SID, 7)
    assert lookup(SID) == (CacheVerdict.LIVE, "7")
    mark_revoked([SID])
    assert lookup(SID) == (CacheVerdict.REVOKED, None)


def test_unknown_value_is_a_miss(shared_cache: str) -> None:
    from django.core.cache import caches

    caches["shared"].set(f"jwtauth:sid:{SID}", "garbage")
    assert lookup(SID) == (CacheVerdict.MISS, None)


@pytest.mark.parametrize(
    ("backend", "trusted"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", False),
        ("django.core.cache.backends.dummy.DummyCache", False),
        ("tests.testapp.caches.SharedDictCache", True),
        ("django.core.cache.backends.redis.RedisCache", True),
        ("django.core.cache.backends.db.DatabaseCache", True),
    ],
)
def test_process_local_caches_are_never_trusted(settings: Any, backend: str, trusted: bool) -> None:
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:1/0"}}
    assert (revocation_cache() is not None) is trusted
    if not trusted:
        mark_revoked([SID])  # a no-op, not an error
        assert lookup(SID) == (CacheVerdict.MISS, None)


@pytest.mark.jwtauth_settings(REVOCATION_CACHE="nope")
def test_unknown_alias_is_a_config_error() -> None:
    with pytest.raises(ConfigInvalid):
        revocation_cache()
    assert [m.id for m in check_settings()] == ["jwtauth.E007"]


def test_redis_down_is_a_miss_or_a_refusal(settings: Any) -> None:
    """A Redis that refuses connections: reads fall back, strict writes refuse."""
    settings.CACHES = {
        **settings.CACHES,
        "down": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    settings.JWTAUTH = {**settings.JWTAUTH, "REVOCATION_CACHE": "down"}
    from jwtauth.core.errors import RevocationUnavailable

    assert lookup(SID) == (CacheVerdict.MISS, None)
    mark_live(SID, 1)  # swallowed
    mark_revoked([SID], strict=False)  # logged
    with pytest.raises(RevocationUnavailable):
        mark_revoked([SID])


def test_session_user_answers_without_a_query(user: Any) -> None:
    loads: list[int] = []

    def load() -> Any:
        loads.append(1)
        return user

    lazy = SessionUser(user.pk, load)
    with CaptureQueriesContext(connection) as queries:
        assert bool(lazy)
        assert lazy.is_authenticated
        assert not lazy.is_anonymous
        assert lazy.is_active
        assert lazy.pk == user.pk
        assert copy.copy(lazy).pk == user.pk
        assert copy.deepcopy(lazy).pk == user.pk
    assert loads == []
    assert len(queries) == 0
    assert lazy.get_username() == "alice"
    assert loads == [1]
    assert copy.copy(lazy) == user
    assert copy.deepcopy(lazy) == user


def test_session_user_load_refuses_a_deleted_user(user: Any) -> None:
    from jwtauth.sessions.request_check import load_user as _load_user

    pk = user.pk
    user.delete()
    with pytest.raises(UserInactive):
        _load_user(pk)


# -- grace period -----------------------------------------------------------------------


@pytest.mark.parametrize("grace", [10, timedelta(seconds=10)])
def test_grace_period_boundary(user: Any, clock: FakeClock, settings: Any, grace: Any) -> None:
    settings.JWTAUTH = {**settings.JWTAUTH, "REFRESH_REUSE_GRACE_PERIOD": grace}
    first = start_session(user)
    assert refresh_session(first.refresh.token).refresh is not None
    clock.advance(9)
    assert refresh_session(first.refresh.token).refresh is None  # GRACE: no second successor
    clock.advance(1)
    from jwtauth.core.errors import RefreshTokenReused

    with pytest.raises(RefreshTokenReused):
        refresh_session(first.refresh.token)


@pytest.mark.jwtauth_settings(REFRESH_REUSE_GRACE_PERIOD=0)
def test_grace_period_zero_disables_it(user: Any) -> None:
    from jwtauth.core.errors import RefreshTokenReused

    first = start_session(user)
    refresh_session(first.refresh.token)
    with pytest.raises(RefreshTokenReused):
        refresh_session(first.refresh.token)
    assert RefreshSession.objects.get().revoke_reason == "reuse"
    assert Verdict.REUSED.value == "reused"


# -- housekeeping -------------------------------------------------------------------------


def _sessions(user: Any, clock: FakeClock) -> dict[str, Any]:
    names = ("expired", "expired_recently", "revoked_long_ago", "revoked_recently", "live")
    made = {name: start_session(user).session for name in names}
    # Expired sessions are kept one refresh token lifetime (7 days) past expiry by default.
    RefreshSession.objects.filter(pk=made["expired"].pk).update(expires_at=clock.now() - timedelta(days=7, seconds=1))
    RefreshSession.objects.filter(pk=made["expired_recently"].pk).update(expires_at=clock.now() - timedelta(days=6))
    RefreshSession.objects.filter(pk=made["revoked_long_ago"].pk).update(revoked_at=clock.now() - timedelta(days=8))
    RefreshSession.objects.filter(pk=made["revoked_recently"].pk).update(revoked_at=clock.now() - timedelta(days=6))
    return made


@pytest.mark.parametrize("batch_size", [1, 2, 1000])
def test_cleanup_command(user: Any, clock: FakeClock, batch_size: int) -> None:
    made = _sessions(user, clock)
    out = StringIO()
    call_command("jwtauth_cleanup", f"--batch-size={batch_size}", stdout=out)
    assert out.getvalue().strip() == "Deleted 2 refresh session(s)."
    left = set(RefreshSession.objects.values_list("pk", flat=True))
    assert left == {made["expired_recently"].pk, made["revoked_recently"].pk, made["live"].pk}


def test_cleanup_revoked_older_than(user: Any, clock: FakeClock) -> None:
    made = _sessions(user, clock)
    assert delete_stale_sessions(revoked_older_than=timedelta(0)) == 3
    assert delete_stale_sessions(revoked_older_than=timedelta(0), grace_period=timedelta(0)) == 1
    assert list(RefreshSession.objects.values_list("pk", flat=True)) == [made["live"].pk]
    assert delete_stale_sessions(revoked_older_than=timedelta(0), grace_period=timedelta(0)) == 0


@pytest.mark.parametrize(
    "args", [["--batch-size=0"], ["--batch-size=x"], ["--revoked-older-than=-1"], ["--grace-period=-1"]]
)
def test_cleanup_rejects_bad_arguments(args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("jwtauth_cleanup", *args)


# -- settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("REVOCATION_CACHE", ""),
        ("REVOCATION_CACHE", 1),
        ("REVOCATION_CACHE_FAILURE", "open"),
        ("MAX_SESSIONS_PER_USER", 0),
        ("MAX_SESSIONS_PER_USER", True),
        ("MAX_SESSIONS_PER_USER", "3"),
    ],
)
def test_bad_new_settings(key: str, value: Any) -> None:
    _, problems = validate({key: value})
    assert [p.check_id for p in problems] == ["jwtauth.E002"]


def test_new_settings_defaults() -> None:
    merged, problems = validate({})
    assert problems == []
    assert merged["REVOCATION_CACHE"] == "default"
    assert merged["REVOCATION_CACHE_FAILURE"] == "database"
    assert merged["MAX_SESSIONS_PER_USER"] is None
    _, problems = validate({"REVOCATION_CACHE": None, "REVOCATION_CACHE_FAILURE": "reject", "MAX_SESSIONS_PER_USER": 5})
    assert problems == []


def test_dict_cache_is_reset_between_tests() -> None:
    assert SharedDictCache.failing == set()
