"""The ways to read one revocation entry from Redis through redis-py, measured side by side.

``python -m benchmarks.redis_options [--rounds N] [--trials N] [--json PATH]``

Each option reads the same key (``GET``, a 3-byte value) in interleaved rounds, like the main
harness; the figure is the median µs per read across rounds. Only redis-py's public API is used:

- ``pool``: ``redis.Redis(connection_pool=...).get()``, what Django's ``RedisCache`` client does
  (connection checkout and release per command);
- ``single``: ``redis.Redis(single_connection_client=True).get()`` (one held connection, behind
  redis-py's per-client lock);
- ``connection``: one held ``redis.Connection`` per thread, ``send_command()`` +
  ``read_response()`` (what jwtauth's reader does);
- ``pipeline``: ``pipeline(transaction=False).get().execute()`` on a pooled client: the hot path
  has one command per request, so there is nothing to batch it with;
- each with the pure-Python RESP2 parser and with hiredis (when installed);
- ``csc``: RESP3 client-side caching (``protocol=3, cache_config=CacheConfig()``): a hit never
  leaves the process. Its visibility check runs ``--trials`` times: process B reads a key (now
  cached), process A writes the tombstone and answers, then B reads again; any read that still
  returns the old value is a stale acceptance.

Writes nothing to the repository unless ``--json`` is given. Uses Redis database 9 (flushes the
keys it writes, nothing else), or ``BENCH_REDIS_URL``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
from redis.cache import CacheConfig
from redis.connection import Connection

try:
    from redis._parsers import _HiredisParser, _RESP2Parser

    _PARSERS: dict[str, Any] = {"python": _RESP2Parser, "hiredis": _HiredisParser}
except ImportError:  # pragma: no cover - other redis-py layouts
    _PARSERS = {"default": None}

URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
KEY = "jwtauth:bench:options"


def _has_hiredis() -> bool:
    try:
        import hiredis  # noqa: F401
    except ImportError:
        return False
    return True


def _options() -> dict[str, Callable[[], Any]]:
    """Each option as a zero-argument read of KEY."""
    out: dict[str, Callable[[], Any]] = {}
    parsers = {k: v for k, v in _PARSERS.items() if k != "hiredis" or _has_hiredis()}
    for name, parser in parsers.items():
        extra = {} if parser is None else {"parser_class": parser}
        pool = redis.ConnectionPool.from_url(URL, **extra)
        pooled = redis.Redis(connection_pool=pool)
        out[f"pool/{name}"] = lambda c=pooled: c.get(KEY)
        single = redis.Redis(connection_pool=redis.ConnectionPool.from_url(URL, **extra), single_connection_client=True)
        out[f"single/{name}"] = lambda c=single: c.get(KEY)
        conn = Connection(**{**pool.connection_kwargs})

        def raw(conn: Connection = conn) -> Any:
            conn.send_command("GET", KEY)
            return conn.read_response()

        out[f"connection/{name}"] = raw
        out[f"pipeline/{name}"] = lambda c=pooled: c.pipeline(transaction=False).get(KEY).execute()[0]
    if csc_unavailable() is None:
        cached = redis.Redis.from_url(URL, protocol=3, cache_config=CacheConfig())
        out["csc/" + ("hiredis" if _has_hiredis() else "python")] = lambda c=cached: c.get(KEY)
    return out


def csc_unavailable() -> str | None:
    """Why redis-py refuses client-side caching against this server, or None."""
    try:
        redis.Redis.from_url(URL, protocol=3, cache_config=CacheConfig()).ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def measure(rounds: int, batch: int, seed: int) -> dict[str, dict[str, float]]:
    """Median and quartiles of µs per read, per option, over interleaved rounds."""
    redis.Redis.from_url(URL).set(KEY, b"u:1")
    options = _options()
    for fn in options.values():  # connect, warm the cache of csc
        for _ in range(200):
            fn()
    samples: dict[str, list[float]] = {k: [] for k in options}
    rng = random.Random(seed)
    for _ in range(rounds):
        for name in rng.sample(list(options), len(options)):
            fn = options[name]
            t0 = time.perf_counter()
            for _ in range(batch):
                fn()
            samples[name].append((time.perf_counter() - t0) / batch * 1e6)
    out = {}
    for name, values in samples.items():
        q1, med, q3 = statistics.quantiles(values, n=4, method="inclusive")
        out[name] = {"median_us": round(med, 1), "q1_us": round(q1, 1), "q3_us": round(q3, 1)}
    return out


def _reader(conn: Any, url: str, key: str, trials: int) -> None:
    # Process B: the client with client-side caching.
    client = redis.Redis.from_url(url, protocol=3, cache_config=CacheConfig())
    stale = 0
    for _ in range(trials):
        if conn.recv() != "read":
            break
        client.get(key)  # now cached (the value is "u:1": live)
        conn.send("cached")
        conn.recv()  # A has written the tombstone and answered
        if client.get(key) != b"r":
            stale += 1
        conn.send("checked")
    conn.send(stale)


def visibility_trials(trials: int) -> dict[str, int]:
    """Revoke on process A, then read on process B, ``trials`` times; count stale reads."""
    writer = redis.Redis.from_url(URL)
    ctx = mp.get_context("spawn")
    a_end, b_end = ctx.Pipe()
    proc = ctx.Process(target=_reader, args=(b_end, URL, KEY + ":csc", trials))
    proc.start()
    for _ in range(trials):
        writer.set(KEY + ":csc", b"u:1")
        a_end.send("read")
        a_end.recv()
        writer.set(KEY + ":csc", b"r")  # the revocation; its reply has arrived
        a_end.send("revoked")
        a_end.recv()
    stale = int(a_end.recv())
    proc.join(30)
    writer.delete(KEY, KEY + ":csc")
    return {"trials": trials, "stale": stale}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.redis_options")
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--batch", type=int, default=2000)
    p.add_argument("--trials", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", type=Path)
    a = p.parse_args(argv)
    figures = measure(a.rounds, a.batch, a.seed)
    for name, f in sorted(figures.items(), key=lambda kv: kv[1]["median_us"]):
        print(f"{name:22} {f['median_us']:7.1f} µs  (IQR {f['q1_us']}–{f['q3_us']})")
    server = redis.Redis.from_url(URL).info("server")["redis_version"]
    refused = csc_unavailable()
    trials: dict[str, Any]
    if refused:
        trials = {"skipped": f"Redis {server}: {refused}"}
        print(f"csc: not measured: {trials['skipped']}")
    else:
        trials = visibility_trials(a.trials) if a.trials else {"trials": 0, "stale": 0}
        print(f"csc visibility: {trials['stale']} stale of {trials['trials']} revoke-then-read trials")
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "redis_py": redis.__version__,
        "redis_server": server,
        "hiredis": _has_hiredis(),
        "loadavg_1min": round(os.getloadavg()[0], 2),
        "per_read": figures,
        "csc_visibility": trials,
    }
    if a.json:
        a.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
