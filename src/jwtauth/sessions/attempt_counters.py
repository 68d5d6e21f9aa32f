"""Login throttle counters in the database: the store used when the throttle cache is
process-local, so that every worker process counts against the same limit.

Each change is one atomic ``UPDATE ... SET count = count + delta`` (an ``INSERT`` for a
new window), committed at once in its own transaction on the database that is
written, and the new value is read back inside that transaction: concurrent attempts
are serialised on the counter's row and each sees a distinct count, as with Redis
``INCR``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, router, transaction
from django.db.models import F

from .models import LoginAttemptCounter

__all__ = ["add_to_counter", "delete_expired_counters", "read_counters"]


def add_to_counter(key: str, delta: int, *, expires_at: datetime) -> int:
    """Add ``delta`` (may be negative) to counter ``key`` and return its new value.

    Args:
        key: the counter's key (at most 191 characters).
        delta: the change.
        expires_at: when the row may be deleted (aware UTC); set on creation.

    Returns:
        The count after this change (never below 0 for a new row).
    """
    alias = router.db_for_write(LoginAttemptCounter)
    rows = LoginAttemptCounter.objects.using(alias).filter(key=key)
    with transaction.atomic(using=alias):
        if not rows.update(count=F("count") + delta):
            if delta <= 0:
                return 0
            try:
                with transaction.atomic(using=alias):
                    LoginAttemptCounter.objects.using(alias).create(key=key, count=delta, expires_at=expires_at)
                return delta
            except IntegrityError:  # another attempt created it first
                rows.update(count=F("count") + delta)
        return int(rows.values_list("count", flat=True).get())


def read_counters(keys: Iterable[str]) -> dict[str, int]:
    """The counts of ``keys`` that exist (one query), from the database that is written."""
    alias = router.db_for_write(LoginAttemptCounter)
    return dict(LoginAttemptCounter.objects.using(alias).filter(key__in=list(keys)).values_list("key", "count"))


def delete_expired_counters(now: datetime) -> int:
    """Delete counters whose windows are over (used by ``jwtauth_cleanup``)."""
    alias = router.db_for_write(LoginAttemptCounter)
    # No signal receivers on this model: Django deletes with one set-based DELETE.
    deleted, _ = LoginAttemptCounter.objects.using(alias).filter(expires_at__lte=now).delete()
    return deleted
