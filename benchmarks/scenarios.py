"""Scenario implementations, run inside a profile's worker process (Django is set up).

A scenario does one kind of operation. ``batch(n)`` times n of them and returns seconds; ``one()``
does one untimed operation (query counting, sanity). Requests go through Django's full WSGI handler
(request signals, all MIDDLEWARE, URL resolving, DRF), with environs built by RequestFactory before
the clock starts, so only the server side is timed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory

from benchmarks import jwtauth_adapter, stdlib_jwt
from benchmarks.jwtauth_adapter import Skip
from benchmarks.site.views import request_endpoints

__all__ = ["PASSWORD", "USERNAME", "Harness", "Scenario", "build"]

USERNAME = "bench"
PASSWORD = "bench-password-1"


def _timed_gets(handler: Any, environs: list[dict[str, Any]]) -> tuple[float, int]:
    """Run prepared requests through the handler: (seconds, how many did not answer 200)."""
    bad = 0
    t0 = time.perf_counter()
    for environ in environs:
        response = handler(environ, _start_response)
        b"".join(response)
        response.close()
        bad += response.status_code != 200
    return time.perf_counter() - t0, bad


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


class Harness:
    """The WSGI handler plus helpers to build environs and read responses."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.factory = RequestFactory()
        self.user = get_user_model().objects.get(username=USERNAME)

    def environ(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        if body is None:
            return self.factory.generic(method, path, headers=headers or {}).environ
        return self.factory.generic(
            method, path, data=body, content_type="application/json", headers=headers or {}
        ).environ

    def call(self, environ: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
        """Run one request; return (status, body, cookies set by the response)."""
        response = self.handler(environ, _start_response)
        body = b"".join(response)
        response.close()
        cookies = {name: morsel.value for name, morsel in response.cookies.items()}
        return response.status_code, body, cookies


class Scenario:
    """Base: subclasses set ``one`` and ``batch``; ``http_request`` for request scenarios."""

    note = ""  # what exactly is measured, when the report should say so

    def one(self) -> None:
        raise NotImplementedError

    def batch(self, n: int) -> tuple[float, int]:
        """Do n operations; return (seconds, number of failed operations)."""
        raise NotImplementedError

    def http_request(self) -> tuple[str, dict[str, str]]:
        raise Skip("not an HTTP scenario")


class RequestScenario(Scenario):
    """GET a tiny JSON APIView with fresh credentials for each batch."""

    def __init__(self, h: Harness, path: str, headers_fn: Callable[[], dict[str, str]]) -> None:
        self.h, self.path, self.headers_fn = h, path, headers_fn
        self.headers = headers_fn()
        self.one()  # sanity: fails here, at setup, not mid-run

    def one(self) -> None:
        # Reuses the last batch's credentials: getting new ones (a jwtauth login) would be counted.
        status, body, _ = self.h.call(self.h.environ("GET", self.path, headers=self.headers))
        if status != 200:
            raise Skip(f"GET {self.path} answered {status}: {body[:120]!r}")

    def batch(self, n: int) -> tuple[float, int]:
        self.headers = headers = self.headers_fn()
        environs = [self.h.environ("GET", self.path, headers=headers) for _ in range(n)]
        return _timed_gets(self.h.handler, environs)

    def http_request(self) -> tuple[str, dict[str, str]]:
        return self.path, self.headers_fn()


class VerifyScenario(Scenario):
    """Call a verify function on one access token."""

    def __init__(self, fn: Callable[[str], Any], token: str, fresh: Callable[[], str] | None = None) -> None:
        self.fn, self.token, self.fresh = fn, token, fresh
        if not fn(token):
            raise Skip("verify returned nothing for a valid token")

    def one(self) -> None:
        self.fn(self.token)

    def batch(self, n: int) -> tuple[float, int]:
        if self.fresh is not None:  # a token that cannot expire during a long run (untimed)
            self.token = self.fresh()
        fn, token = self.fn, self.token
        t0 = time.perf_counter()
        for _ in range(n):
            fn(token)
        return time.perf_counter() - t0, 0


class PostScenario(Scenario):
    """POST one request per operation; ``before`` builds it and ``after`` reads the answer, untimed."""

    def __init__(self, h: Harness, path: str) -> None:
        self.h, self.path = h, path
        self.one()

    def before(self) -> tuple[bytes, dict[str, str]]:
        raise NotImplementedError

    def after(self, status: int, body: bytes, cookies: dict[str, str]) -> bool:
        return status == 200

    def one(self) -> None:
        body, headers = self.before()
        status, answer, cookies = self.h.call(self.h.environ("POST", self.path, body, headers))
        if not self.after(status, answer, cookies):
            raise Skip(f"POST {self.path} answered {status}: {answer[:120]!r}")

    def batch(self, n: int) -> tuple[float, int]:
        handler, start_response, h = self.h.handler, _start_response, self.h
        total, bad = 0.0, 0
        for _ in range(n):
            body, headers = self.before()
            environ = h.environ("POST", self.path, body, headers)
            t0 = time.perf_counter()
            response = handler(environ, start_response)
            answer = b"".join(response)
            response.close()
            total += time.perf_counter() - t0
            cookies = {name: morsel.value for name, morsel in response.cookies.items()}
            bad += not self.after(response.status_code, answer, cookies)
        return total, bad


class LoginScenario(PostScenario):
    def before(self) -> tuple[bytes, dict[str, str]]:
        return json.dumps({"username": USERNAME, "password": PASSWORD}).encode(), {}


class SimpleJWTRefresh(PostScenario):
    def __init__(self, h: Harness) -> None:
        from rest_framework_simplejwt.tokens import RefreshToken

        self.refresh = str(RefreshToken.for_user(h.user))
        super().__init__(h, "/auth/simplejwt/refresh/")

    def before(self) -> tuple[bytes, dict[str, str]]:
        return json.dumps({"refresh": self.refresh}).encode(), {}

    def after(self, status: int, body: bytes, cookies: dict[str, str]) -> bool:
        if status != 200:
            return False
        self.refresh = json.loads(body)["refresh"]
        return True


class JwtauthRefresh(PostScenario):
    def __init__(self, h: Harness) -> None:
        self.session = _jwtauth_login(h)
        super().__init__(h, jwtauth_adapter.REFRESH_PATH)

    def before(self) -> tuple[bytes, dict[str, str]]:
        return b"{}", jwtauth_adapter.refresh_headers(self.session)

    def after(self, status: int, body: bytes, cookies: dict[str, str]) -> bool:
        try:
            jwtauth_adapter.update_after_refresh(self.session, status, body, cookies)
        except Skip:
            return False
        return True


def _jwtauth_login(h: Harness, dpop_proof: str | None = None) -> jwtauth_adapter.Session:
    if settings.BENCH_JWTAUTH_SKIP:
        raise Skip(settings.BENCH_JWTAUTH_SKIP)
    if "jwtauth" not in settings.INSTALLED_APPS:
        raise Skip(f"jwtauth is not in profile {settings.BENCH_PROFILE}")
    body = jwtauth_adapter.login_body(USERNAME, PASSWORD)
    headers = {"DPoP": dpop_proof} if dpop_proof is not None else None
    return jwtauth_adapter.session_from_login(
        *h.call(h.environ("POST", jwtauth_adapter.LOGIN_PATH, body, headers=headers))
    )


def _request(h: Harness, key: str, make_headers_fn: Callable[[Harness], Callable[[], dict[str, str]]]) -> Scenario:
    endpoints = request_endpoints()
    if key not in endpoints:
        raise Skip(f"{key} is not served by profile {settings.BENCH_PROFILE}")
    return RequestScenario(h, endpoints[key][0], make_headers_fn(h))


def _dpop_request(h: Harness) -> Scenario:
    endpoints = request_endpoints()
    if "req_jwtauth" not in endpoints:
        raise Skip(f"jwtauth is not served by profile {settings.BENCH_PROFILE}")
    return DPoPRequestScenario(h, endpoints["req_jwtauth"][0])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _simplejwt_access(h: Harness) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(h.user))


def _knox_header(h: Harness) -> Callable[[], dict[str, str]]:
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(h.user)
    return lambda: {"Authorization": f"Token {token}"}


def _drf_token_header(h: Harness) -> Callable[[], dict[str, str]]:
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=h.user)
    return lambda: {"Authorization": f"Token {token.key}"}


def _verify_simplejwt(h: Harness) -> Scenario:
    from rest_framework_simplejwt.tokens import AccessToken

    return VerifyScenario(AccessToken, _simplejwt_access(h))


def _verify_pyjwt(h: Harness) -> Scenario:
    import jwt

    key = settings.BENCH_STDLIB_KEY
    return VerifyScenario(partial(jwt.decode, key=key, algorithms=["HS256"]), stdlib_jwt.encode(h.user.pk, key))


class DPoPRequestScenario(RequestScenario):
    """GET with ``Authorization: DPoP`` and a fresh DPoP proof per request (RFC 9449 §7).

    Proofs are made before the clock starts (a client's cost, not the server's); the timed
    part is the server: the access token (memoised), the proof's signature and claims, and
    the replay cache (an INSERT on the embedded default, one ``SET NX`` with Redis).
    """

    note = "a new ES256 proof per request, made untimed"

    def __init__(self, h: Harness, path: str) -> None:
        from benchmarks.dpop_client import DPoPClient

        self.client = DPoPClient()
        self.session = _jwtauth_login(h, self.client.proof("POST", jwtauth_adapter.LOGIN_PATH))
        super().__init__(h, path, lambda: {})

    def _headers(self) -> dict[str, str]:
        token = self.session.access_token
        return {"Authorization": f"DPoP {token}", "DPoP": self.client.proof("GET", self.path, access_token=token)}

    def one(self) -> None:
        status, body, _ = self.h.call(self.h.environ("GET", self.path, headers=self._headers()))
        if status != 200:
            raise Skip(f"GET {self.path} with DPoP answered {status}: {body[:160]!r}")

    def batch(self, n: int) -> tuple[float, int]:
        environs = [self.h.environ("GET", self.path, headers=self._headers()) for _ in range(n)]
        return _timed_gets(self.h.handler, environs)

    def http_request(self) -> tuple[str, dict[str, str]]:
        raise Skip("a DPoP proof is single-use: wrk cannot replay one request")


class DPoPVerifyScenario(Scenario):
    """``verify_dpop_proof`` on fresh proofs (made untimed), without the replay cache."""

    note = "jwtauth.core.dpop.verify_dpop_proof, ES256 with ath and jkt"

    def __init__(self) -> None:
        from datetime import UTC, datetime, timedelta

        from benchmarks.dpop_client import DPoPClient
        from jwtauth.core.dpop import verify_dpop_proof

        self.client, self.window = DPoPClient(), timedelta(seconds=60)
        self.now, self.verify = datetime.now(UTC), verify_dpop_proof
        self.one()

    def _check(self, proof: str) -> None:
        self.verify(
            proof,
            htm="GET",
            htu="http://testserver/bench/",
            now=self.now,
            iat_window=self.window,
            access_token="a.b.c",
            jkt=self.client.jkt,
        )

    def one(self) -> None:
        from datetime import UTC, datetime

        self.now = datetime.now(UTC)
        self._check(self.client.proof("GET", "/bench/", access_token="a.b.c"))

    def batch(self, n: int) -> tuple[float, int]:
        from datetime import UTC, datetime

        proofs = [self.client.proof("GET", "/bench/", access_token="a.b.c") for _ in range(n)]
        self.now = datetime.now(UTC)  # the proofs' iat: a batch lasts well under the window
        check = self._check
        t0 = time.perf_counter()
        for proof in proofs:
            check(proof)
        return time.perf_counter() - t0, 0


def _verify_jwtauth(h: Harness) -> Scenario:
    token = _jwtauth_login(h).access_token
    fn, name = jwtauth_adapter.find_verify(token)
    scenario = VerifyScenario(fn, token, fresh=lambda: _jwtauth_login(h).access_token)
    scenario.note = f"measures {name}"
    return scenario


_BUILDERS: dict[str, Callable[[Harness], Scenario]] = {
    "req_noauth": lambda h: _request(h, "req_noauth", lambda h: dict),
    "req_stdlib": lambda h: _request(
        h, "req_stdlib", lambda h: lambda: _bearer(stdlib_jwt.encode(h.user.pk, settings.BENCH_STDLIB_KEY))
    ),
    "req_simplejwt": lambda h: _request(h, "req_simplejwt", lambda h: lambda: _bearer(_simplejwt_access(h))),
    "req_simplejwt_stateless": lambda h: _request(
        h, "req_simplejwt_stateless", lambda h: lambda: _bearer(_simplejwt_access(h))
    ),
    "req_knox": lambda h: _request(h, "req_knox", _knox_header),
    "req_drf_token": lambda h: _request(h, "req_drf_token", _drf_token_header),
    "req_jwtauth": lambda h: _request(h, "req_jwtauth", lambda h: lambda: _bearer(_jwtauth_login(h).access_token)),
    "req_jwtauth_dpop": lambda h: _dpop_request(h),
    "verify_dpop_proof": lambda h: DPoPVerifyScenario(),
    "verify_pyjwt": _verify_pyjwt,
    "verify_stdlib": lambda h: VerifyScenario(
        partial(stdlib_jwt.verify, key=settings.BENCH_STDLIB_KEY),
        stdlib_jwt.encode(h.user.pk, settings.BENCH_STDLIB_KEY),
    ),
    "verify_simplejwt": _verify_simplejwt,
    "verify_jwtauth": _verify_jwtauth,
    "refresh_simplejwt": SimpleJWTRefresh,
    "refresh_jwtauth": JwtauthRefresh,
    "login_floor": lambda h: LoginScenario(h, "/bench/login-floor/"),
    "login_simplejwt": lambda h: LoginScenario(h, "/auth/simplejwt/token/"),
    "login_jwtauth": lambda h: (_jwtauth_login(h), LoginScenario(h, jwtauth_adapter.LOGIN_PATH))[1],
}


def build(h: Harness, key: str) -> Scenario:
    """Build scenario ``key``; raises Skip (with the reason) when it cannot run in this profile."""
    if key not in _BUILDERS:
        raise Skip(f"unknown scenario {key}")
    if key.endswith("_jwtauth") and settings.BENCH_JWTAUTH_SKIP:
        raise Skip(settings.BENCH_JWTAUTH_SKIP)
    return _BUILDERS[key](h)
