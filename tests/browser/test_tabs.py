"""Two tabs of one browser (one context: one cookie jar, one BroadcastChannel, one
Web Lock manager) share one session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Demo
from tests.browser.helpers import (
    Traffic,
    call_api,
    events,
    expires_at,
    log_in,
    open_demo,
    wait_for_event,
)

pytestmark = pytest.mark.browser

LIFETIME_SECONDS = 30
TIMER_SECONDS = LIFETIME_SECONDS // 2


def _open_second_tab(context: Any, demo: Demo) -> Any:
    page = open_demo(context, demo)
    page.wait_for_selector('#status[data-state="logged-in"]')
    wait_for_event(page, "login-restore")
    return page


def test_two_tabs_expiring_together_cause_one_rotation(demo_server: Demo, context: Any, user: tuple[str, str]) -> None:
    username = user[0]
    context.clock.install()
    traffic = Traffic.watch(context, demo_server)
    first = open_demo(context, demo_server)
    log_in(first, *user)
    # The new tab restores from the cookie (one rotation) and shares the new access
    # token with the first tab, so both tokens now expire at the same instant.
    second = _open_second_tab(context, demo_server)
    wait_for_event(first, "refresh-remote")
    assert expires_at(first) == expires_at(second)
    [session] = demo_server.sessions(username)
    jti_hash_before = session["jti_hash"]
    log_start = len(demo_server.log_text())
    first_before, second_before = events(first), events(second)
    traffic.clear()

    # Both tabs' refresh timers come due at once.
    demo_server.advance_server_clock(TIMER_SECONDS + 1)
    first.clock.fast_forward(f"00:{TIMER_SECONDS + 1:02d}")
    for page, before in ((first, first_before), (second, second_before)):
        page.wait_for_function(
            "n => document.querySelectorAll('#event-log li[data-event]').length > n",
            arg=len(before),
            timeout=10_000,
        )

    assert [e.status for e in traffic.refreshes()] == [200], "exactly one POST refresh/ across both tabs"
    # One tab rotated, the other took its token from the broadcast.
    new_events = sorted(events(first)[len(first_before) :] + events(second)[len(second_before) :])
    assert new_events == ["refresh-local", "refresh-remote"]
    sources = {page.get_attribute("#token-refreshed", "data-source") for page in (first, second)}
    assert sources == {"local", "remote"}
    assert expires_at(first) == expires_at(second)

    [session] = demo_server.sessions(username)
    assert session["revoked_at"] is None
    assert session["revoke_reason"] == ""
    assert session["previous_jti_hash"] == jti_hash_before, "rotated exactly once"
    assert session["jti_hash"] != jti_hash_before
    assert "reuse detected" not in demo_server.log_text()[log_start:]

    # Past the old token's expiry, both tabs call the API without another refresh.
    demo_server.advance_server_clock(LIFETIME_SECONDS - TIMER_SECONDS)
    assert call_api(first) == 200
    assert call_api(second) == 200
    assert len(traffic.refreshes()) == 1
    assert all(e.status == 200 for e in traffic.exchanges)


def test_logout_in_one_tab_logs_out_the_other(
    demo_server: Demo, context: Any, user: tuple[str, str], artifacts: Path
) -> None:
    username = user[0]
    traffic = Traffic.watch(context, demo_server)
    first = open_demo(context, demo_server)
    log_in(first, *user)
    second = _open_second_tab(context, demo_server)

    first.click("#logout-button")
    first.wait_for_selector('#status[data-state="logged-out"]')
    second.wait_for_selector('#status[data-state="logged-out"]')
    wait_for_event(second, "logout-remote")
    assert second.is_visible("#notice")
    assert second.inner_text("#notice") == "You were logged out in another tab."
    assert second.is_visible("#login-section")
    second.screenshot(path=str(artifacts / "demo-logged-out-elsewhere.png"), full_page=True)

    # The server revoked the session and the cookie is gone: a reload stays logged out.
    [session] = demo_server.sessions(username)
    assert session["revoke_reason"] == "logout"
    assert [e.status for e in traffic.to("POST", "/api/auth/logout/")] == [204]
    assert "jwtauth_refresh" not in {c["name"] for c in context.cookies(demo_server.api + "/api/auth/")}
    second.reload()
    second.wait_for_selector("#status:not([aria-busy])", state="attached")
    wait_for_event(second, "restore-none")
    assert second.get_attribute("#status", "data-state") == "logged-out"
