"""Figures of one scenario (throughput, p50/p99 per endpoint, status counts, fault
phases, log lines, database checks) and the JSON + Markdown reports."""

from __future__ import annotations

import json
import platform
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .clients import Record, Shared

ENDPOINTS = ("login", "user", "hello", "refresh", "refresh_pair", "logout")
# The 5xx each fault may cause, as docs/revocation.md and docs/hardening.md document them.
EXPECTED_5XX = {
    "redis": {("logout", "revocation_unavailable")},
    "postgres": {(e, "service_unavailable") for e in ENDPOINTS},
}
SETTLE_SECONDS = 5.0  # after the service answers again, 5xx are no longer excused
LOG_LINES = {
    "revocation cache read failed": "revocation cache read failed",
    "revocation cache write failed": "revocation cache write failed",
    "login throttle cache unavailable": "login throttle cache unavailable",
    "database unavailable (503)": "database unavailable",
    "Internal Server Error (500)": "Internal Server Error",
    "worker timeout / crash": "WORKER TIMEOUT",
}


def _percentile_ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def _status_key(r: Record) -> str:
    return "transport_error" if r.status == 0 else f"{r.status} {r.code}".strip()


def _phase(records: list[Record], start: float, end: float) -> dict[str, Any]:
    inside = [r for r in records if start <= r.t < end]
    seconds = max(end - start, 1e-9)
    return {
        "from_s": round(start, 1),
        "to_s": round(end, 1),
        "requests": len(inside),
        "rps": round(len(inside) / seconds, 1),
        "2xx": sum(200 <= r.status < 300 for r in inside),
        "5xx": sum(r.status >= 500 for r in inside),
        "transport_errors": sum(r.status == 0 for r in inside),
        "statuses": dict(Counter(_status_key(r) for r in inside).most_common()),
    }


def summarize(
    name: str,
    fault: str | None,
    shared: Shared,
    elapsed: float,
    events: dict[str, float],
    db: dict[str, Any],
    server_log: str,
    args: Any,
) -> dict[str, Any]:
    records = shared.records
    endpoints = {}
    for e in ENDPOINTS:
        mine = [r for r in records if r.endpoint == e]
        ok = [r.latency for r in mine if 200 <= r.status < 300]
        endpoints[e] = {
            "requests": len(mine),
            "ok": len(ok),
            "p50_ms": _percentile_ms(ok, 0.50),
            "p99_ms": _percentile_ms(ok, 0.99),
        }
    window = None
    if fault and "stopped" in events:
        window = (events["stopped"] - 1.0, events.get("restored", elapsed) + SETTLE_SECONDS)
    expected = EXPECTED_5XX.get(fault or "", set())
    unexpected_5xx = [
        r
        for r in records
        if r.status >= 500 and not (window and window[0] <= r.t < window[1] and (r.endpoint, r.code) in expected)
    ]
    all_ok = [r.latency for r in records if 200 <= r.status < 300]
    result: dict[str, Any] = {
        "name": name,
        "fault": fault,
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests": len(records),
        "throughput_rps": round(len(records) / elapsed, 1),
        "ok_rps": round(len(all_ok) / elapsed, 1),
        "p50_ms": _percentile_ms(all_ok, 0.50),
        "p99_ms": _percentile_ms(all_ok, 0.99),
        "endpoints": endpoints,
        "statuses": dict(Counter(_status_key(r) for r in records).most_common()),
        "5xx": sum(r.status >= 500 for r in records),
        "500": sum(r.status == 500 for r in records),
        "unexpected_5xx": len(unexpected_5xx),
        "unexpected_5xx_examples": [f"{r.t:.1f}s {r.endpoint} {r.status} {r.code}" for r in unexpected_5xx[:10]],
        "transport_errors": sum(r.status == 0 for r in records),
        "anomalies": len(shared.anomalies),
        "anomaly_examples": shared.anomalies[:10],
        "log_lines": {label: server_log.count(needle) for label, needle in LOG_LINES.items()},
        "database": db,
        "events": {k: round(v, 2) for k, v in events.items()},
    }
    if fault and "stopped" in events and "restored" in events:
        stopped, restored = events["stopped"], events["restored"]
        result["phases"] = {
            "before": _phase(records, 0.0, stopped),
            "down": _phase(records, stopped, restored),
            "after": _phase(records, restored, elapsed),
        }
        first_ok = {}
        for e in ("login", "user", "hello", "refresh", "logout"):
            times = [r.t + r.latency for r in records if r.endpoint == e and r.t >= restored and 200 <= r.status < 300]
            first_ok[e] = round(min(times) - restored, 2) if times else None
        result["recovery_seconds_to_first_2xx"] = first_ok
        late = [r for r in records if r.t >= restored + SETTLE_SECONDS]
        result["5xx_after_settle"] = sum(r.status >= 500 for r in late)
    result["ok"] = bool(
        result["500"] == 0
        and result["unexpected_5xx"] == 0
        and result["transport_errors"] == 0
        and result["anomalies"] == 0
        and db["ok"]
        and result.get("5xx_after_settle", 0) == 0
        and all(v is not None for v in result.get("recovery_seconds_to_first_2xx", {}).values())
        and result["log_lines"]["Internal Server Error (500)"] == 0
    )
    print(markdown([result], args, header=False))
    return result


def _fmt(v: Any) -> str:
    return "–" if v is None else str(v)


def markdown(results: list[dict[str, Any]], args: Any, *, header: bool = True) -> str:
    out: list[str] = []
    if header:
        out += [
            "# Load and fault runs",
            "",
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.python_version()} · {_cpus()} CPUs · "
            f"gunicorn {args.workers} gthread workers × {args.threads} threads · {args.clients} clients · "
            f"{args.users} users · seed {args.seed}",
            "",
        ]
    for r in results:
        db = r["database"]
        out += [
            f"## {r['name']} — {'PASS' if r['ok'] else 'FAIL'}",
            "",
            f"{r['requests']} requests in {r['seconds']} s: **{r['throughput_rps']} req/s** "
            f"({r['ok_rps']} 2xx/s), p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms (2xx). "
            f"5xx: {r['5xx']} (500: {r['500']}, unexpected: {r['unexpected_5xx']}); "
            f"transport errors: {r['transport_errors']}; client anomalies: {r['anomalies']}.",
            "",
            "| endpoint | requests | 2xx | p50 ms | p99 ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for e, v in r["endpoints"].items():
            out.append(f"| {e} | {v['requests']} | {v['ok']} | {_fmt(v['p50_ms'])} | {_fmt(v['p99_ms'])} |")
        out += ["", "Statuses: " + ", ".join(f"`{k}` {v}" for k, v in r["statuses"].items()), ""]
        if "phases" in r:
            out += ["| phase | from–to s | req/s | 2xx | 5xx | transport errors |", "|---|---|---:|---:|---:|---:|"]
            for p, v in r["phases"].items():
                out.append(
                    f"| {p} | {v['from_s']}–{v['to_s']} | {v['rps']} | {v['2xx']} | {v['5xx']} | {v['transport_errors']} |"
                )
            rec = ", ".join(f"{k} {_fmt(v)} s" for k, v in r["recovery_seconds_to_first_2xx"].items())
            out += [
                "",
                "Down-phase statuses: " + ", ".join(f"`{k}` {v}" for k, v in r["phases"]["down"]["statuses"].items()),
                "",
                f"First 2xx after the service answered again: {rec}. 5xx later than {SETTLE_SECONDS:.0f} s "
                f"after: {r['5xx_after_settle']}.",
                "",
            ]
        logs = ", ".join(f"{k}: {v}" for k, v in r["log_lines"].items() if v)
        out += [
            f"Server log: {logs or 'no warnings or errors'}.",
            "",
            f"Database: {db['rows']} sessions ({db['sessions_seen_by_clients']} seen by clients: "
            f"{', '.join(f'{k} {v}' for k, v in db['client_states'].items())}); {db['rotations_seen']} rotations; "
            f"forked families {db['forked_families']}; client/DB mismatches {db['mismatches']}; "
            f"orphan rows {db['orphan_rows']}; revocations {db['revoke_reasons'] or '{}'} "
            f"(unexpected {db['unexpected_revocations'] or 0}); half-written rows {sum(db['half_written'].values())}.",
            "",
        ]
        for example in r["anomaly_examples"] + r["unexpected_5xx_examples"] + db["mismatch_examples"]:
            out.append(f"- {example}")
        if r["anomaly_examples"] or r["unexpected_5xx_examples"] or db["mismatch_examples"]:
            out.append("")
    return "\n".join(out)


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def write_reports(results: list[dict[str, Any]], args: Any, json_path: Path, md_path: Path) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    meta = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit.stdout.strip(),
        "python": platform.python_version(),
        "cpus": _cpus(),
        "workers": args.workers,
        "threads": args.threads,
        "clients": args.clients,
        "users": args.users,
        "seed": args.seed,
        "quick": args.quick,
    }
    json_path.write_text(json.dumps({"meta": meta, "scenarios": results}, indent=2) + "\n")
    md_path.write_text(markdown(results, args) + "\n")
    print(f"\nwrote {json_path} and {md_path}")
