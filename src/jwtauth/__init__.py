"""jwtauth: JWT authentication for Django REST Framework, safe for browser apps.

Everything an application may import is re-exported here and listed in ``__all__``
(docs: ``docs/api.md``); every other module is private and may change. The names are
loaded on first use, so ``import jwtauth`` works before Django's app registry is ready.

- ``jwtauth.JWTAuthentication``: the DRF authentication class
  (``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``).
- ``jwtauth.exception_handler``: DRF's ``EXCEPTION_HANDLER`` giving ``{"detail", "code"}``.
- ``jwtauth.tokens_for_user(user, request=...)``: start a session as ``login/`` does;
  ``jwtauth.set_refresh_cookie(response, request, pair)`` finishes a login in your view.
- ``jwtauth.verify_access_token(token)``, ``jwtauth.revoke_user_sessions(user)``.
- The signals (``session_started``, ...) and the exception classes, each with its ``code``.
- ``jwtauth.urls``: mount with ``path("api/auth/", include("jwtauth.urls"))``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "ReauthenticationRequired": "jwtauth.core.errors",
    "RecentlyAuthenticated": "jwtauth.api.permissions",
    "InsufficientScope": "jwtauth.core.errors",
    "JWTAuthentication": "jwtauth.api.authentication",
    "exception_handler": "jwtauth.api.errors",
    "tokens_for_user": "jwtauth.api.tokens",
    "verify_access_token": "jwtauth.api.tokens",
    "revoke_user_sessions": "jwtauth.api.tokens",
    "set_refresh_cookie": "jwtauth.api.cookies",
    "UserSerializer": "jwtauth.api.serializers",
    "HasClaim": "jwtauth.api.permissions",
    "HasScope": "jwtauth.api.permissions",
    "AccessClaims": "jwtauth.core.tokens",
    "LegacyClaims": "jwtauth.core.legacy",
    "TokenPair": "jwtauth.core.tokens",
    "ConfigInvalid": "jwtauth.core.errors",
    "CsrfFailed": "jwtauth.core.errors",
    "InvalidCredentials": "jwtauth.core.errors",
    "JWKSUnavailable": "jwtauth.core.errors",
    "JWTAuthError": "jwtauth.core.errors",
    "KeyUnknown": "jwtauth.core.errors",
    "RefreshTokenExpired": "jwtauth.core.errors",
    "RefreshTokenInvalid": "jwtauth.core.errors",
    "RefreshTokenMissing": "jwtauth.core.errors",
    "RefreshTokenReused": "jwtauth.core.errors",
    "RefreshTokenRevoked": "jwtauth.core.errors",
    "RevocationUnavailable": "jwtauth.core.errors",
    "TokenExpired": "jwtauth.core.errors",
    "TokenInvalid": "jwtauth.core.errors",
    "TokenRevoked": "jwtauth.core.errors",
    "UserInactive": "jwtauth.core.errors",
    "refresh_token_reused": "jwtauth.signals",
    "refresh_token_rotated": "jwtauth.signals",
    "session_revoked": "jwtauth.signals",
    "session_started": "jwtauth.signals",
}

__all__ = [
    "AccessClaims",
    "ConfigInvalid",
    "CsrfFailed",
    "HasClaim",
    "HasScope",
    "InsufficientScope",
    "InvalidCredentials",
    "JWKSUnavailable",
    "JWTAuthError",
    "JWTAuthentication",
    "KeyUnknown",
    "LegacyClaims",
    "ReauthenticationRequired",
    "RecentlyAuthenticated",
    "RefreshTokenExpired",
    "RefreshTokenInvalid",
    "RefreshTokenMissing",
    "RefreshTokenReused",
    "RefreshTokenRevoked",
    "RevocationUnavailable",
    "TokenExpired",
    "TokenInvalid",
    "TokenPair",
    "TokenRevoked",
    "UserInactive",
    "UserSerializer",
    "__version__",
    "exception_handler",
    "refresh_token_reused",
    "refresh_token_rotated",
    "revoke_user_sessions",
    "session_revoked",
    "session_started",
    "set_refresh_cookie",
    "tokens_for_user",
    "verify_access_token",
]

if TYPE_CHECKING:
    from .api.authentication import JWTAuthentication
    from .api.cookies import set_refresh_cookie
    from .api.errors import exception_handler
    from .api.permissions import HasClaim, HasScope, RecentlyAuthenticated
    from .api.serializers import UserSerializer
    from .api.tokens import revoke_user_sessions, tokens_for_user, verify_access_token
    from .core.errors import (
        ConfigInvalid,
        CsrfFailed,
        InsufficientScope,
        InvalidCredentials,
        JWKSUnavailable,
        JWTAuthError,
        KeyUnknown,
        ReauthenticationRequired,
        RefreshTokenExpired,
        RefreshTokenInvalid,
        RefreshTokenMissing,
        RefreshTokenReused,
        RefreshTokenRevoked,
        RevocationUnavailable,
        TokenExpired,
        TokenInvalid,
        TokenRevoked,
        UserInactive,
    )
    from .core.legacy import LegacyClaims
    from .core.tokens import AccessClaims, TokenPair
    from .signals import refresh_token_reused, refresh_token_rotated, session_revoked, session_started


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'jwtauth' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
