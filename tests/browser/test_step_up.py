"""Step-up re-authentication in the demo: ``POST /api/sensitive/`` needs a password confirmed
in the last 60 s (``RecentlyAuthenticated``); past that the page asks for the password, posts
it to ``reauthenticate/`` and retries with the new access token. The server's clock is moved,
never slept on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Demo
from tests.browser.helpers import TIMEOUT_MS, Traffic, log_in, open_demo, wait_for_event

pytestmark = pytest.mark.browser

SUDO_SECONDS = 60  # the demo's DEMO_SUDO_SECONDS default


def sensitive_status(page: Any) -> str:
    page.click("#sensitive-button")
    page.wait_for_selector("#sensitive-button:not([disabled])", timeout=TIMEOUT_MS)
    return str(page.get_attribute("#sensitive-result", "data-status"))


def test_an_old_login_confirms_the_password_then_the_action_succeeds(
    demo_server: Demo, context: Any, user: tuple[str, str], artifacts: Path
) -> None:
    traffic = Traffic.watch(context, demo_server)
    page = open_demo(context, demo_server)
    log_in(page, *user)
    assert sensitive_status(page) == "200"  # just logged in: auth_time is fresh
    assert page.is_hidden("#stepup-form")

    demo_server.advance_server_clock(SUDO_SECONDS + 1)
    assert sensitive_status(page) == "403"
    page.wait_for_selector("#stepup-form:not([hidden])", timeout=TIMEOUT_MS)
    wait_for_event(page, "stepup-required")

    # A wrong password is refused and changes nothing.
    page.fill("#stepup-password", "not-the-password")
    page.click("#stepup-button")
    wait_for_event(page, "stepup-failed")
    assert "invalid_credentials" in page.inner_text("#sensitive-result")

    page.fill("#stepup-password", user[1])
    page.click("#stepup-button")
    wait_for_event(page, "stepup-confirmed")
    page.wait_for_selector('#sensitive-result[data-status="200"]', timeout=TIMEOUT_MS)
    assert page.is_hidden("#stepup-form")
    assert [e.status for e in traffic.to("POST", "/api/auth/reauthenticate/")] == [401, 200]
    # 401: the 30 s access token had expired too; the client refreshed silently (the new
    # token keeps the login's auth_time) and retried: 403, until the password was confirmed.
    assert [e.status for e in traffic.to("POST", "/api/sensitive/")] == [200, 401, 403, 200]
    page.screenshot(path=str(artifacts / "demo-step-up.png"), full_page=True)
