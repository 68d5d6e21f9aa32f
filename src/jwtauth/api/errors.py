"""Map jwtauth errors to HTTP: status, JSON body ``{"detail", "code"}`` and, for
Bearer failures, an RFC 6750 §3 ``WWW-Authenticate`` header.

Use :func:`exception_handler` as DRF's ``EXCEPTION_HANDLER`` to give every API error
the same ``{"detail", "code"}`` shape; jwtauth's own views always use it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.response import Response

from ..core import errors as core_errors
from ..core.errors import JWTAuthError

__all__ = [
    "DATABASE_UNAVAILABLE",
    "JWTAuthAPIError",
    "RequestTooLarge",
    "ServiceUnavailable",
    "api_error",
    "bearer_challenge",
    "exception_handler",
    "service_unavailable",
]

logger = logging.getLogger("jwtauth")

#: Database errors meaning "unreachable right now" (server stopped or restarting, connection
#: lost, too many connections): a retry will do. Other database errors stay 500s.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
_RETRY_AFTER_SECONDS = 5


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
    """413 ``request_too_large`` as a DRF exception (raised while parsing)."""

    def __init__(self) -> None:
        err = core_errors.RequestTooLarge()
        super().__init__(err.code, message_for(err), err.status)


class ServiceUnavailable(JWTAuthAPIError):
    """503 ``service_unavailable`` with ``Retry-After``: the database is unreachable.

    Not a 401: the client's tokens may be fine, so it should retry rather than log out.
    """

    def __init__(self) -> None:
        err = core_errors.ServiceUnavailable()
        super().__init__(err.code, message_for(err), err.status)
        self.wait = _RETRY_AFTER_SECONDS  # DRF's handler turns it into Retry-After


def service_unavailable(exc: Exception) -> ServiceUnavailable:
    """Log a database outage (the exception's class only) and return its 503.

    Args:
        exc: one of :data:`DATABASE_UNAVAILABLE`.
    """
    # Never the exception text: drivers put host, port and user names in it.
    logger.error("jwtauth: database unavailable (%s); answering 503", type(exc).__name__)
    return ServiceUnavailable()


def message_for(err: JWTAuthError | type[JWTAuthError]) -> str:
    """The error's message in the active language (its ``default_detail``, translated)."""
    return gettext(err.default_detail)


def api_error(err: JWTAuthError) -> JWTAuthAPIError:
    """The DRF exception for a jwtauth error: its status, ``{"detail", "code"}``."""
    return JWTAuthAPIError(err.code, message_for(err), err.status)


def error_codes(errors: tuple[type[JWTAuthError], ...]) -> dict[int, tuple[str, ...]]:
    """The codes of declared errors grouped by HTTP status, in declaration order (for the
    OpenAPI schema and the docs' error tables)."""
    by_status: dict[int, tuple[str, ...]] = {}
    for err in errors:
        if err.code not in by_status.get(err.status, ()):
            by_status[err.status] = (*by_status.get(err.status, ()), err.code)
    return dict(sorted(by_status.items()))


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

    A database outage (:data:`DATABASE_UNAVAILABLE`) becomes 503 ``service_unavailable``
    with ``Retry-After``. Validation errors become ``{"detail": "Invalid input.", "code": "invalid_request",
    "errors": {field: [messages]}}``.
    """
    # Imported here: rest_framework.views imports the authentication classes, which
    # import this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, JWTAuthError):
        exc = api_error(exc)
    elif isinstance(exc, DATABASE_UNAVAILABLE):
        exc = service_unavailable(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {
            "detail": message_for(core_errors.InvalidRequest),
            "code": core_errors.InvalidRequest.code,
            "errors": errors,
        }
    elif isinstance(data, dict) and "code" not in data:
        if isinstance(exc, Http404):
            code = "not_found"
        elif isinstance(exc, exceptions.APIException):
            code = _code_of(exc)
        else:
            code = "error"
        response.data = {**data, "code": code}
    return response
