"""Every jwtauth system check, validated once per ``manage.py check`` run.

Configuration (``JWTAUTH`` itself; errors stop the server):

=================  ===========================================================
``jwtauth.E001``   ``JWTAUTH`` is not a dict, or has an unknown key
``jwtauth.E002``   a setting has the wrong type or value
``jwtauth.E003``   an HMAC signing key is shorter than RFC 7518 §3.2 allows
``jwtauth.E004``   ``REFRESH_TOKEN_LIFETIME`` not longer than ``ACCESS_TOKEN_LIFETIME``
``jwtauth.E005``   ``CsrfViewMiddleware`` is not in ``MIDDLEWARE``
``jwtauth.E006``   a key in ``ACCESS_TOKEN_KEYS``/``REFRESH_TOKEN_KEYS`` is invalid
``jwtauth.E007``   ``REVOCATION_CACHE`` names no ``CACHES`` alias
``jwtauth.E008``   a ``__Host-`` refresh cookie with a ``Path`` other than ``/``, a ``Domain`` or no ``Secure``
``jwtauth.W001``   refresh cookie without ``Secure`` while ``DEBUG`` is off
``jwtauth.E009``   ``SameSite=None`` without ``Secure`` (was the warning ``W002``)
``jwtauth.E010``   a ``__Secure-`` refresh cookie name without ``Secure``
``jwtauth.E012``   a ``Partitioned`` refresh cookie without ``SameSite=None`` and ``Secure``
``jwtauth.E013``   ``SIMPLEJWT_ACCEPT_UNTIL`` set, but simplejwt cannot be verified
``jwtauth.W003``   ``SIMPLEJWT_ACCEPT_UNTIL`` has passed: remove the transition
=================  ===========================================================

Deployment (how jwtauth sits in the project):

=================  ===========================================================
``jwtauth.E101``   CORS lets every origin send credentialed requests
``jwtauth.W101``   a CORS origin is missing from ``CSRF_TRUSTED_ORIGINS``
``jwtauth.W102``   the throttle cache is process-local: counts go to the database
``jwtauth.W103``   the throttle cache is ``DummyCache``: throttling does nothing
``jwtauth.W104``   ``ACCESS_TOKEN_LIFETIME`` over one hour
``jwtauth.W105``   ``LEEWAY`` over five minutes
``jwtauth.W106``   ``REFRESH_REUSE_GRACE_PERIOD`` over one minute
``jwtauth.W107``   ``CSRF_COOKIE_HTTPONLY``: the SPA cannot read ``csrftoken``
``jwtauth.W108``   ``CSRF_USE_SESSIONS``: there is no ``csrftoken`` cookie at all
``jwtauth.W109``   the jwtauth URLs are not mounted (namespace ``jwtauth``)
``jwtauth.W110``   ``REFRESH_COOKIE_PATH`` is ``/``: the cookie goes everywhere
``jwtauth.W111``   per-IP and per-account login throttling off, DEBUG off
``jwtauth.W112``   ``REFRESH_COOKIE_SAMESITE="None"``: CSRF is the only defence
``jwtauth.W113``   ``REFRESH_TOKEN_LIFETIME`` over 90 days
``jwtauth.W114``   one explicit signing key for access and refresh tokens
``jwtauth.W115``   an explicit signing key equal to ``SECRET_KEY``
``jwtauth.W116``   CORS settings without django-cors-headers installed and first
``jwtauth.W117``   a ``SameSite=None`` refresh cookie, but ``csrftoken`` is not ``SameSite=None; Secure``
``jwtauth.W118``   DPoP with ``ATOMIC_REQUESTS`` and the proofs' replay records in the database
=================  ===========================================================

Resource server: ``jwtauth.E201``, ``JWTAUTH_RESOURCE_SERVER`` is set but invalid
(registered by :mod:`jwtauth.contrib.resource_server`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext

from .settings import ResourceServerSettings, validate

__all__ = ["check_deployment", "check_jwtauth", "check_resource_server_settings", "check_settings", "check_urls"]

_FOREIGN_ORIGIN = "https://jwtauth-check.invalid"
_MAX_ACCESS_LIFETIME = timedelta(hours=1)
_MAX_LEEWAY = timedelta(minutes=5)
_MAX_GRACE_PERIOD = timedelta(minutes=1)
_MAX_REFRESH_LIFETIME = timedelta(days=90)
_LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache",)
_DUMMY_CACHES = ("django.core.cache.backends.dummy.DummyCache",)
_CORS_APP = "corsheaders"
_CORS_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"
_COMMON_MIDDLEWARE = "django.middleware.common.CommonMiddleware"


def _cors_allows_any_origin() -> bool:
    if getattr(settings, "CORS_ALLOW_ALL_ORIGINS", getattr(settings, "CORS_ORIGIN_ALLOW_ALL", False)):
        return True
    regexes = getattr(settings, "CORS_ALLOWED_ORIGIN_REGEXES", getattr(settings, "CORS_ORIGIN_REGEX_WHITELIST", ()))
    return any(re.match(regex, _FOREIGN_ORIGIN) for regex in regexes)


def _cors_checks() -> list[CheckMessage]:
    # Read django-cors-headers' settings without importing it: it is optional.
    messages: list[CheckMessage] = []
    if getattr(settings, "CORS_ALLOW_CREDENTIALS", False) and _cors_allows_any_origin():
        messages.append(
            Error(
                gettext(
                    "CORS allows every origin with credentials: any web site can call the API with "
                    "the user's cookies and read the answers (including new access tokens)."
                ),
                hint=gettext("List the front-end origins in CORS_ALLOWED_ORIGINS instead."),
                id="jwtauth.E101",
            )
        )
    trusted = set(getattr(settings, "CSRF_TRUSTED_ORIGINS", ()))
    origins = getattr(settings, "CORS_ALLOWED_ORIGINS", getattr(settings, "CORS_ORIGIN_WHITELIST", ()))
    missing = sorted(origin for origin in origins if origin not in trusted)
    if missing:
        messages.append(
            Warning(
                gettext(
                    "CORS_ALLOWED_ORIGINS has %(origins)s but CSRF_TRUSTED_ORIGINS does not: "
                    "refresh/ and logout/ from that front end will fail with csrf_failed."
                )
                % {"origins": ", ".join(missing)},
                hint=gettext("Add the front-end origins to CSRF_TRUSTED_ORIGINS."),
                id="jwtauth.W101",
            )
        )
    return messages


def _cache_checks(values: Mapping[str, Any]) -> list[CheckMessage]:
    alias = values.get("LOGIN_THROTTLE_CACHE")
    caches = getattr(settings, "CACHES", {}) or {"default": {"BACKEND": _LOCAL_CACHES[0]}}
    backend = caches.get(alias, {}).get("BACKEND", "") if isinstance(alias, str) else ""
    if backend in _DUMMY_CACHES:
        return [
            Warning(
                gettext(
                    "The login throttle cache %(alias)s is a DummyCache: failed logins are never counted, "
                    "so login throttling does nothing."
                )
                % {"alias": repr(alias)},
                hint=gettext(
                    "Point JWTAUTH['LOGIN_THROTTLE_CACHE'] at a shared cache (Redis), or at a LocMemCache "
                    "to keep the counts in the database."
                ),
                id="jwtauth.W103",
            )
        ]
    if backend in _LOCAL_CACHES and not settings.DEBUG:
        return [
            Warning(
                gettext(
                    "The login throttle cache %(alias)s is process-local (LocMemCache), so jwtauth keeps "
                    "the login attempt counts in the database instead: correct across worker processes, at "
                    "the cost of two counter writes per login attempt on the database."
                )
                % {"alias": repr(alias)},
                hint=gettext(
                    "Use a shared cache (Redis, Memcached) through JWTAUTH['LOGIN_THROTTLE_CACHE'] to take "
                    "those writes off the database."
                ),
                id="jwtauth.W102",
            )
        ]
    return []


def _duration_checks(values: Mapping[str, Any]) -> list[CheckMessage]:
    limits = (
        (
            "ACCESS_TOKEN_LIFETIME",
            _MAX_ACCESS_LIFETIME,
            "jwtauth.W104",
            gettext("JWTAUTH[%(name)s] is %(value)s, over %(limit)s: access tokens cannot be revoked early."),
        ),
        (
            "LEEWAY",
            _MAX_LEEWAY,
            "jwtauth.W105",
            gettext("JWTAUTH[%(name)s] is %(value)s, over %(limit)s: expired tokens stay usable that much longer."),
        ),
        (
            "REFRESH_REUSE_GRACE_PERIOD",
            _MAX_GRACE_PERIOD,
            "jwtauth.W106",
            gettext(
                "JWTAUTH[%(name)s] is %(value)s, over %(limit)s: a stolen, already rotated refresh token "
                "goes undetected that long."
            ),
        ),
        (
            "REFRESH_TOKEN_LIFETIME",
            _MAX_REFRESH_LIFETIME,
            "jwtauth.W113",
            gettext("JWTAUTH[%(name)s] is %(value)s, over %(limit)s: an idle stolen session lives that long."),
        ),
    )
    messages: list[CheckMessage] = []
    for name, limit, check_id, message in limits:
        value = values.get(name)
        if isinstance(value, timedelta) and value > limit:
            messages.append(Warning(message % {"name": repr(name), "value": value, "limit": limit}, id=check_id))
    return messages


def _csrf_checks() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if getattr(settings, "CSRF_COOKIE_HTTPONLY", False):
        messages.append(
            Warning(
                gettext(
                    "CSRF_COOKIE_HTTPONLY is on: after a page reload the SPA has no CSRF token in memory "
                    "and cannot read the csrftoken cookie; refresh/ fails with csrf_failed unless the "
                    "client first fetches one from GET csrf/ (the jwtauth browser client does)."
                ),
                hint=gettext("Leave CSRF_COOKIE_HTTPONLY off; the CSRF token is not a secret from the page."),
                id="jwtauth.W107",
            )
        )
    if getattr(settings, "CSRF_USE_SESSIONS", False):
        messages.append(
            Warning(
                gettext(
                    "CSRF_USE_SESSIONS is on: there is no csrftoken cookie, so an SPA cannot recover its "
                    "CSRF token after a reload."
                ),
                id="jwtauth.W108",
            )
        )
    return messages


def _cookie_and_key_checks(values: Mapping[str, Any]) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    name = values.get("REFRESH_COOKIE_NAME")
    is_host_cookie = isinstance(name, str) and name.startswith("__Host-")
    if values.get("REFRESH_COOKIE_PATH") == "/" and not is_host_cookie:
        messages.append(
            Warning(
                gettext(
                    "JWTAUTH['REFRESH_COOKIE_PATH'] is '/': the refresh token travels with every request to "
                    "the site, not just to the auth endpoints."
                ),
                hint=gettext("Leave it None: the cookie is then scoped to the URL prefix jwtauth is mounted at."),
                id="jwtauth.W110",
            )
        )
    rates = values.get("LOGIN_THROTTLE_RATES")
    # The IPv6 /48 limit alone is no defence: IPv4 clients and one /64 go unchecked.
    if isinstance(rates, Mapping) and not rates.get("ip") and not rates.get("account") and not settings.DEBUG:
        messages.append(
            Warning(
                gettext("Login throttling is turned off: passwords can be guessed at full speed."), id="jwtauth.W111"
            )
        )
    if values.get("REFRESH_COOKIE_SAMESITE") == "None":
        messages.append(
            Warning(
                gettext(
                    "The refresh cookie is SameSite=None: browsers send it on cross-site requests, so the "
                    "CSRF check is the only defence of refresh/ and logout/."
                ),
                hint=gettext("Use Lax (or Strict) unless the front end is on another site."),
                id="jwtauth.W112",
            )
        )
        csrf_samesite = getattr(settings, "CSRF_COOKIE_SAMESITE", "Lax")
        csrf_secure = getattr(settings, "CSRF_COOKIE_SECURE", False)
        if str(csrf_samesite) != "None" or not csrf_secure:
            # A cross-site front end sends the refresh cookie, but a Lax/Strict (or non-Secure
            # SameSite=None) csrftoken cookie stays behind: refresh/ fails with csrf_failed.
            message = (
                gettext(
                    "The refresh cookie is SameSite=None (a cross-site front end), but Django's csrftoken "
                    "cookie is SameSite=%(samesite)s: browsers will not send it cross-site, so refresh/ and "
                    "logout/ fail with csrf_failed."
                )
                if csrf_secure
                else gettext(
                    "The refresh cookie is SameSite=None (a cross-site front end), but Django's csrftoken "
                    "cookie is SameSite=%(samesite)s without Secure: browsers will not send it cross-site, "
                    "so refresh/ and logout/ fail with csrf_failed."
                )
            )
            messages.append(
                Warning(
                    message % {"samesite": csrf_samesite},
                    hint=gettext("Set CSRF_COOKIE_SAMESITE = 'None' and CSRF_COOKIE_SECURE = True."),
                    id="jwtauth.W117",
                )
            )
    access_key, refresh_key = values.get("ACCESS_TOKEN_SIGNING_KEY"), values.get("REFRESH_TOKEN_SIGNING_KEY")
    if access_key is not None and access_key == refresh_key:
        messages.append(
            Warning(
                gettext(
                    "ACCESS_TOKEN_SIGNING_KEY and REFRESH_TOKEN_SIGNING_KEY are the same key: use one key per purpose."
                ),
                id="jwtauth.W114",
            )
        )
    secret = str(getattr(settings, "SECRET_KEY", ""))
    for name, key in (("ACCESS_TOKEN_SIGNING_KEY", access_key), ("REFRESH_TOKEN_SIGNING_KEY", refresh_key)):
        if secret and key is not None and (key == secret or key == secret.encode()):
            messages.append(
                Warning(
                    gettext("JWTAUTH[%(name)s] is SECRET_KEY itself; leave it None to derive a separate key from it.")
                    % {"name": repr(name)},
                    id="jwtauth.W115",
                )
            )
    return messages


def _host_prefix_checks(values: Mapping[str, Any]) -> list[CheckMessage]:
    # Browsers drop a __Host- cookie set with a Domain, a Path other than "/" or without
    # Secure (RFC 6265bis §4.1.3.2): the refresh cookie would silently never be stored.
    name = values.get("REFRESH_COOKIE_NAME")
    if not (isinstance(name, str) and name.startswith("__Host-")):
        return []
    wrong = []
    if values.get("REFRESH_COOKIE_PATH") not in (None, "/"):
        wrong.append(
            gettext("REFRESH_COOKIE_PATH is %(path)s (must be None or '/')")
            % {"path": repr(values.get("REFRESH_COOKIE_PATH"))}
        )
    if values.get("REFRESH_COOKIE_DOMAIN") is not None:
        wrong.append(gettext("REFRESH_COOKIE_DOMAIN is set (must be None)"))
    if values.get("REFRESH_COOKIE_SECURE") is not True:
        wrong.append(gettext("REFRESH_COOKIE_SECURE is off (must be True)"))
    if not wrong:
        return []
    return [
        Error(
            gettext(
                "JWTAUTH['REFRESH_COOKIE_NAME'] = %(name)s has the __Host- prefix, but %(problems)s: "
                "browsers refuse such a cookie, so nobody could stay logged in."
            )
            % {"name": repr(name), "problems": "; ".join(wrong)},
            hint=gettext(
                "A __Host- cookie is Secure, Path=/ and host-only; jwtauth sets Path=/ itself when "
                "REFRESH_COOKIE_PATH is None."
            ),
            id="jwtauth.E008",
        )
    ]


def check_settings(values: Mapping[str, Any] | None = None) -> list[CheckMessage]:
    """``JWTAUTH`` itself and the Django settings it relies on (E001 to E013, W001, W003)."""
    problems: list[Any] = []
    if values is None:
        values, problems = validate()
    messages: list[CheckMessage] = [Error(p.message, id=p.check_id) for p in problems]
    if "django.middleware.csrf.CsrfViewMiddleware" not in getattr(settings, "MIDDLEWARE", []):
        messages.append(
            Error(
                gettext(
                    "django.middleware.csrf.CsrfViewMiddleware must be in MIDDLEWARE: it sets the "
                    "csrftoken cookie that refresh/ and logout/ check."
                ),
                id="jwtauth.E005",
            )
        )
    alias = values.get("REVOCATION_CACHE")
    if isinstance(alias, str) and alias not in getattr(settings, "CACHES", {"default": None}):
        messages.append(
            Error(
                gettext("JWTAUTH['REVOCATION_CACHE'] = %(alias)s is not in CACHES.") % {"alias": repr(alias)},
                id="jwtauth.E007",
            )
        )
    messages += _host_prefix_checks(values)
    secure = values.get("REFRESH_COOKIE_SECURE")
    if secure is False and not settings.DEBUG:
        messages.append(
            Warning(
                gettext(
                    "JWTAUTH['REFRESH_COOKIE_SECURE'] is False while DEBUG is off: the refresh "
                    "token would travel over plain HTTP."
                ),
                id="jwtauth.W001",
            )
        )
    if values.get("REFRESH_COOKIE_SAMESITE") == "None" and secure is not True:
        # Browsers drop a SameSite=None cookie without Secure silently: nobody stays logged in.
        messages.append(
            Error(
                gettext(
                    "JWTAUTH['REFRESH_COOKIE_SAMESITE'] is 'None' but REFRESH_COOKIE_SECURE is off: browsers "
                    "reject SameSite=None cookies without Secure, so the refresh cookie would never be stored."
                ),
                hint=gettext("Set REFRESH_COOKIE_SECURE = True (and serve the API over HTTPS)."),
                id="jwtauth.E009",
            )
        )
    name = values.get("REFRESH_COOKIE_NAME")
    if isinstance(name, str) and name.startswith("__Secure-") and secure is not True:
        # RFC 6265bis §4.1.3.1: a __Secure- cookie must be set with Secure, or browsers drop it.
        messages.append(
            Error(
                gettext(
                    "JWTAUTH['REFRESH_COOKIE_NAME'] = %(name)s has the __Secure- prefix, but "
                    "REFRESH_COOKIE_SECURE is off: browsers refuse such a cookie."
                )
                % {"name": repr(name)},
                hint=gettext("Set REFRESH_COOKIE_SECURE = True, or drop the prefix."),
                id="jwtauth.E010",
            )
        )
    if values.get("REFRESH_COOKIE_PARTITIONED") is True and (
        values.get("REFRESH_COOKIE_SAMESITE") != "None" or secure is not True
    ):
        # CHIPS: browsers refuse a Partitioned cookie without Secure, and partitioning is
        # for cookies sent cross-site: a Lax or Strict cookie would be stored in a jar no
        # cross-site request of the front end ever reads, so nobody stays logged in.
        messages.append(
            Error(
                gettext(
                    "JWTAUTH['REFRESH_COOKIE_PARTITIONED'] is on, but the refresh cookie is not SameSite=None "
                    "and Secure: browsers refuse a Partitioned cookie without Secure, and partitioning only "
                    "serves a cookie sent to a cross-site API."
                ),
                hint=gettext(
                    "Set REFRESH_COOKIE_SAMESITE = 'None' and REFRESH_COOKIE_SECURE = True, or turn "
                    "REFRESH_COOKIE_PARTITIONED off."
                ),
                id="jwtauth.E012",
            )
        )
    return messages


def _simplejwt_window_checks(values: Mapping[str, Any]) -> list[CheckMessage]:
    until, clock = values.get("SIMPLEJWT_ACCEPT_UNTIL"), values.get("CLOCK")
    # An invalid value is E001's to report (the values may come unvalidated).
    if not isinstance(until, datetime) or until.tzinfo is None or clock is None or clock.now() < until:
        return []
    return [
        Warning(
            gettext("JWTAUTH['SIMPLEJWT_ACCEPT_UNTIL'] (%(until)s) has passed: simplejwt tokens are refused.")
            % {"until": until.isoformat()},
            hint=gettext(
                "Remove SIMPLEJWT_ACCEPT_UNTIL and SIMPLEJWT_REFRESH_COOKIE_NAME, then simplejwt's apps "
                "(see docs/migrating/simplejwt.md)."
            ),
            id="jwtauth.W003",
        )
    ]


def _dpop_replay_checks(values: Mapping[str, Any]) -> list[CheckMessage]:
    if values.get("DPOP") not in ("optional", "required"):
        return []
    databases = getattr(settings, "DATABASES", {}) or {}
    atomic = sorted(alias for alias, database in databases.items() if database.get("ATOMIC_REQUESTS"))
    alias = values.get("REVOCATION_CACHE")
    caches = getattr(settings, "CACHES", {}) or {"default": {"BACKEND": _LOCAL_CACHES[0]}}
    backend = caches.get(alias, {}).get("BACKEND", "") if isinstance(alias, str) else ""
    if not atomic or (alias is not None and backend not in (*_LOCAL_CACHES, *_DUMMY_CACHES)):
        return []
    # The replay record of a proof is written in the request's transaction: an error answer
    # (DRF marks the transaction for rollback) undoes it, and the proof can be sent again.
    return [
        Warning(
            gettext(
                "DPoP is on and DATABASES[%(alias)s] has ATOMIC_REQUESTS, but DPoP proofs are remembered in "
                "the database (REVOCATION_CACHE is not a shared cache): a request that ends in an error rolls "
                "its proof's record back, so that proof can be replayed."
            )
            % {"alias": repr(atomic[0])},
            hint=gettext(
                "Point JWTAUTH['REVOCATION_CACHE'] at a shared cache (Redis), whose writes no transaction "
                "undoes, or turn ATOMIC_REQUESTS off."
            ),
            id="jwtauth.W118",
        )
    ]


def check_deployment(values: Mapping[str, Any] | None = None) -> list[CheckMessage]:
    """Insecure or self-defeating deployment settings (E101, W101 to W118)."""
    if values is None:
        values, _problems = validate()
    return [
        *_cors_checks(),
        *_cache_checks(values),
        *_duration_checks(values),
        *_csrf_checks(),
        *_cookie_and_key_checks(values),
        *_simplejwt_window_checks(values),
        *_dpop_replay_checks(values),
    ]


def check_cors_installed() -> list[CheckMessage]:
    """``jwtauth.W116``: CORS settings are present but django-cors-headers cannot apply them.

    Without the app and its middleware the ``CORS_*`` settings are inert: the browser gets no
    ``Access-Control-Allow-Origin`` for the front end and hides every answer from it. Below
    ``CommonMiddleware`` the middleware misses the responses that one answers itself (the
    redirect to the slash URL), which the browser then reports as CORS failures.
    """
    configured = sorted(name for name in dir(settings) if name.startswith("CORS_") and getattr(settings, name))
    if not configured:
        return []
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    problems = []
    if not apps.is_installed(_CORS_APP):
        problems.append(gettext("%(app)s is not in INSTALLED_APPS") % {"app": repr(_CORS_APP)})
    if _CORS_MIDDLEWARE not in middleware:
        problems.append(gettext("%(middleware)s is not in MIDDLEWARE") % {"middleware": repr(_CORS_MIDDLEWARE)})
    elif _COMMON_MIDDLEWARE in middleware and middleware.index(_CORS_MIDDLEWARE) > middleware.index(_COMMON_MIDDLEWARE):
        problems.append(
            gettext("%(middleware)s comes after %(common)s in MIDDLEWARE")
            % {"middleware": repr(_CORS_MIDDLEWARE), "common": repr(_COMMON_MIDDLEWARE)}
        )
    if not problems:
        return []
    return [
        Warning(
            (
                gettext(
                    "%(settings)s is set but %(problems)s: a front end on another origin cannot read the API's answers."
                )
                if len(configured) == 1
                else gettext(
                    "%(settings)s are set but %(problems)s: a front end on another origin cannot read "
                    "the API's answers."
                )
            )
            % {"settings": ", ".join(configured), "problems": "; ".join(problems)},
            hint=gettext(
                "pip install django-cors-headers, add %(app)s to INSTALLED_APPS and put "
                "%(middleware)s first in MIDDLEWARE (above CommonMiddleware)."
            )
            % {"app": repr(_CORS_APP), "middleware": repr(_CORS_MIDDLEWARE)},
            id="jwtauth.W116",
        )
    ]


def check_urls() -> list[CheckMessage]:
    """``jwtauth.W109`` when ``reverse("jwtauth:login")`` fails."""
    try:
        reverse("jwtauth:login")
    except NoReverseMatch:
        return [
            Warning(
                gettext("The jwtauth URLs are not mounted under the 'jwtauth' namespace."),
                hint=gettext('Add path("api/auth/", include("jwtauth.urls")) to your URLconf.'),
                id="jwtauth.W109",
            )
        ]
    return []


@register(Tags.security, Tags.urls)
def check_jwtauth(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The one registered entry point: validates ``JWTAUTH`` once and runs every check.

    Quiet when the ``jwtauth`` app is not installed (a service that only verifies tokens
    through :mod:`jwtauth.contrib.resource_server`).
    """
    if not apps.is_installed("jwtauth"):
        return []
    values, problems = validate()
    messages: list[CheckMessage] = [Error(p.message, id=p.check_id) for p in problems]
    messages += check_settings(values)
    if problems:  # the values are not all typed: the deployment checks would misread them
        return messages
    return [*messages, *check_deployment(values), *check_cors_installed(), *check_urls()]


@register(Tags.security)
def check_resource_server_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``jwtauth.E201``: ``JWTAUTH_RESOURCE_SERVER``, when set, is valid (each problem one
    message). Registered when this module is imported, which
    :mod:`jwtauth.contrib.resource_server` does: it runs with or without ``jwtauth`` in
    ``INSTALLED_APPS``, so a bad setting stops ``manage.py check``/``runserver`` instead of
    answering 500 on the first request with a token. Nothing is fetched.
    """
    if not hasattr(settings, ResourceServerSettings.namespace):
        return []
    _values, problems = ResourceServerSettings.validate()
    hint = gettext("See jwtauth.contrib.resource_server.")
    return [Error(p.message, hint=hint, id=p.check_id) for p in problems]
