"""Browser tests: the demo (API + front end) in subprocesses, Chromium through Playwright.

Chromium is Debian's (``/usr/bin/chromium`` or ``JWTAUTH_CHROMIUM``), never a downloaded
build. Without it the tests are skipped with that reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
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


def _wait_for(url: str, timeout: float = 30.0) -> None:
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
    username: str = "demo"
    password: str = "jwtauth-demo"


@pytest.fixture(scope="session")
def demo_server() -> Iterator[Demo]:
    """The demo started with its own runner (demo/run.py) on free ports and a temp DB."""
    api_port, frontend_port = _free_port(), _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DEMO_API_PORT": str(api_port),
            "DEMO_FRONTEND_PORT": str(frontend_port),
            "DEMO_DB": str(Path(tmp) / "demo.sqlite3"),
            "DEMO_ACCESS_TOKEN_SECONDS": os.environ.get("DEMO_ACCESS_TOKEN_SECONDS", "30"),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        log = open(Path(tmp) / "demo.log", "w")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, str(ROOT / "demo" / "run.py")], env=env, stdout=log, stderr=log)
        try:
            _wait_for(f"http://127.0.0.1:{frontend_port}/")
            _wait_for(f"http://127.0.0.1:{api_port}/admin/login/")
            yield Demo(
                api=f"http://localhost:{api_port}",
                frontend=f"http://localhost:{frontend_port}",
                api_port=api_port,
                frontend_port=frontend_port,
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


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
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
