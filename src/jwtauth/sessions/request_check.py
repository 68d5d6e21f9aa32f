"""The per-request check of an access token's session: the authentication hot path.

Every Bearer-authenticated request must learn, after the signature verified, whether
the token's session (``sid``) is still live and its user still active. This module
answers with the least work that stays correct across processes:

- a shared revocation cache (Redis): one cache read, no SQL
  (:mod:`jwtauth.sessions.revocation`);
- no shared cache, or a cache miss: one small SQL query, ``SELECT user_id = ?,
  is_active FROM session JOIN user WHERE sid = ? AND revoked_at IS NULL`` (two
  primary-key lookups). It is a raw
  parameterised statement built once from the models' metadata: the ORM would cost
  several times more per request to compile the same query and build two model
  instances that most views never read;
- ``STATELESS_ACCESS_TOKENS``: no check at all (revocation then takes effect at the
  next refresh, at most one access token lifetime later).

The user returned is a :class:`~jwtauth.sessions.revocation.SessionUser`: ``pk``,
``is_authenticated`` and ``is_active`` come without a query; the first other attribute
loads the user by primary key (one query) and rejects one deleted or deactivated.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections, router

from ..core.errors import TokenRevoked, UserInactive
from ..core.tokens import AccessClaims
from ..settings import get_settings
from ._sql import check_sql
from .models import RefreshSession
from .revocation import CacheVerdict, SessionUser, lookup, mark_live, mark_revoked, revocation_cache

__all__ = ["authenticate_access_claims", "load_user", "session_is_live"]


def _can_authenticate(user: Any) -> bool:
    # Mirrors ModelBackend.user_can_authenticate: users without is_active are allowed.
    return getattr(user, "is_active", True) is not False


def load_user(pk: Any) -> Any:
    """Load the user with primary key ``pk`` from the database that is written (one query).

    Raises:
        UserInactive (``user_inactive``): deleted or inactive.
    """
    user_model = get_user_model()
    user = user_model._default_manager.using(router.db_for_write(user_model)).filter(pk=pk).first()
    if user is None or not _can_authenticate(user):
        raise UserInactive()
    return user


def session_is_live(sid: str, user_pk: Any, *, user_model: Any = None) -> bool:
    """Ask the database whether session ``sid`` of ``user_pk`` is live (one query).

    Args:
        sid: the session id (the ``sid`` claim).
        user_pk: the user's primary key, already converted by ``to_python``.
        user_model: the user model when the caller has it (default ``get_user_model()``).

    Returns:
        ``True`` if the session exists, belongs to ``user_pk`` and is not revoked.

    Raises:
        TokenRevoked (``token_revoked``): ``sid`` is not a UUID.
        UserInactive (``user_inactive``): the session is live but its user inactive.
    """
    if user_model is None:
        user_model = get_user_model()
    try:
        session_id = uuid.UUID(sid)
    except ValueError:  # a signed token with a sid that is not ours
        raise TokenRevoked("sid is not a session id") from None
    # Always the database that is written: a lagging replica accepts a logged-out token.
    alias = router.db_for_write(RefreshSession)
    connection = connections[alias]
    params = [
        user_model._meta.pk.get_db_prep_value(user_pk, connection),
        RefreshSession._meta.pk.get_db_prep_value(session_id, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(check_sql(alias, user_model), params)
        row = cursor.fetchone()
    if row is None or not row[0]:  # no live session, or it belongs to another user
        return False
    if not row[1]:
        raise UserInactive()
    return True


def authenticate_access_claims(claims: AccessClaims, *, load: Callable[[Any], Any] = load_user) -> Any:
    """Return the user an access token speaks for, checking its session is live.

    Costs: with a shared revocation cache, one cache read and no SQL; otherwise (or on
    a miss) one SQL query, after which the cache is repopulated. With
    ``STATELESS_ACCESS_TOKENS`` nothing is checked.

    Args:
        claims: the verified access token claims.
        load: loads the user by primary key when a view first needs a field
            (default :func:`load_user`); the web layer wraps it to turn a user deleted
            or deactivated mid-request into a 401 rather than an unhandled error.

    Returns:
        A :class:`~jwtauth.sessions.revocation.SessionUser` for ``claims.sub``.

    Raises:
        TokenRevoked (``token_revoked``): the session was revoked or deleted, or does
            not belong to ``sub``.
        UserInactive (``user_inactive``): the user is inactive or deleted.
        RevocationUnavailable (``revocation_unavailable``): the cache failed and
            ``REVOCATION_CACHE_FAILURE`` is ``"reject"``.
    """
    user_model = get_user_model()
    try:
        pk = user_model._meta.pk.to_python(claims.sub)
    except Exception:  # a sub that is not a pk of this user model: ValidationError
        raise TokenRevoked("sub is not a user id") from None
    user = SessionUser(pk, lambda: load(pk))
    if get_settings().stateless_access_tokens:
        return user
    cache = revocation_cache()  # resolved once: the read and the write below share it
    verdict, cached_pk = lookup(claims.sid, cache=cache)
    if verdict is CacheVerdict.REVOKED:
        raise TokenRevoked()
    if verdict is CacheVerdict.LIVE:
        if cached_pk != claims.sub:
            raise TokenRevoked("sub does not match session")
        return user
    if not session_is_live(claims.sid, pk, user_model=user_model):
        mark_revoked([claims.sid], strict=False)
        raise TokenRevoked()
    mark_live(claims.sid, claims.sub, cache=cache)
    return user
