"""The resource server's JWKS client against hostile or broken JWKS hosts (127.0.0.1 only).

- A trickling host cannot stall verification: the fetch has a total deadline, the lock is
  not held during network I/O, cached keys keep verifying while one refresh runs, and fetch
  times are stamped when the fetch ends. Asserted through seams (an injected fetcher, the
  fake clock, an injected monotonic clock), never by measuring time.
- Redirects are refused; ``JWKS_URL`` must be https unless loopback or explicitly allowed.
- Malformed documents answer 503 ``jwks_unavailable``, never 500.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from jwtauth.contrib.resource_server.remote_jwks import RemoteJWKS, fetch_jwks_document, parse_jwks
from jwtauth.core.errors import JWKSUnavailable
from jwtauth.core.keys.jwks import public_jwks
from jwtauth.core.keys.keyset import KeySet
from jwtauth.settings import ResourceServerSettings
from tests.conftest import FakeClock
from tests.contrib.resource_server.jwks_server import (
    AUDIENCE,
    ISSUER,
    JWKSServer,
    access_token,
    resource_server_settings,
)
from tests.factories import asymmetric_key

WAIT = 10  # seconds: a bound on waiting for our own threads, never an assertion on speed
ALGS = frozenset({"EdDSA"})


@pytest.fixture
def jwks_server() -> Iterator[JWKSServer]:
    server = JWKSServer()
    yield server
    server.close()


def body_of(*keys: Any) -> bytes:
    return json.dumps(public_jwks(KeySet(keys))).encode()


class ControlledFetcher:
    """A fetcher the test drives: each call signals ``started`` and waits for ``release``."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self.outcome: bytes | Exception = b""
        self.seconds_taken = 0.0  # moved on the fake clock while "fetching"
        self.blocking = True

    def __call__(self, url: str) -> bytes:
        self.calls += 1
        self.started.set()
        if self.blocking:
            assert self.release.wait(WAIT), "the test never released the fetch"
        self.clock.advance(self.seconds_taken)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def remote(fetcher: ControlledFetcher, clock: FakeClock) -> RemoteJWKS:
    return RemoteJWKS(
        "https://auth.example.test/jwks/",
        ALGS,
        cache_seconds=300,
        min_refetch_seconds=30,
        timeout_seconds=5,
        clock=clock,
        fetcher=fetcher,
    )


def in_thread(call: Any) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as exc:  # the outcome under test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


# -- 15: no stall ----------------------------------------------------------------------


def test_refresh_runs_without_the_lock_and_cached_keys_keep_verifying(clock: FakeClock) -> None:
    old, new = asymmetric_key("EdDSA", "old"), asymmetric_key("EdDSA", "new")
    fetcher = ControlledFetcher(clock)
    fetcher.blocking, fetcher.outcome = False, body_of(old)
    jwks = remote(fetcher, clock)
    cached = jwks.key_set()
    fetcher.calls = 0
    clock.advance(301)  # stale
    fetcher.blocking, fetcher.outcome, fetcher.seconds_taken = True, body_of(new, old), 20
    fetcher.started.clear()
    refresher, refreshed = in_thread(jwks.key_set)
    assert fetcher.started.wait(WAIT)
    # The refresh is in flight: the lock is free, and other callers verify with the cache.
    assert jwks._lock.acquire(blocking=False), "the lock is held during network I/O"
    jwks._lock.release()
    assert jwks.key_set() is cached
    fetcher.release.set()
    refresher.join(WAIT)
    assert refreshed and isinstance(refreshed[0], KeySet) and refreshed[0].get("new") is not None
    assert fetcher.calls == 1
    # Stamped when the fetch ended (20 s after it started): fresh for a full cache_seconds from then.
    clock.advance(299)
    assert jwks.key_set().get("new") is not None
    assert fetcher.calls == 1


def test_waiters_share_one_failed_fetch_counted_from_its_end(clock: FakeClock) -> None:
    fetcher = ControlledFetcher(clock)
    fetcher.outcome, fetcher.seconds_taken = JWKSUnavailable("deadline exceeded"), 31
    jwks = remote(fetcher, clock)
    first, first_outcome = in_thread(jwks.key_set)
    assert fetcher.started.wait(WAIT)
    others = [in_thread(jwks.key_set) for _ in range(3)]
    fetcher.release.set()
    for thread, _ in [(first, first_outcome), *others]:
        thread.join(WAIT)
    outcomes = first_outcome + [outcome[0] for _, outcome in others]
    assert all(isinstance(outcome, JWKSUnavailable) for outcome in outcomes), outcomes
    assert fetcher.calls == 1
    # The failure is stamped at the fetch's end (31 s after it started): a full wait remains.
    assert jwks.retry_after_seconds() == 30
    clock.advance(29)
    with pytest.raises(JWKSUnavailable):
        jwks.key_set()
    assert fetcher.calls == 1


def test_waiters_for_an_unknown_kid_share_one_refetch(clock: FakeClock) -> None:
    old, new = asymmetric_key("EdDSA", "old"), asymmetric_key("EdDSA", "new")
    fetcher = ControlledFetcher(clock)
    fetcher.blocking, fetcher.outcome = False, body_of(old)
    jwks = remote(fetcher, clock)
    seen = jwks.key_set()
    clock.advance(31)
    fetcher.blocking, fetcher.outcome = True, body_of(new, old)
    fetcher.started.clear()
    first, first_outcome = in_thread(lambda: jwks.refetch_for_unknown_kid(seen))
    assert fetcher.started.wait(WAIT)
    others = [in_thread(lambda: jwks.refetch_for_unknown_kid(seen)) for _ in range(3)]
    fetcher.release.set()
    for thread, _ in [(first, first_outcome), *others]:
        thread.join(WAIT)
    assert fetcher.calls == 2
    for outcome in first_outcome + [outcome[0] for _, outcome in others]:
        assert isinstance(outcome, KeySet) and outcome.get("new") is not None, outcome


class TrickleHandler(BaseHTTPRequestHandler):
    """Headers at once, then the body one byte at a time (or headers one byte at a time)."""

    trickle_headers = False
    sent = 0

    def do_GET(self) -> None:
        body = b'{"keys": []}' + b" " * 400
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        data = head + body if not self.trickle_headers else b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 2000
        start = len(head) if not self.trickle_headers else 0
        try:
            self.wfile.write(data[:start])
            for i in range(start, len(data)):
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                type(self).sent += 1
                time.sleep(0.005)  # the server trickles; the test never sleeps
        except OSError:
            pass  # the client gave up, as intended

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def trickle_server() -> Iterator[tuple[str, type[TrickleHandler]]]:
    handler = type("Handler", (TrickleHandler,), {"sent": 0})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/jwks/", handler
    httpd.shutdown()
    httpd.server_close()


def test_trickled_body_hits_the_total_deadline(trickle_server: tuple[str, type[TrickleHandler]]) -> None:
    url, handler = trickle_server
    ticks = iter(range(10_000))
    with pytest.raises(JWKSUnavailable) as caught:
        # Each look at the clock is one "second" later: the 5 s deadline passes after a
        # few reads, whatever the real speed.
        fetch_jwks_document(url, timeout_seconds=5, monotonic=lambda: float(next(ticks)))
    assert caught.value.reason == "deadline exceeded"
    assert handler.sent < 400  # abandoned mid-body


def test_trickled_headers_are_cut_off_by_the_watchdog(trickle_server: tuple[str, type[TrickleHandler]]) -> None:
    url, handler = trickle_server
    handler.trickle_headers = True
    with pytest.raises(JWKSUnavailable):
        fetch_jwks_document(url, timeout_seconds=0.3)
    assert handler.sent < 2000  # the headers never finished: the fetch was abandoned


# -- 16: no redirects, https only --------------------------------------------------------


def test_redirect_to_another_jwks_is_refused(jwks_server: JWKSServer, clock: FakeClock) -> None:
    genuine, forged = asymmetric_key("EdDSA", "genuine"), asymmetric_key("EdDSA", "forged")
    evil = JWKSServer()
    try:
        evil.publish(forged)
        jwks_server.status, jwks_server.headers = 302, {"Location": evil.url}
        jwks_server.publish(genuine)
        with override_settings(JWTAUTH_RESOURCE_SERVER=resource_server_settings(jwks_server, clock)):
            response = APIClient().get("/api/resource/", HTTP_AUTHORIZATION=f"Bearer {access_token(forged, clock)}")
        assert response.status_code == 503, response.content
        assert response.json()["code"] == "jwks_unavailable"
        assert evil.hits == 0
    finally:
        evil.close()


@pytest.mark.parametrize(
    ("url", "allow", "ok"),
    [
        ("https://auth.example.com/jwks/", False, True),
        ("http://auth.example.com/jwks/", False, False),
        ("http://10.0.0.5/jwks/", False, False),
        ("http://127.0.0.1:8000/jwks/", False, True),
        ("http://localhost/jwks/", False, True),
        ("http://[::1]/jwks/", False, True),
        ("http://auth.example.com/jwks/", True, True),
    ],
)
def test_jwks_url_must_be_https_except_loopback_or_opt_in(settings: Any, url: str, allow: bool, ok: bool) -> None:
    conf = {"JWKS_URL": url, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "ALLOW_INSECURE_HTTP": allow}
    settings.JWTAUTH_RESOURCE_SERVER = conf
    _, problems = ResourceServerSettings.validate()
    assert (problems == []) is ok, problems
    e201 = [m for m in run_checks() if m.id == "jwtauth.E201"]
    assert (e201 == []) is ok
    if not ok:
        assert "https" in e201[0].msg


# -- 17: malformed documents ---------------------------------------------------------------

MALFORMED = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"keys": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    b'{"keys": [{"kty": "OKP", "alg": ["EdDSA"], "crv": "Ed25519", "x": "AA"}]}',
    b'{"keys": [{"kty": "OKP", "alg": {"a": 1}, "crv": "Ed25519", "x": "AA"}]}',
    b'{"keys": [{"kty": "OKP", "alg": "EdDSA", "crv": "Ed25519", "x": 5}]}',
    b'{"keys": [{"kty": "OKP", "alg": "EdDSA", "crv": "Ed25519", "x": ["AA"]}]}',
    b'{"keys": [{"kty": "OKP", "alg": "EdDSA", "crv": ["Ed25519"], "x": "AA"}]}',
    b'{"keys": [{"kty": "RSA", "alg": "RS256", "n": 1e400, "e": "AQAB"}]}',
    b'{"keys": [{"kty": "RSA", "alg": "RS256", "n": {"x": 1}, "e": []}]}',
    b'{"keys": [{"kty": "OKP", "alg": "EdDSA", "kid": [[[]]], "crv": "Ed25519", "x": "AA"}]}',
    b'{"keys": {"0": {}}}',
    b'{"keys": NaN}',
    b"\xff\xfe",
]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_jwks_is_503(jwks_server: JWKSServer, clock: FakeClock, body: bytes) -> None:
    jwks_server.body = body
    conf = resource_server_settings(jwks_server, clock, ALGORITHMS=["EdDSA", "RS256"])
    with override_settings(JWTAUTH_RESOURCE_SERVER=conf):
        token = access_token(asymmetric_key("EdDSA", "x"), clock)
        response = APIClient().get("/api/resource/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "jwks_unavailable"


@pytest.mark.parametrize("body", MALFORMED)
def test_parse_jwks_refuses_malformed_documents(body: bytes) -> None:
    with pytest.raises(JWKSUnavailable):
        parse_jwks(body, frozenset({"EdDSA", "RS256"}))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
_member = st.fixed_dictionaries(
    {
        "kty": st.sampled_from(["OKP", "EC", "RSA", "oct"]) | _json,
        "alg": st.sampled_from(["EdDSA", "ES256", "RS256", "PS256"]) | _json,
    },
    optional={
        "crv": st.sampled_from(["Ed25519", "P-256"]) | _json,
        "x": st.sampled_from(["AA", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"]) | _json,
        "y": _json,
        "n": _json,
        "e": st.just("AQAB") | _json,
        "kid": _json,
        "use": st.just("sig") | _json,
        "key_ops": _json,
    },
)


@settings(max_examples=400, deadline=None)
@given(document=st.one_of(_json, st.fixed_dictionaries({"keys": st.lists(_member | _json, max_size=4)})))
def test_fuzz_parse_jwks_only_raises_jwks_unavailable(document: Any) -> None:
    try:
        body = json.dumps(document).encode()
    except ValueError:
        return
    try:
        keys = parse_jwks(body, frozenset({"EdDSA", "ES256", "RS256", "PS256"}))
    except JWKSUnavailable:
        return
    assert keys.keys
