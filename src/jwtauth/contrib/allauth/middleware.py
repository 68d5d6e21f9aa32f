"""Middleware of the allauth integration: the refresh cookie and login CSRF.

Place it after ``django.middleware.csrf.CsrfViewMiddleware`` (system check
``jwtauth.E301``). For responses of allauth's app-client views it:

- refuses a state-changing request from an untrusted browser origin (403
  ``{"detail", "code": "csrf_failed"}``), as jwtauth's ``login/`` does: allauth's app
  client reads JSON bodies whatever their ``Content-Type``, so a hostile page could
  otherwise post a login form and plant its refresh cookie in the visitor's browser;
- sets jwtauth's refresh cookie after a completed login and lets Django write the rotated
  ``csrftoken`` cookie that matches the ``csrf_token`` in the body;
- expires the refresh cookie after allauth's logout;
- marks every response carrying a token ``Cache-Control: no-store`` (RFC 6749 §5.1);
- answers a JSON body holding a lone surrogate (``"\\ud800"``, which JSON may escape but
  Django's password hashers cannot encode) with 400 in allauth's error shape before
  allauth runs, instead of a 500;
- answers an e-mail backend failure (SMTP error, connection refused or timed out) while
  allauth sends a verification, reset or login-code mail with 503 in allauth's error shape
  and ``Retry-After``, instead of a 500. With ``ATOMIC_REQUESTS`` the request's writes (a
  new user, a login code) are rolled back first.
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from ...api.cookies import delete_refresh_cookie, set_refresh_cookie
from ...api.csrf import enforce_trusted_origin
from ...api.errors import message_for
from ...core.errors import JWTAuthError
from ._link import MIDDLEWARE_MARK, pending_cookie

__all__ = ["AllauthSessionMiddleware"]

logger = logging.getLogger("jwtauth")

#: What an unreachable or refusing mail server raises from Django's SMTP backend.
_MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)
_MAIL_RETRY_AFTER_SECONDS = 30

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: jwtauth's URL namespace, for the refresh cookie's Path on allauth's responses.
_JWTAUTH_NAMESPACE = "jwtauth"


def _allauth_error(status: int, message: str, code: str, param: str | None = None) -> JsonResponse:
    """An error in allauth's documented shape: ``{"status", "errors": [{"message", "code"[, "param"]}]}``."""
    error = {"message": message, "code": code} if param is None else {"message": message, "code": code, "param": param}
    return JsonResponse({"status": status, "errors": [error]}, status=status)


def _body_error(request: HttpRequest) -> JsonResponse | None:
    """allauth's 400 for a JSON body with a lone surrogate in a string, a 413 in allauth's
    shape for a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django would answer an HTML
    400), else ``None``."""
    try:
        data = json.loads(request.body)
    except RequestDataTooBig:
        return _allauth_error(413, gettext("The request body is too large."), "request_too_large")
    except ValueError:  # not JSON (or not UTF-8): allauth answers it
        return None
    if not isinstance(data, dict):
        return None
    for param, value in data.items():
        try:
            for text in _strings(value):
                ProhibitSurrogateCharactersValidator()(text)
        except ValidationError as err:
            detail = err.detail[0] if isinstance(err.detail, list) else err.detail
            return _allauth_error(400, str(detail), getattr(detail, "code", "invalid"), param)
    return None


def _strings(value: object) -> list[str]:
    """Every string value in a parsed JSON value, depth first."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _is_app_client_view(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and "headless" in match.app_names and "app" in match.namespaces


class AllauthSessionMiddleware:
    """Set and clear jwtauth's refresh cookie on allauth headless app-client responses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        setattr(request, MIDDLEWARE_MARK, True)
        response = self.get_response(request)
        if (
            response.status_code == 400
            and isinstance(response, HttpResponse)
            and not response.content
            and _is_app_client_view(request)
        ):
            # allauth answers a body that is not a JSON object with an empty 400: give the
            # client its documented error shape instead.
            response = _allauth_error(400, gettext("The request body must be a JSON object."), "invalid_json")
        cookie = pending_cookie(request)
        if cookie is None:
            return response
        if cookie is False:
            delete_refresh_cookie(response, request, namespace=_JWTAUTH_NAMESPACE)
        elif cookie is not True:
            # allauth's app client suppresses the CSRF cookie Django's login() rotated;
            # jwtauth's session needs it to match the csrf_token in the body. Asked for
            # first, so that with REFRESH_COOKIE_PARTITIONED setting the refresh cookie
            # writes csrftoken partitioned too (an unpartitioned one is dropped cross-site).
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
            set_refresh_cookie(response, request, cookie, namespace=_JWTAUTH_NAMESPACE)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponseBase | None:
        if request.method in _SAFE_METHODS or not _is_app_client_view(request):
            return None
        try:
            enforce_trusted_origin(request)
        except JWTAuthError as err:
            return JsonResponse({"detail": message_for(err), "code": err.code}, status=err.status)
        return _body_error(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if not isinstance(exception, _MAIL_ERRORS) or not _is_app_client_view(request):
            return None
        logger.error(
            "jwtauth: e-mail backend failed during an allauth flow (%s); answering 503", type(exception).__name__
        )
        response = _allauth_error(
            503, gettext("E-mail cannot be sent right now; try again later."), "email_unavailable"
        )
        response["Retry-After"] = str(_MAIL_RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
