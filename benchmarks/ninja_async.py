"""Does AsyncJWTAuth keep the event loop free during the revocation check? And what does
the thread hop cost?

    JWTAUTH_TEST_DB=postgres JWTAUTH_TEST_PG_NAME=bench_ninja \
        [JWTAUTH_TEST_REDIS_URL=redis://127.0.0.1:6379/9] benchmarks/.venv/bin/python -m benchmarks.ninja_async

Creates (and drops) a test database. For each revocation set-up (PostgreSQL only; Redis
when JWTAUTH_TEST_REDIS_URL is set) it runs N concurrent authentications on one event
loop, twice: through AsyncJWTAuth (check in Django's executor), and with the same sync
check called on the loop (what a naive async class would do; one task, one connection).
A ticker coroutine records the longest gap between its ticks: the time the loop was
blocked. In the executor contestant each task, like each ASGI request, gets its own
database connection (Django's connections are per context), so its batch time includes
connection set-up where the revocation check reaches PostgreSQL. Figures are medians of
one run on this machine, not targets.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
# Only so the naive contestant may query from the loop at all (Django refuses by default).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
sys.path[:0] = [".", "src"]

import django  # noqa: E402
from asgiref.sync import sync_to_async  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import RequestFactory, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from jwtauth.contrib.ninja import AsyncJWTAuth, JWTAuth  # noqa: E402
from jwtauth.sessions.service import start_session  # noqa: E402

CONCURRENCY = 50
ROUNDS = 7


async def _ticker(stop: asyncio.Event, gaps: list[float]) -> None:
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


async def _run(kind: str, requests: list[object]) -> tuple[float, float]:
    sync_auth, async_auth = JWTAuth(), AsyncJWTAuth()
    stop, gaps = asyncio.Event(), []
    ticker = asyncio.ensure_future(_ticker(stop, gaps))
    await asyncio.sleep(0)
    start = time.perf_counter()
    if kind == "executor":
        users = await asyncio.gather(*(async_auth(r) for r in requests))
    else:
        # One task: Django keeps one database connection per asyncio task, so 50 tasks
        # would open 50 connections; blocking calls run one after the other anyway.
        async def on_loop() -> list[object]:
            return [sync_auth(r) for r in requests]  # type: ignore[arg-type]

        users = await on_loop()
    elapsed = time.perf_counter() - start
    stop.set()
    await ticker
    await sync_to_async(connections.close_all, thread_sensitive=True)()  # the executor thread's connection
    assert all(u is not None for u in users)
    return max(gaps), elapsed


def _measure(label: str, user: object) -> None:
    factory = RequestFactory()
    for kind in ("on the loop (naive)", "executor"):
        blocked, batch = [], []
        for _ in range(ROUNDS):
            tokens = [start_session(user).access.token for _ in range(CONCURRENCY)]
            requests = [factory.get("/", HTTP_AUTHORIZATION=f"Bearer {t}") for t in tokens]
            b, e = asyncio.run(_run("executor" if kind == "executor" else "loop", requests))
            blocked.append(b)
            batch.append(e)
        med_b, med_e = statistics.median(blocked), statistics.median(batch)
        print(f"| {label} | {kind} | {med_b * 1e3:.2f} | {med_e * 1e3:.1f} | {med_e / CONCURRENCY * 1e6:.0f} |")


def main() -> None:
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        user = get_user_model().objects.create_user("bench", password="x")
        modes = [("postgres", None, settings.CACHES)]
        if os.environ.get("JWTAUTH_TEST_REDIS_URL"):
            redis = {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ["JWTAUTH_TEST_REDIS_URL"],
                "KEY_PREFIX": "bench-ninja",
            }
            modes.append(("redis", "redis", {**settings.CACHES, "redis": redis}))
        print(f"database {settings.DATABASES['default']['ENGINE']} ({name}); {CONCURRENCY} concurrent, {ROUNDS} rounds")
        print("| revocation | mode | loop blocked, longest (ms) | batch (ms) | per auth (us) |")
        print("| --- | --- | ---: | ---: | ---: |")
        for label, cache, caches in modes:
            with override_settings(CACHES=caches, JWTAUTH={"REVOCATION_CACHE": cache}):
                _measure(label, user)
    finally:
        # Each asyncio task has its own Django connection (as each ASGI request does);
        # those of finished tasks are only closed by Django's request_finished, which this
        # script never sends: drop the database regardless of them.
        connections.close_all()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
