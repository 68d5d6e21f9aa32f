"""System checks of the allauth integration (``jwtauth.E301``-``E303``, ``W301``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

__all__ = ["check_allauth_integration"]

_STRATEGY = "jwtauth.contrib.allauth.strategy.JWTAuthTokenStrategy"
_MIDDLEWARE = "jwtauth.contrib.allauth.middleware.AllauthSessionMiddleware"
_CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"


def check_allauth_integration(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``jwtauth.E301``: the strategy is allauth's token strategy; ``E302``: the
    middleware is installed after ``CsrfViewMiddleware``; ``E303``: allauth's ``app``
    client is enabled; ``W301``: so is its ``browser`` client."""
    errors: list[CheckMessage] = []
    if getattr(settings, "HEADLESS_TOKEN_STRATEGY", None) != _STRATEGY:
        errors.append(
            Error(
                "jwtauth.contrib.allauth is installed but HEADLESS_TOKEN_STRATEGY is not its strategy.",
                hint=f'Set HEADLESS_TOKEN_STRATEGY = "{_STRATEGY}".',
                id="jwtauth.E301",
            )
        )
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if _MIDDLEWARE not in middleware or (
        _CSRF_MIDDLEWARE in middleware and middleware.index(_MIDDLEWARE) < middleware.index(_CSRF_MIDDLEWARE)
    ):
        errors.append(
            Error(
                "jwtauth.contrib.allauth needs its middleware, placed after CsrfViewMiddleware, "
                "to set the refresh and CSRF cookies.",
                hint=f'Add "{_MIDDLEWARE}" to MIDDLEWARE after "{_CSRF_MIDDLEWARE}".',
                id="jwtauth.E302",
            )
        )
    clients = tuple(getattr(settings, "HEADLESS_CLIENTS", ("app", "browser")))
    if "app" not in clients:
        errors.append(
            Error(
                "jwtauth.contrib.allauth works with allauth headless's app client, which HEADLESS_CLIENTS leaves out.",
                hint='Set HEADLESS_CLIENTS = ("app",).',
                id="jwtauth.E303",
            )
        )
    if "browser" in clients:
        errors.append(
            Warning(
                "allauth headless's browser client is enabled: a login through it ends in Django's session "
                "cookie, not in a jwtauth session, so jwtauth's revocation and refresh rules do not cover it.",
                hint='Set HEADLESS_CLIENTS = ("app",) unless you mean to offer both.',
                id="jwtauth.W301",
            )
        )
    return errors
