"""Revocation of token families: one session, all of a user's, or the oldest beyond a cap.

Every path writes the revocation cache's tombstone before the database and again after
the commit (see :mod:`jwtauth.sessions.revocation`), so a revocation reported as done
is seen by every process on its next request.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import router, transaction

from .. import signals
from ..settings import now as _now
from .models import RefreshSession
from .queries import live_sessions
from .revocation import mark_revoked

__all__ = ["evict_excess_sessions", "revoke_one_session", "revoke_session", "revoke_user_sessions"]


def revoke_session(session: RefreshSession, *, reason: str, strict: bool = True) -> bool:
    """Revoke one token family at once, on every process sharing the database and cache.

    Args:
        session: the session to revoke.
        reason: a short code stored in ``revoke_reason`` (e.g. ``"logout"``).
        strict: refuse (raise, revoking nothing) when the revocation cache cannot be
            written; ``False`` revokes in the database regardless.

    Returns:
        ``True`` if this call revoked it, ``False`` if it was already revoked.

    Raises:
        RevocationUnavailable (``revocation_unavailable``): ``strict`` and the cache
            write failed.
    """
    now = _now()
    mark_revoked([session.pk], strict=strict)
    with transaction.atomic():
        updated = RefreshSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoke_reason=reason[:32]
        )
    # Again after the commit: a request that read the row just before it may have
    # re-created an entry meanwhile (add() normally prevents that; eviction may not).
    mark_revoked([session.pk], strict=False)
    if updated:
        session.revoked_at, session.revoke_reason = now, reason[:32]
        signals.session_revoked.send(sender=RefreshSession, session=session, reason=reason)
    return bool(updated)


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

    Used by ``logout-all/``, password change and deactivation. Set-based, whatever the
    number of sessions: one SELECT of the live ids (for the revocation cache's
    tombstones), one ``UPDATE ... WHERE user_id = %s AND revoked_at IS NULL``, then
    one SELECT of what it revoked to tombstone again after the commit (a login racing
    this call may have marked its session live in the cache meanwhile). No statement
    lists the ids. All on the database that is written.

    Args:
        user_pk: the user's primary key.
        reason: a short code stored in ``revoke_reason``.
        keep_sid: a session id to leave alone (the caller's own), or ``None``.
        strict: see :func:`~jwtauth.sessions.service.revoke_session`.

    Returns:
        How many sessions were revoked.

    Raises:
        RevocationUnavailable (``revocation_unavailable``): ``strict`` and the cache
            write failed; nothing was revoked.
    """
    alias = router.db_for_write(RefreshSession)
    live = RefreshSession.objects.using(alias).filter(user_id=user_pk, revoked_at__isnull=True)
    if keep_sid is not None:
        live = live.exclude(pk=keep_sid)
    now, code = _now(), reason[:32]
    mark_revoked(list(live.values_list("pk", flat=True)), strict=strict)  # before the database
    with transaction.atomic(using=alias):
        count = live.order_by().update(revoked_at=now, revoke_reason=code)
    revoked = RefreshSession.objects.using(alias).filter(user_id=user_pk, revoked_at=now, revoke_reason=code)
    if count:
        mark_revoked(list(revoked.values_list("pk", flat=True)), strict=False)
        if signals.session_revoked.has_listeners(RefreshSession):
            for session in revoked.iterator():
                signals.session_revoked.send(sender=RefreshSession, session=session, reason=reason)
    return count


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
