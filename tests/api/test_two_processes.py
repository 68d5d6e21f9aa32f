"""Revocation across processes: two ``runserver`` processes share PostgreSQL and
Redis; a logout through one makes the access token fail on the other at once."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "two processes, one truth"
DEADLINE_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=os.environ.get("JWTAUTH_TEST_PG_HOST", "127.0.0.1"),
        port=os.environ.get("JWTAUTH_TEST_PG_PORT", "5432"),
        user=os.environ.get("JWTAUTH_TEST_PG_USER", "postgres"),
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _django(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "django", *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120
    )


def _request(base: str, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=dict(headers or {}))  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own local server)
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


def _wait_ready(process: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.stdout.read().decode() if process.stdout else ''}")
        try:
            _request(base, "GET", "/api/auth/user/")
            return
        except OSError:
            time.sleep(0.1)  # polling readiness only; test time runs on no clock
    pytest.fail(f"server at {base} not ready within {DEADLINE_SECONDS}s")


@pytest.fixture
def servers() -> Iterator[tuple[str, str]]:
    if os.environ.get("JWTAUTH_TEST_DB") != "postgres" or not os.environ.get("JWTAUTH_TEST_REDIS_URL"):
        pytest.skip("needs JWTAUTH_TEST_DB=postgres and JWTAUTH_TEST_REDIS_URL")
    database = f"jwtauth_twoproc_{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "JWTAUTH_TWOPROC_DB": database,
        "DJANGO_SETTINGS_MODULE": "tests.twoproc_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
    }
    _pg(f'CREATE DATABASE "{database}"')
    processes: list[subprocess.Popen[bytes]] = []
    try:
        _django(env, "migrate", "--noinput")
        _django(
            env,
            "shell",
            "-c",
            f"from django.contrib.auth import get_user_model; get_user_model().objects.create_user('alice', password={PASSWORD!r})",
        )
        bases = []
        for _ in range(2):
            port = _free_port()
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        for process, base in zip(processes, bases, strict=True):
            _wait_ready(process, base)
        yield bases[0], bases[1]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _login(base: str) -> tuple[str, dict[str, str]]:
    status, body, headers = _request(base, "POST", "/api/auth/login/", body={"username": "alice", "password": PASSWORD})
    assert status == 200, body
    cookies = SimpleCookie()
    for value in headers.get_all("Set-Cookie"):
        cookies.load(value)
    return json.loads(body)["access_token"], {name: morsel.value for name, morsel in cookies.items()}


def _hello(base: str, token: str) -> tuple[int, Any]:
    status, body, _ = _request(base, "GET", "/api/hello/", {"Authorization": f"Bearer {token}"})
    return status, json.loads(body)


def test_logout_on_one_process_revokes_on_the_other(servers: tuple[str, str]) -> None:
    a, b = servers
    token, _ = _login(a)
    assert _hello(b, token) == (200, {"message": "hello", "user": "alice"})
    assert _hello(a, token)[0] == 200
    status, body, _ = _request(a, "POST", "/api/auth/logout-all/", {"Authorization": f"Bearer {token}"})
    assert (status, json.loads(body)) == (200, {"revoked": 1})
    assert _hello(b, token) == (401, {"detail": "The access token has been revoked.", "code": "token_revoked"})

    # the cookie logout (CSRF-protected) through B, checked on A
    token, cookies = _login(b)
    assert _hello(a, token)[0] == 200
    status, body, _ = _request(
        b,
        "POST",
        "/api/auth/logout/",
        {
            "Cookie": f"jwtauth_refresh={cookies['jwtauth_refresh']}; csrftoken={cookies['csrftoken']}",
            "X-CSRFToken": cookies["csrftoken"],
        },
    )
    assert status == 204, body
    assert _hello(a, token)[1]["code"] == "token_revoked"
