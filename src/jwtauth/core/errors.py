"""Errors raised by jwtauth, each with a stable snake_case ``code``.

The ``code`` is part of the public API (clients branch on it); ``reason`` is a fixed
internal string for logs. Neither ever contains token text.
"""

from __future__ import annotations

__all__ = [
    "ConfigInvalid",
    "CsrfFailed",
    "InvalidCredentials",
    "JWKSUnavailable",
    "JWTAuthError",
    "KeyUnknown",
    "RefreshTokenExpired",
    "RefreshTokenInvalid",
    "RefreshTokenMissing",
    "RefreshTokenReused",
    "RefreshTokenRevoked",
    "RevocationUnavailable",
    "TokenExpired",
    "TokenInvalid",
    "TokenRevoked",
    "UserInactive",
]


class JWTAuthError(Exception):
    """Base class of every jwtauth error.

    Attributes:
        code: stable snake_case code, part of the public API.
        reason: fixed internal description for logs (never token text).
    """

    code: str = "jwtauth_error"
    reason: str = "jwtauth error"

    def __init__(self, reason: str | None = None) -> None:
        if reason is not None:
            self.reason = reason
        super().__init__(self.reason)


class ConfigInvalid(JWTAuthError):
    code = "config_invalid"
    reason = "invalid configuration"


class TokenInvalid(JWTAuthError):
    """The access token is malformed, badly signed, of the wrong type or has bad claims."""

    code = "token_invalid"
    reason = "token invalid"


class TokenExpired(TokenInvalid):
    """The token's ``exp`` (plus leeway) lies in the past (RFC 7519 §4.1.4)."""

    code = "token_expired"
    reason = "token expired"


class KeyUnknown(TokenInvalid):
    """The token names a ``kid`` that is not in the key set."""

    code = "key_unknown"
    reason = "unknown kid"


class TokenRevoked(TokenInvalid):
    """The token's session (``sid``) was revoked, or its user may no longer sign in."""

    code = "token_revoked"
    reason = "token revoked"


class UserInactive(TokenRevoked):
    code = "user_inactive"
    reason = "user inactive or deleted"


class JWKSUnavailable(JWTAuthError):
    """A remote JWK Set could not be fetched or held no usable key (resource servers)."""

    code = "jwks_unavailable"
    reason = "JWKS unavailable"


class RefreshTokenMissing(JWTAuthError):
    code = "refresh_token_missing"
    reason = "no refresh token cookie"


class RefreshTokenInvalid(JWTAuthError):
    code = "refresh_token_invalid"
    reason = "refresh token invalid"


class RefreshTokenExpired(RefreshTokenInvalid):
    code = "refresh_token_expired"
    reason = "refresh token expired"


class RefreshTokenRevoked(RefreshTokenInvalid):
    code = "refresh_token_revoked"
    reason = "refresh token revoked"


class RefreshTokenReused(RefreshTokenRevoked):
    """A replaced refresh token was presented after the grace period (RFC 9700 §4.14.2)."""

    code = "refresh_token_reused"
    reason = "refresh token reuse detected; token family revoked"


class InvalidCredentials(JWTAuthError):
    code = "invalid_credentials"
    reason = "invalid credentials"


class CsrfFailed(JWTAuthError):
    code = "csrf_failed"
    reason = "CSRF check failed"


class RevocationUnavailable(JWTAuthError):
    """The revocation cache could not be read or written; the request fails closed (503)."""

    code = "revocation_unavailable"
    reason = "revocation cache unavailable"
