"""Stop and restore the shared PostgreSQL and Redis, always bounded, always restored.

Other people's tests use these servers too: outages are short (about 8-10 s), and
``ensure_up`` (also called by ``loadtests/run``'s exit trap) starts whatever is down.
"""

from __future__ import annotations

import os
import subprocess
import time

REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def _cluster() -> list[str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]


def _ok(cmd: list[str]) -> bool:
    return subprocess.run(cmd, capture_output=True, timeout=10, check=False).returncode == 0


def redis_up() -> bool:
    return _ok(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"])


def postgres_up() -> bool:
    return _ok(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"])


def stop_redis() -> None:
    subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"],
        capture_output=True,
        timeout=10,
        check=False,
    )


def start_redis() -> None:
    if not redis_up():
        subprocess.run(REDIS_START, capture_output=True, timeout=10, check=False)


def stop_postgres() -> None:
    subprocess.run([*_cluster(), "stop", "-m", "fast"], capture_output=True, timeout=30, check=False)


def start_postgres() -> None:
    if not postgres_up():
        subprocess.run([*_cluster(), "start"], capture_output=True, timeout=60, check=False)


def ensure_up(timeout_seconds: float = 60) -> bool:
    """Start PostgreSQL and Redis if either is down; wait until both answer."""
    start_postgres()
    start_redis()
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if postgres_up() and redis_up():
            return True
        time.sleep(0.5)
    return False


FAULTS = {"redis": (stop_redis, start_redis, redis_up), "postgres": (stop_postgres, start_postgres, postgres_up)}


if __name__ == "__main__":  # python -m loadtests.services: the exit trap's safety net
    raise SystemExit(0 if ensure_up() else 1)
