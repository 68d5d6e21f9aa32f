"""jwtauth's password-only ``login/`` beside allauth: an account that allauth would ask for
more than a password (a second factor, an e-mail address to verify) gets 403
``login_flow_required`` there and no session; ``PASSWORD_LOGIN_CHECK`` and ``jwtauth.E304``."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from rest_framework.test import APIClient

from jwtauth.sessions.models import RefreshSession
from tests.api.helpers import LOGIN

from .conftest import PASSWORD
from .test_mfa import totp_user  # noqa: F401 - a fixture

pytest.importorskip("allauth", reason="django-allauth is not installed (pip install 'jwtauth[allauth]')")

pytestmark = pytest.mark.django_db


def login(username: str, password: str = PASSWORD) -> Any:
    return APIClient().post(LOGIN, {"username": username, "password": password}, format="json")


def test_a_verified_account_without_a_second_factor_logs_in(verified_user: Any) -> None:
    assert login("carol").status_code == 200


def test_an_account_with_totp_cannot_skip_the_code(totp_user: Any) -> None:  # noqa: F811
    user = totp_user[0]
    sessions = RefreshSession.objects.filter(user=user).count()
    refused = login(user.username)
    assert refused.status_code == 403
    assert refused.json()["code"] == "login_flow_required"
    assert "jwtauth_refresh" not in refused.cookies
    assert RefreshSession.objects.filter(user=user).count() == sessions
    # A wrong password says nothing about the second factor.
    wrong = login(user.username, "not-the-password")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_credentials")


def test_an_unverified_address_cannot_skip_verification(db: None) -> None:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="dave", email="dave@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    refused = login("dave")
    assert (refused.status_code, refused.json()["code"]) == (403, "login_flow_required")
    assert not RefreshSession.objects.filter(user=user).exists()
    EmailAddress.objects.filter(user=user).update(verified=True)
    assert login("dave").status_code == 200


def test_an_account_made_outside_allauth_is_not_held_back(user: Any) -> None:
    """createsuperuser and the admin make no allauth address: allauth never asked for one."""
    assert login(user.get_username()).status_code == 200


def test_e304_without_the_login_check(settings: Any) -> None:
    settings.JWTAUTH = {k: v for k, v in settings.JWTAUTH.items() if k != "PASSWORD_LOGIN_CHECK"}
    assert "jwtauth.E304" in [m.id for m in run_checks()]
    settings.JWTAUTH = {**settings.JWTAUTH, "PASSWORD_LOGIN_CHECK": "tests.nowhere.check"}
    assert "jwtauth.E304" not in [m.id for m in run_checks()]
