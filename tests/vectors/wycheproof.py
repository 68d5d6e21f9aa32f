"""Locate the Wycheproof vectors in ``<repo>/../shared/testdata/wycheproof`` (or
``$JWTAUTH_TESTDATA/wycheproof``) without copying them into the repository."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

_REPO = Path(__file__).resolve().parents[2]


def data_dir() -> Path | None:
    candidates = [_REPO.parent / "shared" / "testdata" / "wycheproof"]
    if os.environ.get("JWTAUTH_TESTDATA"):
        base = Path(os.environ["JWTAUTH_TESTDATA"])
        candidates += [base / "wycheproof", base]
    return next((c for c in candidates if c.is_dir()), None)


def groups(filename: str) -> list[Any]:
    """One pytest param per test group (id ``<index>-<comment>``), or a single skipped
    param naming where the data was looked for."""
    directory = data_dir()
    if directory is None or not (directory / filename).is_file():
        reason = f"Wycheproof {filename} not found next to the repo or under $JWTAUTH_TESTDATA"
        return [pytest.param(None, id="missing", marks=pytest.mark.skip(reason=reason))]
    data = json.loads((directory / filename).read_text())
    return [pytest.param(g, id=f"{i}-{g['comment']}") for i, g in enumerate(data["testGroups"])]
