"""Attacks on login/ itself: enumerating usernames by how long a failure takes,
backends that raise, and login CSRF through "simple" (non-JSON) bodies.

Timing is asserted through its mechanism, never a stopwatch: counting hashers record
which hasher ran how often for each failed login, and every account state must cost
the same hashing.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.api.helpers import LOGIN
from tests.conftest import PASSWORD
from tests.testapp.hashers import CountingHasher

pytestmark = pytest.mark.django_db

NEW = "tests.testapp.hashers.CountingHasher"  # the preferred hasher (counting_md5)
LEGACY = "tests.testapp.hashers.LegacyCountingHasher"  # an older one stored passwords still use


def _fail(username: str) -> tuple[int, dict[str, Any], Counter[str]]:
    CountingHasher.calls.clear()
    response = APIClient().post(LOGIN, {"username": username, "password": "wrong guess"}, format="json")
    return response.status_code, response.json(), Counter(CountingHasher.calls)


@pytest.fixture
def accounts(settings: Any) -> None:
    """One user in each state, after the preferred hasher changed from LEGACY to NEW."""
    user_model = get_user_model()
    settings.PASSWORD_HASHERS = [LEGACY]
    user_model.objects.create_user(username="legacy", password=PASSWORD)
    user_model.objects.create_user(username="inactive", password=PASSWORD, is_active=False)
    settings.PASSWORD_HASHERS = [NEW, LEGACY]
    user_model.objects.create_user(username="upgraded", password=PASSWORD)
    unusable = user_model.objects.create_user(username="unusable", password=None)
    assert not unusable.has_usable_password()
    user_model.objects.create_user(username="odd", password="x")
    user_model.objects.filter(username="odd").update(password="sha0$unknown$algorithm")


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": None, "account": None})
def test_every_failed_login_runs_the_same_hashers(accounts: None) -> None:
    """Unknown user, legacy hash, current hash, inactive, unusable password, unknown
    hash format: each failure runs each hasher in use exactly once."""
    names = ("nobody", "legacy", "upgraded", "inactive", "unusable", "odd")
    for name in names:  # warm-up: the dummy hashes are computed once per process
        _fail(name)
    costs = {}
    for name in names:
        status, body, calls = _fail(name)
        assert (status, body["code"]) == (401, "invalid_credentials")
        # MD5's verify() hashes through encode(): each encode is one run of a hasher.
        hashed = (call for call in calls.elements() if call.endswith("encode"))
        ran = Counter("legacy" if call.startswith("legacy:") else "new" for call in hashed)
        costs[name] = tuple(sorted(ran.items()))
    assert set(costs.values()) == {(("legacy", 1), ("new", 1))}, repr(costs)


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": None, "account": None})
def test_one_hasher_in_use_adds_no_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = [NEW]
    get_user_model().objects.create_user(username="alice", password=PASSWORD)
    _fail("unusable-warm-up")
    assert _fail("alice")[2] == Counter({"verify": 1, "encode": 1})  # verify() hashes through encode()
    assert _fail("nobody")[2] == Counter({"encode": 1})


# -- backends that raise -------------------------------------------------------------


class _AmbiguousBackend:
    """What an ``email__iexact`` manager does with two accounts differing in case."""

    def authenticate(self, request: Any, **credentials: Any) -> Any:
        raise get_user_model().MultipleObjectsReturned("get() returned more than one User -- it returned 2!")

    def get_user(self, user_id: Any) -> Any:
        return None


@pytest.mark.parametrize("username", ["alice", "nobody"])
def test_backend_exception_is_uniform_401_with_a_clean_warning(
    settings: Any, user: Any, caplog: pytest.LogCaptureFixture, username: str
) -> None:
    settings.AUTHENTICATION_BACKENDS = ["tests.security.test_login_timing._AmbiguousBackend"]
    caplog.set_level(logging.WARNING, logger="jwtauth")
    response = APIClient().post(LOGIN, {"username": username, "password": "s3cret-guess"}, format="json")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Unable to log in with the provided credentials.",
        "code": "invalid_credentials",
    }
    assert "MultipleObjectsReturned" in caplog.text
    assert "s3cret-guess" not in caplog.text
    assert username not in caplog.text.replace("jwtauth", "")


@pytest.mark.parametrize("case_insensitive", [False, True])
def test_identifier_case_insensitive_option(settings: Any, db: None, case_insensitive: bool) -> None:
    settings.JWTAUTH = {**settings.JWTAUTH, "LOGIN_IDENTIFIER_CASE_INSENSITIVE": case_insensitive}
    get_user_model().objects.create_user(username="ana@example.com", password=PASSWORD)
    response = APIClient().post(LOGIN, {"username": "Ana@Example.COM", "password": PASSWORD}, format="json")
    assert response.status_code == (200 if case_insensitive else 401)
    if case_insensitive:
        assert response.json()["user"]["username"] == "ana@example.com"


@pytest.mark.jwtauth_settings(LOGIN_IDENTIFIER_CASE_INSENSITIVE=True)
def test_case_insensitive_option_with_accounts_differing_only_in_case(db: None) -> None:
    """Ambiguous: only the exact spelling logs in; never a 500."""
    user_model = get_user_model()
    user_model.objects.create_user(username="Bob", password="upper " + PASSWORD)
    user_model.objects.create_user(username="bob", password="lower " + PASSWORD)
    client = APIClient()
    ok = client.post(LOGIN, {"username": "bob", "password": "lower " + PASSWORD}, format="json")
    assert ok.json()["user"]["username"] == "bob"
    assert client.post(LOGIN, {"username": "BOB", "password": "lower " + PASSWORD}, format="json").status_code == 401


# -- JSON only: no login CSRF through a "simple request" ------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", f"username=alice&password={PASSWORD}"),
        ("text/plain", f'{{"username": "alice", "password": "{PASSWORD}"}}'),
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice\r\n--x--',
        ),
    ],
)
def test_login_refuses_simple_request_bodies(user: Any, content_type: str, body: str) -> None:
    response = APIClient().generic("POST", LOGIN, body, content_type=content_type)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert "jwtauth_refresh" not in response.cookies


@pytest.mark.jwtauth_settings(LOGIN_FORM_ENABLED=True)
def test_form_login_when_enabled_needs_django_csrf_token(user: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    body = f"username=alice&password={PASSWORD.replace(' ', '+')}"
    refused = client.generic("POST", LOGIN, body, content_type="application/x-www-form-urlencoded")
    assert (refused.status_code, refused.json()["code"]) == (403, "csrf_failed")
    token = client.get("/api/auth/csrf/").json()["csrf_token"]
    accepted = client.generic(
        "POST", LOGIN, f"{body}&csrfmiddlewaretoken={token}", content_type="application/x-www-form-urlencoded"
    )
    assert accepted.status_code == 200
    # JSON needs no CSRF token (a cross-site page cannot send it without a preflight)
    assert (
        APIClient(enforce_csrf_checks=True)
        .post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
        .status_code
        == 200
    )
