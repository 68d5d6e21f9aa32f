"""Map jwtauth errors to HTTP: status, JSON body ``{"detail", "code"}`` and, on every
401, a ``WWW-Authenticate`` challenge (RFC 9110 §11.6.1, §15.5.2).

Two challenges are used. Bearer-token failures get RFC 6750 §3's
``Bearer realm="api", error="invalid_token", error_description="..."``. The cookie
endpoints (``login/``, ``refresh/``, ``logout/``) get the ``Cookie`` scheme of
draft-broyer-http-cookie-auth: ``Cookie realm="api", form-action="<login URL>",
cookie-name="<refresh cookie>"``: how to obtain the credential, and which cookie it is.

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
    "DEFAULT_REALM",
    "DPOP_NONCE_ATTR",
    "DPOP_NONCE_HEADER",
    "JWTAuthAPIError",
    "RequestTooLarge",
    "ServiceUnavailable",
    "api_error",
    "bearer_challenge",
    "cookie_challenge",
    "exception_handler",
    "service_unavailable",
]

logger = logging.getLogger("jwtauth")

#: Database errors meaning "unreachable right now" (server stopped or restarting, connection
#: lost, too many connections): a retry will do. Other database errors stay 500s.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
#: The ``realm`` of every challenge jwtauth sends.
DEFAULT_REALM = "api"
_RETRY_AFTER_SECONDS = 5
#: RFC 9449 §8: the response header carrying a server nonce, and the request attribute
#: holding the nonce of the current request once a DPoP proof was checked.
DPOP_NONCE_HEADER = "DPoP-Nonce"
DPOP_NONCE_ATTR = "_jwtauth_dpop_nonce"


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
    """The DRF exception for a jwtauth error: its status, ``{"detail", "code"}``.

    A 401 for an access token error (``token_*``, ``key_unknown``, ``user_inactive``)
    carries its RFC 6750 Bearer challenge; other 401s get theirs from the view
    (:func:`cookie_challenge`) or, failing that, the plain ``Bearer realm="api"``.
    """
    exc = JWTAuthAPIError(err.code, message_for(err), err.status)
    if err.status == 401:
        # DRF's exception handler turns ``auth_header`` into WWW-Authenticate.
        challenge = bearer_challenge(DEFAULT_REALM, err if isinstance(err, core_errors.TokenInvalid) else None)
        exc.auth_header = challenge  # type: ignore[attr-defined]
    return exc


def cookie_challenge(realm: str, cookie_name: str, login_url: str | None = None) -> str:
    """The ``WWW-Authenticate`` value for the cookie-authenticated endpoints.

    Uses the ``Cookie`` scheme of draft-broyer-http-cookie-auth (no RFC registers a
    scheme for cookies): ``Cookie realm="api", form-action="/api/auth/login/",
    cookie-name="jwtauth_refresh"``. ``cookie_name`` is an RFC 9110 token (checked by the
    settings) and ``login_url`` a path from ``reverse()``, so neither needs escaping.
    """
    params = [f'realm="{realm}"']
    if login_url:
        params.append(f'form-action="{login_url}"')
    params.append(f'cookie-name="{cookie_name}"')
    return "Cookie " + ", ".join(params)


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
    ``error_description`` taken from a fixed table (never from token text). The
    description is the English ``default_detail``, never the translation: RFC 6750 §3
    allows only printable ASCII there, and it is meant for developers; the translated
    message is the body's ``detail``.
    """
    if err is None:
        return f'Bearer realm="{realm}"'
    description = str(err.default_detail).replace('"', "'").replace("\\", "")
    return f'Bearer realm="{realm}", error="invalid_token", error_description="{description}"'


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler giving every error the shape ``{"detail", "code"}``.

    Every 401 carries ``WWW-Authenticate`` (RFC 9110 §15.5.2): the exception's own
    challenge, else ``Bearer realm="api"``.

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
    if response.status_code == 401 and not response.has_header("WWW-Authenticate"):
        response["WWW-Authenticate"] = bearer_challenge(DEFAULT_REALM)  # RFC 9110 §15.5.2: every 401
    challenge = getattr(exc, "www_authenticate", None)
    if isinstance(challenge, str):  # a 403 that tells the client why (RFC 6750 §3.1)
        response["WWW-Authenticate"] = challenge
    request = context.get("request")
    nonce = getattr(getattr(request, "_request", request), DPOP_NONCE_ATTR, None)
    if nonce is not None:  # a DPoP client learns the server nonce from any error (RFC 9449 §8)
        response[DPOP_NONCE_HEADER] = nonce
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
