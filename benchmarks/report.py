"""Statistics across rounds, the stdout table, and results/latest.{json,md}."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from benchmarks.plan import SECTIONS
from benchmarks.targets import evaluate

__all__ = ["render", "summarise", "write"]


def summarise(samples: list[float]) -> dict[str, float]:
    """Median, quartiles (IQR), min and max of one contestant's per-round figures."""
    if len(samples) >= 2:
        q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    else:
        q1 = q3 = samples[0]
    return {
        "median": statistics.median(samples),
        "q1": q1,
        "q3": q3,
        "min": min(samples),
        "max": max(samples),
        "rounds": len(samples),
    }


def _fmt(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def _ratio(x: float | None, ref: float | None) -> str:
    return "—" if x is None or not ref else f"{x / ref:.2f}"


def _ref(rows: list[dict[str, Any]], role: str, field: str, db: str | None = None) -> float | None:
    """Median of the section's reference row with this role, on the same database when there is one."""
    found = [r for r in rows if r.get("role") == role and r.get(field)]
    same_db = [r for r in found if r.get("db") == db]
    best = (same_db or found)[:1]
    return best[0][field]["median"] if best else None


def _inproc_table(section: str, rows: list[dict[str, Any]]) -> list[list[str]]:
    header = ["contestant", "µs/op (median)", "IQR", "min–max", "SQL/op", "× floor", "× simplejwt"]
    if section == "login":
        header.insert(5, "µs over floor")
    table = [header]
    for row in rows:
        if "us" not in row:
            table.append([row["label"], row["status"]] + [""] * (len(header) - 2))
            continue
        s = row["us"]
        floor, ref = _ref(rows, "floor", "us", row.get("db")), _ref(rows, "simplejwt", "us", row.get("db"))
        line = [
            row["label"],
            _fmt(s["median"]),
            f"{_fmt(s['q1'])}–{_fmt(s['q3'])}",
            f"{_fmt(s['min'])}–{_fmt(s['max'])}",
            "?" if row.get("queries") is None else str(row["queries"]),
            _ratio(s["median"], floor),
            _ratio(s["median"], ref),
        ]
        if section == "login":
            line.insert(5, "—" if floor is None else _fmt(s["median"] - floor))
        table.append(line)
    return table


def _http_table(rows: list[dict[str, Any]]) -> list[list[str]]:
    floor, ref = _ref(rows, "floor", "rps"), _ref(rows, "simplejwt", "rps")
    header = [
        "contestant",
        "req/s (median)",
        "IQR",
        "p50 ms",
        "p99 ms",
        "peak RSS/worker MiB",
        "% of floor req/s",
        "% of simplejwt req/s",
        "errors",
    ]
    table = [header]
    for row in rows:
        if "rps" not in row:
            table.append([row["label"], row["status"]] + [""] * (len(header) - 2))
            continue
        s = row["rps"]
        table.append(
            [
                row["label"],
                _fmt(s["median"], 0),
                f"{_fmt(s['q1'], 0)}–{_fmt(s['q3'], 0)}",
                _fmt(row["p50_ms"]["median"], 2),
                _fmt(row["p99_ms"]["median"], 2),
                _fmt(row.get("peak_rss_mib"), 1),
                "—" if not floor else f"{100 * s['median'] / floor:.0f}%",
                "—" if not ref else f"{100 * s['median'] / ref:.0f}%",
                str(row.get("errors", 0)),
            ]
        )
    return table


def _tables(results: dict[str, Any]) -> list[tuple[str, list[list[str]], list[str]]]:
    """(title, table, notes) per section."""
    out = []
    for section, title in SECTIONS.items():
        rows = results["sections"].get(section)
        if rows:
            table = _http_table(rows) if section == "http" else _inproc_table(section, rows)
            notes = [f"{r['label']}: {r['note']}" for r in rows if r.get("note")]
            out.append((title, table, notes))
    return out


def _is_status_row(row: list[str]) -> bool:
    """A skipped or failed contestant: label and one long status cell."""
    return len(row) > 2 and all(c == "" for c in row[2:])


def _text(table: list[list[str]]) -> str:
    measured = [r for r in table if not _is_status_row(r)]
    widths = [max(len(r[i]) for r in measured) for i in range(len(table[0]))]
    widths[0] = max(len(r[0]) for r in table)
    lines = []
    for i, r in enumerate(table):
        if _is_status_row(r):
            lines.append(f"{r[0].ljust(widths[0])}  {r[1]}")
            continue
        lines.append(
            "  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths, strict=True)))
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _md(table: list[list[str]]) -> str:
    lines = ["| " + " | ".join(table[0]) + " |", "|" + "|".join(["---"] + ["---:"] * (len(table[0]) - 1)) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in table[1:]]
    return "\n".join(lines)


def _meta_line(meta: dict[str, Any]) -> str:
    v = meta["versions"]
    return (
        f"{meta['date']} · {meta['mode']} run · Python {meta['python']} · "
        + " · ".join(f"{k} {v[k]}" for k in sorted(v))
        + f" · {meta['cpus']} CPUs · {meta['rounds']} rounds in process, {meta['http_rounds']}"
        f" × {meta['http_seconds']} s over HTTP ({meta['loadgen']}) · seed {meta['seed']}"
        f" · load average {meta['loadavg_1min']['start']} → {meta['loadavg_1min']['end']}"
    )


_BUSY_WARNING = (
    "other processes were busy on this machine (load average above half the CPUs): absolute figures"
    " are noisy, ratios less so (contestants were interleaved)"
)


def _is_busy(meta: dict[str, Any]) -> bool:
    return bool(max(meta["loadavg_1min"].values()) > (meta["cpus"] or 1) / 2)


def _targets_table(results: dict[str, Any]) -> list[list[str]]:
    results.setdefault("targets", evaluate(results["sections"], is_quick="quick" in results["meta"]["mode"]))
    return [["target", "figure", "status"]] + [[t["target"], t["figure"], t["status"]] for t in results["targets"]]


def _explains(results: dict[str, Any]) -> list[str]:
    out = []
    for row in results["sections"].get("request", []):
        if row.get("explain"):
            out += [f"{row['label']}: EXPLAIN of its per-request query", *(f"    {x}" for x in row["explain"])]
    return out


def render(results: dict[str, Any]) -> str:
    """The stdout report: the tables, the query plans, then every target with met / not met."""
    parts = [_meta_line(results["meta"])]
    if _is_busy(results["meta"]):
        parts.append("WARNING: " + _BUSY_WARNING)
    for title, table, notes in _tables(results):
        parts += ["", f"== {title}", _text(table), *(f"  note: {n}" for n in notes)]
    if _explains(results):
        parts += ["", "== Query plans (PostgreSQL)", *_explains(results)]
    parts += ["", "== Targets", _text(_targets_table(results))]
    return "\n".join(parts)


def write(results: dict[str, Any], out_dir: Path) -> None:
    """Write latest.json (all figures, SQL of each contestant) and latest.md (the tables)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results.setdefault("targets", evaluate(results["sections"], is_quick="quick" in results["meta"]["mode"]))
    (out_dir / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    md = [
        "# jwtauth benchmark results",
        "",
        f"_{_meta_line(results['meta'])}_",
        "",
        *([f"**{_BUSY_WARNING}**", ""] if _is_busy(results["meta"]) else []),
        "Medians across rounds; IQR and min–max show the spread between rounds. In-process rows:",
        "× floor and × simplejwt are time ratios (lower is faster). HTTP rows: throughput as a",
        "percentage of the floor's and of simplejwt's (higher is faster). How to read: benchmarks/README.md.",
    ]
    for title, table, notes in _tables(results):
        md += ["", f"## {title}", "", _md(table)]
        md += ["", *(f"- {n}" for n in notes)] if notes else []
    if _explains(results):
        md += ["", "## Query plans (PostgreSQL)", "", "```", *_explains(results), "```"]
    md += ["", "## Targets", "", _md(_targets_table(results))]
    (out_dir / "latest.md").write_text("\n".join(md) + "\n")
