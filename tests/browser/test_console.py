"""The demo page loads clean: no console errors, no failed requests, and it says where its
CSRF token and its last refresh came from, in each tab."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.browser.conftest import Demo
from tests.browser.helpers import TIMEOUT_MS, log_in, wait_for_event

pytestmark = pytest.mark.browser

HINT = "jwtauth-demo:has-session"


@dataclass
class Watch:
    """Console messages, uncaught errors and HTTP errors of every page in a context."""

    console: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)

    @classmethod
    def on(cls, context: Any) -> Watch:
        watch = cls()

        def page_opened(page: Any) -> None:
            page.on("console", lambda m: watch.console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: watch.console.append(f"pageerror: {e}"))

        def response(r: Any) -> None:
            watch.loaded.append(r.url)
            if r.status >= 400:
                watch.http_errors.append(f"{r.status} {r.request.method} {r.url}")

        context.on("page", page_opened)
        context.on("response", response)
        context.on("requestfailed", lambda r: watch.http_errors.append(f"failed {r.method} {r.url}"))
        return watch

    @property
    def errors(self) -> list[str]:
        return [m for m in self.console if m.startswith(("error", "pageerror", "warning"))]


def _open(context: Any, demo: Demo) -> Any:
    page = context.new_page()
    page.goto(demo.frontend + "/")
    page.wait_for_selector("#status:not([aria-busy])", state="attached", timeout=TIMEOUT_MS)
    return page


def _last_event_text(page: Any, event: str) -> str:
    return str(page.inner_text(f"#event-log li[data-event='{event}']"))


def test_no_console_errors_on_a_logged_out_load(demo_server: Demo, context: Any) -> None:
    watch = Watch.on(context)
    page = _open(context, demo_server)
    wait_for_event(page, "restore-none")
    assert page.get_attribute("#status", "data-state") == "logged-out"
    page.wait_for_load_state("networkidle")
    assert watch.errors == []
    assert watch.http_errors == []  # no 404 favicon, no 401 from a pointless silent refresh
    assert any(url.endswith("/favicon.svg") for url in watch.loaded)
    assert "no silent refresh was tried" in _last_event_text(page, "restore-none")


def test_no_console_errors_after_logout_and_reload(demo_server: Demo, context: Any, user: tuple[str, str]) -> None:
    watch = Watch.on(context)
    page = _open(context, demo_server)
    log_in(page, *user)
    with page.expect_response(lambda r: r.url.endswith("/api/auth/logout/")) as logout:
        page.click("#logout-button")
    assert logout.value.status == 204
    page.wait_for_selector('#status[data-state="logged-out"]')
    page.reload()
    page.wait_for_selector("#status:not([aria-busy])", state="attached")
    wait_for_event(page, "restore-none")
    page.wait_for_load_state("networkidle")
    assert watch.errors == []
    assert watch.http_errors == []
    assert page.evaluate(f"localStorage.getItem({HINT!r})") is None


def test_an_expected_401_is_explained_in_the_event_log(demo_server: Demo, context: Any) -> None:
    # A stale flag (the cookie expired or was revoked meanwhile): the silent refresh runs and
    # answers 401; the page says that is expected and forgets the flag.
    page = _open(context, demo_server)
    page.evaluate(f"localStorage.setItem({HINT!r}, '1')")
    watch = Watch.on(context)
    page.reload()
    page.wait_for_selector("#status:not([aria-busy])", state="attached")
    wait_for_event(page, "restore-none")
    text = _last_event_text(page, "restore-none")
    assert "401" in text and "expected" in text
    assert [e.split(" ", 2)[:2] for e in watch.http_errors] == [["401", "POST"]]
    assert page.evaluate(f"localStorage.getItem({HINT!r})") is None
    page.reload()
    page.wait_for_selector("#status:not([aria-busy])", state="attached")
    assert "no silent refresh was tried" in _last_event_text(page, "restore-none")


def test_the_page_says_where_the_csrf_token_and_last_refresh_came_from(
    demo_server: Demo, context: Any, user: tuple[str, str]
) -> None:
    first = _open(context, demo_server)
    log_in(first, *user)
    assert first.get_attribute("#csrf-source", "data-source") == "login-body"
    assert "login/ response body" in first.inner_text("#csrf-source")
    assert first.inner_text("#token-refreshed") == "Not yet"

    # A second tab starts with a refresh from the cookie: its "Last refresh" says so, and
    # the first tab, which received that token over the channel, says "by another tab".
    second = _open(context, demo_server)
    second.wait_for_selector('#status[data-state="logged-in"]')
    wait_for_event(second, "login-restore")
    assert second.get_attribute("#token-refreshed", "data-source") == "restore"
    assert second.get_attribute("#token-refreshed", "data-count") == "1"
    assert "on page load, from the refresh cookie" in second.inner_text("#token-refreshed")
    # Both on localhost: the page could read the API's csrftoken cookie.
    assert second.get_attribute("#csrf-source", "data-source") == "cookie"
    wait_for_event(first, "refresh-remote")
    assert first.get_attribute("#token-refreshed", "data-source") == "remote"
    assert "by another tab" in first.inner_text("#token-refreshed")
    assert first.get_attribute("#csrf-source", "data-source") == "other-tab"

    second.click("#refresh-button")
    wait_for_event(second, "refresh-local")
    assert second.get_attribute("#token-refreshed", "data-count") == "2"
    assert second.get_attribute("#csrf-source", "data-source") == "refresh-body"
