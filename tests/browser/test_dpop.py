"""DPoP in the browser: the demo started with ``DEMO_DPOP=required``, Debian's Chromium.

The client makes a non-extractable ES256 key (WebCrypto), keeps the CryptoKey object in
IndexedDB and signs a DPoP proof for login, refresh and every API call. A token copied out
of the page (here: out of the network traffic, as a leaking proxy or log would) is useless
from outside, with or without a fresh key of the thief's own.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.browser.conftest import Demo
from tests.browser.helpers import TIMEOUT_MS, call_api, events, log_in, open_demo, wait_for_event
from tests.dpop_helpers import DPoPKey

pytestmark = pytest.mark.browser

LIFETIME_SECONDS = 30
TIMER_SECONDS = LIFETIME_SECONDS // 2


class ServerClock:
    """The demo API's clock as the thief's client sees it: real time plus the test's offset."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.demo.server_offset_seconds)


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback only)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}"), response.headers.get("WWW-Authenticate", "")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}"), err.headers.get("WWW-Authenticate", "")


def _stored_key(page: Any) -> dict[str, Any]:
    """What IndexedDB holds: the CryptoKey objects, never exported key bytes."""
    return dict(
        page.evaluate(
            """() => new Promise((resolve, reject) => {
                const open = indexedDB.open("jwtauth-dpop");
                open.onerror = () => reject(open.error);
                open.onsuccess = () => {
                    const get = open.result.transaction("keys").objectStore("keys").get("current");
                    get.onsuccess = async () => {
                        const pair = get.result;
                        let exported = "refused";
                        try { await crypto.subtle.exportKey("jwk", pair.privateKey); exported = "exported"; }
                        catch { exported = "refused"; }
                        resolve({
                            isCryptoKey: pair.privateKey instanceof CryptoKey,
                            extractable: pair.privateKey.extractable,
                            algorithm: pair.privateKey.algorithm.namedCurve,
                            exported,
                        });
                    };
                };
            })"""
        )
    )


def test_dpop_required_login_call_refresh_tabs_reload_and_stolen_token(
    dpop_demo: Demo, dpop_user: tuple[str, str], context: Any
) -> None:
    username = dpop_user[0]
    context.clock.install()
    api_requests: list[Any] = []
    context.on("request", lambda r: api_requests.append(r) if r.url.startswith(dpop_demo.api) else None)

    first = open_demo(context, dpop_demo)
    log_in(first, *dpop_user)
    assert first.get_attribute("#token-expiry", "data-token-type") == "DPoP"
    [session] = dpop_demo.sessions(username)
    assert session["dpop_jkt"], "the session is bound to the browser's key"
    login = next(r for r in api_requests if r.url.endswith("/api/auth/login/") and r.method == "POST")
    assert login.headers.get("dpop"), "login carried a DPoP proof"

    # The key: a non-extractable P-256 CryptoKey in IndexedDB.
    stored = _stored_key(first)
    assert stored == {"isCryptoKey": True, "extractable": False, "algorithm": "P-256", "exported": "refused"}

    # An API call: Authorization: DPoP plus a proof.
    assert call_api(first) == 200
    hello = [r for r in api_requests if r.url.endswith("/api/hello/") and r.method == "GET"][-1]
    authorization, proof = hello.headers["authorization"], hello.headers["dpop"]
    assert authorization.startswith("DPoP ")
    stolen_token = authorization.split(" ", 1)[1]

    # Silent refresh on the timer, with a proof by the same key.
    dpop_demo.advance_server_clock(TIMER_SECONDS + 1)
    first.clock.fast_forward(f"00:{TIMER_SECONDS + 1:02d}")
    wait_for_event(first, "refresh-local")
    refresh = [r for r in api_requests if r.url.endswith("/api/auth/refresh/")][-1]
    assert refresh.headers.get("dpop")
    assert call_api(first) == 200

    # A second tab shares the session and the key.
    second = open_demo(context, dpop_demo)
    second.wait_for_selector('#status[data-state="logged-in"]', timeout=TIMEOUT_MS)
    assert call_api(second) == 200
    assert call_api(first) == 200

    # A reload keeps the session: the key comes back from IndexedDB.
    first.reload()
    first.wait_for_selector('#status[data-state="logged-in"]', timeout=TIMEOUT_MS)
    assert call_api(first) == 200
    [session_after] = dpop_demo.sessions(username)
    assert session_after["revoked_at"] is None
    assert session_after["dpop_jkt"] == session["dpop_jkt"]
    assert "reuse" not in " ".join(events(first))

    # From outside: the copied token with the copied proof (a replay), with a fresh key of
    # the thief's own, and as a plain Bearer token: all refused, none a 500.
    url = dpop_demo.api + "/api/hello/"
    status, body, challenge = _get(url, {"Authorization": f"DPoP {stolen_token}", "DPoP": proof})
    assert (status, body["code"]) == (401, "invalid_dpop_proof")
    assert challenge.startswith('DPoP error="invalid_dpop_proof"')
    thief = DPoPKey(ServerClock(dpop_demo))
    own_proof = thief.proof("GET", url, access_token=stolen_token)
    status, body, challenge = _get(url, {"Authorization": f"DPoP {stolen_token}", "DPoP": own_proof})
    assert (status, body["code"]) == (401, "invalid_dpop_proof"), "a fresh key of the thief's own"
    status, body, challenge = _get(url, {"Authorization": f"Bearer {stolen_token}"})
    assert status == 401
    assert challenge.startswith("DPoP ")
    # The page itself still works.
    assert call_api(first) == 200
