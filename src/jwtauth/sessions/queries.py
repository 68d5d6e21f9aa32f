"""Queries over refresh sessions: a user's live sessions, and housekeeping of stale rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet

from ..settings import get_settings
from ..settings import now as _now
from .models import RefreshSession

__all__ = ["delete_stale_sessions", "live_sessions"]


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


def _batches(queryset: QuerySet[RefreshSession], batch_size: int) -> Iterator[list[uuid.UUID]]:
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        yield ids


def delete_stale_sessions(*, revoked_older_than: timedelta, batch_size: int = 1000) -> int:
    """Delete expired sessions (idle or past ``SESSION_MAX_LIFETIME``) and sessions revoked more than ``revoked_older_than`` ago.

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
    stale = RefreshSession.objects.filter(
        Q(expires_at__lte=now)
        | Q(created_at__lte=now - get_settings().session_max_lifetime)
        | Q(revoked_at__lte=now - revoked_older_than)
    )
    deleted = 0
    for ids in _batches(stale.order_by("pk"), batch_size):
        # Re-check the condition: a session rotated since the SELECT is live again.
        count, _ = stale.filter(pk__in=ids).delete()
        if not count:
            break
        deleted += count
    return deleted
