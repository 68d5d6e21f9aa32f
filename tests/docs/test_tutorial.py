"""The tutorial, done by the test: docs/tutorial.md's files, shell steps and servers, as written.

A fresh ``django-admin startproject`` in a temporary directory, the settings and files from the
page's ``write``/``append`` blocks, its shell steps run with this environment's ``python`` and
``django-admin`` first on ``PATH`` (jwtauth installed from this checkout), and its two servers.
The page's ports (8000, 3000) are replaced by free ones so the test never collides with a running
demo. The curl step's answers are checked here; tests/browser/test_tutorial_spa.py drives the page's
SPA in Chromium.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .samples import DOCS, Block, blocks

TUTORIAL = DOCS / "tutorial.md"
PAGE_PORTS = {"api": 8000, "frontend": 3000}
USERNAME, PASSWORD = "alice", "correct-horse-battery-staple"

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="the tutorial's checks use curl")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    # Start-up of another process: polling is the one way to know it listens.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {process.stdout and process.stdout.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


@dataclass
class Tutorial:
    root: Path
    ports: dict[str, int]
    env: dict[str, str]
    outputs: list[tuple[Block, str]] = field(default_factory=list)
    servers: list[subprocess.Popen[str]] = field(default_factory=list)

    def localize(self, text: str) -> str:
        """The page's ports replaced by this run's."""
        for name, page_port in PAGE_PORTS.items():
            text = re.sub(rf"\b{page_port}\b", str(self.ports[name]), text)
        return text

    def url(self, name: str, path: str = "/") -> str:
        return f"http://localhost:{self.ports[name]}{path}"


def _environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run_steps(tutorial: Tutorial) -> None:
    for block in blocks(TUTORIAL):
        code = tutorial.localize(block.code)
        if block.action in ("write", "append"):
            target = tutorial.root / block.argument
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a" if block.action == "append" else "w") as handle:
                handle.write(("\n" if block.action == "append" else "") + code)
        elif block.action == "shell":
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", code],
                cwd=tutorial.root,
                env=tutorial.env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            output = done.stdout + done.stderr
            assert done.returncode == 0, f"{block.where} failed ({done.returncode}):\n{code}\n{output}"
            tutorial.outputs.append((block, output))
        elif block.action == "server":
            process = subprocess.Popen(
                ["bash", "-c", f"exec {code}"],
                cwd=tutorial.root,
                env=tutorial.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
            tutorial.servers.append(process)
            _wait_for_port(tutorial.ports[block.argument], process)


@contextlib.contextmanager
def running_tutorial(root: Path) -> Iterator[Tutorial]:
    """The tutorial's project built in ``root``, its servers running until the block exits."""
    run = Tutorial(root, {name: _free_port() for name in PAGE_PORTS}, _environment(root))
    try:
        _run_steps(run)
        yield run
    finally:
        for process in run.servers:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tutorial]:
    with running_tutorial(tmp_path_factory.mktemp("tutorial")) as run:
        yield run


def test_the_page_has_the_steps() -> None:
    actions = [(b.action, b.argument) for b in blocks(TUTORIAL) if b.action not in ("", "run", "not run")]
    assert ("append", "mysite/settings.py") in actions
    assert ("write", "frontend/index.html") in actions
    assert {("server", "api"), ("server", "frontend")} <= set(actions)


def test_the_project_checks_clean(tutorial: Tutorial) -> None:
    [check_output] = [out for block, out in tutorial.outputs if "manage.py check" in block.code]
    assert "System check identified no issues" in check_output
    assert not re.search(r"jwtauth\.[EW]\d{3}", check_output)


def test_the_curl_step_sees_cors_tokens_and_a_protected_view(tutorial: Tutorial) -> None:
    [output] = [out for block, out in tutorial.outputs if "curl" in block.code]
    lines = output.lower().splitlines()
    assert f"access-control-allow-origin: {tutorial.url('frontend', '').lower()}" in [x.strip() for x in lines]
    assert "access-control-allow-credentials: true" in [x.strip() for x in lines]
    assert f'{{"message":"Hello, {USERNAME}!"}}' in output
    assert output.rstrip().endswith("401")
    jar = (tutorial.root / "jar.txt").read_text()
    assert "jwtauth_refresh" in jar
    assert "csrftoken" in jar


def test_the_frontend_is_served(tutorial: Tutorial) -> None:
    with urllib.request.urlopen(tutorial.url("frontend")) as response:  # noqa: S310 (loopback)
        assert "<title>My SPA</title>" in response.read().decode()
