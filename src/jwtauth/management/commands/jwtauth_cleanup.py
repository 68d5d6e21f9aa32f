"""``manage.py jwtauth_cleanup``: delete expired and long-revoked refresh sessions, expired
DPoP proof replay entries, and login throttle counters whose windows are over."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ...sessions.attempt_counters import delete_expired_counters
from ...sessions.dpop_replay import delete_expired_proofs
from ...sessions.queries import delete_stale_sessions
from ...settings import now


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Delete refresh sessions that expired more than the grace period ago "
        "(JWTAUTH['SESSION_CLEANUP_GRACE_PERIOD'], default one refresh token lifetime), or were "
        "revoked more than --revoked-older-than days ago, in set-based batches, and expired login "
        "throttle counters. Safe to run from cron while traffic flows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=_positive_int, default=50_000, help="rows per DELETE (default 50000)")
        parser.add_argument(
            "--grace-period",
            type=_non_negative_int,
            default=None,
            metavar="SECONDS",
            help="keep expired sessions this long past expiry (default: the setting)",
        )
        parser.add_argument(
            "--revoked-older-than",
            type=_non_negative_int,
            default=7,
            metavar="DAYS",
            help="keep revoked sessions this many days for audit (default 7)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        grace = options["grace_period"]
        deleted = delete_stale_sessions(
            revoked_older_than=timedelta(days=options["revoked_older_than"]),
            grace_period=None if grace is None else timedelta(seconds=grace),
            batch_size=options["batch_size"],
        )
        counters = delete_expired_counters(now())
        self.stdout.write(f"Deleted {deleted} refresh session(s).")
        proofs = delete_expired_proofs(now())
        if proofs:
            self.stdout.write(f"Deleted {proofs} expired DPoP proof replay entr{'y' if proofs == 1 else 'ies'}.")
        if counters:
            self.stdout.write(f"Deleted {counters} login attempt counter(s).")
