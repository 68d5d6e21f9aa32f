"""System checks for ``JWTAUTH`` and the settings jwtauth relies on.

Ids: ``jwtauth.E001`` unknown key / not a dict, ``E002`` wrong type or value, ``E003``
HMAC key too short (RFC 7518 §3.2), ``E004`` refresh lifetime not longer than access
lifetime, ``E005`` ``CsrfViewMiddleware`` missing, ``E006`` invalid key in
``ACCESS_TOKEN_KEYS``/``REFRESH_TOKEN_KEYS``, ``E007`` ``REVOCATION_CACHE`` names
no ``CACHES`` alias; ``W001`` refresh cookie without
``Secure`` while ``DEBUG`` is off, ``W002`` ``SameSite=None`` without ``Secure``.
Deployment checks (CORS, CSRF, caches, lifetimes, URLs; ids ``E101``, ``W101`` and
up) are in :mod:`jwtauth.security_checks`; ``E201`` (``JWTAUTH_RESOURCE_SERVER``) is in
:mod:`jwtauth.contrib.resource_server.authentication`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .settings import validate

__all__ = ["check_settings"]


@register(Tags.security, deploy=False)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Validate ``JWTAUTH`` and related Django settings."""
    merged, problems = validate()
    messages: list[CheckMessage] = [Error(p.message, id=p.check_id) for p in problems]
    if "django.middleware.csrf.CsrfViewMiddleware" not in getattr(settings, "MIDDLEWARE", []):
        messages.append(
            Error(
                "django.middleware.csrf.CsrfViewMiddleware must be in MIDDLEWARE: it sets the "
                "csrftoken cookie that refresh/ and logout/ check.",
                id="jwtauth.E005",
            )
        )
    alias = merged.get("REVOCATION_CACHE")
    if isinstance(alias, str) and alias not in getattr(settings, "CACHES", {"default": None}):
        messages.append(Error(f"JWTAUTH['REVOCATION_CACHE'] = {alias!r} is not in CACHES.", id="jwtauth.E007"))
    secure = merged.get("REFRESH_COOKIE_SECURE")
    if secure is False and not settings.DEBUG:
        messages.append(
            Warning(
                "JWTAUTH['REFRESH_COOKIE_SECURE'] is False while DEBUG is off: the refresh "
                "token would travel over plain HTTP.",
                id="jwtauth.W001",
            )
        )
    if merged.get("REFRESH_COOKIE_SAMESITE") == "None" and secure is not True:
        messages.append(Warning("SameSite=None cookies without Secure are rejected by browsers.", id="jwtauth.W002"))
    return messages


from . import security_checks  # noqa: E402, F401  (registers the deployment checks, ids 1xx)
