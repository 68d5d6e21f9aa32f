"""django-allauth account flows in the demo, in Chromium: sign-up with the e-mail code from the
demo's mailbox, TOTP set-up and a password + code login, a passkey through the DevTools virtual
authenticator, and a password reset by e-mailed code.

Every login ends in a jwtauth session (the refresh token in jwtauth's HttpOnly cookie); the
demo's ``/dev/mail/`` page stands in for the inbox. No sleeps: each step waits for the page.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Demo
from tests.browser.helpers import TIMEOUT_MS, Traffic, open_demo, wait_for_event

pytest.importorskip("allauth", reason="django-allauth is not installed (the demo extra installs it)")
pyotp = pytest.importorskip("pyotp", reason="pyotp is not installed (the test extra installs it)")

pytestmark = pytest.mark.browser

PASSWORD = "a long demo passphrase 42"
NEW_PASSWORD = "another long passphrase 43"
APP = "/_allauth/app/v1"
_numbers = itertools.count()


def _new_email() -> str:
    # Unique across runs of the session-wide demo server and across xdist workers.
    return f"e2e-{os.getpid()}-{next(_numbers)}@example.com"


def mailbox_code(context: Any, demo: Demo, email: str) -> str:
    """The code of the newest mail to ``email`` on the demo's mailbox page (``/dev/mail/``)."""
    page = context.new_page()
    try:
        page.goto(demo.api + "/dev/mail/")
        mail = page.locator(f'li[data-testid="mail"][data-to="{email}"]').first
        mail.wait_for(timeout=TIMEOUT_MS)
        code = str(mail.locator('[data-testid="mail-code"]').inner_text()).strip()
    finally:
        page.close()
    assert code, f"no code in the newest mail to {email}"
    return code


def sign_up(context: Any, demo: Demo, page: Any, email: str) -> str:
    """Sign up through the page and confirm with the mailbox's code; returns the code used."""
    page.click("#show-signup-button")
    page.fill("#signup-email", email)
    page.fill("#signup-password", PASSWORD)
    page.click("#signup-button")
    page.wait_for_selector("#verify-email-section:not([hidden])", timeout=TIMEOUT_MS)
    assert page.inner_text("#verify-email-address") == email
    assert page.get_attribute("#status", "data-state") == "logged-out"
    # Until the address is confirmed, jwtauth's password-only login/ refuses it too (PASSWORD_LOGIN_CHECK).
    early = page.request.post(
        demo.api + "/api/auth/login/", data={"username": email, "password": PASSWORD}, headers={"Origin": demo.frontend}
    )
    assert early.status == 403 and early.json()["code"] == "login_flow_required"
    code = mailbox_code(context, demo, email)
    page.fill("#verify-email-code", code)
    page.click("#verify-email-button")
    page.wait_for_selector('#status[data-state="logged-in"]', timeout=TIMEOUT_MS)
    return code


def log_out(page: Any) -> None:
    """Log out through the page and wait for the server's answer (it expires the cookie)."""
    with page.expect_response(lambda r: r.url.endswith("/api/auth/logout/")) as logout:
        page.click("#logout-button")
    assert logout.value.status == 204
    page.wait_for_selector('#status[data-state="logged-out"]', timeout=TIMEOUT_MS)


def confirm_password_when_asked(page: Any, done: str) -> bool:
    """Wait until ``done`` shows or the page asks for the password (allauth's re-authentication);
    in that case confirm it. Returns whether it was asked."""
    page.wait_for_selector(f"#reauth-form:not([hidden]), {done}", timeout=TIMEOUT_MS)
    if not page.is_visible("#reauth-form"):
        return False
    page.fill("#reauth-password", PASSWORD)
    page.click("#reauth-button")
    wait_for_event(page, "reauthenticated")
    return True


def refresh_cookie(context: Any, demo: Demo) -> dict[str, Any] | None:
    cookies = {c["name"]: c for c in context.cookies(demo.api + "/api/auth/")}
    return cookies.get("jwtauth_refresh")


def add_virtual_authenticator(context: Any, page: Any) -> None:
    """Chromium's DevTools virtual authenticator (CTAP2, resident keys, user verified)."""
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


def test_sign_up_totp_then_password_and_code_then_a_passkey(demo_server: Demo, context: Any, artifacts: Path) -> None:
    traffic = Traffic.watch(context, demo_server)
    page = open_demo(context, demo_server)
    email = _new_email()

    # Sign up -> the code from the demo's mailbox -> signed in, with jwtauth's tokens.
    code = sign_up(context, demo_server, page, email)
    assert f"code: {code}" in demo_server.log_text(), "the demo prints each code in its terminal"
    wait_for_event(page, "email-verified")
    assert [e.status for e in traffic.to("POST", APP + "/auth/email/verify")] == [200]
    cookie = refresh_cookie(context, demo_server)
    assert cookie is not None and cookie["httpOnly"] is True and cookie["path"] == "/api/auth/"
    assert page.get_attribute("#csrf-source", "data-source") == "allauth-body"
    assert "eyJ" not in page.evaluate("JSON.stringify([Object.entries(localStorage), document.cookie])")
    username = page.inner_text("#user")
    page.click("#call-api-button")
    page.wait_for_selector('#api-result[data-status="200"]', timeout=TIMEOUT_MS)
    # The refresh token is jwtauth's: refresh/ rotates the cookie allauth's response set.
    page.click("#refresh-button")
    wait_for_event(page, "refresh-local")
    assert refresh_cookie(context, demo_server)["value"] != cookie["value"]

    # Turn on TOTP: the page shows the secret and the otpauth URI; a code from it activates.
    page.click("#totp-setup-button")
    page.wait_for_selector("#totp-form:not([hidden])", timeout=TIMEOUT_MS)
    secret = page.inner_text("#totp-secret").strip()
    assert page.inner_text("#totp-uri").startswith("otpauth://totp/")
    page.screenshot(path=str(artifacts / "demo-allauth-totp-setup.png"), full_page=True)
    totp = pyotp.TOTP(secret)
    page.fill("#totp-code", totp.now())
    page.click("#totp-activate-button")
    # A sign-up confirmed by e-mail code proved no password in this session: allauth asks for it
    # before adding a second factor, and the page runs the step again once it is confirmed.
    assert confirm_password_when_asked(page, done='#totp-status[data-state="on"]')
    page.wait_for_selector('#totp-status[data-state="on"]', timeout=TIMEOUT_MS)
    assert page.is_hidden("#reauth-form")
    page.wait_for_selector("#recovery-codes-box:not([hidden])", timeout=TIMEOUT_MS)
    assert page.locator("#recovery-codes li").count() >= 1

    log_out(page)
    assert refresh_cookie(context, demo_server) is None
    # jwtauth's password-only login/ cannot skip the second factor (PASSWORD_LOGIN_CHECK).
    skip = page.request.post(
        demo_server.api + "/api/auth/login/",
        data={"username": email, "password": PASSWORD},
        headers={"Origin": demo_server.frontend},
    )
    assert skip.status == 403 and skip.json()["code"] == "login_flow_required"
    skip = page.request.post(
        demo_server.api + "/api/auth/login/",
        data={"username": username, "password": PASSWORD},
        headers={"Origin": demo_server.frontend},
    )
    assert skip.status == 403 and skip.json()["code"] == "login_flow_required"
    assert refresh_cookie(context, demo_server) is None

    # Log in with the password, then the TOTP code.
    page.fill("#username", email)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("#mfa-section:not([hidden])", timeout=TIMEOUT_MS)
    page.screenshot(path=str(artifacts / "demo-allauth-second-factor.png"), full_page=True)
    assert page.get_attribute("#status", "data-state") == "logged-out"
    assert refresh_cookie(context, demo_server) is None, "no jwtauth session before the second factor"
    page.fill("#mfa-code", totp.now())
    page.click("#mfa-button")
    page.wait_for_selector('#status[data-state="logged-in"]', timeout=TIMEOUT_MS)
    assert page.inner_text("#user") == username
    assert [e.status for e in traffic.to("POST", APP + "/auth/login")] == [401]
    assert [e.status for e in traffic.to("POST", APP + "/auth/2fa/authenticate")] == [200]
    assert refresh_cookie(context, demo_server) is not None

    # Register a passkey with the virtual authenticator (navigator.credentials.create()).
    add_virtual_authenticator(context, page)
    page.fill("#passkey-name", "virtual key")
    page.click("#passkey-add-button")
    # allauth asks for the password again before adding a passkey (a login is not a re-authentication).
    confirm_password_when_asked(page, done='#passkey-status[data-count="1"]')
    page.wait_for_selector('#passkey-status[data-count="1"]', timeout=TIMEOUT_MS)
    wait_for_event(page, "passkey-added")
    assert [e.status for e in traffic.to("POST", APP + "/account/authenticators/webauthn")] == [200]

    # ... and log in with it (navigator.credentials.get()): a jwtauth session again.
    log_out(page)
    page.click("#passkey-login-button")
    page.wait_for_selector('#status[data-state="logged-in"]', timeout=TIMEOUT_MS)
    assert page.inner_text("#user") == username
    assert [e.status for e in traffic.to("POST", APP + "/auth/webauthn/login")] == [200]
    assert refresh_cookie(context, demo_server) is not None
    sessions = demo_server.sessions(username)
    assert [s["revoke_reason"] for s in sessions] == ["logout", "logout", ""]


def test_password_reset_with_the_mailed_code_then_log_in_with_the_new_password(
    demo_server: Demo, browser: Any, context: Any, artifacts: Path
) -> None:
    page = open_demo(context, demo_server)
    email = _new_email()
    sign_up(context, demo_server, page, email)
    username = page.inner_text("#user")

    # Someone (here: another browser) resets the password while this session is live.
    other = browser.new_context()
    try:
        reset = open_demo(other, demo_server)
        reset.click("#show-reset-button")
        reset.fill("#reset-email", email)
        reset.click("#reset-request-button")
        reset.wait_for_selector("#reset-confirm-form:not([hidden])", timeout=TIMEOUT_MS)
        code = mailbox_code(other, demo_server, email)
        mailbox = other.new_page()
        mailbox.goto(demo_server.api + "/dev/mail/")
        mailbox.screenshot(path=str(artifacts / "demo-allauth-mailbox.png"), full_page=True)
        mailbox.close()
        reset.fill("#reset-code", code)
        reset.fill("#reset-password", NEW_PASSWORD)
        reset.click("#reset-confirm-button")
        reset.wait_for_selector("#notice:not([hidden])", timeout=TIMEOUT_MS)
        assert "password was changed" in reset.inner_text("#notice")
        assert reset.is_visible("#login-section")
        assert reset.input_value("#username") == email

        # Every session of the account was revoked: the first browser's refresh fails.
        assert [s["revoke_reason"] for s in demo_server.sessions(username)] == ["password_changed"]
        page.click("#refresh-button")
        page.wait_for_selector('#status[data-state="logged-out"]', timeout=TIMEOUT_MS)

        # The old password no longer works; the new one does.
        reset.fill("#password", PASSWORD)
        reset.click("#login-button")
        reset.wait_for_selector("#login-error:not([hidden])", timeout=TIMEOUT_MS)
        assert reset.get_attribute("#status", "data-state") == "logged-out"
        reset.fill("#password", NEW_PASSWORD)
        reset.click("#login-button")
        reset.wait_for_selector('#status[data-state="logged-in"]', timeout=TIMEOUT_MS)
        assert reset.inner_text("#user") == username
        assert refresh_cookie(other, demo_server) is not None
    finally:
        other.close()
