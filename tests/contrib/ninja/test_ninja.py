"""jwtauth.contrib.ninja: the same tokens, sessions, revocation, bodies and challenges as
the DRF class, sync and async, and jwtauth's own endpoints mounted beside a ninja API."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

pytest.importorskip("ninja", reason="django-ninja (the ninja and test extras) not installed")

from asgiref.sync import async_to_sync
from django.db import OperationalError, connection
from django.test import Client
from ninja.testing import TestAsyncClient, TestClient
from rest_framework.test import APIClient

from jwtauth.sessions.revoke import revoke_session
from jwtauth.sessions.service import start_session
from tests.api.helpers import HELLO, bearer
from tests.contrib.ninja.caches import GatedCache
from tests.contrib.ninja.ninja_api import api, bare_api
from tests.factories import forge
from tests.testapp.caches import SharedDictCache

pytestmark = pytest.mark.django_db

client = TestClient(api)
async_client = TestAsyncClient(api)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def aget(path: str, **kwargs: Any) -> Any:
    """Run TestAsyncClient on an event loop; its executor calls come back to this thread."""

    async def call() -> Any:
        return await async_client.get(path, **kwargs)

    return async_to_sync(call)()


def sync_get(path: str, **kwargs: Any) -> Any:
    return client.get(path, **kwargs)


GETS = [pytest.param(sync_get, "/me", id="sync"), pytest.param(aget, "/async/me", id="async")]


def assert_bearer_401(response: Any, code: str) -> None:
    assert response.status_code == 401, response.content
    assert response.json() == {"detail": response.json()["detail"], "code": code}
    assert response["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_token", error_description="')


@pytest.mark.parametrize(("get", "path"), GETS)
def test_valid_token_authenticates(get: Any, path: str, user: Any, revocation_mode: str) -> None:
    login = start_session(user)
    response = get(path, headers=auth(login.access.token))
    assert response.status_code == 200, response.content
    assert response.json() == {"pk": user.pk, "sid": str(login.session.pk)}


def test_sync_hot_path_with_shared_cache_costs_no_query(
    user: Any, shared_cache: str, django_assert_num_queries: Any
) -> None:
    token = start_session(user).access.token
    with django_assert_num_queries(0):
        assert client.get("/me", headers=auth(token)).status_code == 200


def test_lazy_user_loads_on_first_field(user: Any) -> None:
    token = start_session(user).access.token
    assert client.get("/me/username", headers=auth(token)).json() == {"username": "alice"}


def test_async_preload_user(user: Any) -> None:
    token = start_session(user).access.token
    assert aget("/async/username", headers=auth(token)).json() == {"username": "alice"}


@pytest.mark.parametrize(("get", "path"), GETS)
def test_no_credentials_is_drf_shaped_401(get: Any, path: str, db: None) -> None:
    response = get(path)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(("get", "path"), GETS)
def test_other_scheme_is_not_ours(get: Any, path: str, db: None) -> None:
    response = get(path, headers={"Authorization": "Basic YTpi"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(("get", "path"), GETS)
@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer not-a-jwt", "token_invalid"),
        ("Bearer a b", "token_invalid"),
        ("Bearer ", "token_invalid"),
        ("Bearer " + "a" * 9000, "token_invalid"),
    ],
)
def test_bad_token_is_401_with_code_and_challenge(get: Any, path: str, header: str, code: str, db: None) -> None:
    assert_bearer_401(get(path, headers={"Authorization": header}), code)


@pytest.mark.parametrize(("get", "path"), GETS)
def test_forged_token_is_401(get: Any, path: str, user: Any, clock: Any) -> None:
    now = int(clock.now().timestamp())
    token = forge({"sub": str(user.pk), "sid": "x", "jti": "j", "iat": now, "exp": now + 60}, secret=b"z" * 32)
    assert_bearer_401(get(path, headers=auth(token)), "key_unknown")


@pytest.mark.parametrize(("get", "path"), GETS)
def test_expired_token(get: Any, path: str, user: Any, clock: Any) -> None:
    token = start_session(user).access.token
    clock.advance(minutes=5, seconds=29)  # 1 s before exp + the default 30 s LEEWAY
    assert get(path, headers=auth(token)).status_code == 200
    clock.advance(seconds=1)
    assert_bearer_401(get(path, headers=auth(token)), "token_expired")


@pytest.mark.parametrize(("get", "path"), GETS)
def test_revoked_session(get: Any, path: str, user: Any, revocation_mode: str) -> None:
    login = start_session(user)
    assert get(path, headers=auth(login.access.token)).status_code == 200  # caches "live" where there is a cache
    revoke_session(login.session, reason="logout")
    assert_bearer_401(get(path, headers=auth(login.access.token)), "token_revoked")


@pytest.mark.parametrize(("get", "path"), GETS)
def test_inactive_user(get: Any, path: str, user: Any) -> None:
    token = start_session(user).access.token
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert_bearer_401(get(path, headers=auth(token)), "user_inactive")


@pytest.mark.parametrize(("get", "path"), GETS)
@pytest.mark.jwtauth_settings(REVOCATION_CACHE="shared", REVOCATION_CACHE_FAILURE="reject")
def test_revocation_cache_down_is_503(get: Any, path: str, user: Any) -> None:
    token = start_session(user).access.token
    SharedDictCache.failing = {"read"}
    response = get(path, headers=auth(token))
    assert response.status_code == 503
    assert response.json()["code"] == "revocation_unavailable"
    assert not response.has_header("WWW-Authenticate")


@contextmanager
def database_down() -> Iterator[None]:
    def refuse(*args: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


@pytest.mark.parametrize(("get", "path"), GETS)
def test_database_down_is_503_with_retry_after(get: Any, path: str, user: Any) -> None:
    token = start_session(user).access.token
    with database_down():
        response = get(path, headers=auth(token))
    assert response.status_code == 503
    assert response.json() == {"detail": response.json()["detail"], "code": "service_unavailable"}
    assert response["Retry-After"] == "5"


def test_user_deactivated_after_the_check_is_401_on_first_field(user: Any, shared_cache: str) -> None:
    token = start_session(user).access.token
    assert client.get("/me", headers=auth(token)).status_code == 200  # session cached as live
    type(user).objects.filter(pk=user.pk).update(is_active=False)  # behind jwtauth's back
    # The cached check passes; the user's first field load finds them inactive: a 401, never a 500.
    assert_bearer_401(client.get("/me/username", headers=auth(token)), "user_inactive")


def test_without_registered_handlers_failures_still_refuse(user: Any) -> None:
    bare = TestClient(bare_api)
    response = bare.get("/me", headers=auth("not-a-jwt"))
    assert response.status_code == 401
    assert response.json() == {"detail": "The access token is invalid."}
    assert bare.get("/me").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Bearer a b", "Basic YTpi", None],
)
def test_same_bodies_and_challenges_as_drf(header: str | None, user: Any) -> None:
    headers = {} if header is None else {"Authorization": header}
    ninja = client.get("/me", headers=headers)
    drf = APIClient().get(HELLO, **({} if header is None else {"HTTP_AUTHORIZATION": header}))
    assert (ninja.status_code, ninja.json(), ninja["WWW-Authenticate"]) == (
        drf.status_code,
        drf.json(),
        drf["WWW-Authenticate"],
    )


@pytest.mark.urls("tests.contrib.ninja.ninja_api")
def test_jwtauth_endpoints_mounted_beside_a_ninja_api(user: Any, password: str) -> None:
    browser = Client(enforce_csrf_checks=True)
    login = browser.post(
        "/api/auth/login/", {"username": "alice", "password": password}, content_type="application/json"
    )
    assert login.status_code == 200
    access, csrf = login.json()["access_token"], login.json()["csrf_token"]
    assert browser.get("/ninja/me", **bearer(access)).status_code == 200
    # The refresh cookie's Path is jwtauth's prefix, not the ninja API's.
    assert login.cookies["jwtauth_refresh"]["path"] == "/api/auth/"
    refreshed = browser.post("/api/auth/refresh/", HTTP_X_CSRFTOKEN=csrf)
    assert refreshed.status_code == 200
    new_access = refreshed.json()["access_token"]
    assert browser.get("/ninja/me", **bearer(new_access)).status_code == 200
    assert browser.post("/api/auth/logout/", HTTP_X_CSRFTOKEN=refreshed.json()["csrf_token"]).status_code == 204
    response = browser.get("/ninja/me", **bearer(new_access))
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


@pytest.fixture
def gated_cache(settings: Any) -> Iterator[type[GatedCache]]:
    settings.CACHES = {**settings.CACHES, "gated": {"BACKEND": "tests.contrib.ninja.caches.GatedCache"}}
    settings.JWTAUTH = {**settings.JWTAUTH, "REVOCATION_CACHE": "gated"}
    GatedCache.gate = threading.Event()
    GatedCache.entered = None
    GatedCache.timed_out = False
    yield GatedCache
    GatedCache.gate.set()
    GatedCache.entered = None


def test_async_revocation_check_does_not_block_the_event_loop(user: Any, gated_cache: type[GatedCache]) -> None:
    token = start_session(user).access.token

    async def scenario() -> tuple[Any, int, int, int]:
        loop = asyncio.get_running_loop()
        entered: asyncio.Future[int] = loop.create_future()
        gated_cache.entered = lambda ident: loop.call_soon_threadsafe(entered.set_result, ident)
        request = asyncio.ensure_future(async_client.get("/async/me", headers=auth(token)))
        # The cache read is now waiting at the gate. Only a free event loop gets here and
        # opens it; were the read on the loop, the loop would be stuck inside it.
        read_thread = await entered
        ticks = 0
        while ticks < 3:  # other coroutines still run while the check waits
            ticks += 1
            await asyncio.sleep(0)
        gated_cache.gate.set()
        return await request, read_thread, threading.get_ident(), ticks

    response, read_thread, loop_thread, ticks = async_to_sync(scenario)()
    assert not gated_cache.timed_out
    assert read_thread != loop_thread
    assert ticks == 3
    assert response.status_code == 200


@pytest.mark.jwtauth_settings(STATELESS_ACCESS_TOKENS=True)
def test_async_stateless_needs_no_executor(user: Any, gated_cache: type[GatedCache]) -> None:
    token = start_session(user).access.token
    gated_cache.gate.set()
    GatedCache.calls = []
    assert aget("/async/me", headers=auth(token)).status_code == 200
    assert GatedCache.calls == []
