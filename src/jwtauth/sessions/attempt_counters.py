"""Login throttle counters in the database: the store used when the throttle cache is
process-local, so that every worker process counts against the same limit.

Each change is one atomic ``UPDATE ... SET count = count + delta`` (an ``INSERT`` for a
new window) on the database that is written, and the new value is read back inside
the same transaction: concurrent attempts are serialised on the counter's row and each
sees a distinct count, as with Redis ``INCR``. One login's counters (per IP, per
account, ...) change in one transaction, their rows always locked in the order of
their keys, so two logins sharing counters never deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, connections, router, transaction

from ._sql import counter_select_sql, counter_update_sql
from .models import LoginAttemptCounter

__all__ = ["add_to_counters", "delete_expired_counters"]


def add_to_counters(
    keys: Sequence[str], delta: int, *, expires_at: datetime, read: Sequence[str] = ()
) -> dict[str, int]:
    """Add ``delta`` to every counter of ``keys`` in one transaction; read ``read`` in it.

    Rows are changed in sorted key order (one ``UPDATE`` each; an ``INSERT`` for a new
    window when ``delta`` is positive), then the counts of ``read`` are read with one
    ``SELECT`` by primary key. Inside a caller's transaction this is a savepoint: the
    change commits or rolls back with the caller's work, and a database error here
    (caught by the caller) leaves the caller's transaction usable.

    Args:
        keys: the counters to change (at most 191 characters each).
        delta: the change (may be negative; a missing counter is not created then).
        expires_at: when new rows may be deleted (aware UTC).
        read: counters whose counts to return, changed ones included.

    Returns:
        ``{key: count}`` for ``read``; a counter that does not exist reads 0.
    """
    alias = router.db_for_write(LoginAttemptCounter)
    update = counter_update_sql(alias)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute(update, [delta, key])
            if cursor.rowcount or delta <= 0:
                continue
            try:
                with transaction.atomic(using=alias):
                    LoginAttemptCounter.objects.using(alias).create(key=key, count=delta, expires_at=expires_at)
            except IntegrityError:  # another attempt created it first
                cursor.execute(update, [delta, key])
        if not read:
            return {}
        cursor.execute(counter_select_sql(alias, len(read)), list(read))
        found = {str(key): int(count) for key, count in cursor.fetchall()}
    return {key: found.get(key, 0) for key in read}


def delete_expired_counters(now: datetime) -> int:
    """Delete counters whose windows are over (used by ``jwtauth_cleanup``)."""
    alias = router.db_for_write(LoginAttemptCounter)
    # No signal receivers on this model: Django deletes with one set-based DELETE.
    deleted, _ = LoginAttemptCounter.objects.using(alias).filter(expires_at__lte=now).delete()
    return deleted
