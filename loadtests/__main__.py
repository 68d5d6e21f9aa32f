"""Run the load scenarios against gunicorn on 127.0.0.1 and check the database after each.

``python -m loadtests [--quick] [--faults none|redis|postgres|all]`` (see loadtests/run).
Every scenario is bounded in time; a fault is always undone in a ``finally`` (and
``loadtests/run`` restores the services again from its exit trap).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

from . import services
from .checks import check_database
from .clients import run_clients
from .report import summarize, write_reports

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "loadtests" / "results"
PG_DSN = f"host=127.0.0.1 user=postgres dbname={os.environ.get('LOAD_PG_NAME', 'jwtauth_load')}"
REDIS_DB = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/7").rsplit("/", 1)[1]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gunicorn:
    def __init__(self, workers: int, threads: int, log: Path) -> None:
        self.port = free_port()
        self.log = log
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "loadtests.site.settings", "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "loadtests.site.wsgi:application",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--keep-alive",
                "5",
                "--backlog",
                "256",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        import http.client

        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/auth/csrf/")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn not ready after 30 s; see {log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def reset_state() -> None:
    """Empty the session table and our Redis database, so each scenario is checked alone."""
    with psycopg.connect(PG_DSN, connect_timeout=5) as conn:
        conn.execute("TRUNCATE jwtauth_refreshsession")
    subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-n", REDIS_DB, "flushdb"], capture_output=True, timeout=10, check=True
    )


def inject(fault: str, at_seconds: float, down_seconds: float, started: float, events: dict[str, float]) -> None:
    """Stop a service ``at_seconds`` into the run for ``down_seconds``; always restart it."""
    stop, start, is_up = services.FAULTS[fault]
    time.sleep(max(0.0, started + at_seconds - time.monotonic()))
    try:
        events["stopped"] = time.monotonic() - started
        stop()
        events["down_confirmed"] = time.monotonic() - started
        time.sleep(max(0.0, started + at_seconds + down_seconds - time.monotonic()))
    finally:
        events["restart_issued"] = time.monotonic() - started
        start()
        deadline = time.monotonic() + 60
        while not is_up() and time.monotonic() < deadline:
            time.sleep(0.2)
        events["restored"] = time.monotonic() - started


def scenario(name: str, fault: str | None, args: argparse.Namespace) -> dict[str, Any]:
    # A fault run needs time after the outage to show recovery (and the 5 s settle).
    seconds = max(args.seconds, args.fault_at + args.fault_seconds + 12) if fault else args.seconds
    print(f"\n=== scenario {name}: {args.clients} clients, {seconds:.0f} s" + (f", fault {fault}" if fault else ""))
    reset_state()
    log = RESULTS / f"{name}.server.log"
    server = Gunicorn(args.workers, args.threads, log)
    events: dict[str, float] = {}
    try:
        started = time.monotonic()
        injector = None
        if fault:
            injector = threading.Thread(
                target=inject, args=(fault, args.fault_at, args.fault_seconds, started, events), daemon=True
            )
            injector.start()
        shared = run_clients(server.port, args.clients, seconds, args.users, args.seed, started)
        elapsed = time.monotonic() - started
        if injector is not None:
            injector.join(timeout=120)
    finally:
        if fault:
            services.ensure_up()
        server.stop()
    db = check_database(PG_DSN, shared)
    return summarize(name, fault, shared, elapsed, events, db, log.read_text(errors="replace"), args)


def main() -> None:
    parser = argparse.ArgumentParser(prog="loadtests", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="CI size: 15 s per scenario, no faults unless asked")
    parser.add_argument(
        "--faults", default=None, help="none | redis | postgres | all (default: all; none with --quick)"
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("LOAD_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("LOAD_THREADS", "8")))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", default="latest", help="results/<output>.json and .md")
    args = parser.parse_args()
    args.seconds = args.seconds or (15.0 if args.quick else 60.0)
    args.seconds = min(args.seconds, 300.0)
    args.fault_at = 5.0 if args.quick else 20.0
    args.fault_seconds = 8.0 if args.quick else 10.0
    faults = args.faults or ("none" if args.quick else "all")
    chosen = {"none": [], "all": ["redis", "postgres"]}.get(faults, faults.split(","))
    RESULTS.mkdir(exist_ok=True)
    if not services.ensure_up(30):
        sys.exit("PostgreSQL or Redis is not reachable on 127.0.0.1")
    results = [scenario("normal", None, args)]
    for fault in chosen:
        results.append(scenario(f"{fault}-fault", fault, args))
    write_reports(results, args, RESULTS / f"{args.output}.json", RESULTS / f"{args.output}.md")
    failed = [r["name"] for r in results if not r["ok"]]
    print(json.dumps({"failed": failed}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
