"""Passkeys in real Chromium: register one through allauth's app client, log out, log in
with it, and get jwtauth's tokens and refresh cookie.

Chromium is Debian's; its DevTools ``WebAuthn`` domain provides a virtual authenticator
(CTAP2, resident keys, user verification), so no hardware and no prompt is involved. The
API is the Django live server on ``localhost`` (a secure context and a valid RP ID).
"""

from __future__ import annotations

from typing import Any

import pytest

from jwtauth.sessions.models import RefreshSession

from .conftest import PASSWORD

pytest.importorskip("allauth", reason="django-allauth is not installed (pip install 'jwtauth[allauth]')")
pytest.importorskip("playwright", reason="Playwright is not installed")

from tests.browser.conftest import CHROMIUM_ARGS, chromium_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page's side: allauth's app client over fetch(), WebAuthn through the browser's own
# JSON helpers (PublicKeyCredential.parse*FromJSON / toJSON).
SCRIPT = """
async ({email, password}) => {
  const APP = "/_allauth/app/v1";
  const state = {sessionToken: null, accessToken: null};
  const steps = {tokensFrom: []};
  async function call(method, path, body) {
    const headers = {"Content-Type": "application/json"};
    if (state.sessionToken) headers["X-Session-Token"] = state.sessionToken;
    const r = await fetch(APP + path, {method, headers, credentials: "include",
                                       body: body ? JSON.stringify(body) : undefined});
    const json = await r.json();
    if (json.meta && json.meta.session_token) state.sessionToken = json.meta.session_token;
    if (json.meta && json.meta.access_token) {
      state.accessToken = json.meta.access_token;
      steps.tokensFrom.push(method + " " + path);
    }
    return {status: r.status, json};
  }

  steps.login = (await call("POST", "/auth/login", {email, password})).status;
  steps.reauthenticate = (await call("POST", "/auth/reauthenticate", {password})).status;
  const begin = await call("GET", "/account/authenticators/webauthn?passwordless");
  const creation = PublicKeyCredential.parseCreationOptionsFromJSON(begin.json.data.creation_options.publicKey);
  const created = await navigator.credentials.create({publicKey: creation});
  const added = await call("POST", "/account/authenticators/webauthn",
                           {name: "virtual key", credential: created.toJSON(), passwordless: true});
  steps.register = added.status;
  steps.logout = (await call("DELETE", "/auth/session")).status;
  state.sessionToken = null; state.accessToken = null;

  const start = await call("GET", "/auth/webauthn/login");
  const request = PublicKeyCredential.parseRequestOptionsFromJSON(start.json.data.request_options.publicKey);
  const assertion = await navigator.credentials.get({publicKey: request});
  const login = await call("POST", "/auth/webauthn/login", {credential: assertion.toJSON()});
  steps.passkeyLogin = login.status;
  steps.meta = login.json.meta;
  steps.methods = login.json.data && login.json.data.methods;
  const me = await fetch("/api/auth/user/", {headers: {Authorization: "Bearer " + state.accessToken}});
  steps.user = me.status;
  return steps;
}
"""


def test_register_a_passkey_then_log_in_with_it(live_server: Any, verified_user: Any) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(live_server.url + "/api/auth/csrf/")  # any page of the API's origin
            cdp = context.new_cdp_session(page)
            cdp.send("WebAuthn.enable")
            cdp.send(
                "WebAuthn.addVirtualAuthenticator",
                {
                    "options": {
                        "protocol": "ctap2",
                        "transport": "internal",
                        "hasResidentKey": True,
                        "hasUserVerification": True,
                        "isUserVerified": True,
                        "automaticPresenceSimulation": True,
                    }
                },
            )
            steps = page.evaluate(SCRIPT, {"email": verified_user.email, "password": PASSWORD})
            cookies = {c["name"]: c for c in context.cookies()}
        finally:
            browser.close()

    assert steps["login"] == 200
    assert steps["reauthenticate"] == 200
    assert steps["register"] == 200, steps
    assert steps["logout"] == 401
    assert steps["passkeyLogin"] == 200, steps
    assert steps["meta"]["is_authenticated"] is True
    assert steps["meta"]["access_token"] and steps["meta"]["csrf_token"]
    assert "refresh_token" not in steps["meta"]
    assert [m["method"] for m in steps["methods"]] == ["mfa"]
    assert steps["user"] == 200
    refresh = cookies["jwtauth_refresh"]
    assert refresh["httpOnly"] is True and refresh["path"] == "/api/auth/"
    assert steps["tokensFrom"] == ["POST /auth/login", "POST /auth/webauthn/login"]
    # One session per login (allauth builds two responses for a passkey login); the
    # password login's ended with allauth's logout.
    reasons = sorted(RefreshSession.objects.filter(user=verified_user).values_list("revoke_reason", flat=True))
    assert reasons == ["", "logout"]
