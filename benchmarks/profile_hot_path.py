"""Profile one request scenario of a benchmark profile with pyinstrument.

``python -m benchmarks.profile_hot_path [--profile jwtauth_redis] [--scenario req_jwtauth] [-n 3000]``

Sets the profile's database up as the harness's worker does, runs ``n`` requests through Django's
full WSGI handler under pyinstrument (a statistical profiler, 1 ms interval) and writes
``benchmarks/results/profile-<profile>.txt`` (the call tree; ``--html`` adds the HTML view), then the same
requests under cProfile timed by CPU time (``profile-<profile>-cpu.txt``). Run it through
``benchmarks/.venv`` with ``DJANGO_SETTINGS_MODULE=benchmarks.site.settings``; needs pyinstrument.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_hot_path")
    p.add_argument("--profile", default="jwtauth_redis")
    p.add_argument("--scenario", default="req_jwtauth")
    p.add_argument("-n", type=int, default=3000)
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    p.add_argument("--html", action="store_true", help="also write pyinstrument's HTML view (large)")
    a = p.parse_args(argv)
    os.environ["BENCH_PROFILE"] = a.profile
    os.environ.setdefault("BENCH_TMP", tempfile.mkdtemp(prefix="jwtauth-profile-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.site.settings")
    from pyinstrument import Profiler

    from benchmarks import worker

    ready = worker._setup([a.scenario])["ready"]
    if ready[a.scenario]:
        print(ready[a.scenario], file=sys.stderr)
        return 1
    scenario = worker._scenarios[a.scenario]
    scenario.batch(200)  # warm: URL resolver, first queries, the verified-token memo
    profiler = Profiler(interval=0.0005)
    profiler.start()
    seconds, bad = scenario.batch(a.n)
    profiler.stop()
    # The same requests under cProfile timed by process CPU time: on a busy machine the wall
    # clock profile above also counts the time this process waited for a CPU or for Redis.
    cpu = cProfile.Profile(time.process_time)
    cpu.enable()
    cpu_started = time.process_time()
    scenario.batch(a.n)
    cpu_seconds = time.process_time() - cpu_started
    cpu.disable()
    worker._handle({"cmd": "teardown"})
    a.out.mkdir(parents=True, exist_ok=True)
    stem = a.out / f"profile-{a.profile}"
    text = io.StringIO()
    stats = pstats.Stats(cpu, stream=text)
    stats.sort_stats("cumulative").print_stats(35)
    (a.out / f"profile-{a.profile}-cpu.txt").write_text(
        f"{a.n} requests of {a.scenario} in profile {a.profile}: {cpu_seconds / a.n * 1e6:.1f} µs CPU each "
        "(cProfile with time.process_time: CPU only, its own overhead included)\n" + text.getvalue()
    )
    header = (
        f"{a.n} requests of {a.scenario} in profile {a.profile}: {seconds / a.n * 1e6:.1f} µs each, {bad} not 200\n"
    )
    stem.with_suffix(".txt").write_text(header + profiler.output_text(unicode=True, color=False, show_all=False))
    if a.html:  # interactive, but tens of MB: never committed
        stem.with_suffix(".html").write_text(profiler.output_html())
    print(header + f"wrote {stem}.txt and {stem}-cpu.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
