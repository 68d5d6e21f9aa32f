"""A reload keeps the user logged in: the new page has no token in memory and gets one
by refreshing from the HttpOnly cookie on start-up (``restore()``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Demo
from tests.browser.helpers import Traffic, call_api, log_in, open_demo, wait_for_event

pytestmark = pytest.mark.browser

# Hides document.cookie from the page, as for a front end on another host than the API
# (app.example.com vs api.example.com), which cannot read the API's csrftoken cookie.
# On localhost both share one cookie jar (cookies ignore ports), so the demo could read it.
HIDE_COOKIES_JS = """
Object.defineProperty(Document.prototype, "cookie", {
  configurable: true,
  get() { return ""; },
  set(value) {},
});
"""


def test_reload_keeps_the_user_logged_in(
    demo_server: Demo, context: Any, user: tuple[str, str], artifacts: Path
) -> None:
    traffic = Traffic.watch(context, demo_server)
    page = open_demo(context, demo_server)
    log_in(page, *user)
    traffic.clear()

    page.reload()
    page.wait_for_selector('#status[data-state="logged-in"]', timeout=10_000)
    wait_for_event(page, "login-restore")
    assert page.inner_text("#user") == user[0]
    assert [e.status for e in traffic.refreshes()] == [200]
    assert traffic.to("GET", "/api/auth/csrf/") == [], "the csrftoken cookie was readable"
    assert call_api(page) == 200
    page.screenshot(path=str(artifacts / "demo-restored-after-reload.png"), full_page=True)


@pytest.mark.parametrize("why", ["cookie-unreadable", "cookie-gone"])
def test_reload_without_a_csrf_token_gets_one_from_the_csrf_endpoint(
    demo_server: Demo, context: Any, user: tuple[str, str], why: str
) -> None:
    if why == "cookie-unreadable":
        context.add_init_script(HIDE_COOKIES_JS)
    traffic = Traffic.watch(context, demo_server)
    page = open_demo(context, demo_server)
    log_in(page, *user)
    if why == "cookie-gone":
        context.clear_cookies(name="csrftoken")
    assert page.evaluate("document.cookie").find("csrftoken") == -1
    traffic.clear()

    page.reload()
    page.wait_for_selector('#status[data-state="logged-in"]', timeout=10_000)
    wait_for_event(page, "login-restore")
    auth_calls = [(e.method, e.path, e.status) for e in traffic.exchanges if e.path.startswith("/api/auth/")]
    assert auth_calls == [
        ("GET", "/api/auth/csrf/", 200),
        ("POST", "/api/auth/refresh/", 200),
        ("GET", "/api/auth/user/", 200),
    ]
    assert call_api(page) == 200
