"""The driver: starts one worker process per profile, interleaves rounds, runs the HTTP phase, reports.

Round r of the in-process phase asks every contestant for one timed batch, in a freshly shuffled
order; the figure of a contestant is the median of its per-round figures. Only one process does
timed work at a time (the others wait on their pipe), so contestants never compete for the CPU, and
slow drift of the machine (thermal, other load) hits every contestant alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from benchmarks import httpload, report
from benchmarks.plan import HTTP, INPROC, PROFILES, QUICK_PROFILES, Contestant, HttpContestant

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
_FIRST_BATCH = {"verify": 300, "request": 20}  # warm-up/calibration batch size; default 5


@dataclass(frozen=True, slots=True)
class Config:
    mode: str
    rounds: int
    batch_seconds: float
    http_rounds: int
    http_seconds: float
    seed: int
    sections: frozenset[str]
    loadgen: str
    out_dir: Path
    is_selftest: bool


def _parse(argv: list[str] | None) -> Config:
    p = argparse.ArgumentParser(prog="bash benchmarks/run", description="jwtauth benchmark harness")
    p.add_argument(
        "--quick",
        action="store_true",
        help="CI smoke run: checks that every path runs (well under 60 s); its figures mean nothing",
    )
    p.add_argument("--rounds", type=int, help="in-process rounds (default 13, quick 1)")
    p.add_argument("--batch-seconds", type=float, help="target seconds per batch (default 0.15, quick 0.005)")
    p.add_argument("--http-rounds", type=int, help="HTTP rounds (default 5, quick 1)")
    p.add_argument("--http-seconds", type=float, help="seconds per HTTP run, at most 10 (default 2, quick 1)")
    p.add_argument(
        "--sections",
        default="request,verify,refresh,login,http",
        help="comma-separated subset of request,verify,refresh,login,http",
    )
    p.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--seed", type=int, default=None, help="shuffle seed (default: random, printed)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results directory (default benchmarks/results, or results/selftest with --selftest)",
    )
    p.add_argument(
        "--selftest",
        action="store_true",
        help="measure the FAKE jwtauth in benchmarks/selftest to check the harness's jwtauth paths",
    )
    a = p.parse_args(argv)
    unknown = set(a.sections.split(",")) - {"request", "verify", "refresh", "login", "http"}
    if unknown:
        p.error(f"unknown sections: {', '.join(sorted(unknown))}")
    results = ROOT / "benchmarks" / "results"
    quick = a.quick
    http_seconds = a.http_seconds or (1.0 if quick else 2.0)
    return Config(
        mode=("selftest " if a.selftest else "") + ("quick" if quick else "full"),
        rounds=a.rounds or (1 if quick else 13),
        batch_seconds=a.batch_seconds or (0.005 if quick else 0.15),
        http_rounds=a.http_rounds or (1 if quick else 5),
        http_seconds=min(http_seconds, 2.0 if quick else 10.0),
        seed=a.seed if a.seed is not None else random.SystemRandom().randrange(10**6),
        sections=frozenset(s.strip() for s in a.sections.split(",") if s.strip()),
        loadgen=httpload.loadgen_name(a.loadgen),
        out_dir=a.out or (results / "selftest" if a.selftest else results),
        is_selftest=a.selftest,
    )


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Worker:
    """A profile's worker process, spoken to with JSON lines over a pipe."""

    def __init__(self, profile: str, env: dict[str, str], log: Path) -> None:
        self.profile, self.log = profile, log
        self._err: IO[str] = open(log, "w")  # noqa: SIM115 - lives as long as the worker; close() closes it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.worker"],
            cwd=ROOT,
            env={**env, "BENCH_PROFILE": profile},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
            text=True,
            bufsize=1,
        )

    def send(self, **msg: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg) + "\n")

    def recv(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.profile} died; see {self.log}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"worker {self.profile}: {answer['error']}")
        return answer

    def ask(self, **msg: Any) -> dict[str, Any]:
        self.send(**msg)
        return self.recv()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.ask(cmd="teardown")
                self.proc.wait(10)
            except (RuntimeError, OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self._err.close()


def _service_skips() -> dict[str, str]:
    """Profiles that cannot run because PostgreSQL or Redis is not reachable."""
    skips = {}
    try:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", user=os.environ.get("BENCH_PG_USER", "postgres"), dbname="postgres", connect_timeout=3
        ):
            pass
    except Exception as exc:
        skips["postgres"] = f"skipped: PostgreSQL not reachable at 127.0.0.1:5432 ({type(exc).__name__})"
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=3) as s:
            s.sendall(b"PING\r\n")
            if not s.recv(16).startswith(b"+PONG"):
                raise OSError("no PONG")
    except OSError as exc:
        skips["redis"] = f"skipped: Redis not reachable at 127.0.0.1:6379 ({exc})"
    return skips


def _versions() -> dict[str, str]:
    out = {}
    for dist in (
        "Django",
        "djangorestframework",
        "djangorestframework-simplejwt",
        "django-rest-knox",
        "PyJWT",
        "gunicorn",
        "jwtauth",
    ):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def _run_inproc(
    cfg: Config, tasks: list[Contestant], workers: dict[str, Worker], rows: dict[str, dict[str, Any]]
) -> None:
    sizes: dict[str, int] = {}
    for c in list(tasks):
        w, row = workers[c.profile], rows[c.key]
        try:
            n0 = _FIRST_BATCH.get(c.section, 5)
            w.ask(cmd="batch", scenario=c.scenario, n=n0)  # warm-up
            seconds = w.ask(cmd="batch", scenario=c.scenario, n=n0)["seconds"]
            sizes[c.key] = max(3, min(50_000, round(cfg.batch_seconds / (seconds / n0))))
            q = w.ask(cmd="queries", scenario=c.scenario)
            row.update(queries=q["counts"][-1], query_counts=q["counts"], sql=q["sql"], n_per_batch=sizes[c.key])
            if q.get("explain"):
                row["explain"] = q["explain"]
        except RuntimeError as exc:
            row["status"] = f"failed: {exc}"
            tasks.remove(c)
    rng = random.Random(cfg.seed)
    for r in range(cfg.rounds):
        _log(f"in-process round {r + 1}/{cfg.rounds}")
        for c in rng.sample(tasks, len(tasks)):
            if rows[c.key]["status"] != "ok":
                continue
            try:
                answer = workers[c.profile].ask(cmd="batch", scenario=c.scenario, n=sizes[c.key])
            except RuntimeError as exc:
                rows[c.key]["status"] = f"failed: {exc}"
                continue
            rows[c.key]["samples_us"].append(answer["seconds"] / sizes[c.key] * 1e6)
            rows[c.key]["failed_ops"] += answer["bad"]
    for c in tasks:
        row = rows[c.key]
        if row["samples_us"] and row["status"] == "ok":
            row["us"] = report.summarise(row["samples_us"])
        if row["failed_ops"]:
            row["status"] = f"{row['failed_ops']} operations did not answer 200"
            row.pop("us", None)


def _run_http(
    cfg: Config,
    tasks: list[HttpContestant],
    workers: dict[str, Worker],
    env: dict[str, str],
    tmp: Path,
    rows: dict[str, dict[str, Any]],
) -> None:
    servers: dict[str, httpload.Server] = {}
    try:
        for c in tasks:
            servers[c.label] = httpload.Server(c.profile, env, tmp / f"gunicorn-{len(servers)}.log", ROOT)
        for c in list(tasks):
            try:
                servers[c.label].wait_ready()
                req = workers[c.profile].ask(cmd="http", scenario=c.scenario)
                port = servers[c.label].port
                for _ in range(20):  # warm both workers: URL conf, first queries
                    status, body = httpload.probe(port, req["path"], req["headers"])
                if status != 200:
                    raise RuntimeError(f"GET {req['path']} answered {status}: {body[:120]!r}")
                if c.role != "floor":
                    status, _ = httpload.probe(port, req["path"], {})
                    if status not in (401, 403):
                        raise RuntimeError(f"GET {req['path']} without credentials answered {status}")
            except (RuntimeError, OSError) as exc:
                rows[c.label]["status"] = f"failed: {exc}"
                tasks.remove(c)
        rng = random.Random(cfg.seed + 1)
        for r in range(cfg.http_rounds):
            _log(f"HTTP round {r + 1}/{cfg.http_rounds}")
            for c in rng.sample(tasks, len(tasks)):
                req = workers[c.profile].ask(cmd="http", scenario=c.scenario)  # fresh credentials
                res = httpload.load(
                    cfg.loadgen, servers[c.label].port, req["path"], req["headers"], cfg.http_seconds, tmp
                )
                row = rows[c.label]
                for k in ("rps", "p50_ms", "p99_ms"):
                    row.setdefault(f"samples_{k}", []).append(res[k])
                row["errors"] = row.get("errors", 0) + res["errors"]
        for c in tasks:
            row = rows[c.label]
            row["peak_rss_mib"] = servers[c.label].peak_rss_mib()
            for k in ("rps", "p50_ms", "p99_ms"):
                row[k] = report.summarise(row[f"samples_{k}"])
    finally:
        for s in servers.values():
            s.stop()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--scale" in args:  # how costs grow with data: a separate, longer run
        from benchmarks import scale

        return scale.main()
    cfg = _parse(argv)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="jwtauth-bench-"))
    paths = [str(ROOT), os.environ.get("PYTHONPATH")]
    if cfg.is_selftest:
        paths.insert(0, str(ROOT / "benchmarks" / "selftest"))
        _log("SELF-TEST: measuring the FAKE jwtauth in benchmarks/selftest; its figures mean nothing")
    env = {
        **os.environ,
        "BENCH_TMP": str(tmp),
        "DJANGO_SETTINGS_MODULE": "benchmarks.site.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, paths)),
    }
    load_before = os.getloadavg()[0]
    skips = _service_skips()
    inproc = [c for c in INPROC if c.section in cfg.sections]
    http = [c for c in HTTP if "http" in cfg.sections]
    if cfg.mode.endswith("quick"):  # a smoke run: every kind of path once, figures meaningless
        inproc = [c for c in inproc if c.profile in QUICK_PROFILES]
        http = [c for c in http if c.profile in ("peers", "jwtauth") and c.scenario in ("req_noauth", "req_jwtauth")]
    rows: dict[str, dict[str, Any]] = {}
    for c in inproc:
        rows[c.key] = {
            "section": c.section,
            "label": c.label,
            "profile": c.profile,
            "scenario": c.scenario,
            "db": PROFILES[c.profile].db,
            "role": c.role,
            "status": "ok",
            "samples_us": [],
            "failed_ops": 0,
        }
    for h in http:
        rows[h.label] = {
            "section": "http",
            "label": h.label,
            "profile": h.profile,
            "scenario": h.scenario,
            "db": PROFILES[h.profile].db,
            "role": h.role,
            "status": "ok",
        }
    everyone: list[Contestant | HttpContestant] = [*inproc, *http]
    needs: dict[str, set[str]] = {}
    for entry in everyone:
        prof = PROFILES[entry.profile]
        reason = skips.get(prof.db) or skips.get(prof.cache)
        key = entry.key if isinstance(entry, Contestant) else entry.label
        if reason:
            rows[key]["status"] = reason
        else:
            needs.setdefault(entry.profile, set()).add(entry.scenario)
    workers: dict[str, Worker] = {}
    try:
        _log(f"starting {len(needs)} worker processes (logs in {tmp})")
        for profile, scenario_keys in needs.items():
            workers[profile] = Worker(profile, env, tmp / f"worker-{profile}.log")
            workers[profile].send(cmd="setup", scenarios=sorted(scenario_keys))
        ready: dict[str, dict[str, str | None]] = {}
        notes: dict[str, dict[str, str]] = {}
        for profile, w in workers.items():
            try:
                answer = w.recv()
                ready[profile], notes[profile] = answer["ready"], answer["notes"]
            except RuntimeError as exc:
                ready[profile] = {s: f"failed: {exc}" for s in needs[profile]}
        for entry in everyone:
            reason = ready.get(entry.profile, {}).get(entry.scenario)
            key = entry.key if isinstance(entry, Contestant) else entry.label
            if reason:
                rows[key]["status"] = reason
            elif isinstance(entry, Contestant) and entry.scenario in notes.get(entry.profile, {}):
                rows[key]["note"] = notes[entry.profile][entry.scenario]
        inproc_tasks = [c for c in inproc if rows[c.key]["status"] == "ok"]
        http_tasks = [c for c in http if rows[c.label]["status"] == "ok"]
        if inproc_tasks:
            _run_inproc(cfg, inproc_tasks, workers, rows)
        if http_tasks:
            _run_http(cfg, http_tasks, workers, env, tmp, rows)
    finally:
        for w in workers.values():
            w.close()
        if any(r["status"].startswith("failed") or "answered 5" in r["status"] for r in rows.values()):
            _log(f"some contestants failed: worker and gunicorn logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    sections: dict[str, list[dict[str, Any]]] = {}
    for row in rows.values():
        sections.setdefault(row["section"], []).append(row)
    results: dict[str, Any] = {
        "meta": {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "mode": cfg.mode,
            "python": platform.python_version(),
            "versions": _versions(),
            "cpus": os.cpu_count(),
            "rounds": cfg.rounds,
            "batch_seconds": cfg.batch_seconds,
            "http_rounds": cfg.http_rounds,
            "http_seconds": cfg.http_seconds,
            "http_connections": httpload.CONNECTIONS,
            "loadgen": cfg.loadgen,
            "seed": cfg.seed,
            "wall_seconds": round(time.monotonic() - started, 1),
            "loadavg_1min": {"start": round(load_before, 2), "end": round(os.getloadavg()[0], 2)},
        },
        "sections": sections,
    }
    print(report.render(results))
    report.write(results, cfg.out_dir)
    _log(f"\nwrote {cfg.out_dir / 'latest.md'} and latest.json in {results['meta']['wall_seconds']} s")
    return 0
