"""Interop: DPoP proofs made in JavaScript — by jwtauth's browser client and by the npm ``dpop``
package (panva) — verify with jwtauth's Python verifier and work against the server.

Needs ``node``. The npm package is looked for in ``$JWTAUTH_NPM_DPOP_DIR`` (a directory where
``npm install dpop`` ran); without it those cases are skipped with that reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jwt as jwcrypto_jwt
from rest_framework.test import APIClient

from jwtauth.core.dpop import verify_dpop_proof
from tests.api.helpers import HELLO, LOGIN, REFRESH, csrf_headers
from tests.conftest import PASSWORD, FakeClock

SCRIPT = Path(__file__).with_name("dpop_proof.mjs")
NODE = shutil.which("node")
NPM_DIR = os.environ.get("JWTAUTH_NPM_DPOP_DIR", "")
BASE = "http://testserver"

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def _libraries() -> list[Any]:
    has_npm = bool(NPM_DIR) and (Path(NPM_DIR) / "node_modules" / "dpop").is_dir()
    npm = pytest.param(
        "npm", marks=pytest.mark.skipif(not has_npm, reason="set JWTAUTH_NPM_DPOP_DIR to a dir with `npm install dpop`")
    )
    return ["jwtauth", npm]


class NodeKey:
    """One ES256 key used across node runs (its JWK travels between them)."""

    def __init__(self, lib: str) -> None:
        self.lib = lib
        self.private_jwk: dict[str, Any] | None = None

    def proof(self, htm: str, path: str, *, access_token: str | None = None, now: datetime | None = None) -> str:
        request = {
            "lib": self.lib,
            "htm": htm,
            "htu": BASE + path,
            "access_token": access_token,
            "npm_dir": NPM_DIR,
            "private_jwk": self.private_jwk,
            "now_ms": int(now.timestamp() * 1000) if now is not None else None,
        }
        out = subprocess.run(
            [str(NODE), str(SCRIPT), json.dumps(request)], capture_output=True, text=True, timeout=30, check=True
        )
        result = json.loads(out.stdout)
        self.private_jwk = result["private_jwk"]
        return str(result["proof"])


@pytest.mark.parametrize("lib", _libraries())
def test_proof_verifies_with_the_python_verifier(lib: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    proof = NodeKey(lib).proof("POST", "/api/hello/?x=1", access_token="a.b.c", now=now)
    verified = verify_dpop_proof(
        proof, htm="POST", htu=BASE + "/api/hello/", now=now, iat_window=timedelta(seconds=60), access_token="a.b.c"
    )
    assert len(verified.jkt) == 43
    # And an independent verifier (jwcrypto) accepts it with the header's key.
    header = jwt.get_unverified_header(proof)
    token = jwcrypto_jwt.JWT(jwt=proof, key=jwcrypto_jwk.JWK(**header["jwk"]), algs=["ES256"], expected_type="JWS")
    assert json.loads(token.claims)["htm"] == "POST"
    assert jwcrypto_jwk.JWK(**header["jwk"]).thumbprint() == verified.jkt


@pytest.mark.django_db
@pytest.mark.jwtauth_settings(DPOP="required")
@pytest.mark.parametrize("lib", _libraries())
def test_login_api_call_and_refresh(lib: str, user: Any, clock: FakeClock) -> None:
    # The npm package takes iat from the real clock: the server's clock follows it here.
    clock.set(datetime.now(UTC))
    key = NodeKey(lib)
    client = APIClient(enforce_csrf_checks=True)
    login = client.post(
        LOGIN,
        {"username": "alice", "password": PASSWORD},
        format="json",
        HTTP_DPOP=key.proof("POST", LOGIN, now=clock.now()),
    )
    assert login.status_code == 200, login.content
    assert login.json()["token_type"] == "DPoP"
    access = login.json()["access_token"]
    hello = APIClient().get(
        HELLO,
        HTTP_AUTHORIZATION=f"DPoP {access}",
        HTTP_DPOP=key.proof("GET", HELLO, access_token=access, now=clock.now()),
    )
    assert hello.status_code == 200, hello.content
    refresh = client.post(REFRESH, **csrf_headers(client, login), HTTP_DPOP=key.proof("POST", REFRESH, now=clock.now()))
    assert refresh.status_code == 200, refresh.content
    # A token replayed with another key (a fresh one, as a thief would have) is refused.
    thief = NodeKey(lib)
    stolen = APIClient().get(
        HELLO,
        HTTP_AUTHORIZATION=f"DPoP {access}",
        HTTP_DPOP=thief.proof("GET", HELLO, access_token=access, now=clock.now()),
    )
    assert stolen.status_code == 401
    assert stolen.json()["code"] == "invalid_dpop_proof"
