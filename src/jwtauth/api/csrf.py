"""CSRF enforcement for the cookie-authenticated endpoints (``refresh/``, ``logout/``).

The refresh cookie is ambient authority: a browser attaches it to any request to the
auth endpoints, including ones a hostile page triggers. These endpoints therefore run
Django's own CSRF machinery (token in ``X-CSRFToken`` matching the ``csrftoken``
cookie, Origin checked against the host and ``CSRF_TRUSTED_ORIGINS``, Referer on
HTTPS) through DRF's ``CSRFCheck``.

Threat: plain double-submit only proves the two halves are equal. Whoever can write a
cookie for the API's host (a sibling subdomain, a man in the middle on plain http) can
choose both. So the CSRF secret jwtauth hands out is bound to the refresh session (the
OWASP "signed double-submit cookie"): it is ``HMAC-SHA256(SECRET_KEY, sid)`` through
Django's :func:`~django.utils.crypto.salted_hmac`, truncated to Django's 32-character
secret, and ``refresh/``/``logout/`` accept a pair only if that secret belongs to the
``sid`` of the refresh cookie presented (compared in constant time, current key and
``SECRET_KEY_FALLBACKS``). Nobody without ``SECRET_KEY`` can mint a secret for a
session, so a self-chosen pair is refused with 403 ``csrf_failed``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings as django_settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CSRF_SECRET_LENGTH, get_token
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework.authentication import CSRFCheck
from rest_framework.exceptions import ParseError

from ..core.errors import CsrfFailed, RefreshTokenInvalid
from ..core.tokens import RefreshClaims, verify_refresh_token
from ..settings import get_settings
from .errors import RequestTooLarge

__all__ = [
    "bind_csrf_token",
    "bound_refresh_token",
    "csrf_token_for_cookies",
    "enforce_csrf",
    "enforce_trusted_origin",
    "is_bound_csrf_secret",
]

_BINDING_SALT = "jwtauth.api.csrf.refresh-session"


def _bound_secret(sid: str, key: str | bytes) -> str:
    # Hex digits are within Django's CSRF alphabet; 32 of them carry 128 bits.
    return salted_hmac(_BINDING_SALT, sid, secret=key, algorithm="sha256").hexdigest()[:CSRF_SECRET_LENGTH]


def is_bound_csrf_secret(csrf_secret: str, sid: str) -> bool:
    """Whether ``csrf_secret`` (Django's unmasked 32-character secret) belongs to refresh
    session ``sid``, under ``SECRET_KEY`` or one of ``SECRET_KEY_FALLBACKS``; constant time."""
    keys = [django_settings.SECRET_KEY, *getattr(django_settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(csrf_secret, _bound_secret(sid, key)) for key in keys)


def bind_csrf_token(request: HttpRequest, sid: str) -> str:
    """Make the request's CSRF secret the one bound to refresh session ``sid``, and return
    a masked token for the response body.

    Django's ``CsrfViewMiddleware`` then sets the ``csrftoken`` cookie (or the session
    entry with ``CSRF_USE_SESSIONS``) to that secret, exactly as after
    :func:`django.middleware.csrf.rotate_token`: both halves of the pair a client sends
    back (cookie and ``X-CSRFToken``) come from here.

    Returns:
        A 64-character masked token (Django's :func:`~django.middleware.csrf.get_token`).
    """
    # The keys CsrfViewMiddleware reads; rotate_token() sets the same two.
    request.META["CSRF_COOKIE"] = _bound_secret(sid, django_settings.SECRET_KEY)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    return get_token(request)


def _verified(candidates: Sequence[str]) -> tuple[list[tuple[str, RefreshClaims]], RefreshTokenInvalid | None]:
    conf = get_settings()
    now = conf.clock.now()
    verified: list[tuple[str, RefreshClaims]] = []
    first_error: RefreshTokenInvalid | None = None
    for token in candidates:
        try:
            verified.append((token, verify_refresh_token(token, conf.refresh, now=now)))
        except RefreshTokenInvalid as err:
            first_error = first_error or err
    return verified, first_error


def bound_refresh_token(request: HttpRequest, candidates: Sequence[str]) -> str:
    """Of the refresh cookies presented, the one bound to the request's CSRF secret.

    Call after :func:`enforce_csrf` passed (the ``csrftoken`` secret then equals the
    ``X-CSRFToken`` sent). Only the signature and time claims are checked here (no
    database). Cookies that do not verify are skipped, never acted on: a planted one
    cannot get the real one deleted. Of several bound cookies (one token family, e.g. a
    stale one left at another ``Path``), the newest (``iat``) is used.

    Args:
        request: the request, with Django's CSRF secret in ``META["CSRF_COOKIE"]``.
        candidates: the refresh cookie values, in the order sent.

    Raises:
        RefreshTokenInvalid (``refresh_token_invalid``/``_expired``): no cookie verifies
            (the first one's error).
        CsrfFailed (``csrf_failed``): cookies verify, but none belongs to the CSRF secret.
    """
    verified, first_error = _verified(candidates)
    if not verified:
        raise first_error or RefreshTokenInvalid("no refresh cookie")
    secret = request.META.get("CSRF_COOKIE") or ""
    bound = [(token, claims) for token, claims in verified if is_bound_csrf_secret(secret, claims.sid)]
    if not bound:
        raise CsrfFailed("CSRF token not bound to the refresh session")
    return max(bound, key=lambda pair: pair[1].iat)[0]


def csrf_token_for_cookies(request: HttpRequest, candidates: Sequence[str]) -> str:
    """The CSRF token ``GET csrf/`` hands out.

    Bound to the refresh session when the refresh cookies that verify all belong to one
    session; otherwise (no refresh cookie, none verifies, or cookies of several sessions,
    i.e. someone tossed a whole session of their own at the browser) Django's ordinary
    token, which ``refresh/`` refuses: the client then logs in again rather than riding a
    session it cannot tell is its own.
    """
    verified, _ = _verified(candidates)
    sids = {claims.sid for _, claims in verified}
    if len(sids) == 1:
        return bind_csrf_token(request, sids.pop())
    return get_token(request)


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
