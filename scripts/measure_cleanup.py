"""Measure ``jwtauth_cleanup`` throughput on PostgreSQL: 1,000,000 expired sessions.

Run once by hand (not a test; timings depend on the machine):

    JWTAUTH_TEST_DB=postgres JWTAUTH_TEST_PG_NAME=<yours> \\
        .venv/bin/python scripts/measure_cleanup.py [--rows 1000000] [--batch-size 50000]

It creates the database ``<JWTAUTH_TEST_PG_NAME>_cleanup_bench`` (dropped at the end),
migrates it, inserts the rows with one ``INSERT ... SELECT generate_series`` (plus
100,000 live and recently expired rows that must survive), then times
``delete_stale_sessions`` and prints rows per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["JWTAUTH_TEST_DB"] = "postgres"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=50_000)
    args = parser.parse_args()

    import django
    from django.conf import settings

    name = f"{os.environ.get('JWTAUTH_TEST_PG_NAME', 'test')}_cleanup_bench"
    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    settings.DATABASES["default"]["NAME"] = connections["default"].settings_dict["NAME"] = "postgres"

    with connection.cursor() as cursor:  # on the configured database: create the bench one
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0)
        from django.contrib.auth import get_user_model

        from jwtauth.sessions.models import RefreshSession
        from jwtauth.sessions.queries import delete_stale_sessions

        user = get_user_model().objects.create_user("bench", password=None)
        table = RefreshSession._meta.db_table
        with connection.cursor() as cursor:
            for expires, count in (
                ("now() - interval '30 days'", args.rows),
                ("now() + interval '1 day'", 50_000),
                ("now() - interval '1 hour'", 50_000),
            ):
                cursor.execute(
                    f"INSERT INTO {table} (id, user_id, created_at, last_used_at, expires_at, revoke_reason, "  # noqa: S608
                    "jti_hash, user_agent, amr) SELECT gen_random_uuid(), %s, now(), now(), " + expires + ", '', "
                    "md5(g::text) || md5(g::text), '', 'pwd' FROM generate_series(1, %s) g",
                    [user.pk, count],
                )
            cursor.execute(f"ANALYZE {table}")
        started = time.perf_counter()
        deleted = delete_stale_sessions(
            revoked_older_than=__import__("datetime").timedelta(days=7), batch_size=args.batch_size
        )
        elapsed = time.perf_counter() - started
        left = RefreshSession.objects.count()
        print(
            f"deleted {deleted:,} rows in {elapsed:.2f} s: {deleted / elapsed:,.0f} rows/s "
            f"(batch {args.batch_size:,}); {left:,} live or recently expired rows kept"
        )
        return 0 if deleted == args.rows and left == 100_000 else 1
    finally:
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = connections["default"].settings_dict["NAME"] = "postgres"
        with connections["default"].cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    raise SystemExit(main())
