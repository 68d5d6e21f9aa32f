"""System checks of the allauth integration (``jwtauth.E301``-``E304``, ``W301``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.translation import gettext

__all__ = ["check_allauth_integration"]

_STRATEGY = "jwtauth.contrib.allauth.strategy.JWTAuthTokenStrategy"
_MIDDLEWARE = "jwtauth.contrib.allauth.middleware.AllauthSessionMiddleware"
_CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"
_LOGIN_CHECK = "jwtauth.contrib.allauth.login_policy.password_login_allowed"


def check_allauth_integration(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``jwtauth.E301``: the strategy is allauth's token strategy; ``E302``: the
    middleware is installed after ``CsrfViewMiddleware``; ``E303``: allauth's ``app``
    client is enabled; ``E304``: jwtauth's ``login/`` is not kept from bypassing allauth's
    second factor and e-mail verification (``PASSWORD_LOGIN_CHECK``); ``W301``: allauth's
    ``browser`` client is enabled too."""
    errors: list[CheckMessage] = []
    if getattr(settings, "HEADLESS_TOKEN_STRATEGY", None) != _STRATEGY:
        errors.append(
            Error(
                gettext("jwtauth.contrib.allauth is installed but HEADLESS_TOKEN_STRATEGY is not its strategy."),
                hint=gettext('Set HEADLESS_TOKEN_STRATEGY = "%(strategy)s".') % {"strategy": _STRATEGY},
                id="jwtauth.E301",
            )
        )
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if _MIDDLEWARE not in middleware or (
        _CSRF_MIDDLEWARE in middleware and middleware.index(_MIDDLEWARE) < middleware.index(_CSRF_MIDDLEWARE)
    ):
        errors.append(
            Error(
                gettext(
                    "jwtauth.contrib.allauth needs its middleware, placed after CsrfViewMiddleware, "
                    "to set the refresh and CSRF cookies."
                ),
                hint=gettext('Add "%(middleware)s" to MIDDLEWARE after "%(csrf)s".')
                % {"middleware": _MIDDLEWARE, "csrf": _CSRF_MIDDLEWARE},
                id="jwtauth.E302",
            )
        )
    clients = tuple(getattr(settings, "HEADLESS_CLIENTS", ("app", "browser")))
    if "app" not in clients:
        errors.append(
            Error(
                gettext(
                    "jwtauth.contrib.allauth works with allauth headless's app client, which HEADLESS_CLIENTS leaves out."
                ),
                hint=gettext('Set HEADLESS_CLIENTS = ("app",).'),
                id="jwtauth.E303",
            )
        )
    login_check = (getattr(settings, "JWTAUTH", None) or {}).get("PASSWORD_LOGIN_CHECK")
    if login_check is None:
        errors.append(
            Error(
                gettext(
                    "jwtauth's login/ checks a password only, so an account with an allauth second factor "
                    "(or an e-mail address still to verify) could sign in there without it."
                ),
                hint=gettext('Set JWTAUTH["PASSWORD_LOGIN_CHECK"] = "%(check)s".') % {"check": _LOGIN_CHECK},
                id="jwtauth.E304",
            )
        )
    if "browser" in clients:
        errors.append(
            Warning(
                gettext(
                    "allauth headless's browser client is enabled: a login through it ends in Django's session "
                    "cookie, not in a jwtauth session, so jwtauth's revocation and refresh rules do not cover it."
                ),
                hint=gettext('Set HEADLESS_CLIENTS = ("app",) unless you mean to offer both.'),
                id="jwtauth.W301",
            )
        )
    return errors
