"""Pages of other origins cannot use the refresh cookie.

The victim is logged in in one tab; a page of another origin, open in the same
browser, tries to rotate the session. ``http://localhost:<other port>`` is the worst
case: cross-origin but same-site with the API, so the browser attaches the API's
cookies and the page can even read the ``csrftoken`` cookie (cookies ignore ports).
``http://127.0.0.1:<other port>`` is cross-site.
"""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest

from tests.browser.conftest import Demo
from tests.browser.helpers import Traffic, log_in, open_demo, wait_for_event

pytestmark = pytest.mark.browser

READ_CSRF_COOKIE_JS = "() => (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || ''"

FETCH_ATTEMPTS_JS = """async ({api, csrfToken}) => {
  const attempt = async (url, init) => {
    try {
      const response = await fetch(url, init);
      return {type: response.type, status: response.status};
    } catch (error) {
      return {error: error.name};
    }
  };
  const refresh = api + "/api/auth/refresh/";
  return {
    // Needs a preflight (custom header): the API does not allow this origin.
    withHeader: await attempt(refresh, {method: "POST", credentials: "include", headers: {"X-CSRFToken": csrfToken}}),
    // A "simple" request is sent without a preflight, but the response is not readable.
    simple: await attempt(refresh, {method: "POST", credentials: "include"}),
    noCors: await attempt(refresh, {method: "POST", credentials: "include", mode: "no-cors"}),
    // Nor can it read a CSRF token from csrf/.
    csrf: await attempt(api + "/api/auth/csrf/", {credentials: "include"}),
  };
}"""

FORGE_FORM_JS = """({url, csrfToken}) => {
  const form = document.createElement("form");
  form.method = "POST";
  form.action = url;
  if (csrfToken) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "csrfmiddlewaretoken";
    field.value = csrfToken;
    form.append(field);
  }
  document.body.append(form);
  form.submit();
}"""


def _assert_session_untouched(demo: Demo, username: str, jti_hash: str) -> None:
    [session] = demo.sessions(username)
    assert session["jti_hash"] == jti_hash, "the session was rotated"
    assert session["revoked_at"] is None


def _assert_victim_still_refreshes(page: Any) -> None:
    page.click("#refresh-button")
    wait_for_event(page, "refresh-local")
    assert page.get_attribute("#status", "data-state") == "logged-in"


def test_a_page_of_another_origin_cannot_call_refresh(
    demo_server: Demo, context: Any, user: tuple[str, str], elsewhere_port: int
) -> None:
    username = user[0]
    victim = open_demo(context, demo_server)
    log_in(victim, *user)
    [session] = demo_server.sessions(username)

    for host in ("localhost", "127.0.0.1"):
        origin = f"http://{host}:{elsewhere_port}"
        # The server's answer to the preflight grants nothing to this origin.
        preflight = urllib.request.Request(  # noqa: S310 (loopback)
            demo_server.api + "/api/auth/refresh/",
            method="OPTIONS",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "x-csrftoken",
            },
        )
        with urllib.request.urlopen(preflight, timeout=5) as response:  # noqa: S310 (loopback)
            assert response.headers.get("Access-Control-Allow-Origin") is None
            assert response.headers.get("Access-Control-Allow-Credentials") is None

        other = context.new_page()
        other.goto(origin + "/")
        csrf_token = other.evaluate(READ_CSRF_COOKIE_JS)
        assert bool(csrf_token) == (host == "localhost"), "cookies ignore ports, not hosts"
        assert "jwtauth_refresh" not in other.evaluate("document.cookie")
        result = other.evaluate(FETCH_ATTEMPTS_JS, {"api": demo_server.api, "csrfToken": csrf_token})
        assert result == {
            "withHeader": {"error": "TypeError"},
            "simple": {"error": "TypeError"},
            "noCors": {"type": "opaque", "status": 0},
            "csrf": {"error": "TypeError"},
        }, origin
        other.close()
        _assert_session_untouched(demo_server, username, session["jti_hash"])

    _assert_victim_still_refreshes(victim)


def test_a_forged_cross_site_form_post_to_refresh_fails(
    demo_server: Demo, context: Any, user: tuple[str, str], elsewhere_port: int
) -> None:
    username = user[0]
    traffic = Traffic.watch(context, demo_server)
    victim = open_demo(context, demo_server)
    log_in(victim, *user)
    [session] = demo_server.sessions(username)
    refresh_url = demo_server.api + "/api/auth/refresh/"
    traffic.clear()

    cases = [
        # Same-site sibling: the refresh cookie is sent, CSRF stops it.
        ("localhost", False, 403, "csrf_failed"),
        # Even with the csrftoken the sibling can read, the Origin check stops it.
        ("localhost", True, 403, "csrf_failed"),
        # Cross-site: SameSite=Lax keeps the refresh cookie off a cross-site POST.
        ("127.0.0.1", False, 401, "refresh_token_missing"),
    ]
    for host, with_token, status, code in cases:
        attacker = context.new_page()
        attacker.goto(f"http://{host}:{elsewhere_port}/")
        csrf_token = attacker.evaluate(READ_CSRF_COOKIE_JS) if with_token else ""
        assert bool(csrf_token) == with_token
        with attacker.expect_response(lambda r: r.url == refresh_url) as forged:
            attacker.evaluate(FORGE_FORM_JS, {"url": refresh_url, "csrfToken": csrf_token})
        response = forged.value
        assert response.status == status, (host, with_token)
        # A navigation asks for HTML, so DRF answers with its browsable page around the JSON.
        assert code in response.text(), (host, with_token)
        set_cookie = response.headers.get("set-cookie") or ""
        assert "jwtauth_refresh" not in set_cookie, "the forged post must not touch the refresh cookie"
        attacker.close()
        _assert_session_untouched(demo_server, username, session["jti_hash"])

    assert [e.status for e in traffic.refreshes()] == [403, 403, 401]
    _assert_victim_still_refreshes(victim)
