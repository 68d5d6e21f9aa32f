"""jwtauth.W116: CORS settings without django-cors-headers installed, or its middleware misplaced."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import Warning, run_checks

from jwtauth.checks import check_cors_installed

CORS = "corsheaders.middleware.CorsMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"


def w116(settings: Any) -> list[str]:
    return [str(message.msg) for message in check_cors_installed() if message.id == "jwtauth.W116"]


@pytest.fixture
def cors_app(settings: Any) -> None:
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "corsheaders"]


def test_quiet_without_cors_settings(settings: Any) -> None:
    assert not any(name.startswith("CORS_") for name in dir(settings))
    assert w116(settings) == []


def test_quiet_when_cors_settings_are_empty(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = []
    settings.CORS_ALLOW_CREDENTIALS = False
    assert w116(settings) == []


@pytest.mark.usefixtures("cors_app")
def test_quiet_when_installed_and_first(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    settings.MIDDLEWARE = [CORS, *settings.MIDDLEWARE]
    assert w116(settings) == []


def test_app_and_middleware_missing(settings: Any) -> None:
    # The broken project: the README's CORS settings, nothing else.
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:3000"]
    settings.CORS_ALLOW_CREDENTIALS = True
    [message] = check_cors_installed()
    assert isinstance(message, Warning)
    assert message.id == "jwtauth.W116"
    assert "CORS_ALLOWED_ORIGINS, CORS_ALLOW_CREDENTIALS are set" in str(message.msg)
    assert "'corsheaders' is not in INSTALLED_APPS" in str(message.msg)
    assert f"{CORS!r} is not in MIDDLEWARE" in str(message.msg)
    assert "first in MIDDLEWARE" in str(message.hint)


@pytest.mark.usefixtures("cors_app")
def test_middleware_missing(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    [text] = w116(settings)
    assert "INSTALLED_APPS" not in text
    assert f"{CORS!r} is not in MIDDLEWARE" in text


def test_app_missing(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    settings.MIDDLEWARE = [CORS, *settings.MIDDLEWARE]
    [text] = w116(settings)
    assert text.endswith(
        "'corsheaders' is not in INSTALLED_APPS: a front end on another origin cannot read the API's answers."
    )


@pytest.mark.usefixtures("cors_app")
def test_middleware_after_common_middleware(settings: Any) -> None:
    settings.CORS_ALLOW_ALL_ORIGINS = True  # any CORS_* setting counts
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, CORS]
    assert settings.MIDDLEWARE.index(COMMON) < settings.MIDDLEWARE.index(CORS)
    [text] = w116(settings)
    assert f"{CORS!r} comes after {COMMON!r}" in text
    # Directly above CommonMiddleware is enough.
    middleware = [m for m in settings.MIDDLEWARE if m != CORS]
    middleware.insert(middleware.index(COMMON), CORS)
    settings.MIDDLEWARE = middleware
    assert w116(settings) == []


def test_registered_with_manage_py_check(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    assert "jwtauth.W116" in {message.id for message in run_checks()}
