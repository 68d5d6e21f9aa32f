"""A user's sessions as a set: list, revoke all (or all but one), cap, and clean up."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from .. import signals
from ..conf import get_settings
from .models import RefreshSession
from .revocation import mark_revoked
from .sessions import revoke_session

__all__ = [
    "delete_stale_sessions",
    "evict_excess_sessions",
    "live_sessions",
    "revoke_one_session",
    "revoke_user_sessions",
]


def _now() -> datetime:
    return get_settings().clock.now()


def live_sessions(user_pk: Any) -> QuerySet[RefreshSession]:
    """The user's sessions that are neither revoked nor expired, newest first."""
    return RefreshSession.objects.filter(user_id=user_pk, revoked_at__isnull=True, expires_at__gt=_now()).order_by(
        "-created_at", "-pk"
    )


def _revoke_many(sessions: list[RefreshSession], *, reason: str, strict: bool) -> int:
    if not sessions:
        return 0
    now, ids = _now(), [s.pk for s in sessions]
    mark_revoked(ids, strict=strict)  # before the database: see store.revocation
    with transaction.atomic():
        RefreshSession.objects.filter(pk__in=ids, revoked_at__isnull=True).update(
            revoked_at=now, revoke_reason=reason[:32]
        )
    mark_revoked(ids, strict=False)
    for session in sessions:
        session.revoked_at, session.revoke_reason = now, reason[:32]
        signals.session_revoked.send(sender=RefreshSession, session=session, reason=reason)
    return len(sessions)


def revoke_user_sessions(user_pk: Any, *, reason: str, keep_sid: Any = None, strict: bool = True) -> int:
    """Revoke every live session of a user, except ``keep_sid`` if given.

    Used by ``logout-all/``, password change and deactivation. One SELECT, one UPDATE
    and two cache writes, however many sessions there are. A session started after the
    SELECT (a login racing this call) is a new login and stays.

    Args:
        user_pk: the user's primary key.
        reason: a short code stored in ``revoke_reason``.
        keep_sid: a session id to leave alone (the caller's own), or ``None``.
        strict: see :func:`~jwtauth.store.sessions.revoke_session`.

    Returns:
        How many sessions were revoked.

    Raises:
        RevocationUnavailable (``revocation_unavailable``): ``strict`` and the cache
            write failed; nothing was revoked.
    """
    sessions = RefreshSession.objects.filter(user_id=user_pk, revoked_at__isnull=True)
    if keep_sid is not None:
        sessions = sessions.exclude(pk=keep_sid)
    return _revoke_many(list(sessions), reason=reason, strict=strict)


def revoke_one_session(user_pk: Any, sid: str) -> bool:
    """Revoke the user's live session ``sid``.

    Returns:
        ``False`` when ``sid`` is malformed or not a live session of this user (so
        callers answer 404 without telling other users' ids apart).
    """
    try:
        pk = uuid.UUID(sid)
    except (ValueError, TypeError, AttributeError):
        return False
    session = live_sessions(user_pk).filter(pk=pk).first()
    return session is not None and revoke_session(session, reason="revoked_by_user")


def evict_excess_sessions(user_pk: Any, *, keep: int) -> int:
    """Revoke the user's oldest live sessions beyond the newest ``keep``.

    Returns:
        How many sessions were evicted (reason ``"evicted"``).
    """
    excess = list(live_sessions(user_pk)[keep:])
    return _revoke_many(excess, reason="evicted", strict=False)


def _batches(queryset: QuerySet[RefreshSession], batch_size: int) -> Iterator[list[uuid.UUID]]:
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        yield ids


def delete_stale_sessions(*, revoked_older_than: timedelta, batch_size: int = 1000) -> int:
    """Delete expired sessions and sessions revoked more than ``revoked_older_than`` ago.

    Works in short batches (one SELECT of ids, one DELETE by id each), so it can run
    from cron while traffic flows: no long locks, and a refresh racing a deletion just
    finds its (dead) session gone. No live session is ever touched.

    Args:
        revoked_older_than: how long revoked sessions are kept (for audit and admin).
        batch_size: rows per DELETE.

    Returns:
        The number of sessions deleted.
    """
    now = _now()
    stale = RefreshSession.objects.filter(Q(expires_at__lte=now) | Q(revoked_at__lte=now - revoked_older_than))
    deleted = 0
    for ids in _batches(stale.order_by("pk"), batch_size):
        # Re-check the condition: a session rotated since the SELECT is live again.
        count, _ = stale.filter(pk__in=ids).delete()
        if not count:
            break
        deleted += count
    return deleted
