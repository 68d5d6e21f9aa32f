"""The tutorial's single-page app (docs/tutorial.md), built and served as the page says, driven
in Chromium: login across origins, an API call, a reload that restores the session from the
Secure refresh cookie on http://localhost, logout, and a reload that stays logged out."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.docs.test_tutorial import PASSWORD, USERNAME, Tutorial, running_tutorial

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("curl") is None, reason="the tutorial's checks use curl"),
]


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tutorial]:
    with running_tutorial(tmp_path_factory.mktemp("tutorial-spa")) as run:
        yield run


def test_the_spa_logs_in_across_origins(tutorial: Tutorial, context: Any) -> None:
    from playwright.sync_api import expect  # the context fixture skips without a browser

    console: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.goto(tutorial.url("frontend"))
    status = page.locator("#status")
    expect(status).to_have_text("Logged out")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("text=Log in")
    expect(status).to_have_text(f"Logged in as {USERNAME}")
    hello = f'HTTP 200 {{"message":"Hello, {USERNAME}!"}}'
    page.click("#hello")
    expect(page.locator("#output")).to_have_text(hello)
    page.reload()  # memory is gone; the Secure refresh cookie on http://localhost restores it
    expect(status).to_have_text("Logged in (session restored)")
    page.click("#hello")
    expect(page.locator("#output")).to_have_text(hello)
    page.click("#logout")
    expect(status).to_have_text("Logged out")
    page.reload()
    expect(status).to_have_text("Logged out")
    # Chromium logs "Failed to load resource: ... 401" for the expected 401 of each logged-out
    # start-up refresh (the tutorial explains it); nothing else: no script error, no CORS failure.
    unexpected = [m for m in console if m.startswith(("error", "pageerror")) and "status of 401" not in m]
    assert unexpected == [], console
