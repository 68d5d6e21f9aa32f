"""The truly cross-site layout of docs/deployment.md in Chromium: the front end on one site,
the API on another, the cookies ``SameSite=None; Secure; Partitioned`` (CHIPS).

The front end is opened as ``http://127.0.0.1:<port>`` and calls the API at
``http://localhost:<port>``: an IP address and a host name are two different *sites*, so
every API cookie is a third-party cookie. Both are loopback origins, which Chromium treats
as secure contexts: it stores ``Secure`` cookies from ``http://localhost`` (no certificate
needed). Headless Chromium blocks unpartitioned third-party cookies, as Safari, incognito
windows and strict tracking protection do, so the second test is the control: the same
flow without ``Partitioned`` loses the session on reload.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import Demo, _run_demo
from tests.browser.helpers import TIMEOUT_MS, Traffic, call_api, log_in, open_demo

pytestmark = pytest.mark.browser

LIFETIME_SECONDS = 30  # the demo's access tokens
LEEWAY_SECONDS = 30  # jwtauth's default LEEWAY
REFRESH_COOKIE = "jwtauth_refresh"


def _cross_site(demo: Demo) -> Demo:
    """The demo, its front end addressed by another site than its API."""
    demo.frontend = f"http://127.0.0.1:{demo.frontend_port}"
    assert demo.api.startswith("http://localhost:")
    return demo


@pytest.fixture(scope="module")
def partitioned_demo() -> Iterator[Demo]:
    with _run_demo(DEMO_CROSS_SITE="partitioned") as demo:
        yield _cross_site(demo)


@pytest.fixture(scope="module")
def unpartitioned_demo() -> Iterator[Demo]:
    with _run_demo(DEMO_CROSS_SITE="unpartitioned") as demo:
        yield _cross_site(demo)


def _api_cookies(context: Any, demo: Demo) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in context.cookies(demo.api + "/api/auth/")}


def _sent_cookie_names(request: Any) -> set[str]:
    header = request.all_headers().get("cookie", "")
    return {part.split("=", 1)[0].strip() for part in header.split(";") if "=" in part}


def test_partitioned_cookies_keep_a_cross_site_session(partitioned_demo: Demo, context: Any) -> None:
    demo = partitioned_demo
    user = demo.create_user()
    traffic = Traffic.watch(context, demo)
    sent: list[set[str]] = []
    context.on(
        "request", lambda r: sent.append(_sent_cookie_names(r)) if r.url == demo.api + "/api/auth/refresh/" else None
    )
    page = open_demo(context, demo)
    log_in(page, *user)

    cookies = _api_cookies(context, demo)
    assert set(cookies) >= {REFRESH_COOKIE, "csrftoken"}
    for name in (REFRESH_COOKIE, "csrftoken"):
        # Stored in the jar of the top-level site, the front end's.
        assert cookies[name]["partitionKey"] == "http://127.0.0.1", name
        assert (cookies[name]["sameSite"], cookies[name]["secure"]) == ("None", True), name
    assert cookies[REFRESH_COOKIE]["httpOnly"] is True
    traffic.clear()

    # Reload: the page has no token in memory; it gets a CSRF token from GET csrf/ (it
    # cannot read the API's cookies) and refreshes from the partitioned cookie.
    page.reload()
    page.wait_for_selector('#status[data-state="logged-in"]', timeout=TIMEOUT_MS)
    assert page.inner_text("#user") == user[0]
    assert [e.status for e in traffic.to("GET", "/api/auth/csrf/")] == [200]
    assert [e.status for e in traffic.refreshes()] == [200]
    assert sent and {REFRESH_COOKIE, "csrftoken"} <= sent[-1], "refresh/ got both cookies"

    # The access token expires on the server: the next call refreshes silently, once.
    demo.advance_server_clock(LIFETIME_SECONDS + LEEWAY_SECONDS + 1)
    traffic.clear()
    assert call_api(page) == 200
    assert [e.status for e in traffic.to("GET", "/api/hello/")] == [401, 200]
    assert [e.status for e in traffic.refreshes()] == [200]

    # Logout deletes the partitioned cookie: the deletion is partitioned too, or the
    # browser would keep it.
    with page.expect_response(demo.api + "/api/auth/logout/") as logout:
        page.click("#logout-button")
    assert logout.value.status == 204
    page.wait_for_selector('#status[data-state="logged-out"]', timeout=TIMEOUT_MS)
    assert REFRESH_COOKIE not in _api_cookies(context, demo)
    [session] = demo.sessions(user[0])
    assert session["revoke_reason"] == "logout"


def test_without_partitioned_the_cross_site_session_is_lost(unpartitioned_demo: Demo, context: Any) -> None:
    demo = unpartitioned_demo
    user = demo.create_user()
    traffic = Traffic.watch(context, demo)
    page = open_demo(context, demo)
    log_in(page, *user)  # the access token comes in the body: login itself works
    # ... but the browser refused both third-party cookies.
    assert not set(_api_cookies(context, demo)) & {REFRESH_COOKIE, "csrftoken"}
    traffic.clear()

    page.reload()
    page.wait_for_selector('#status[data-state="logged-out"]', timeout=TIMEOUT_MS)
    assert [e.status for e in traffic.refreshes()] in ([], [401]), "no session to restore"
