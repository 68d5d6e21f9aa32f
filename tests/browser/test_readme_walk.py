"""The README's "Walk the flow with curl" block, run as written against the running demo."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.docs.samples import ROOT, blocks

from .conftest import Demo

pytestmark = [
    pytest.mark.browser,  # shares the demo server of the browser suite
    pytest.mark.skipif(shutil.which("curl") is None, reason="the README's walk uses curl"),
]


def test_the_readme_curl_walk_works_against_the_demo(demo_server: Demo, tmp_path: Path) -> None:
    [walk] = [b for b in blocks(ROOT / "README.md") if b.action == "demo"]
    script = walk.code.replace("http://localhost:8000", demo_server.api)
    assert script != walk.code, "the walk no longer names the demo's API URL"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    user, hello, refreshed, refused, logout_status, revoked = lines
    assert json.loads(user)["user"]["username"] == "demo"
    assert json.loads(hello)["user"] == "demo"
    assert set(json.loads(refreshed)) >= {"access_token", "token_type", "expires_in", "csrf_token"}
    assert json.loads(refused)["code"] == "csrf_failed"
    assert logout_status == "204"
    assert json.loads(revoked)["code"] == "token_revoked"
