"""Every error jwtauth can answer with, in one registry: each class carries its stable
snake_case ``code``, its HTTP ``status`` and its ``default_detail`` message.

The ``code`` is part of the public API (clients branch on it); ``default_detail`` is the
English message, marked for translation here and translated when the HTTP layer answers
(:mod:`jwtauth.api.errors`); ``reason`` is a fixed internal string for logs. None of them
ever contains token text. Defining a subclass registers its code in :data:`ERRORS`; a
view lists the classes it can raise, and the OpenAPI schema and the docs' error tables are
generated from those lists (the pattern of DRF's ``APIException``: ``default_code``,
``status_code``, ``default_detail``).

Some classes describe answers produced by DRF itself (``parse_error``, ``throttled``,
``not_authenticated``...): they exist so that views can declare them and the docs list
them with the same status and message.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ERRORS",
    "ConfigInvalid",
    "CsrfFailed",
    "DPoPNonceRequired",
    "DPoPProofInvalid",
    "InsufficientScope",
    "InvalidCredentials",
    "InvalidRequest",
    "JWKSUnavailable",
    "JWTAuthError",
    "KeyUnknown",
    "MethodNotAllowed",
    "NotAuthenticated",
    "NotFound",
    "ParseError",
    "PermissionDenied",
    "ReauthenticationRequired",
    "RefreshTokenExpired",
    "RefreshTokenInvalid",
    "RefreshTokenMissing",
    "RefreshTokenReused",
    "RefreshTokenRevoked",
    "RequestTooLarge",
    "RevocationUnavailable",
    "ServiceUnavailable",
    "Throttled",
    "TokenExpired",
    "TokenInvalid",
    "TokenRevoked",
    "UnsupportedMediaType",
    "UserInactive",
]


def _(message: str) -> str:
    """Mark a message for translation (``makemessages`` finds ``_()``); the HTTP layer
    translates it when it answers. The core itself never imports Django."""
    return message


#: code -> error class, filled as the classes are defined.
ERRORS: dict[str, type[JWTAuthError]] = {}


class JWTAuthError(Exception):
    """Base class of every jwtauth error.

    Attributes:
        code: stable snake_case code, part of the public API.
        status: the HTTP status the API answers with.
        default_detail: the English message clients see (translated per request).
        reason: fixed internal description for logs (never token text).
    """

    code: ClassVar[str] = "jwtauth_error"
    status: ClassVar[int] = 400
    default_detail: ClassVar[str] = _("The request failed.")
    reason: str = "jwtauth error"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            ERRORS[cls.code] = cls

    def __init__(self, reason: str | None = None) -> None:
        if reason is not None:
            self.reason = reason
        super().__init__(self.reason)


# --- 400, 404, 405, 413, 415: the request itself ---------------------------------------


class InvalidRequest(JWTAuthError):
    """A field is missing or invalid; the body adds ``errors`` by field."""

    code, status, default_detail = "invalid_request", 400, _("Invalid input.")


class ParseError(JWTAuthError):
    """The body is not valid JSON (or form data) (DRF's ``ParseError``)."""

    code, status, default_detail = "parse_error", 400, _("Malformed request.")


class NotFound(JWTAuthError):
    code, status, default_detail = "not_found", 404, _("Not found.")


class MethodNotAllowed(JWTAuthError):
    code, status, default_detail = "method_not_allowed", 405, _("Method not allowed.")


class RequestTooLarge(JWTAuthError):
    code, status, default_detail = "request_too_large", 413, _("The request body is too large.")
    reason = "request body too large"


class UnsupportedMediaType(JWTAuthError):
    code, status, default_detail = "unsupported_media_type", 415, _("Unsupported media type in the request.")


# --- 401: credentials and tokens -------------------------------------------------------


class NotAuthenticated(JWTAuthError):
    """No credentials were sent to a view that needs them (DRF's ``NotAuthenticated``)."""

    code, status, default_detail = "not_authenticated", 401, _("Authentication credentials were not provided.")


class InvalidCredentials(JWTAuthError):
    code, status, default_detail = "invalid_credentials", 401, _("Unable to log in with the provided credentials.")
    reason = "invalid credentials"


class LoginFlowRequired(JWTAuthError):
    """The password was right, but this account may not sign in with a password alone:
    ``PASSWORD_LOGIN_CHECK`` refused it (with django-allauth: a second factor is set up,
    or the e-mail address still has to be verified). The client signs in through that
    flow instead."""

    code, status, default_detail = (
        "login_flow_required",
        403,
        _("This account signs in through the account flows (a second factor or e-mail verification)."),
    )
    reason = "password login refused by PASSWORD_LOGIN_CHECK"


class DPoPProofInvalid(JWTAuthError):
    """The DPoP proof is missing, malformed, not for this request, replayed, or made with
    a key other than the one the token is bound to (RFC 9449 §4.3, §7.1)."""

    code, status, default_detail = "invalid_dpop_proof", 401, _("The DPoP proof is invalid.")
    reason = "invalid DPoP proof"


class DPoPNonceRequired(DPoPProofInvalid):
    """The server wants a DPoP proof carrying its current nonce (RFC 9449 §8)."""

    code, status = "use_dpop_nonce", 401
    default_detail = _("The DPoP proof must carry the server's nonce (DPoP-Nonce).")
    reason = "DPoP proof without the current server nonce"


class TokenInvalid(JWTAuthError):
    """The access token is malformed, badly signed, of the wrong type or has bad claims."""

    code, status, default_detail = "token_invalid", 401, _("The access token is invalid.")
    reason = "token invalid"


class TokenExpired(TokenInvalid):
    """The token's ``exp`` (plus leeway) lies in the past (RFC 7519 §4.1.4)."""

    code, default_detail = "token_expired", _("The access token has expired.")
    reason = "token expired"


class KeyUnknown(TokenInvalid):
    """The token names a ``kid`` that is not in the key set."""

    code, default_detail = "key_unknown", _("The access token was signed with an unknown key.")
    reason = "unknown kid"


class TokenRevoked(TokenInvalid):
    """The token's session (``sid``) was revoked, or its user may no longer sign in."""

    code, default_detail = "token_revoked", _("The access token has been revoked.")
    reason = "token revoked"


class UserInactive(TokenRevoked):
    code, default_detail = "user_inactive", _("The user is inactive or no longer exists.")
    reason = "user inactive or deleted"


class RefreshTokenMissing(JWTAuthError):
    code, status, default_detail = "refresh_token_missing", 401, _("No refresh token was sent.")
    reason = "no refresh token cookie"


class RefreshTokenInvalid(JWTAuthError):
    code, status, default_detail = "refresh_token_invalid", 401, _("The refresh token is invalid.")
    reason = "refresh token invalid"


class RefreshTokenExpired(RefreshTokenInvalid):
    code, default_detail = "refresh_token_expired", _("The refresh token has expired.")
    reason = "refresh token expired"


class RefreshTokenRevoked(RefreshTokenInvalid):
    code, default_detail = "refresh_token_revoked", _("The refresh token has been revoked.")
    reason = "refresh token revoked"


class RefreshTokenReused(RefreshTokenRevoked):
    """A replaced refresh token was presented after the grace period (RFC 9700 §4.14.2)."""

    code = "refresh_token_reused"
    default_detail = _("The refresh token was already used; the session has been revoked.")
    reason = "refresh token reuse detected; token family revoked"


# --- 403, 429 ---------------------------------------------------------------------------


class CsrfFailed(JWTAuthError):
    code, status, default_detail = "csrf_failed", 403, _("CSRF check failed.")
    reason = "CSRF check failed"


class PermissionDenied(JWTAuthError):
    code, status, default_detail = "permission_denied", 403, _("You do not have permission to perform this action.")


class ReauthenticationRequired(JWTAuthError):
    """The view needs a recent credential ("sudo mode"): the access token's ``auth_time``
    is older than the allowed age. The body adds ``max_age`` (seconds); the client asks
    for the password, posts it to ``reauthenticate/`` and retries with the new token."""

    code, status, default_detail = (
        "reauthentication_required",
        403,
        _("This action needs you to confirm your password again."),
    )


class InsufficientScope(JWTAuthError):
    """The access token lacks a scope the view needs (RFC 6750 §3.1); the answer carries
    ``WWW-Authenticate: Bearer error="insufficient_scope", scope="..."``."""

    code, status, default_detail = (
        "insufficient_scope",
        403,
        _("The access token does not carry the scope this request needs."),
    )


class Throttled(JWTAuthError):
    """Too many attempts; the answer carries ``Retry-After`` (DRF's ``Throttled``)."""

    code, status, default_detail = "throttled", 429, _("Request was throttled.")


# --- 500, 503: the server ---------------------------------------------------------------


class ConfigInvalid(JWTAuthError):
    """The server's configuration cannot serve the request, e.g. a ``TOKEN_CLAIMS`` hook
    returned a claim with no JSON form. A JSON 503, never a bare 500; the cause is logged."""

    code, status, default_detail = (
        "config_invalid",
        503,
        _("The server cannot issue tokens with its current configuration."),
    )
    reason = "invalid configuration"


class JWKSUnavailable(JWTAuthError):
    """A remote JWK Set could not be fetched or held no usable key (resource servers)."""

    code, status = "jwks_unavailable", 503
    default_detail = _("The keys to verify the access token are temporarily unavailable.")
    reason = "JWKS unavailable"


class RevocationUnavailable(JWTAuthError):
    """The revocation cache could not be read or written; the request fails closed (503)."""

    code, status, default_detail = (
        "revocation_unavailable",
        503,
        _("Session state is temporarily unavailable; try again."),
    )
    reason = "revocation cache unavailable"


class ServiceUnavailable(JWTAuthError):
    """The database is unreachable; the answer carries ``Retry-After``. Not a 401: the
    client's tokens may be fine, so it should retry rather than log out."""

    code, status, default_detail = "service_unavailable", 503, _("The service is temporarily unavailable; try again.")
    reason = "database unavailable"
