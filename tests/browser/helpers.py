"""Shared steps of the browser tests: log in through the page, watch the network."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tests.browser.conftest import Demo

TIMEOUT_MS = 10_000


def open_demo(context: Any, demo: Demo) -> Any:
    """A new tab on the demo, once its start-up session check (restore) has finished."""
    page = context.new_page()
    page.goto(demo.frontend + "/")
    page.wait_for_selector("#status:not([aria-busy])", state="attached", timeout=TIMEOUT_MS)
    return page


def log_in(page: Any, username: str, password: str) -> None:
    page.wait_for_selector('#status[data-state="logged-out"]', timeout=TIMEOUT_MS)
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_selector('#status[data-state="logged-in"]', timeout=TIMEOUT_MS)


def wait_for_event(page: Any, event: str, count: int = 1) -> None:
    """Wait until the page's event log shows ``event`` (a ``data-event`` value) ``count`` times."""
    page.wait_for_function(
        "([event, count]) => document.querySelectorAll(`#event-log li[data-event='${event}']`).length >= count",
        arg=[event, count],
        timeout=TIMEOUT_MS,
    )


def events(page: Any) -> list[str]:
    """The page's event log, oldest first."""
    return list(
        reversed(page.eval_on_selector_all("#event-log li[data-event]", "items => items.map(i => i.dataset.event)"))
    )


def call_api(page: Any) -> int:
    """Click "Call protected endpoint" and return the HTTP status the page shows."""
    page.eval_on_selector("#api-result", "el => { delete el.dataset.status; }")
    page.click("#call-api-button")
    page.wait_for_selector("#api-result[data-status]", timeout=TIMEOUT_MS)
    return int(page.get_attribute("#api-result", "data-status"))


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    page_url: str


@dataclass
class Traffic:
    """Every response the browser context received from the API, across all its tabs."""

    api: str
    exchanges: list[Exchange] = field(default_factory=list)

    @classmethod
    def watch(cls, context: Any, demo: Demo) -> Traffic:
        traffic = cls(api=demo.api)
        context.on("response", traffic._record)
        return traffic

    def _record(self, response: Any) -> None:
        if not response.url.startswith(self.api):
            return
        frame_url = ""
        try:
            frame_url = response.frame.url
        except Exception:  # a service worker or a detached frame
            frame_url = ""
        self.exchanges.append(
            Exchange(response.request.method, urlsplit(response.url).path, response.status, frame_url)
        )

    def to(self, method: str, path: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.method == method and e.path == path]

    def refreshes(self) -> list[Exchange]:
        return self.to("POST", "/api/auth/refresh/")

    def clear(self) -> None:
        self.exchanges.clear()


def count_events(page: Any, prefix: str) -> int:
    """How many entries of the page's event log have a ``data-event`` starting with ``prefix``."""
    return int(
        page.evaluate(
            "prefix => document.querySelectorAll(`#event-log li[data-event^='${prefix}']`).length",
            prefix,
        )
    )


def wait_for_event_count(page: Any, prefix: str, count: int) -> None:
    page.wait_for_function(
        "([prefix, count]) => document.querySelectorAll(`#event-log li[data-event^='${prefix}']`).length >= count",
        arg=[prefix, count],
        timeout=TIMEOUT_MS,
    )


def expires_at(page: Any) -> int:
    """The access token's expiry the page shows (ms since the epoch, the tab's clock)."""
    return int(page.get_attribute("#token-expiry", "data-expires-at"))
