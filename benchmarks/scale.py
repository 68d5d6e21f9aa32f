"""How costs grow with data: ``bash benchmarks/run --scale`` (minutes; not in CI).

Four parts, each bounded in rows and time, all on 127.0.0.1:

1. **Table size.** With 10³, 10⁵ and 10⁶ session rows on PostgreSQL (10³ and 10⁵ on SQLite),
   spread over 1,000 other users, the median time of: the per-request check (a Bearer ``GET``
   through the full handler, embedded mode: one SQL query), ``refresh/``, ``login/``,
   ``sessions/`` and ``logout-all/`` of a user with a handful of sessions.
2. **Verified-token memo.** A worker's RSS and the memo's length after verifying 10³ … 10⁶
   distinct access tokens with the default cap (``VERIFIED_TOKEN_CACHE_SIZE``, 10,000).
3. **Housekeeping.** ``jwtauth_cleanup`` on 10⁶ expired rows (PostgreSQL): rows per second.
4. **Many API hosts.** 2 and 4 gunicorn processes (one sync worker each, its own pools) against
   one PostgreSQL + Redis, loaded together with ``wrk``; meanwhile a revocation check logs in
   through one process, revokes through it, and at once requests through another, counting
   stale acceptances (must be 0).

Writes ``benchmarks/results/scale.json`` and the plots ``scale-*.png``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
FILLER_USERS = 1000
MEMO_CHECKPOINTS = tuple(int(x) for x in os.environ.get("BENCH_SCALE_MEMO", "1000,10000,100000,1000000").split(","))
USERNAME, PASSWORD = "bench", "bench-password-1"  # benchmarks.scenarios' user (that module needs Django set up)
REVOKER = "bench-revoker"  # the revocation check's user: its logout-all/ must not revoke the load's token
MEMO_SECONDS = 600  # stop the memo curve here, whatever checkpoint it reached (10⁶ tokens take ~4 min idle)
CLEANUP_SECONDS = 240  # stop timing the cleanup here (it goes on in batches; the rate is the figure)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- inside a worker process (Django set up for one profile) -------------------------------------


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _fill(target: int) -> None:
    """Grow the session table to ``target`` rows (live sessions of the filler users)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from jwtauth.sessions.models import RefreshSession

    user_model = get_user_model()
    if not user_model.objects.filter(username="filler-0").exists():
        user_model.objects.bulk_create(user_model(username=f"filler-{i}", password="!") for i in range(FILLER_USERS))
    ids = list(user_model.objects.filter(username__startswith="filler-").values_list("pk", flat=True))
    missing = target - RefreshSession.objects.count()
    if missing <= 0:
        return
    table = RefreshSession._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (id, user_id, created_at, last_used_at, expires_at, revoke_reason, "
                "jti_hash, user_agent, amr) SELECT gen_random_uuid(), (%s::bigint[])"
                f"[1 + (g %% {len(ids)})], now(), now(), now() + interval '1 day', '', md5(g::text) || md5(g::text), '', "
                "'pwd' "
                "FROM generate_series(1, %s) g",
                [ids, missing],
            )
            cursor.execute(f"ANALYZE {table}")
        return
    import uuid
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    with transaction.atomic():
        for start in range(0, missing, 20_000):
            RefreshSession.objects.bulk_create(
                RefreshSession(
                    id=uuid.uuid4(),
                    user_id=ids[i % len(ids)],
                    created_at=now,
                    last_used_at=now,
                    expires_at=now + timedelta(days=1),
                    jti_hash=f"{i:064x}",
                )
                for i in range(start, min(missing, start + 20_000))
            )


def _median_batch(scenario: Any, n: int, rounds: int = 5) -> float:
    samples = []
    for _ in range(rounds):
        seconds, bad = scenario.batch(n)
        if bad:
            raise RuntimeError(f"{bad} of {n} operations did not answer 200")
        samples.append(seconds / n * 1e6)
    return statistics.median(samples)


def _size_curve(sizes: list[int]) -> list[dict[str, Any]]:
    from benchmarks import worker

    ready = worker._setup(["req_jwtauth", "refresh_jwtauth", "login_jwtauth"])["ready"]
    from benchmarks import jwtauth_adapter, scenarios  # after django.setup()

    bad = {k: v for k, v in ready.items() if v}
    if bad:
        raise RuntimeError(f"scenarios not ready: {bad}")
    h = scenarios.Harness()
    request, refresh, login = (worker._scenarios[k] for k in ("req_jwtauth", "refresh_jwtauth", "login_jwtauth"))

    def timed_with_login(method: str, path: str, n: int) -> float:
        # Each operation gets a fresh login first (logout-all/ revokes every token of the
        # user, so they cannot be prepared in advance); only the call itself is timed.
        samples = []
        for _ in range(5):
            total = 0.0
            for _ in range(n):
                session = scenarios._jwtauth_login(h)
                body = b"{}" if method == "POST" else None
                env = h.environ(
                    method,
                    "/" + jwtauth_adapter.URL_PREFIX + path,
                    body,
                    {"Authorization": f"Bearer {session.access_token}"},
                )
                t0 = time.perf_counter()
                status, answer, _ = h.call(env)
                total += time.perf_counter() - t0
                if status not in (200, 204):
                    raise RuntimeError(f"{method} {path} answered {status}: {answer[:200]!r}")
            samples.append(total / n * 1e6)
        return statistics.median(samples)

    out = []
    for size in sizes:
        t0 = time.monotonic()
        _fill(size)
        _log(f"  {size:,} rows ready in {time.monotonic() - t0:.0f} s")
        refresh.session = scenarios._jwtauth_login(h)  # logout-all/ below revoked the last one
        request.batch(50)
        point = {
            "rows": size,
            "request_us": _median_batch(request, 200),
            "refresh_us": _median_batch(refresh, 20),
            "login_us": _median_batch(login, 20),
            "sessions_us": timed_with_login("GET", "sessions/", 10),
            "logout_all_us": timed_with_login("POST", "logout-all/", 10),
        }
        _log(f"  {point}")
        out.append(point)
    return out


def _memo_curve() -> list[dict[str, Any]]:
    import uuid

    from jwtauth.core.tokens import issue_access_token, verify_access_token
    from jwtauth.settings import get_settings

    conf = get_settings()
    memo = conf.verified_tokens
    now = conf.clock.now()
    points: list[dict[str, Any]] = [{"tokens": 0, "rss_mib": round(_rss_mib(), 1), "memo_entries": len(memo or ())}]
    started, seen = time.monotonic(), 0
    sid = str(uuid.uuid4())
    for checkpoint in MEMO_CHECKPOINTS:
        while seen < checkpoint:
            token = issue_access_token(conf.access, sub=str(seen % 1000 + 1), sid=sid, now=now).token
            verify_access_token(token, conf.access, now=now, cache=memo)
            seen += 1
            if seen % 1000 == 0 and time.monotonic() - started > MEMO_SECONDS:
                break  # bounded: the curve ends at the last point reached
        points.append({"tokens": seen, "rss_mib": round(_rss_mib(), 1), "memo_entries": len(memo or ())})
        _log(f"  memo: {points[-1]}")
        if seen < checkpoint:
            break
    return points


def _cleanup(rows: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from jwtauth.sessions.models import RefreshSession

    _fill(rows)
    with connection.cursor() as cursor:
        # Past every grace period (default: one refresh token lifetime) and past
        # SESSION_MAX_LIFETIME: all of them are for the cleanup to delete.
        cursor.execute(
            f"UPDATE {RefreshSession._meta.db_table} "
            "SET expires_at = now() - interval '400 days', created_at = now() - interval '400 days'"
        )
        cursor.execute(f"ANALYZE {RefreshSession._meta.db_table}")
    expired = RefreshSession.objects.count()
    done = threading.Event()

    def run() -> None:
        from django.db import connections

        try:
            call_command("jwtauth_cleanup", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        finally:
            connections.close_all()
            done.set()

    t0 = time.perf_counter()
    threading.Thread(target=run, daemon=True).start()
    finished = done.wait(CLEANUP_SECONDS)  # bounded: past it, the rate so far is the figure
    seconds = time.perf_counter() - t0
    left = RefreshSession.objects.count()  # each batch commits: this is the progress
    return {
        "expired_rows": expired,
        "deleted": expired - left,
        "seconds": round(seconds, 1),
        "rows_per_second": round((expired - left) / seconds),
        "finished": finished,
    }


def worker_main(task: str, arg: str) -> None:
    """``python -m benchmarks.scale <task> <arg>`` with BENCH_PROFILE set: print one JSON line."""
    import django
    import django.db

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.site.settings")
    if task == "sizes":
        from benchmarks import worker

        try:
            result: Any = _size_curve([int(x) for x in arg.split(",")])
        finally:
            worker._handle({"cmd": "teardown"})
    elif task == "cleanup":
        from benchmarks import worker

        worker._setup([])
        result = _cleanup(int(arg))
        if result["finished"]:
            worker._handle({"cmd": "teardown"})
        else:  # the cleanup thread still runs: report, then end the process (the DB is dropped next run)
            print("RESULT " + json.dumps(result), flush=True)
            os._exit(0)
    elif task in ("setup", "teardown"):  # the database the gunicorn processes share
        from benchmarks import worker

        result = worker._setup([]) if task == "setup" else worker._handle({"cmd": "teardown"})
        if task == "setup":
            from django.contrib.auth import get_user_model

            get_user_model().objects.create_user(REVOKER, password=PASSWORD)  # never the load's user
            django.db.connections.close_all()
    else:
        django.setup()
        result = _memo_curve()
    print("RESULT " + json.dumps(result), flush=True)


# --- the driver side --------------------------------------------------------------------------------


def _run_task(profile: str, task: str, arg: str, env: dict[str, str], timeout: int) -> Any:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale", task, arg],
        cwd=ROOT,
        env={**env, "BENCH_PROFILE": profile},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            sys.stderr.write(proc.stderr[-2000:] if proc.returncode else "")
            return json.loads(line[7:])
    raise RuntimeError(f"{task} on {profile} failed: {proc.stderr[-1500:]}")


def _http_json(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, Any]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _revocation_trials(ports: list[int], stop: threading.Event, result: dict[str, int]) -> None:
    """Log in through one process, read through another (now cached live), log out everywhere
    through the first, then at once read through a third: it must answer 401."""
    from benchmarks import jwtauth_adapter

    i = 0
    while not stop.is_set():
        a, b = ports[i % len(ports)], ports[(i + 1) % len(ports)]
        c = ports[(i + 2) % len(ports)] if len(ports) > 2 else b
        status, body = _http_json(
            a,
            "POST",
            jwtauth_adapter.LOGIN_PATH,
            {"Content-Type": "application/json"},
            jwtauth_adapter.login_body(REVOKER, PASSWORD),
        )
        if status != 200:
            result["errors"] += 1
            i += 1
            continue
        token = json.loads(body)["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        ok, _ = _http_json(b, "GET", "/bench/jwtauth/", auth)
        revoked, _ = _http_json(a, "POST", "/" + jwtauth_adapter.URL_PREFIX + "logout-all/", auth, b"{}")
        after, _ = _http_json(c, "GET", "/bench/jwtauth/", auth)
        result["trials"] += 1
        if ok != 200 or revoked not in (200, 204):
            result["errors"] += 1
        elif after == 200:
            result["stale"] += 1
        i += 1


def _with_db(profile: str, env: dict[str, str], fn: Callable[[], Any]) -> Any:
    _run_task(profile, "setup", "", env, 300)
    try:
        return fn()
    finally:
        _run_task(profile, "teardown", "", env, 300)


def _processes(counts: list[int], env: dict[str, str], tmp: Path, seconds: int) -> list[dict[str, Any]]:
    from benchmarks import httpload, jwtauth_adapter

    out = []
    for n in counts:
        servers = [
            httpload.Server("jwtauth_pg_redis", env, tmp / f"scale-{n}-{i}.log", ROOT, workers=1) for i in range(n)
        ]
        try:
            for s in servers:
                s.wait_ready(60)
            status, body = _http_json(
                servers[0].port,
                "POST",
                jwtauth_adapter.LOGIN_PATH,
                {"Content-Type": "application/json"},
                jwtauth_adapter.login_body(USERNAME, PASSWORD),
            )
            if status != 200:
                raise RuntimeError(f"login answered {status}: {body[:200]!r}")
            headers = {"Authorization": "Bearer " + json.loads(body)["access_token"]}
            for s in servers:
                httpload.probe(s.port, "/bench/jwtauth/", headers)
            trials = {"trials": 0, "stale": 0, "errors": 0}
            stop = threading.Event()
            checker = threading.Thread(target=_revocation_trials, args=([s.port for s in servers], stop, trials))
            checker.start()
            results: list[dict[str, Any]] = [{}] * n
            threads = [
                threading.Thread(
                    target=lambda i=i, s=s: results.__setitem__(
                        i, httpload.load("wrk", s.port, "/bench/jwtauth/", headers, seconds, tmp)
                    )
                )
                for i, s in enumerate(servers)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            stop.set()
            checker.join(30)
            point = {
                "processes": n,
                "rps": round(sum(r["rps"] for r in results)),
                "p50_ms": round(statistics.median(r["p50_ms"] for r in results), 2),
                "p99_ms": round(max(r["p99_ms"] for r in results), 2),
                "errors": sum(r["errors"] for r in results),
                "revocation": trials,
            }
            _log(f"  {point}")
            out.append(point)
        finally:
            for s in servers:
                s.stop()
    return out


def _plot(results: dict[str, Any]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, db in zip(axes, ("postgres", "sqlite"), strict=True):
        points = results["sizes"].get(db) or []
        for key, label in (
            ("request_us", "per-request check"),
            ("refresh_us", "refresh/"),
            ("login_us", "login/"),
            ("sessions_us", "sessions/"),
            ("logout_all_us", "logout-all/"),
        ):
            if points:
                ax.plot([p["rows"] for p in points], [p[key] for p in points], marker="o", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("session rows in the table")
        ax.set_ylabel("µs per operation (median)")
        ax.set_title(f"{'PostgreSQL' if db == 'postgres' else 'SQLite'}: cost vs table size")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "scale-table-size.png", dpi=110)
    written.append("scale-table-size.png")
    plt.close(fig)

    memo = results.get("memo") or []
    if memo:
        fig, ax = plt.subplots(figsize=(6, 4.5))
        ax.plot([max(p["tokens"], 1) for p in memo], [p["rss_mib"] for p in memo], marker="o", label="worker RSS (MiB)")
        ax2 = ax.twinx()
        ax2.plot(
            [max(p["tokens"], 1) for p in memo],
            [p["memo_entries"] for p in memo],
            marker="s",
            color="tab:orange",
            label="memo entries (cap 10,000)",
        )
        ax.set_xscale("log")
        ax.set_xlabel("distinct access tokens verified")
        ax.set_ylabel("RSS MiB")
        ax2.set_ylabel("memo entries")
        ax.set_title("Verified-token memo: memory vs tokens seen")
        fig.legend(loc="upper left", fontsize=8)
        fig.tight_layout()
        fig.savefig(RESULTS / "scale-memo.png", dpi=110)
        written.append("scale-memo.png")
        plt.close(fig)

    procs = results.get("processes") or []
    if procs:
        fig, ax = plt.subplots(figsize=(6, 4.5))
        ax.plot([p["processes"] for p in procs], [p["rps"] for p in procs], marker="o")
        ax.set_xlabel("gunicorn processes (1 sync worker each)")
        ax.set_ylabel("req/s, all processes together")
        ax.set_title("PostgreSQL + Redis: throughput vs API processes (2 cores)")
        ax.set_xticks([p["processes"] for p in procs])
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        fig.savefig(RESULTS / "scale-processes.png", dpi=110)
        written.append("scale-processes.png")
        plt.close(fig)
    return written


def main(http_seconds: int = 5) -> int:
    """The --scale run: every part, then scale.json and the plots."""
    tmp = Path(tempfile.mkdtemp(prefix="jwtauth-scale-"))
    env = {
        **os.environ,
        "BENCH_DB_SUFFIX": "_scale",  # never the main run's databases
        "BENCH_REDIS_URL": os.environ.get("BENCH_SCALE_REDIS_URL", "redis://127.0.0.1:6379/8"),
        "BENCH_TMP": str(tmp),
        "DJANGO_SETTINGS_MODULE": "benchmarks.site.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    started = time.monotonic()
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "loadavg_1min_start": round(os.getloadavg()[0], 2),
        "sizes": {},
    }
    parts: list[tuple[str, Callable[[], Any]]] = [
        ("sizes/postgres", lambda: _run_task("jwtauth_pg", "sizes", "1000,100000,1000000", env, 1800)),
        ("sizes/sqlite", lambda: _run_task("jwtauth", "sizes", "1000,100000", env, 900)),
        ("memo", lambda: _run_task("jwtauth", "memo", "", env, MEMO_SECONDS + 300)),
        ("cleanup", lambda: _run_task("jwtauth_pg", "cleanup", "1000000", env, 1800)),
        ("processes", lambda: _with_db("jwtauth_pg_redis", env, lambda: _processes([1, 2, 4], env, tmp, http_seconds))),
    ]
    # BENCH_SCALE_PARTS=cleanup,memo re-runs only those parts, keeping the others' figures.
    only = {name for name in os.environ.get("BENCH_SCALE_PARTS", "").split(",") if name}
    if only:
        previous = json.loads((RESULTS / "scale.json").read_text()) if (RESULTS / "scale.json").exists() else {}
        results = {**previous, **{k: v for k, v in results.items() if k != "sizes"}}
        results.setdefault("sizes", {})
        parts = [(name, part) for name, part in parts if name in only]
    for name, part in parts:
        _log(f"scale: {name}")
        try:
            value = part()
        except Exception as exc:  # one failed part must not lose the others
            value = {"failed": f"{type(exc).__name__}: {exc}"[:1500]}
            _log(f"  failed: {value['failed']}")
        if name.startswith("sizes/"):
            results["sizes"][name.split("/")[1]] = value if isinstance(value, list) else []
            if not isinstance(value, list):
                results[name.replace("/", "_") + "_error"] = value
        else:
            results[name] = value
    results["wall_seconds"] = round(time.monotonic() - started)
    results["loadavg_1min_end"] = round(os.getloadavg()[0], 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results["plots"] = _plot(
        {
            **results,
            "memo": results.get("memo") if isinstance(results.get("memo"), list) else [],
            "processes": results.get("processes") if isinstance(results.get("processes"), list) else [],
        }
    )
    (RESULTS / "scale.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    _log(f"wrote {RESULTS / 'scale.json'} and {', '.join(results['plots'])} in {results['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    worker_main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
