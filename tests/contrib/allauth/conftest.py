"""Fixtures for the allauth integration: an allauth headless app client driven over HTTP.

Each test module skips (with the reason) when django-allauth is not installed
(``requires_allauth()``); the rest of the suite does not need it.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import pytest
from django.core import mail
from django.test import Client

APP = "/_allauth/app/v1"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a quite different passphrase 42"


@pytest.fixture(autouse=True)
def _allauth_backends(settings: Any) -> None:
    # allauth's backend logs in by e-mail; only these tests need it (the core suite's
    # hasher-count tests assume Django's ModelBackend alone).
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ]


class AppClient:
    """A front end speaking allauth's app client and jwtauth's cookie endpoints.

    Keeps what a single-page app keeps in memory: allauth's session token while a flow
    is pending, then jwtauth's access token and CSRF token; the browser part (cookies)
    lives in the Django test client, which enforces CSRF.
    """

    def __init__(self) -> None:
        self.http = Client(enforce_csrf_checks=True)
        self.session_token: str | None = None
        self.access_token: str | None = None
        self.csrf_token: str | None = None

    def call(self, method: str, path: str, data: Any = None, **headers: str) -> Any:
        if self.session_token:
            headers.setdefault("X-Session-Token", self.session_token)
        kwargs: dict[str, Any] = {"headers": headers}
        if data is not None:
            kwargs.update(data=json.dumps(data), content_type="application/json")
        response = getattr(self.http, method.lower())(APP + path, **kwargs)
        body = response.json() if response.content else {}
        meta = body.get("meta") or {}
        if meta.get("session_token"):
            self.session_token = meta["session_token"]
        if meta.get("access_token"):
            self.access_token = meta["access_token"]
            self.csrf_token = meta["csrf_token"]
        response.body = body
        return response

    def refresh(self) -> Any:
        response = self.http.post("/api/auth/refresh/", headers={"X-CSRFToken": self.csrf_token or ""})
        if response.status_code == 200:
            self.access_token = response.json()["access_token"]
            self.csrf_token = response.json()["csrf_token"]
        return response

    def user(self) -> Any:
        return self.http.get("/api/auth/user/", headers={"Authorization": f"Bearer {self.access_token}"})

    @property
    def refresh_cookie(self) -> Any:
        return self.http.cookies.get("jwtauth_refresh")


@pytest.fixture
def app() -> AppClient:
    return AppClient()


def last_mail_link(pattern: str) -> str:
    """The last captured e-mail's link matching ``pattern`` (one group: the key)."""
    found = re.search(pattern, mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return unquote(found.group(1))  # the front end reads the key from its URL path


@pytest.fixture
def verified_user(db: None) -> Any:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="carol", email="carol@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user
