"""Revocation state of token families in Django's cache: the fast path of the
per-request session check.

The database is the source of truth; the cache (``JWTAUTH["REVOCATION_CACHE"]``) holds
one entry per session id: ``"u:<user pk>"`` while live, ``"r"`` once revoked (a
tombstone). The rules that keep it correct across processes:

- A revocation writes the tombstone *before* it updates the database, and again after.
  If the first write fails the revocation is refused (``revocation_unavailable``), so
  a stale "live" entry can never outlive a revocation that was reported as done.
- "Live" entries are only ever written with ``add()`` (set if absent), so a request
  that read the database just before a revocation cannot overwrite the tombstone.
- Entries live for the access token lifetime plus leeway plus a minute, which is as
  long as any access token carrying the sid can verify.
- A process-local cache (LocMem, Dummy) cannot see other processes' revocations, so it
  is never used: every request then checks the database.

The per-request read is the hot path. Django's ``RedisCache`` builds a new
``redis.Redis`` client object for every operation, and each command checks a connection
out of the pool and back in; together that costs more than the round trip itself.
:func:`lookup` therefore reads on one connection per cache object (so per thread) with
that cache's own connection settings, key function and serializer, and always from the
primary (the first ``LOCATION``), so a lagging replica can never hide a tombstone. Every
request still makes its round trip: nothing "live" is remembered in the process.
"""

from __future__ import annotations

import copy
import enum
import logging
import os
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.core.cache import BaseCache, InvalidCacheBackendError, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.utils.functional import SimpleLazyObject, empty

from ..core.errors import ConfigInvalid, RevocationUnavailable
from ..settings import get_settings

__all__ = ["CacheVerdict", "SessionUser", "lookup", "mark_live", "mark_revoked", "revocation_cache"]

logger = logging.getLogger("jwtauth")

_PREFIX = "jwtauth:sid:"
_REVOKED = "r"
_MARGIN = timedelta(minutes=1)
# Caches each process keeps to itself: a revocation in one worker is invisible to
# the others, so trusting them would let a logged-out token through elsewhere.
_PROCESS_LOCAL = (LocMemCache, DummyCache)
_READER_ATTR = "_jwtauth_read"


class _Default(enum.Enum):
    CACHE = "revocation_cache()"


_DEFAULT = _Default.CACHE


class CacheVerdict(enum.Enum):
    """What the cache says about a session id."""

    LIVE = "live"
    REVOKED = "revoked"
    MISS = "miss"  #: no entry, or the cache failed: ask the database


def revocation_cache() -> BaseCache | None:
    """The shared cache holding revocation state, or ``None`` to use the database only.

    Raises:
        ConfigInvalid (``config_invalid``): ``REVOCATION_CACHE`` names no ``CACHES`` alias.
    """
    alias = get_settings().revocation_cache
    if alias is None:
        return None
    try:
        cache = caches[alias]
    except InvalidCacheBackendError:
        raise ConfigInvalid(f"JWTAUTH['REVOCATION_CACHE'] names an unknown cache {alias!r}") from None
    return None if isinstance(cache, _PROCESS_LOCAL) else cache


def _timeout_seconds() -> int:
    conf = get_settings()
    return int((conf.access.lifetime + conf.access.leeway + _MARGIN).total_seconds())


def _failed(operation: str) -> None:
    # Never log the exception text: some clients put the connection URL (with its
    # password) into it.
    logger.error("jwtauth: revocation cache %s failed", operation)


class _RedisReader:
    """``GET`` one key of a Django ``RedisCache`` on a connection of its own.

    A pooled ``redis.Redis.get()`` checks a connection out of the pool and back in for
    every command, about half the cost of the read on loopback. This reader holds one
    ``redis.Connection``, built from the cache's primary pool (``connection_class`` and
    ``connection_kwargs``: same address, credentials, timeouts and parser, hiredis when
    installed), and reads with redis-py's ``send_command()`` / ``read_response()``. A
    held connection that the server dropped while idle is retried once on a fresh one,
    as the pool's checkout check would have reconnected it. Django keeps one cache
    object per alias and thread, so each thread gets its own connection; a lock still
    serialises callers that share one. After a ``fork()`` the child opens its own
    connection: two processes must never read each other's replies on one socket.
    """

    __slots__ = ("_connection", "_connection_error", "_is_warm", "_loads", "_lock", "_make_key", "_pid", "_pool")

    def __init__(
        self,
        pool: Any,
        make_key: Callable[[str], str],
        loads: Callable[[bytes], Any],
        connection_error: type[Exception],
    ) -> None:
        self._pool, self._make_key, self._loads = pool, make_key, loads
        self._connection_error = connection_error  # redis.ConnectionError: redis is optional here
        self._lock = threading.Lock()
        self._connection: Any = None
        self._pid = 0
        self._is_warm = False  # the held connection has answered since it (re)connected

    @property
    def connection(self) -> Any:
        """This process's connection (built on first use; not connected until a read)."""
        if self._pid != os.getpid() or self._connection is None:
            self._connection = self._pool.connection_class(**self._pool.connection_kwargs)
            self._pid = os.getpid()
            self._is_warm = False
        return self._connection

    def __call__(self, key: str) -> Any:
        name = self._make_key(key)
        with self._lock:
            connection = self.connection
            try:
                try:
                    value = self._get(connection, name)
                except self._connection_error:
                    if not self._is_warm:
                        raise
                    # A held connection that had worked: the server restarted or
                    # dropped it while idle (the pool would have noticed at checkout).
                    # GET is idempotent; one try on a fresh connection tells an outage
                    # apart from that.
                    connection.disconnect()
                    value = self._get(connection, name)
            except BaseException:
                connection.disconnect()  # never leave a reply unread on the socket
                self._is_warm = False
                raise
            self._is_warm = True
        return None if value is None else self._loads(value)

    @staticmethod
    def _get(connection: Any, name: str) -> Any:
        connection.send_command("GET", name)
        return connection.read_response()


def _redis_reader(cache: RedisCache) -> Callable[[str], Any] | None:
    # Django's RedisCacheClient (private, unchanged since Django 4.0): its primary pool,
    # its serializer. None when the internals differ: then cache.get() is used.
    try:
        backend = cache._cache
        pool = backend.get_client(None, write=True).connection_pool  # the primary: see the module docstring
        loads = backend._serializer.loads  # type: ignore[attr-defined]
        connection_error = backend._lib.ConnectionError  # type: ignore[attr-defined]  # Django's redis module
    except AttributeError:
        return None
    if not (hasattr(pool, "connection_class") and hasattr(pool, "connection_kwargs")):  # redis-py's pool API
        return None
    return _RedisReader(pool, cache.make_key, loads, connection_error)


def _reader(cache: BaseCache) -> Callable[[str], Any]:
    """How to read one key of ``cache``: built once per cache object (Django keeps one
    per alias and thread), reused for every request."""
    read: Callable[[str], Any] | None = cache.__dict__.get(_READER_ATTR)
    if read is None:
        read = _redis_reader(cache) if type(cache) is RedisCache else None
        read = cache.__dict__[_READER_ATTR] = read or cache.get
    return read


def lookup(sid: str, *, cache: BaseCache | _Default | None = _DEFAULT) -> tuple[CacheVerdict, str | None]:
    """Read the cached state of session ``sid``: one cache round trip.

    Args:
        sid: the session id.
        cache: the revocation cache when the caller has it already (``None``: no
            shared cache); by default :func:`revocation_cache`.

    Returns:
        ``(verdict, user_pk)``; ``user_pk`` (a string) only for ``LIVE``.

    Raises:
        RevocationUnavailable (``revocation_unavailable``): the cache failed and
            ``REVOCATION_CACHE_FAILURE`` is ``"reject"``.
    """
    if cache is _DEFAULT:
        cache = revocation_cache()
    if cache is None:
        return CacheVerdict.MISS, None
    try:
        value = _reader(cache)(_PREFIX + sid)
    except Exception:
        _failed("read")
        if get_settings().revocation_cache_failure == "reject":
            raise RevocationUnavailable() from None
        return CacheVerdict.MISS, None
    if value == _REVOKED:
        return CacheVerdict.REVOKED, None
    if isinstance(value, str) and value.startswith("u:"):
        return CacheVerdict.LIVE, value[2:]
    return CacheVerdict.MISS, None


def mark_live(sid: str, user_pk: object, *, cache: BaseCache | _Default | None = _DEFAULT) -> None:
    """Remember that ``sid`` is live for ``user_pk``, unless an entry exists already.

    ``add()`` never replaces a tombstone written by a concurrent revocation. A failure
    only costs a later database check, so it is logged and swallowed. ``cache`` as for
    :func:`lookup`.
    """
    if cache is _DEFAULT:
        cache = revocation_cache()
    if cache is None:
        return
    try:
        cache.add(_PREFIX + sid, f"u:{user_pk}", _timeout_seconds())
    except Exception:
        _failed("write")


def mark_revoked(sids: Iterable[object], *, strict: bool = True) -> None:
    """Write tombstones for ``sids`` (one ``set_many`` round trip).

    Args:
        sids: session ids.
        strict: raise when the cache fails (call this *before* revoking in the
            database); ``False`` logs and carries on (for revocations that must happen
            regardless, e.g. reuse detection; stale entries then expire within the
            access token lifetime).

    Raises:
        RevocationUnavailable (``revocation_unavailable``): the write failed and
            ``strict`` is true.
    """
    cache = revocation_cache()
    keys = {_PREFIX + str(sid): _REVOKED for sid in sids}
    if cache is None or not keys:
        return
    try:
        failed = cache.set_many(keys, _timeout_seconds())
    except Exception:
        failed = list(keys)
    if failed:
        _failed("write")
        if strict:
            raise RevocationUnavailable()


class SessionUser(SimpleLazyObject):  # type: ignore[type-arg]
    """The user of a cache-verified access token, loaded from the database only when
    a view touches a field the token does not carry.

    ``pk``, ``is_authenticated``, ``is_anonymous``, ``is_active`` and truthiness are
    answered without a query, so DRF's ``IsAuthenticated`` and user-keyed throttles
    cost nothing. Loading raises ``UserInactive`` (``user_inactive``) if the user has
    gone or was deactivated behind jwtauth's back (a queryset ``update()``).
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __init__(self, pk: Any, load: Callable[[], Any]) -> None:
        self.__dict__["_jwtauth_pk"] = pk
        super().__init__(load)

    @property
    def pk(self) -> Any:
        return self.__dict__["_jwtauth_pk"]

    def __bool__(self) -> bool:
        return True

    def __copy__(self) -> SessionUser:
        return SessionUser(self.pk, self._setupfunc) if self._wrapped is empty else copy.copy(self._wrapped)

    def __deepcopy__(self, memo: dict[int, Any]) -> SessionUser:
        return SessionUser(self.pk, self._setupfunc) if self._wrapped is empty else copy.deepcopy(self._wrapped, memo)
