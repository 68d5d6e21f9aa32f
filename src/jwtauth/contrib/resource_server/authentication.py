"""Verify jwtauth access tokens in OTHER services, against the issuer's published JWKS.

Add ``"jwtauth.contrib.resource_server.authentication.ResourceServerAuthentication"`` to a service's
``DEFAULT_AUTHENTICATION_CLASSES`` (the service needs ``jwtauth`` installed, not in
``INSTALLED_APPS``, and no ``JWTAUTH`` settings) and configure::

    JWTAUTH_RESOURCE_SERVER = {
        "JWKS_URL": "https://auth.example.com/api/auth/jwks/",   # required, https (http: loopback only)
        "ISSUER": "https://auth.example.com",                    # required: the issuer's ISSUER
        "AUDIENCE": "https://api.example.com",                   # required: the issuer's AUDIENCE
        "ALGORITHMS": ["EdDSA", "ES256", "RS256", "PS256"],      # asymmetric only
        "CACHE_SECONDS": 300,         # how long a fetched JWKS is used
        "MIN_REFETCH_SECONDS": 30,    # at most one fetch per this many seconds
        "TIMEOUT_SECONDS": 5,         # deadline of a whole fetch (connect, headers, body)
        "LEEWAY_SECONDS": 30,         # clock skew between the two services
        "AUTH_HEADER_TYPES": ["Bearer"],
        "DPOP": "optional",           # "off", "optional" or "required" (RFC 9449)
        "DPOP_ALGORITHMS": ["ES256", "EdDSA"],
        "DPOP_IAT_WINDOW_SECONDS": 60,
        "DPOP_REPLAY_CACHE": "default",   # a CACHES alias every worker shares (Redis)
    }

Behaviour: the key set is fetched on first use and cached for ``CACHE_SECONDS``. A token
whose ``kid`` is not in the cache triggers one refetch, and fetches never happen more
often than once per ``MIN_REFETCH_SECONDS``, so a flood of random ``kid`` values cannot
turn into a flood of requests to the issuer. When a refetch fails the previous keys stay
in use. When there are no keys at all (first fetch failed, or the set has no usable
key), requests with a token get 503 ``{"detail", "code": "jwks_unavailable"}`` with
``Retry-After`` (seconds until the next fetch may be tried), never a 500. Failed fetches
are rate-limited too, counted from when they ended, and requests queued behind a first
fetch share its outcome, so a hanging JWKS URL costs one deadline per
``MIN_REFETCH_SECONDS``. No lock is held during network I/O: while one request refreshes a
stale key set, every other keeps verifying with the cached keys. Redirects are refused,
and ``JWKS_URL`` must be https unless its host is loopback or ``ALLOW_INSECURE_HTTP`` is
set. A malformed JWK Set is a 503, never a 500.
A token whose JOSE header does not parse is a 401 ``token_invalid`` before any key is
looked up. Bad settings are reported by the system check ``jwtauth.E201``. A DPoP-bound token (``cnf.jkt``, RFC 9449) is accepted only as
``Authorization: DPoP <token>`` with a valid ``DPoP`` proof made with its key, never as
Bearer; each proof's ``jti`` is recorded in ``DPOP_REPLAY_CACHE`` (see
:mod:`jwtauth.contrib.resource_server.dpop`). Tokens must carry ``typ: at+jwt``, ``iss`` and ``aud`` as configured, and ``exp``,
``iat``, ``sub``, ``jti`` (RFC 9068 §2.2, §4). Revocation is not visible here: access
tokens are short-lived by design.

``request.user`` is a :class:`TokenUser` (``id``/``pk`` = ``sub``) and ``request.auth``
the verified claims, a read-only :class:`ResourceServerClaims` mapping whose ``.claims``
holds the custom claims alone (``request.auth.claims["role"]``), as on the issuer; the
permissions ``jwtauth.HasClaim`` and ``jwtauth.HasScope`` work here too. Override :meth:`ResourceServerAuthentication.get_user` to map to a
local user.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jwt
from django.core.signals import setting_changed
from django.dispatch import receiver
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from ... import checks  # noqa: F401  (registers jwtauth.E201)
from ...api.errors import (
    DEFAULT_REALM,
    BearerAuthenticationFailed,
    JWTAuthAPIError,
    api_error,
    message_for,
)
from ...core.bearer import parse_authorization_header
from ...core.clock import Clock
from ...core.errors import JWKSUnavailable, JWTAuthError, KeyUnknown, TokenInvalid
from ...core.jws import decode_claims, verify_jws, verify_registered_claims
from ...core.tokens import ACCESS_TOKEN_TYP
from ...settings import ResourceServerSettings
from . import dpop
from .claims import ResourceServerClaims
from .remote_jwks import RemoteJWKS

__all__ = [
    "RemoteJWKS",
    "ResourceServerAuthentication",
    "ResourceServerClaims",
    "ResourceServerConfig",
    "TokenUser",
    "get_resource_server_settings",
]

_REQUIRED = ("exp", "iat", "sub", "jti")
_SCHEME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an auth-scheme is an RFC 9110 token


@dataclass(frozen=True, slots=True)
class ResourceServerConfig:
    """What the resource server runs on: the validated ``JWTAUTH_RESOURCE_SERVER``
    settings (:class:`jwtauth.settings.ResourceServerSettings`) and the remote key set."""

    issuer: str
    audience: str
    leeway: timedelta
    auth_header_types: tuple[str, ...]
    clock: Clock
    jwks: RemoteJWKS = field(repr=False)
    dpop: str = "optional"
    dpop_algorithms: tuple[str, ...] = ("ES256", "EdDSA")
    dpop_iat_window: timedelta = timedelta(seconds=60)
    dpop_replay_cache: str = "default"


@functools.cache
def get_resource_server_settings() -> ResourceServerConfig:
    """Build and cache the resource server's configuration.

    Raises:
        ConfigInvalid (``config_invalid``): ``JWTAUTH_RESOURCE_SERVER`` is invalid; the
            message lists every problem (system check ``jwtauth.E201`` reports them at
            startup). Nothing is fetched.
    """
    conf = ResourceServerSettings.load()
    jwks = RemoteJWKS(
        conf.jwks_url,
        conf.algorithms,
        cache_seconds=conf.cache_seconds,
        min_refetch_seconds=conf.min_refetch_seconds,
        timeout_seconds=conf.timeout_seconds,
        clock=conf.clock,
    )
    return ResourceServerConfig(
        issuer=conf.issuer,
        audience=conf.audience,
        leeway=conf.leeway,
        auth_header_types=conf.auth_header_types,
        clock=conf.clock,
        jwks=jwks,
        dpop=conf.dpop,
        dpop_algorithms=conf.dpop_algorithms,
        dpop_iat_window=timedelta(seconds=conf.dpop_iat_window_seconds),
        dpop_replay_cache=conf.dpop_replay_cache,
    )


def _jwks_unavailable(err: JWKSUnavailable, retry_after_seconds: int) -> JWTAuthAPIError:
    """503 ``jwks_unavailable`` with ``Retry-After``: when the next fetch may happen."""
    unavailable = api_error(err)
    setattr(unavailable, "wait", retry_after_seconds)  # noqa: B010  (DRF's handler reads exc.wait)
    return unavailable


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

    www_authenticate_realm = DEFAULT_REALM

    def authenticate(self, request: Request) -> tuple[Any, ResourceServerClaims] | None:
        header = request.META.get("HTTP_AUTHORIZATION")
        if not header:
            return None
        conf = get_resource_server_settings()
        try:
            dpop_token = dpop.dpop_credentials(request, header, conf.dpop)
            token = self.get_raw_token(header, conf) if dpop_token is None else dpop_token
            if token is None:
                return None
            claims = ResourceServerClaims(self.verify_token(token, conf))
            dpop.check_binding(
                request,
                token,
                claims,
                is_dpop=dpop_token is not None,
                mode=conf.dpop,
                algorithms=conf.dpop_algorithms,
                iat_window=conf.dpop_iat_window,
                leeway=conf.leeway,
                replay_cache=conf.dpop_replay_cache,
                now=conf.clock.now(),
            )
            return self.get_user(claims), claims
        except JWKSUnavailable as err:
            raise _jwks_unavailable(err, conf.jwks.retry_after_seconds()) from None
        except JWTAuthError as err:
            request._jwtauth_error = err  # type: ignore[attr-defined]  # for authenticate_header
            raise BearerAuthenticationFailed(err.code, message_for(err)) from None

    def get_raw_token(self, header: str, conf: ResourceServerConfig) -> str | None:
        """The token from an ``Authorization`` value, ``None`` for another scheme.

        Raises:
            TokenInvalid: our scheme with a malformed credential.
        """
        return parse_authorization_header(header, conf.auth_header_types)

    def check_header(self, token: str, conf: ResourceServerConfig) -> None:
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

    def verify_token(self, token: str, conf: ResourceServerConfig) -> dict[str, object]:
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

    def get_user(self, claims: Mapping[str, object]) -> Any:
        """Map verified claims to ``request.user`` (default :class:`TokenUser`)."""
        return TokenUser(claims)

    def authenticate_header(self, request: Request) -> str:
        conf = get_resource_server_settings()
        err = getattr(request, "_jwtauth_error", None)
        return dpop.dpop_challenge(
            request, self.www_authenticate_realm, err, mode=conf.dpop, algorithms=conf.dpop_algorithms
        )
