"""Log in through the demo front end in Chromium, cross-origin (front end → API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Demo
from tests.browser.helpers import call_api, log_in, open_demo

pytestmark = pytest.mark.browser

STORAGE_JS = """() => JSON.stringify({
  local: Object.entries(localStorage),
  session: Object.entries(sessionStorage),
  cookie: document.cookie,
})"""


def test_login_shows_user_and_hides_refresh_token(demo_server: Demo, context: Any, artifacts: Path) -> None:
    page = open_demo(context, demo_server)
    page.wait_for_selector('#status[data-state="logged-out"]')
    assert page.is_visible("#login-section")
    page.screenshot(path=str(artifacts / "demo-logged-out.png"), full_page=True)

    with page.expect_response(lambda r: r.url.endswith("/api/auth/login/")) as login_response:
        log_in(page, demo_server.username, demo_server.password)
    access_token = login_response.value.json()["access_token"]
    assert demo_server.username in page.inner_text("#user")
    assert page.inner_text("#status") == f"Logged in as {demo_server.username}"

    # The refresh token is HttpOnly: invisible to JavaScript on the page.
    cookies = page.evaluate("document.cookie")
    assert "jwtauth_refresh" not in cookies
    api_cookies = {c["name"]: c for c in context.cookies(demo_server.api + "/api/auth/")}
    refresh = api_cookies["jwtauth_refresh"]
    assert refresh["httpOnly"] is True
    assert refresh["path"] == "/api/auth/"
    assert refresh["sameSite"] == "Lax"
    assert refresh["value"] not in cookies

    # Neither token is in web storage, a readable cookie or the page.
    page.click("#call-api-button")
    page.wait_for_selector('#api-result[data-status="200"]')
    for where in (page.evaluate(STORAGE_JS), page.content()):
        assert refresh["value"] not in where
        assert access_token not in where
        assert "eyJ" not in where  # no JWT of any kind
    # Web storage holds one non-secret flag ("this browser had a session"), nothing else.
    assert page.evaluate("Object.entries(localStorage)") == [["jwtauth-demo:has-session", "1"]]
    assert page.evaluate("sessionStorage.length") == 0
    page.screenshot(path=str(artifacts / "demo-logged-in.png"), full_page=True)


def test_wrong_password_shows_an_error_and_stays_logged_out(demo_server: Demo, context: Any) -> None:
    page = open_demo(context, demo_server)
    page.fill("#username", demo_server.username)
    page.fill("#password", "not-the-password")
    page.click("#login-button")
    page.wait_for_selector("#login-error:not([hidden])")
    assert page.inner_text("#login-error") == "Wrong username or password."
    assert page.get_attribute("#status", "data-state") == "logged-out"
    assert "jwtauth_refresh" not in {c["name"] for c in context.cookies(demo_server.api + "/api/auth/")}


def test_calls_work_right_after_login(demo_server: Demo, context: Any, user: tuple[str, str]) -> None:
    page = open_demo(context, demo_server)
    log_in(page, *user)
    assert call_api(page) == 200
    assert f"Hello, {user[0]}!" in page.inner_text("#api-result")
