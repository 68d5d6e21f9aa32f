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
- marks every response carrying a token ``Cache-Control: no-store`` (RFC 6749 §5.1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse

from ...api.cookies import delete_refresh_cookie, set_refresh_cookie
from ...api.csrf import enforce_trusted_origin
from ...api.errors import message_for
from ...core.errors import JWTAuthError
from ._link import MIDDLEWARE_MARK, pending_cookie

__all__ = ["AllauthSessionMiddleware"]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: jwtauth's URL namespace, for the refresh cookie's Path on allauth's responses.
_JWTAUTH_NAMESPACE = "jwtauth"


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
        cookie = pending_cookie(request)
        if cookie is None:
            return response
        if cookie is False:
            delete_refresh_cookie(response, request, namespace=_JWTAUTH_NAMESPACE)
        elif cookie is not True:
            set_refresh_cookie(response, request, cookie, namespace=_JWTAUTH_NAMESPACE)
            # allauth's app client suppresses the CSRF cookie Django's login() rotated;
            # jwtauth's session needs it to match the csrf_token in the body.
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
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
        return None
