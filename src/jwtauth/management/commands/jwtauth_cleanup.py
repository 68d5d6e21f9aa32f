"""``manage.py jwtauth_cleanup``: delete expired and long-revoked refresh sessions, and expired
DPoP proof replay entries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

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
        "Delete refresh sessions that have expired, or were revoked more than "
        "--revoked-older-than days ago, in batches. Safe to run from cron while traffic flows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=_positive_int, default=1000, help="rows per DELETE (default 1000)")
        parser.add_argument(
            "--revoked-older-than",
            type=_non_negative_int,
            default=7,
            metavar="DAYS",
            help="keep revoked sessions this many days for audit (default 7)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = delete_stale_sessions(
            revoked_older_than=timedelta(days=options["revoked_older_than"]), batch_size=options["batch_size"]
        )
        self.stdout.write(f"Deleted {deleted} refresh session(s).")
        proofs = delete_expired_proofs(now())
        if proofs:
            self.stdout.write(f"Deleted {proofs} expired DPoP proof replay entr{'y' if proofs == 1 else 'ies'}.")
