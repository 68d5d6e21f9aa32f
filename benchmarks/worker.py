"""One profile's worker process: ``python -m benchmarks.worker`` (started by the driver).

Reads one JSON command per line on stdin and answers one JSON line on stdout (everything else that
Django or a library prints goes to stderr). Commands:
  setup {scenarios}       create the DB, migrate, create the user; build the scenarios
                          -> {ready: {key: null | skip reason}, notes: {key: what is measured}}
  batch {scenario, n}     -> {seconds, bad}
  queries {scenario}      -> {counts: [...], sql: [...]} for 3 operations (SQL of the last)
  http {scenario}         -> {path, headers} with fresh credentials
  rss                     -> {maxrss_kib}
  teardown                drop the PostgreSQL database, exit
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import traceback
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.site.settings")

_scenarios: dict[str, Any] = {}


def _pg_admin(sql: str) -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _setup(keys: list[str]) -> dict[str, Any]:
    import django
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        name = settings.DATABASES["default"]["NAME"]
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{name}"')
    django.setup()

    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command

    from benchmarks import scenarios
    from benchmarks.jwtauth_adapter import Skip

    call_command("migrate", verbosity=0, interactive=False)
    cache.clear()  # Redis profiles use their own DB number (default 9), see settings.py
    get_user_model().objects.create_user(scenarios.USERNAME, password=scenarios.PASSWORD)
    harness = scenarios.Harness()
    ready: dict[str, str | None] = {}
    notes: dict[str, str] = {}
    for key in keys:
        try:
            _scenarios[key] = scenarios.build(harness, key)
            ready[key] = None
            if _scenarios[key].note:
                notes[key] = _scenarios[key].note
        except Skip as exc:
            ready[key] = f"skipped: {exc}"
        except Exception as exc:
            traceback.print_exc()
            ready[key] = f"failed: {type(exc).__name__}: {exc}"[:300]
    return {"ready": ready, "notes": notes}


def _queries(key: str) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, sql = [], []
    for _ in range(3):
        with CaptureQueriesContext(connection) as ctx:
            _scenarios[key].one()
        counts.append(len(ctx.captured_queries))
        sql = [q["sql"][:200] for q in ctx.captured_queries]
    explain: list[str] = []
    if connection.vendor == "postgresql" and key.startswith("req_"):
        # The query plan of each statement of a request (the per-request check).
        with connection.cursor() as cursor:
            for q in ctx.captured_queries:
                if q["sql"].lstrip().upper().startswith("SELECT"):
                    cursor.execute("EXPLAIN " + q["sql"])
                    explain += [line for (line,) in cursor.fetchall()]
    return {"counts": counts, "sql": sql, "explain": explain}


def _handle(msg: dict[str, Any]) -> dict[str, Any]:
    cmd = msg["cmd"]
    if cmd == "setup":
        return _setup(msg["scenarios"])
    if cmd == "batch":
        gc.collect()
        seconds, bad = _scenarios[msg["scenario"]].batch(msg["n"])
        return {"seconds": seconds, "bad": bad}
    if cmd == "queries":
        return _queries(msg["scenario"])
    if cmd == "http":
        path, headers = _scenarios[msg["scenario"]].http_request()
        return {"path": path, "headers": headers}
    if cmd == "rss":
        return {"maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    if cmd == "teardown":
        from django.conf import settings
        from django.db import connections

        connections.close_all()
        if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            _pg_admin(f'DROP DATABASE IF EXISTS "{settings.DATABASES["default"]["NAME"]}" WITH (FORCE)')
        return {"bye": True}
    raise ValueError(f"unknown command {cmd!r}")


def main() -> None:
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints go to stderr, never into the protocol
    sys.stdout = sys.stderr
    for line in sys.stdin:
        msg = json.loads(line)
        try:
            answer = _handle(msg)
        except Exception as exc:
            traceback.print_exc()
            answer = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        out.write(json.dumps(answer) + "\n")
        if msg["cmd"] == "teardown":
            break


if __name__ == "__main__":
    main()
