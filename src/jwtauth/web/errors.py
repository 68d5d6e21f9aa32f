"""Map jwtauth errors to HTTP: status, JSON body ``{"detail", "code"}`` and, for
Bearer failures, an RFC 6750 §3 ``WWW-Authenticate`` header.

Use :func:`exception_handler` as DRF's ``EXCEPTION_HANDLER`` to give every API error
the same ``{"detail", "code"}`` shape; jwtauth's own views always use it.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from ..core.errors import JWTAuthError

__all__ = ["JWTAuthAPIError", "RequestTooLarge", "api_error", "bearer_challenge", "exception_handler"]

_MESSAGES: dict[str, Any] = {
    "token_invalid": _("The access token is invalid."),
    "token_expired": _("The access token has expired."),
    "key_unknown": _("The access token was signed with an unknown key."),
    "token_revoked": _("The access token has been revoked."),
    "user_inactive": _("The user is inactive or no longer exists."),
    "refresh_token_missing": _("No refresh token was sent."),
    "refresh_token_invalid": _("The refresh token is invalid."),
    "refresh_token_expired": _("The refresh token has expired."),
    "refresh_token_revoked": _("The refresh token has been revoked."),
    "refresh_token_reused": _("The refresh token was already used; the session has been revoked."),
    "invalid_credentials": _("Unable to log in with the provided credentials."),
    "csrf_failed": _("CSRF check failed."),
    "jwks_unavailable": _("The keys to verify the access token are temporarily unavailable."),
    "revocation_unavailable": _("Session state is temporarily unavailable; try again."),
}

_STATUS = {
    "csrf_failed": status.HTTP_403_FORBIDDEN,
    "config_invalid": status.HTTP_500_INTERNAL_SERVER_ERROR,
    "jwks_unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
    "revocation_unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
}


class JWTAuthAPIError(exceptions.APIException):
    """A DRF exception whose body is already ``{"detail", "code"}``."""

    def __init__(self, code: str, detail: Any, status_code: int) -> None:
        self.status_code = status_code
        super().__init__({"detail": detail, "code": code})
        self.code = code


class BearerAuthenticationFailed(exceptions.AuthenticationFailed):
    """401 for a bad Bearer token, carrying its code (the body is ``{"detail","code"}``)."""

    def __init__(self, code: str, detail: Any) -> None:
        super().__init__({"detail": detail, "code": code})
        self.code = code


class RequestTooLarge(JWTAuthAPIError):
    def __init__(self) -> None:
        super().__init__(
            "request_too_large", _("The request body is too large."), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )


def message_for(err: JWTAuthError) -> Any:
    return _MESSAGES.get(err.code, _("Authentication failed."))


def api_error(err: JWTAuthError) -> JWTAuthAPIError:
    """The DRF exception for a jwtauth error (401 unless the code says otherwise)."""
    return JWTAuthAPIError(err.code, message_for(err), _STATUS.get(err.code, status.HTTP_401_UNAUTHORIZED))


def bearer_challenge(realm: str, err: JWTAuthError | None = None) -> str:
    """The ``WWW-Authenticate`` value for a Bearer challenge (RFC 6750 §3).

    Without ``err``: ``Bearer realm="api"``; with it, ``error="invalid_token"`` and an
    ``error_description`` taken from a fixed table (never from token text).
    """
    if err is None:
        return f'Bearer realm="{realm}"'
    description = str(message_for(err)).replace('"', "'").replace("\\", "")
    return f'Bearer realm="{realm}", error="invalid_token", error_description="{description}"'


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler giving every error the shape ``{"detail", "code"}``.

    Validation errors become ``{"detail": "Invalid input.", "code": "invalid_request",
    "errors": {field: [messages]}}``.
    """
    # Imported here: rest_framework.views imports the authentication classes, which
    # import this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, JWTAuthError):
        exc = api_error(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": _("Invalid input."), "code": "invalid_request", "errors": errors}
    elif isinstance(data, dict) and "code" not in data:
        if isinstance(exc, Http404):
            code = "not_found"
        elif isinstance(exc, exceptions.APIException):
            code = _code_of(exc)
        else:
            code = "error"
        response.data = {**data, "code": code}
    return response
