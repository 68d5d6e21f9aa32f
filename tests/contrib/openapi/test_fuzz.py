"""Schemathesis against the OpenAPI schema on a live server (loopback, bounded).

Run with ``pytest -m fuzz``; about 30 s. Every response must be documented (status,
content type, headers, body schema) and no request may produce a 5xx.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("schemathesis")
pytest.importorskip("drf_spectacular")

import jwtauth.contrib.openapi.schema  # noqa: F401  (registers the extensions)
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = int(os.environ.get("JWTAUTH_FUZZ_EXAMPLES", "40"))


def _st() -> str:
    local = Path(sys.executable).with_name("st")
    found = str(local) if local.exists() else shutil.which("st")
    if found is None:
        pytest.skip("the schemathesis CLI (st) is not installed")
    return found


def test_schemathesis_finds_no_5xx_and_no_undocumented_response(
    live_server: Any, settings: Any, tmp_path: Path
) -> None:
    from django.contrib.auth import get_user_model

    settings.ROOT_URLCONF = "tests.contrib.openapi.openapi_urls"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
    get_user_model().objects.create_user(username="alice", password=PASSWORD)
    command = [
        _st(),
        "run",
        f"{live_server.url}/api/schema/",
        "--checks=all",
        f"--max-examples={MAX_EXAMPLES}",
        "--max-time=45",
        "--workers=1",
        "--request-timeout=5",
        "--generation-database=none",
        "--seed=7",
        "--no-color",
        "--report=junit",
        f"--report-dir={tmp_path}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
