"""The allauth integration's system checks and its RFC 8176 ``amr`` mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

pytest.importorskip("allauth", reason="django-allauth is not installed (pip install 'jwtauth[allauth]')")

from jwtauth.contrib.allauth.amr import amr_of, auth_time_of
from jwtauth.contrib.allauth.checks import check_allauth_integration
from jwtauth.contrib.allauth.strategy import JWTAuthTokenStrategy

STRATEGY = "jwtauth.contrib.allauth.strategy.JWTAuthTokenStrategy"
MIDDLEWARE = "jwtauth.contrib.allauth.middleware.AllauthSessionMiddleware"
CSRF = "django.middleware.csrf.CsrfViewMiddleware"


def ids(settings: Any) -> list[str]:
    return [message.id for message in check_allauth_integration()]


def test_the_test_settings_pass_the_checks(settings: Any) -> None:
    assert ids(settings) == []


def test_e301_another_token_strategy(settings: Any) -> None:
    settings.HEADLESS_TOKEN_STRATEGY = "allauth.headless.tokens.strategies.sessions.SessionTokenStrategy"
    assert ids(settings) == ["jwtauth.E301"]


@pytest.mark.parametrize(
    "middleware",
    [[CSRF], [MIDDLEWARE, CSRF]],
    ids=["missing", "before-csrf"],
)
def test_e302_middleware_missing_or_misplaced(settings: Any, middleware: list[str]) -> None:
    settings.MIDDLEWARE = middleware
    assert ids(settings) == ["jwtauth.E302"]


def test_e303_and_w301_clients(settings: Any) -> None:
    settings.HEADLESS_CLIENTS = ("browser",)
    assert ids(settings) == ["jwtauth.E303", "jwtauth.W301"]
    settings.HEADLESS_CLIENTS = ("app", "browser")
    assert ids(settings) == ["jwtauth.W301"]


def test_strategy_refuses_to_issue_tokens_without_the_middleware(rf: RequestFactory) -> None:
    # Tokens without the refresh cookie would strand the front end: fail loudly instead.
    with pytest.raises(ImproperlyConfigured, match="AllauthSessionMiddleware"):
        JWTAuthTokenStrategy().create_access_token_payload(rf.post("/"))


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([{"method": "password"}], ["pwd"]),
        ([{"method": "code"}], ["otp"]),
        ([{"method": "password"}, {"method": "mfa", "type": "totp"}], ["pwd", "otp", "mfa"]),
        ([{"method": "password"}, {"method": "mfa", "type": "recovery_codes"}], ["pwd", "otp", "mfa"]),
        ([{"method": "password"}, {"method": "mfa", "type": "webauthn"}], ["pwd", "hwk", "mfa"]),
        ([{"method": "mfa", "type": "webauthn", "passwordless": True}], ["hwk"]),
        ([{"method": "password"}, {"method": "password"}], ["pwd"]),
        ([{"method": "socialaccount", "provider": "google"}], []),
        ([{"method": "password_reset"}], []),
        ([], []),
    ],
)
def test_amr_of(records: list[dict[str, Any]], expected: list[str]) -> None:
    assert amr_of(records) == expected


def test_auth_time_of_is_the_last_step() -> None:
    default = datetime(2026, 1, 1, tzinfo=UTC)
    records = [{"method": "password", "at": 1767225600.0}, {"method": "mfa", "at": 1767225630.5}]
    assert auth_time_of(records, default=default) == datetime(2026, 1, 1, 0, 0, 30, 500000, tzinfo=UTC)
    assert auth_time_of([{"method": "password"}], default=default) == default
