"""Verify jwtauth access tokens in OTHER services, against the issuer's published JWKS.

Add ``"jwtauth.contrib.resource_server.authentication.ResourceServerAuthentication"`` to a service's
``DEFAULT_AUTHENTICATION_CLASSES`` (the service needs ``jwtauth`` installed, not in
``INSTALLED_APPS``, and no ``JWTAUTH`` settings) and configure::

    JWTAUTH_RESOURCE_SERVER = {
        "JWKS_URL": "https://auth.example.com/api/auth/jwks/",   # required, http(s) only
        "ISSUER": "https://auth.example.com",                    # required: the issuer's ISSUER
        "AUDIENCE": "https://api.example.com",                   # required: the issuer's AUDIENCE
        "ALGORITHMS": ["EdDSA", "ES256", "RS256", "PS256"],      # asymmetric only
        "CACHE_SECONDS": 300,         # how long a fetched JWKS is used
        "MIN_REFETCH_SECONDS": 30,    # at most one fetch per this many seconds
        "TIMEOUT_SECONDS": 5,         # per fetch
        "LEEWAY_SECONDS": 30,         # clock skew between the two services
        "AUTH_HEADER_TYPES": ["Bearer"],
    }

Behaviour: the key set is fetched on first use and cached for ``CACHE_SECONDS``. A token
whose ``kid`` is not in the cache triggers one refetch, and fetches never happen more
often than once per ``MIN_REFETCH_SECONDS``, so a flood of random ``kid`` values cannot
turn into a flood of requests to the issuer. When a refetch fails the previous keys stay
in use. When there are no keys at all (first fetch failed, or the set has no usable
key), requests with a token get 503 ``{"detail", "code": "jwks_unavailable"}`` with
``Retry-After`` (seconds until the next fetch may be tried), never a 500. Failed fetches
are rate-limited too, counted from when they ended, and requests queued behind a fetch
share its outcome, so a hanging JWKS URL costs one timeout per ``MIN_REFETCH_SECONDS``.
A token whose JOSE header does not parse is a 401 ``token_invalid`` before any key is
looked up. Bad settings are reported by the system check ``jwtauth.E201``. Tokens must carry ``typ: at+jwt``, ``iss`` and ``aud`` as configured, and ``exp``,
``iat``, ``sub``, ``jti`` (RFC 9068 §2.2, §4). Revocation is not visible here: access
tokens are short-lived by design.

``request.user`` is a :class:`TokenUser` (``id``/``pk`` = ``sub``) and ``request.auth``
the verified claims; override :meth:`ResourceServerAuthentication.get_user` to map to a
local user.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from ...api.errors import BearerAuthenticationFailed, JWTAuthAPIError, api_error, bearer_challenge, message_for
from ...core.clock import Clock, SystemClock
from ...core.errors import ConfigInvalid, JWKSUnavailable, JWTAuthError, KeyUnknown, TokenInvalid
from ...core.jws import decode_claims, verify_jws, verify_registered_claims
from ...core.keys.keyset import ASYMMETRIC_ALGORITHMS
from ...core.tokens import ACCESS_TOKEN_TYP
from .remote_jwks import RemoteJWKS

__all__ = [
    "RemoteJWKS",
    "ResourceServerAuthentication",
    "ResourceServerSettings",
    "TokenUser",
    "get_resource_server_settings",
]

_DEFAULTS: dict[str, Any] = {
    "JWKS_URL": None,
    "ISSUER": None,
    "AUDIENCE": None,
    "ALGORITHMS": ("EdDSA", "ES256", "RS256", "PS256"),
    "CACHE_SECONDS": 300,
    "MIN_REFETCH_SECONDS": 30,
    "TIMEOUT_SECONDS": 5,
    "LEEWAY_SECONDS": 30,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "CLOCK": None,
}
_REQUIRED = ("exp", "iat", "sub", "jti")
# RFC 6750 §2.1 b64token; jwtauth.api.authentication is not imported because it pulls in
# the session models, and this module must work without jwtauth in INSTALLED_APPS.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_MAX_HEADER = 8192
_SCHEME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an auth-scheme is an RFC 9110 token


@dataclass(frozen=True, slots=True)
class ResourceServerSettings:
    """The validated ``JWTAUTH_RESOURCE_SERVER`` settings (see the module docstring)."""

    issuer: str
    audience: str
    leeway: timedelta
    auth_header_types: tuple[str, ...]
    clock: Clock
    jwks: RemoteJWKS = field(repr=False)


def _number(raw: Mapping[str, Any], name: str) -> float:
    value = raw[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigInvalid(f"JWTAUTH_RESOURCE_SERVER[{name!r}] must be a non-negative number of seconds")
    return float(value)


@functools.cache
def get_resource_server_settings() -> ResourceServerSettings:
    """Build and cache the resource server settings.

    Raises:
        ConfigInvalid (``config_invalid``): unknown key, missing ``JWKS_URL``/``ISSUER``/
            ``AUDIENCE``, a non-http(s) URL, an HMAC or unknown algorithm, a bad number,
            bad ``AUTH_HEADER_TYPES`` or an unusable ``CLOCK``. Reported at startup by
            the ``jwtauth.E201`` system check.
    """
    return _build_settings()


def _build_settings() -> ResourceServerSettings:
    user = getattr(django_settings, "JWTAUTH_RESOURCE_SERVER", None)
    if not isinstance(user, Mapping):
        raise ConfigInvalid("JWTAUTH_RESOURCE_SERVER must be a dict")
    unknown = set(user) - set(_DEFAULTS)
    if unknown:
        raise ConfigInvalid(f"JWTAUTH_RESOURCE_SERVER has unknown keys {sorted(unknown)}")
    raw = {**_DEFAULTS, **user}
    for name in ("JWKS_URL", "ISSUER", "AUDIENCE"):
        if not isinstance(raw[name], str) or not raw[name]:
            raise ConfigInvalid(f"JWTAUTH_RESOURCE_SERVER[{name!r}] is required (a non-empty string)")
    if urlsplit(raw["JWKS_URL"]).scheme not in ("http", "https"):
        raise ConfigInvalid("JWTAUTH_RESOURCE_SERVER['JWKS_URL'] must be an http(s) URL")
    algorithms = raw["ALGORITHMS"]
    if isinstance(algorithms, str) or not algorithms or not set(algorithms) <= ASYMMETRIC_ALGORITHMS:
        raise ConfigInvalid(
            f"JWTAUTH_RESOURCE_SERVER['ALGORITHMS'] must be a list from {sorted(ASYMMETRIC_ALGORITHMS)}"
        )
    if _number(raw, "TIMEOUT_SECONDS") <= 0:
        raise ConfigInvalid("JWTAUTH_RESOURCE_SERVER['TIMEOUT_SECONDS'] must be more than 0")
    types = (raw["AUTH_HEADER_TYPES"],) if isinstance(raw["AUTH_HEADER_TYPES"], str) else raw["AUTH_HEADER_TYPES"]
    if (
        not isinstance(types, list | tuple)
        or not types
        or not all(isinstance(t, str) and _SCHEME.fullmatch(t) for t in types)
    ):
        raise ConfigInvalid("JWTAUTH_RESOURCE_SERVER['AUTH_HEADER_TYPES'] must be a list of scheme names")
    clock = raw["CLOCK"] or SystemClock()
    if isinstance(clock, str):
        try:
            clock = import_string(clock)()
        except ImportError:
            raise ConfigInvalid("JWTAUTH_RESOURCE_SERVER['CLOCK'] is not an importable dotted path") from None
    if not callable(getattr(clock, "now", None)):
        raise ConfigInvalid("JWTAUTH_RESOURCE_SERVER['CLOCK'] must have a now() method")
    jwks = RemoteJWKS(
        raw["JWKS_URL"],
        frozenset(algorithms),
        cache_seconds=_number(raw, "CACHE_SECONDS"),
        min_refetch_seconds=_number(raw, "MIN_REFETCH_SECONDS"),
        timeout_seconds=_number(raw, "TIMEOUT_SECONDS"),
        clock=clock,
    )
    return ResourceServerSettings(
        issuer=raw["ISSUER"],
        audience=raw["AUDIENCE"],
        leeway=timedelta(seconds=_number(raw, "LEEWAY_SECONDS")),
        auth_header_types=tuple(types),
        clock=clock,
        jwks=jwks,
    )


def _jwks_unavailable(err: JWKSUnavailable, retry_after_seconds: int) -> JWTAuthAPIError:
    """503 ``jwks_unavailable`` with ``Retry-After``: when the next fetch may happen."""
    unavailable = api_error(err)
    setattr(unavailable, "wait", retry_after_seconds)  # noqa: B010  (DRF's handler reads exc.wait)
    return unavailable


@register(Tags.security)
def check_resource_server_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """System check ``jwtauth.E201``: ``JWTAUTH_RESOURCE_SERVER``, when set, is valid.

    Registered on import of this module, so it runs with or without ``jwtauth`` in
    ``INSTALLED_APPS``; a bad setting then stops ``manage.py check``/``runserver``
    instead of answering 500 on the first request with a token. Nothing is fetched.
    """
    if not hasattr(django_settings, "JWTAUTH_RESOURCE_SERVER"):
        return []
    try:
        _build_settings()
    except ConfigInvalid as err:
        return [Error(err.reason, hint="See jwtauth.contrib.resource_server.authentication.", id="jwtauth.E201")]
    return []


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: object) -> None:
    if setting == "JWTAUTH_RESOURCE_SERVER":
        get_resource_server_settings.cache_clear()


@dataclass(frozen=True, slots=True)
class TokenUser:
    """A user known only from a verified access token (no database row here)."""

    claims: Mapping[str, object]
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True

    @property
    def id(self) -> str:
        return str(self.claims["sub"])

    pk = id

    def get_username(self) -> str:
        return self.id

    def __str__(self) -> str:
        return f"TokenUser({self.id})"


class ResourceServerAuthentication(BaseAuthentication):
    """DRF authentication for ``Authorization: Bearer <jwtauth access token>`` in another service.

    Raises:
        rest_framework.exceptions.AuthenticationFailed: 401 ``{"detail", "code"}`` with
            ``WWW-Authenticate`` (RFC 6750 §3); codes ``token_invalid``,
            ``token_expired``, ``key_unknown``.
        jwtauth.api.errors.JWTAuthAPIError: 503 ``jwks_unavailable``.
    """

    www_authenticate_realm = "api"

    def authenticate(self, request: Request) -> tuple[Any, dict[str, object]] | None:
        header = request.META.get("HTTP_AUTHORIZATION")
        if not header:
            return None
        conf = get_resource_server_settings()
        try:
            token = self.get_raw_token(header, conf)
            if token is None:
                return None
            claims = self.verify_token(token, conf)
            return self.get_user(claims), claims
        except JWKSUnavailable as err:
            raise _jwks_unavailable(err, conf.jwks.retry_after_seconds()) from None
        except JWTAuthError as err:
            request._jwtauth_error = err  # type: ignore[attr-defined]  # for authenticate_header
            raise BearerAuthenticationFailed(err.code, message_for(err)) from None

    def get_raw_token(self, header: str, conf: ResourceServerSettings) -> str | None:
        """The token from an ``Authorization`` value, ``None`` for another scheme.

        Raises:
            TokenInvalid: our scheme with a malformed credential.
        """
        if len(header) > _MAX_HEADER:
            raise TokenInvalid("authorization header too long")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() not in {t.lower() for t in conf.auth_header_types}:
            return None
        credentials = credentials.strip(" ")
        if not _B64TOKEN.fullmatch(credentials):
            raise TokenInvalid("malformed authorization header")
        return credentials

    def check_header(self, token: str, conf: ResourceServerSettings) -> None:
        """Reject a token whose JOSE header is unusable before any key is fetched.

        Threat: garbage tokens (``Bearer abc``) would otherwise each cost a JWKS
        lookup, and a fetch when the cache is cold or the issuer is down.

        Raises:
            TokenInvalid: not three segments, a header that is not a JSON object, or
                no ``alg`` string.
        """
        if token.count(".") != 2:
            raise TokenInvalid("not a compact JWS")
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.InvalidTokenError, ValueError, TypeError, RecursionError):
            raise TokenInvalid("malformed header") from None
        if not isinstance(header.get("alg"), str):
            raise TokenInvalid("alg missing")

    def verify_token(self, token: str, conf: ResourceServerSettings) -> dict[str, object]:
        """Verify the header, signature (remote keys), ``typ`` and claims; return the claims."""
        self.check_header(token, conf)
        keys = conf.jwks.key_set()
        try:
            _, payload = verify_jws(token, keys, typ=ACCESS_TOKEN_TYP)
        except KeyUnknown:
            refreshed = conf.jwks.refetch_for_unknown_kid(keys)
            if refreshed is None:
                raise
            _, payload = verify_jws(token, refreshed, typ=ACCESS_TOKEN_TYP)
        claims = decode_claims(payload)
        verify_registered_claims(
            claims,
            now=conf.clock.now(),
            leeway=conf.leeway,
            required=(*_REQUIRED, "iss", "aud"),
            issuer=conf.issuer,
            audience=conf.audience,
        )
        if not isinstance(claims["sub"], str):
            raise TokenInvalid("sub is not a string")
        return claims

    def get_user(self, claims: dict[str, object]) -> Any:
        """Map verified claims to ``request.user`` (default :class:`TokenUser`)."""
        return TokenUser(claims)

    def authenticate_header(self, request: Request) -> str:
        return bearer_challenge(self.www_authenticate_realm, getattr(request, "_jwtauth_error", None))
