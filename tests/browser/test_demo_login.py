"""Log in through the demo front end in Chromium, cross-origin (front end → API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Demo

pytestmark = pytest.mark.browser


def test_login_shows_user_and_hides_refresh_token(demo_server: Demo, context: Any, artifacts: Path) -> None:
    page = context.new_page()
    page.goto(demo_server.frontend + "/")
    page.wait_for_selector('#status[data-state="logged-out"]', timeout=15_000)
    page.fill("#username", demo_server.username)
    page.fill("#password", demo_server.password)
    page.click("#login-button")
    page.wait_for_selector('#status[data-state="logged-in"]', timeout=15_000)
    assert demo_server.username in page.inner_text("#user")

    # The refresh token is HttpOnly: invisible to JavaScript on the page.
    cookies = page.evaluate("document.cookie")
    assert "jwtauth_refresh" not in cookies
    api_cookies = {c["name"]: c for c in context.cookies(demo_server.api + "/api/auth/")}
    refresh = api_cookies["jwtauth_refresh"]
    assert refresh["httpOnly"] is True
    assert refresh["path"] == "/api/auth/"
    assert refresh["value"] not in cookies
    # No token in web storage.
    storage = page.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert refresh["value"] not in storage
    assert "eyJ" not in storage

    page.click("#call-api-button")
    page.wait_for_function("document.querySelector('#api-result').textContent.includes('Hello')", timeout=15_000)
    page.screenshot(path=str(artifacts / "demo-logged-in.png"), full_page=True)
