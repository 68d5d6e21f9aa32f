"""Browser tests: the demo (API + front end) in subprocesses, Chromium through Playwright.

Chromium is Debian's (``/usr/bin/chromium`` or ``JWTAUTH_CHROMIUM``), never a downloaded
build. Without it the tests are skipped with that reason.

Time is controlled, never slept: the browser's clock through Playwright's clock API
(``context.clock``), the server's through the demo's test seam ``DEMO_CLOCK_FILE``
(:meth:`Demo.advance_server_clock`). The demo server is shared by the whole session, so
every test gets a fresh browser context (cookie jar) and its own user (:func:`user`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
_USER_BATCH = 16
_E2E_PASSWORD = "jwtauth-e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    path = os.environ.get("JWTAUTH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.path.exists(path) else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, timeout: float = 90.0) -> None:
    # Start-up only: the servers are other processes, so polling is the one way to know.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback only)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


@dataclass
class Demo:
    api: str
    frontend: str
    api_port: int
    frontend_port: int
    db_path: Path
    clock_file: Path
    log_path: Path
    env: dict[str, str]
    username: str = "demo"
    password: str = "jwtauth-demo"
    server_offset_seconds: float = 0.0
    _batch_numbers: Iterator[int] = field(default_factory=itertools.count)
    _spare_users: list[str] = field(default_factory=list)

    def advance_server_clock(self, seconds: float) -> None:
        """Move the API's clock forward. Never back: tokens issued meanwhile stay valid
        for the tests that follow."""
        if seconds < 0:
            raise ValueError("the server clock only moves forward")
        self.server_offset_seconds += seconds
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(f"{self.server_offset_seconds}\n")
        tmp.replace(self.clock_file)  # atomic: the server never reads half a number

    def create_user(self) -> tuple[str, str]:
        """A new user that no other test touches: ``(username, password)``.

        Users are made in batches, one ``manage.py shell`` per batch (each costs a
        Django start-up)."""
        if not self._spare_users:
            start = next(self._batch_numbers) * _USER_BATCH
            names = [f"e2e-{n}" for n in range(start, start + _USER_BATCH)]
            code = (
                "from django.contrib.auth import get_user_model\n"
                "User = get_user_model()\n"
                f"for name in {names!r}:\n"
                f"    User.objects.create_user(name, password={_E2E_PASSWORD!r})\n"
            )
            subprocess.run(
                [sys.executable, str(ROOT / "demo" / "manage.py"), "shell", "-v", "0", "-c", code],
                check=True,
                env=self.env,
            )
            self._spare_users.extend(names)
        return self._spare_users.pop(0), _E2E_PASSWORD

    def sessions(self, username: str) -> list[dict[str, Any]]:
        """The user's refresh sessions (token families) as stored, oldest first."""
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT s.id, s.jti_hash, s.previous_jti_hash, s.rotated_at, s.revoked_at, s.revoke_reason,"
                " s.dpop_jkt"
                " FROM jwtauth_refreshsession s JOIN auth_user u ON u.id = s.user_id"
                " WHERE u.username = ? ORDER BY s.created_at",
                (username,),
            ).fetchall()
        return [dict(row) for row in rows]

    def log_text(self) -> str:
        """The demo's console output so far (jwtauth logs reuse detection there)."""
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def _run_demo(**extra_env: str) -> Iterator[Demo]:
    """The demo started with its own runner (demo/run.py) on free ports, a temp DB and
    the server clock seam (``DEMO_CLOCK_FILE``), plus ``extra_env``."""
    api_port, frontend_port = _free_port(), _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DEMO_API_PORT": str(api_port),
            "DEMO_FRONTEND_PORT": str(frontend_port),
            "DEMO_DB": str(Path(tmp) / "demo.sqlite3"),
            "DEMO_ACCESS_TOKEN_SECONDS": os.environ.get("DEMO_ACCESS_TOKEN_SECONDS", "30"),
            "DEMO_CLOCK_FILE": str(Path(tmp) / "clock-offset"),
            "DEMO_FAST_PASSWORD_HASHER": "1",
            **extra_env,
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        log_path = Path(tmp) / "demo.log"
        log = open(log_path, "w")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, str(ROOT / "demo" / "run.py")], env=env, stdout=log, stderr=log)
        try:
            _wait_for(f"http://127.0.0.1:{frontend_port}/")
            _wait_for(f"http://127.0.0.1:{api_port}/admin/login/")
            yield Demo(
                api=f"http://localhost:{api_port}",
                frontend=f"http://localhost:{frontend_port}",
                api_port=api_port,
                frontend_port=frontend_port,
                db_path=Path(env["DEMO_DB"]),
                clock_file=Path(env["DEMO_CLOCK_FILE"]),
                log_path=log_path,
                env=env,
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


@pytest.fixture(scope="session")
def demo_server() -> Iterator[Demo]:
    """The demo as ``scripts/demo`` starts it (DPoP off)."""
    with _run_demo() as demo:
        yield demo


@pytest.fixture(scope="session")
def dpop_demo() -> Iterator[Demo]:
    """The demo started with ``DEMO_DPOP=required``: every session bound to the browser's key."""
    with _run_demo(DEMO_DPOP="required") as demo:
        yield demo


@pytest.fixture
def dpop_user(dpop_demo: Demo) -> tuple[str, str]:
    """A fresh ``(username, password)`` on the DPoP demo."""
    return dpop_demo.create_user()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser context: its own cookie jar, storage, tabs and clock."""
    context = browser.new_context(viewport={"width": 1100, "height": 820})
    yield context
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def user(demo_server: Demo) -> tuple[str, str]:
    """A fresh ``(username, password)``, so server-side state never leaks between tests."""
    return demo_server.create_user()


class _ElsewhereHandler(BaseHTTPRequestHandler):
    """Any path: a plain page of some other site (the tests script it with evaluate())."""

    def do_GET(self) -> None:
        body = b"<!doctype html><meta charset=utf-8><title>Some other site</title><h1>Some other site</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def elsewhere_port() -> Iterator[int]:
    """A third port on 127.0.0.1 serving a page of an origin the API does not allow.

    As ``http://localhost:<port>`` it is cross-origin but same-site with the API, so the
    browser still attaches the API's cookies (the worst case); as
    ``http://127.0.0.1:<port>`` it is cross-site.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ElsewhereHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
