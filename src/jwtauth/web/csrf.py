"""CSRF enforcement for the cookie-authenticated endpoints (``refresh/``, ``logout/``).

The refresh cookie is ambient authority: a browser attaches it to any request to the
auth endpoints, including ones a hostile page triggers. These endpoints therefore run
Django's own CSRF machinery (token in ``X-CSRFToken`` matching the ``csrftoken``
cookie, Origin checked against the host and ``CSRF_TRUSTED_ORIGINS``, Referer on
HTTPS) through DRF's ``CSRFCheck``.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.authentication import CSRFCheck

from ..core.errors import CsrfFailed

__all__ = ["enforce_csrf"]


def _no_response(request: HttpRequest) -> None:  # CSRFCheck never calls the view
    return None


def enforce_csrf(request: HttpRequest) -> None:
    """Run Django's CSRF checks on ``request``.

    Raises:
        CsrfFailed (``csrf_failed``): the check rejected the request; the internal
            reason (Django's) is kept for logs.
    """
    check = CSRFCheck(_no_response)  # type: ignore[arg-type]
    check.process_request(request)
    reason = check.process_view(request, None, (), {})  # type: ignore[arg-type]
    if reason:
        raise CsrfFailed(str(reason))
