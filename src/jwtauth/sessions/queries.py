"""Queries over refresh sessions: a user's live sessions, and housekeeping of stale rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connections, router
from django.db.models import Max, QuerySet

from ..settings import get_settings
from ..settings import now as _now
from .models import RefreshSession

__all__ = ["REVOKED_EVERYWHERE_REASONS", "delete_stale_sessions", "live_sessions", "revoked_everywhere_at"]

#: The revocations that end every session of a user at once: a token issued before the
#: latest of them, by whatever issuer, belongs to a past the user wanted to end.
REVOKED_EVERYWHERE_REASONS = ("logout_all", "password_changed", "user_inactive")


def live_sessions(user_pk: Any) -> QuerySet[RefreshSession]:
    """The user's sessions that are neither revoked nor expired (idle or past
    ``SESSION_MAX_LIFETIME``), newest first."""
    now = _now()
    return RefreshSession.objects.filter(
        user_id=user_pk,
        revoked_at__isnull=True,
        expires_at__gt=now,
        created_at__gt=now - get_settings().session_max_lifetime,
    ).order_by("-created_at", "-pk")


def revoked_everywhere_at(user_pk: Any) -> datetime | None:
    """When the user last revoked every session (``logout-all/``, a password change,
    a deactivation), or ``None``; one indexed query on the database that is written.

    Known only while such a revoked session is kept (``jwtauth_cleanup`` deletes revoked
    rows after its ``--revoked-older-than``), and only if the user had a session then.
    """
    alias = router.db_for_write(RefreshSession)
    latest: datetime | None = (
        RefreshSession.objects.using(alias)
        .filter(user_id=user_pk, revoked_at__isnull=False, revoke_reason__in=REVOKED_EVERYWHERE_REASONS)
        .aggregate(latest=Max("revoked_at"))["latest"]
    )
    return latest


def delete_stale_sessions(
    *, revoked_older_than: timedelta, grace_period: timedelta | None = None, batch_size: int = 50_000
) -> int:
    """Delete sessions expired more than ``grace_period`` ago, and sessions revoked
    more than ``revoked_older_than`` ago.

    Set-based batches: each is one ``DELETE ... WHERE id IN (SELECT id ... LIMIT n)``
    (on MySQL/MariaDB, which cannot limit such a subquery, one SELECT of ids then one
    DELETE by id), with Django's fast delete: no rows are loaded and no signals sent.
    Short transactions, so it can run from cron while traffic flows; a refresh racing
    a deletion just finds its (dead) session gone. No live session is ever touched.

    Args:
        revoked_older_than: how long revoked sessions are kept (for audit and admin).
        grace_period: how long expired sessions are kept past ``expires_at``, so reuse
            detection still recognises a recently replaced family; ``None`` means
            ``SESSION_CLEANUP_GRACE_PERIOD`` (default: one refresh token lifetime).
        batch_size: rows per DELETE.

    Returns:
        The number of sessions deleted.
    """
    conf = get_settings()
    if grace_period is None:
        configured = conf.session_cleanup_grace_period
        grace_period = conf.refresh_token_lifetime if configured is None else configured
    now = _now()
    alias = router.db_for_write(RefreshSession)
    sessions = RefreshSession.objects.using(alias)
    # One pass per condition, so each walks an index (expires_at, created_at) instead of
    # an OR scanning the table once per batch. Past SESSION_MAX_LIFETIME counts as
    # expired, with the same grace period.
    return (
        _delete_in_batches(sessions.filter(expires_at__lte=now - grace_period), alias, batch_size)
        + _delete_in_batches(
            sessions.filter(created_at__lte=now - conf.session_max_lifetime - grace_period), alias, batch_size
        )
        + _delete_in_batches(sessions.filter(revoked_at__lte=now - revoked_older_than), alias, batch_size)
    )


def _delete_in_batches(stale: QuerySet[RefreshSession], alias: str, batch_size: int) -> int:
    limit_in_subquery = connections[alias].vendor != "mysql"
    deleted = 0
    while True:
        batch = stale.order_by().values("pk")[:batch_size]
        # models.QuerySet.delete, not RefreshSessionQuerySet.delete: these rows are expired
        # or revoked, so none needs a tombstone, and the check for live rows is skipped.
        if limit_in_subquery:
            count, _ = QuerySet.delete(stale.filter(pk__in=batch))
        else:
            ids = [row["pk"] for row in batch]
            count = QuerySet.delete(stale.filter(pk__in=ids))[0] if ids else 0
        deleted += count
        if count < batch_size:
            return deleted
