"""The refresh token cookie: set on login/refresh, deleted on logout and failures.

Deletion repeats every attribute of the cookie that was set (``Path``, ``Domain``,
``SameSite``, ``Secure``, ``HttpOnly``, ``Partitioned``) so browsers really drop it.
"""

from __future__ import annotations

from http.cookies import Morsel

from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import NoReverseMatch, reverse
from rest_framework.request import Request
from werkzeug.datastructures import MultiDict
from werkzeug.sansio.http import parse_cookie

from ..core.errors import ConfigInvalid
from ..core.tokens import IssuedToken, TokenPair
from ..settings import JWTAuthSettings, get_settings

__all__ = [
    "HOST_PREFIX",
    "MAX_REFRESH_COOKIES",
    "cookie_path",
    "delete_refresh_cookie",
    "login_url",
    "partition_csrf_cookie",
    "read_refresh_cookie",
    "read_refresh_cookies",
    "set_refresh_cookie",
]

#: A cookie name starting with this is only accepted by browsers with ``Secure``,
#: ``Path=/`` and no ``Domain`` (RFC 6265bis §4.1.3.2), so no sibling subdomain can set,
#: shadow or overwrite it.
HOST_PREFIX = "__Host-"


def login_url(request: HttpRequest, *, namespace: str | None = None) -> str | None:
    """The path of ``login/`` in jwtauth's URL namespace (``namespace``, else the one
    serving ``request``, else ``jwtauth``), or ``None`` when it is not mounted."""
    if namespace is None:
        match = getattr(request, "resolver_match", None)
        namespace = match.namespace if match is not None and match.namespace else "jwtauth"
    try:
        return reverse(f"{namespace}:login")
    except NoReverseMatch:
        return None


def cookie_path(request: HttpRequest, conf: JWTAuthSettings, *, namespace: str | None = None) -> str:
    """The refresh cookie's ``Path``: the setting, else the URL prefix jwtauth is
    mounted at (e.g. ``/api/auth/``), so the cookie only travels to the auth endpoints.

    ``namespace`` names jwtauth's URL namespace when the request was routed to a view
    outside it (an integration setting the cookie); by default the request's own.
    """
    if conf.refresh_cookie_name.startswith(HOST_PREFIX):
        return "/"  # the prefix requires it (system check jwtauth.E008)
    if conf.refresh_cookie_path:
        return conf.refresh_cookie_path
    login_path = login_url(request, namespace=namespace)
    if login_path is None:
        return "/"
    return login_path[: -len("login/")] if login_path.endswith("login/") else "/"


#: At most this many refresh cookies of one request are looked at (each costs a signature check).
MAX_REFRESH_COOKIES = 10


def read_refresh_cookies(request: HttpRequest) -> list[str]:
    """Every non-empty value of the refresh cookie, in the order the browser sent them.

    Threat: cookie tossing. A sibling subdomain (or a man in the middle on plain http)
    can add a cookie with our name and a longer ``Path``, which browsers send first
    (RFC 6265 §5.4). Django's ``request.COOKIES`` keeps one value per name, so the planted
    one could hide the real one. The ``Cookie`` header is parsed by Werkzeug's
    ``parse_cookie`` (``werkzeug.sansio.http``) into a ``MultiDict`` that keeps them all; callers try each and use
    the one that verifies (and is bound to the CSRF token). At most
    :data:`MAX_REFRESH_COOKIES` are returned.
    """
    name = get_settings().refresh_cookie_name
    # The sans-IO parser takes the header as Django has it (no re-decoding as UTF-8,
    # which raises on stray latin-1 bytes).
    values = parse_cookie(request.META.get("HTTP_COOKIE", ""), cls=MultiDict).getlist(name)
    return [value for value in values if value][:MAX_REFRESH_COOKIES]


def read_refresh_cookie(request: HttpRequest) -> str | None:
    """The first refresh cookie the browser sent (see :func:`read_refresh_cookies`), or ``None``."""
    values = read_refresh_cookies(request)
    return values[0] if values else None


def _set(
    response: HttpResponseBase, request: HttpRequest, value: str, max_age: int, namespace: str | None = None
) -> None:
    conf = get_settings()
    response.set_cookie(
        conf.refresh_cookie_name,
        value,
        max_age=max_age,
        expires="Thu, 01 Jan 1970 00:00:00 GMT" if max_age == 0 else None,
        path=cookie_path(request, conf, namespace=namespace),
        domain=conf.refresh_cookie_domain,
        secure=conf.refresh_cookie_secure,
        httponly=True,
        samesite=conf.refresh_cookie_samesite,  # type: ignore[arg-type]  # validated in conf
    )
    if conf.refresh_cookie_partitioned:
        # A partitioned cookie lives in the jar of the top-level site; a deletion without
        # Partitioned would address the unpartitioned jar and leave this one behind.
        _partition(response, conf.refresh_cookie_name)
        partition_csrf_cookie(response, request)


class _PartitionedMorsel(Morsel[str]):
    """A :class:`~http.cookies.Morsel` that knows the ``Partitioned`` attribute (Python < 3.14).

    Django 5.2's ``set_cookie`` has no ``partitioned`` argument (nor has Django 6.0's), but
    Django writes every ``Set-Cookie`` header through ``Morsel``, which knows the attribute
    from Python 3.14 on. Before that, this subclass only extends ``Morsel``'s own tables
    (its attributes, ``_reserved``, and its valueless flags, ``_flags``): the standard
    library then validates and writes ``Partitioned`` exactly as it writes ``Secure`` and
    ``HttpOnly``. Nothing is written into the header by hand (a value smuggled into
    ``SameSite`` would be), and no class other than this one changes. A subclass rather
    than tables patched onto one morsel instance, because the response may be copied or
    pickled (the test client, the cache middleware), which rebuilds the morsel from its
    class: an instance-only table would be lost and the copy would refuse ``partitioned``.
    """

    _reserved = {**Morsel._reserved, "partitioned": "Partitioned"}  # type: ignore[attr-defined]
    _flags = Morsel._flags | {"partitioned"}  # type: ignore[attr-defined]


def _partition(response: HttpResponseBase, name: str) -> None:
    """Add ``Partitioned`` (CHIPS) to the cookie ``name`` that ``response`` is about to set."""
    morsel = response.cookies[name]
    if "partitioned" not in morsel._reserved:  # type: ignore[attr-defined]  # Python < 3.14
        partitioned = _PartitionedMorsel()
        partitioned.set(morsel.key, morsel.value, morsel.coded_value)
        partitioned.update(morsel)
        response.cookies[name] = morsel = partitioned
    morsel["partitioned"] = True


def _no_view(request: HttpRequest) -> HttpResponse:  # the middleware below never calls it
    raise NotImplementedError


def partition_csrf_cookie(response: HttpResponseBase, request: HttpRequest) -> None:
    """With ``REFRESH_COOKIE_PARTITIONED``, write Django's ``csrftoken`` cookie now, partitioned.

    A front end on another site needs both cookies on ``refresh/``: browsers that block
    third-party cookies (Safari, incognito and headless Chromium, Firefox's strict mode)
    drop an unpartitioned ``csrftoken``, and Django's CSRF check then fails
    with ``csrf_failed`` although the refresh cookie arrived. Django sets ``csrftoken`` in
    ``CsrfViewMiddleware.process_response``, after the view. This runs that same public
    middleware hook early, so the cookie is written by Django from the ``CSRF_COOKIE_*``
    settings (the hook then marks it written; the middleware's own pass does nothing), and
    adds ``Partitioned``. A no-op when the setting is off, when no new CSRF token is due on
    this response, or with ``CSRF_USE_SESSIONS`` (no cookie).
    """
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return
    try:
        if not get_settings().refresh_cookie_partitioned:
            return
    except ConfigInvalid:  # the view answers 503 config_invalid already; never a 500 here
        return
    CsrfViewMiddleware(_no_view).process_response(request, response)
    if django_settings.CSRF_COOKIE_NAME in response.cookies:
        _partition(response, django_settings.CSRF_COOKIE_NAME)


def set_refresh_cookie(
    response: HttpResponseBase,
    request: HttpRequest | Request,
    pair: TokenPair | IssuedToken,
    *,
    namespace: str | None = None,
) -> None:
    """Set the refresh cookie as ``login/`` and ``refresh/`` do.

    Args:
        response: the response to set it on.
        request: the current request (Django or DRF); it decides the default ``Path``.
        pair: the :class:`~jwtauth.core.tokens.TokenPair` from
            :func:`jwtauth.tokens_for_user` (or a refresh token just issued).
        namespace: jwtauth's URL namespace, for a view outside it (see :func:`cookie_path`).

    The cookie is ``HttpOnly`` with the configured ``Secure``, ``SameSite``, ``Domain``
    and ``Path``, and ``Partitioned`` (CHIPS) when ``REFRESH_COOKIE_PARTITIONED`` is on; its ``Max-Age`` is the refresh token's remaining lifetime in seconds.
    """
    http_request = request._request if isinstance(request, Request) else request
    if isinstance(pair, TokenPair):
        _set(response, http_request, pair.refresh_token, pair.refresh_expires_in, namespace)
    else:
        _set(response, http_request, pair.token, pair.lifetime_seconds, namespace)


def delete_refresh_cookie(response: HttpResponseBase, request: HttpRequest, *, namespace: str | None = None) -> None:
    """Expire the refresh cookie with the same attributes it was set with (``Partitioned`` included)."""
    _set(response, request, "", 0, namespace)
