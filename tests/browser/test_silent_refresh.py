"""Expiry and silent refresh, with both clocks under the test's control (no sleeping).

The demo issues 30 s access tokens; the client refreshes on a timer at half that
(its skew, 30 s, is capped at half the lifetime), and on a 401 ``invalid_token``
refreshes once and retries once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Demo
from tests.browser.helpers import Traffic, call_api, events, expires_at, log_in, open_demo, wait_for_event

pytestmark = pytest.mark.browser

LIFETIME_SECONDS = 30
LEEWAY_SECONDS = 30  # jwtauth's default LEEWAY: a token is refused from exp + leeway on
TIMER_SECONDS = LIFETIME_SECONDS // 2


def test_expired_access_token_next_call_succeeds_after_one_silent_refresh(
    demo_server: Demo, context: Any, user: tuple[str, str], artifacts: Path
) -> None:
    context.clock.install()
    traffic = Traffic.watch(context, demo_server)
    page = open_demo(context, demo_server)
    log_in(page, *user)
    assert call_api(page) == 200
    traffic.clear()

    # The server's time passes the expiry while the tab's timer has not fired (a laptop
    # lid closed, a throttled background tab): the tab still believes its token is good.
    demo_server.advance_server_clock(LIFETIME_SECONDS + LEEWAY_SECONDS + 1)
    assert call_api(page) == 200

    assert [e.status for e in traffic.to("GET", "/api/hello/")] == [401, 200]
    assert [e.status for e in traffic.refreshes()] == [200]
    wait_for_event(page, "refresh-local")
    assert events(page).count("refresh-local") == 1
    assert page.get_attribute("#token-refreshed", "data-source") == "local"
    assert page.get_attribute("#token-refreshed", "data-count") == "1"
    page.screenshot(path=str(artifacts / "demo-refreshed.png"), full_page=True)


def test_timer_refreshes_before_expiry_so_calls_never_see_a_401(
    demo_server: Demo, context: Any, user: tuple[str, str]
) -> None:
    context.clock.install()
    traffic = Traffic.watch(context, demo_server)
    page = open_demo(context, demo_server)
    log_in(page, *user)
    first_expiry = expires_at(page)
    traffic.clear()

    demo_server.advance_server_clock(TIMER_SECONDS + 1)
    page.clock.fast_forward(f"00:{TIMER_SECONDS + 1:02d}")
    wait_for_event(page, "refresh-local")
    assert [e.status for e in traffic.refreshes()] == [200]
    assert expires_at(page) > first_expiry

    # Past the first token's expiry: the call goes out with the new token, first time.
    demo_server.advance_server_clock(LIFETIME_SECONDS - TIMER_SECONDS)
    assert call_api(page) == 200
    assert [e.status for e in traffic.to("GET", "/api/hello/")] == [200]
    assert len(traffic.refreshes()) == 1
