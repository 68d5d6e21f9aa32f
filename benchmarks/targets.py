"""The performance targets, each checked against one run's figures: met, not met, or not measured.

Every target is a ratio between contestants of the same run (see docs/performance.md), never an
absolute time. A target whose contestants were skipped or failed reads "not measured".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["TARGETS", "Target", "evaluate"]

Row = dict[str, Any]
Rows = dict[str, list[Row]]


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    check: Callable[[Rows], tuple[str, bool] | None]  # (figure, met) or None: not measured


def _row(rows: Rows, section: str, label: str) -> Row | None:
    for row in rows.get(section, []):
        if row["label"] == label and ("us" in row or "rps" in row):
            return row
    return None


def _median(row: Row | None, field: str) -> float | None:
    return None if row is None or field not in row else float(row[field]["median"])


def _floor(rows: Rows, section: str, db: str) -> Row | None:
    found = [r for r in rows.get(section, []) if r.get("role") == "floor" and ("us" in r or "rps" in r)]
    same = [r for r in found if r.get("db") == db]
    return (same or found or [None])[0]


def _inproc_ratio(label: str, limit: float, sql: int | None = None) -> Callable[[Rows], tuple[str, bool] | None]:
    def check(rows: Rows) -> tuple[str, bool] | None:
        row = _row(rows, "request", label)
        floor = _floor(rows, "request", "sqlite")
        us, floor_us = _median(row, "us"), _median(floor, "us")
        if row is None or us is None or not floor_us:
            return None
        ratio = us / floor_us
        queries = row.get("queries")
        figure = f"{ratio:.2f}× floor ({us:,.0f} vs {floor_us:,.0f} µs), {queries} SQL"
        met = ratio <= limit and (sql is None or queries == sql)
        return figure, met

    return check


def _http_share(label: str, share: float) -> Callable[[Rows], tuple[str, bool] | None]:
    def check(rows: Rows) -> tuple[str, bool] | None:
        row, floor = _row(rows, "http", label), _floor(rows, "http", "sqlite")
        rps, floor_rps = _median(row, "rps"), _median(floor, "rps")
        if row is None or rps is None or not floor_rps or floor is None:
            return None
        figure = (
            f"{100 * rps / floor_rps:.0f}% ({rps:,.0f} vs floor {floor_rps:,.0f} req/s; "
            f"p50/p99 {row['p50_ms']['median']:.2f}/{row['p99_ms']['median']:.2f} ms, "
            f"floor {floor['p50_ms']['median']:.2f}/{floor['p99_ms']['median']:.2f} ms)"
        )
        return figure, rps >= share * floor_rps

    return check


def _vs_simplejwt(
    section: str, db: str, limit: float, max_sql: int | None, profiles: tuple[str, ...] = ("jwtauth", "jwtauth_pg")
) -> Callable[[Rows], tuple[str, bool] | None]:
    def check(rows: Rows) -> tuple[str, bool] | None:
        ours = [r for r in rows.get(section, []) if r["profile"] in profiles and r["db"] == db]
        ref = [r for r in rows.get(section, []) if r.get("role") == "simplejwt" and r["db"] == db]
        us, ref_us = _median(ours[0] if ours else None, "us"), _median(ref[0] if ref else None, "us")
        if not us or not ref_us:
            return None
        ratio = us / ref_us
        queries, ref_queries = ours[0].get("queries"), ref[0].get("queries")
        figure = f"{ratio:.2f}× simplejwt ({us:,.0f} vs {ref_us:,.0f} µs), {queries} SQL (simplejwt {ref_queries})"
        met = ratio <= limit and (max_sql is None or (queries is not None and queries <= max_sql))
        return figure, met

    return check


def _one_pk_read(rows: Rows) -> tuple[str, bool] | None:
    row = _row(rows, "request", "jwtauth (PostgreSQL, no Redis)")
    floor = _floor(rows, "request", "sqlite")
    us, floor_us = _median(row, "us"), _median(floor, "us")
    if row is None or us is None or not floor_us:
        return None
    plan = " ".join(row.get("explain", []))
    is_index = "Index Scan" in plan and "_pkey" in plan and "Seq Scan" not in plan
    figure = f"{row.get('queries')} SQL, {'primary-key index scans' if is_index else 'plan: ' + plan[:80]}; "
    figure += f"{us / floor_us:.2f}× floor"
    return figure, row.get("queries") == 1 and is_index


TARGETS: tuple[Target, ...] = (
    Target("Redis path ≤ 1.5× floor in process, 0 SQL", _inproc_ratio("jwtauth (Redis cache)", 1.5, 0)),
    Target(
        "production (PostgreSQL + Redis) ≤ 1.5× floor in process, 0 SQL",
        _inproc_ratio("jwtauth (PostgreSQL + Redis: production)", 1.5, 0),
    ),
    Target("embedded default ≤ 1.5× floor in process", _inproc_ratio("jwtauth (embedded, default cache)", 1.5)),
    Target("stateless ≤ 1.2× floor in process", _inproc_ratio("jwtauth (stateless)", 1.2, 0)),
    Target("PostgreSQL without Redis: one indexed primary-key read per request", _one_pk_read),
    Target(
        "HTTP, production (gunicorn, PostgreSQL + Redis) ≥ 90% of the floor's req/s",
        _http_share("jwtauth (PostgreSQL + Redis: production)", 0.90),
    ),
    Target("HTTP, embedded default ≥ 85% of the floor's req/s", _http_share("jwtauth (embedded, default cache)", 0.85)),
    Target("refresh ≤ 0.5× simplejwt, ≤ 3 SQL (SQLite)", _vs_simplejwt("refresh", "sqlite", 0.5, 3)),
    Target("refresh ≤ 0.5× simplejwt, ≤ 3 SQL (PostgreSQL)", _vs_simplejwt("refresh", "postgres", 0.5, 3)),
    Target("login ≤ 1.0× simplejwt, MD5PasswordHasher (SQLite)", _vs_simplejwt("login", "sqlite", 1.0, None)),
    Target("login ≤ 1.0× simplejwt, MD5PasswordHasher (PostgreSQL)", _vs_simplejwt("login", "postgres", 1.0, None)),
    Target(
        "login ≤ 1.0× simplejwt, MD5PasswordHasher (production: PostgreSQL + Redis)",
        _vs_simplejwt("login", "postgres", 1.0, None, ("jwtauth_pg_redis",)),
    ),
)


def evaluate(sections: Rows, *, is_quick: bool = False) -> list[dict[str, Any]]:
    """One entry per target: name, figure, status ("met", "not met" or "not measured";
    a quick run's figures are not judged)."""
    out = []
    for target in TARGETS:
        try:
            result = target.check(sections)
        except (KeyError, TypeError, ZeroDivisionError):
            result = None
        if result is None:
            out.append({"target": target.name, "figure": "—", "status": "not measured"})
        else:
            figure, met = result
            status = "not judged (quick run)" if is_quick else "met" if met else "not met"
            out.append({"target": target.name, "figure": figure, "status": status})
    return out
