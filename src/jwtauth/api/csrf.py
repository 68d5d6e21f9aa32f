"""CSRF enforcement for the cookie-authenticated endpoints (``refresh/``, ``logout/``).

The refresh cookie is ambient authority: a browser attaches it to any request to the
auth endpoints, including ones a hostile page triggers. These endpoints therefore run
Django's own CSRF machinery (token in ``X-CSRFToken`` matching the ``csrftoken``
cookie, Origin checked against the host and ``CSRF_TRUSTED_ORIGINS``, Referer on
HTTPS) through DRF's ``CSRFCheck``.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from rest_framework.authentication import CSRFCheck
from rest_framework.exceptions import ParseError

from ..core.errors import CsrfFailed
from .errors import RequestTooLarge

__all__ = ["enforce_csrf", "enforce_trusted_origin"]


def _no_response(request: HttpRequest) -> None:  # CSRFCheck never calls the view
    return None


def enforce_csrf(request: HttpRequest) -> None:
    """Run Django's CSRF checks on ``request``.

    Raises:
        CsrfFailed (``csrf_failed``): the check rejected the request; the internal
            reason (Django's) is kept for logs.
        RequestTooLarge (413 ``request_too_large``) / ParseError (400 ``parse_error``):
            the body Django reads for a form-encoded token is too big or malformed.
    """
    check = CSRFCheck(_no_response)  # type: ignore[arg-type]
    check.process_request(request)
    try:
        reason = check.process_view(request, None, (), {})  # type: ignore[arg-type]
    except RequestDataTooBig:
        raise RequestTooLarge() from None
    except (MultiPartParserError, SuspiciousOperation, ValueError):
        raise ParseError("Malformed request body.") from None
    if reason:
        raise CsrfFailed(str(reason))


def enforce_trusted_origin(request: HttpRequest) -> None:
    """Refuse a browser request sent from an origin the API does not trust.

    Login needs no CSRF token (there is no session to ride on yet), but a hostile page
    could still post a form to ``login/`` and log the visitor into the attacker's
    account ("login CSRF"), planting a refresh cookie. Browsers send ``Origin`` with
    every cross-origin POST, so a request that carries one must come from the API's own
    origin or one in ``CSRF_TRUSTED_ORIGINS``, by Django's own Origin rules. Requests
    without ``Origin`` (curl, mobile apps, server-to-server) are not browsers' and pass.

    Raises:
        CsrfFailed (``csrf_failed``): ``Origin`` present and not trusted.
    """
    if "HTTP_ORIGIN" not in request.META:
        return
    check = CSRFCheck(_no_response)  # type: ignore[arg-type]
    # Django's own Origin rules (host, CSRF_TRUSTED_ORIGINS with wildcards); private
    # API since Django 4.0, exercised by the tests on every supported Django.
    if not check._origin_verified(request):  # type: ignore[attr-defined]
        raise CsrfFailed("origin not trusted")
