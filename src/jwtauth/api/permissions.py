"""DRF permissions over the verified claims of the access token.

They read ``request.auth``: the :class:`~jwtauth.core.tokens.AccessClaims` of
:class:`~jwtauth.JWTAuthentication`, or the verified claims of the resource server's
authentication class (:mod:`jwtauth.contrib.resource_server`), so a view guarded here
behaves the same in the issuing service and in a service that verifies through JWKS.

Use an instance where DRF expects a class::

    permission_classes = [IsAuthenticated, HasScope("orders:write")]

A request without a token is left to DRF (401 ``not_authenticated``); a token without
the scope is 403 ``insufficient_scope`` with ``WWW-Authenticate: Bearer
error="insufficient_scope", scope="..."`` (RFC 6750 §3.1; the header needs
``jwtauth.exception_handler``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..core import errors as core_errors
from ..core.claims import custom_claims, scopes_of
from ..settings import get_settings
from .errors import JWTAuthAPIError, message_for

__all__ = [
    "HasClaim",
    "HasScope",
    "InsufficientScope",
    "ReauthenticationRequired",
    "RecentlyAuthenticated",
    "check_recent_authentication",
    "claims_of",
]


def claims_of(auth: object) -> Mapping[str, object]:
    """The custom claims of ``request.auth`` (empty when there is no verified token).

    Accepts jwtauth's :class:`~jwtauth.core.tokens.AccessClaims` and the resource
    server's claims (both have ``.claims``), or a plain mapping of all the claims.
    """
    claims = getattr(auth, "claims", None)
    if isinstance(claims, Mapping):
        return claims
    if isinstance(auth, Mapping):
        return custom_claims(auth)
    return {}


class InsufficientScope(JWTAuthAPIError):
    """403 ``insufficient_scope`` with its RFC 6750 §3.1 challenge."""

    def __init__(self, scopes: tuple[str, ...], realm: str = "api") -> None:
        err = core_errors.InsufficientScope()
        super().__init__(err.code, message_for(err), err.status)
        #: Read by jwtauth.exception_handler.
        self.www_authenticate = f'Bearer realm="{realm}", error="insufficient_scope", scope="{" ".join(scopes)}"'


class _InstancePermission(BasePermission):
    # DRF instantiates each entry of permission_classes; an instance answers for itself.
    def __call__(self) -> _InstancePermission:
        return self


def _has_token(request: Request) -> bool:
    return bool(request.user and request.user.is_authenticated and request.auth is not None)


class HasClaim(_InstancePermission):
    """Allow requests whose access token carries a custom claim (with a value).

    ``HasClaim("role", "admin")``: the claim ``role`` equals ``"admin"``, or is an array
    containing it. ``HasClaim("tenant")``: the claim is present (any value but null).
    Denied: 403 ``permission_denied``.

    Args:
        name: the claim name.
        value: the required value, or omitted for "present".
    """

    _ANY = object()

    def __init__(self, name: str, value: object = _ANY) -> None:
        self.name = name
        self.value = value

    def has_permission(self, request: Request, view: Any) -> bool:
        if not _has_token(request):
            return False
        actual = claims_of(request.auth).get(self.name)
        if actual is None:
            return False
        if self.value is HasClaim._ANY:
            return True
        if isinstance(actual, tuple | list) and not isinstance(self.value, tuple | list):
            return self.value in actual
        return bool(actual == self.value)

    def __repr__(self) -> str:
        return f"HasClaim({self.name!r})" if self.value is HasClaim._ANY else f"HasClaim({self.name!r}, {self.value!r})"


class HasScope(_InstancePermission):
    """Allow requests whose access token's ``scope`` claim holds every given scope.

    ``scope`` is a space-separated string (RFC 9068 §2.2.3), set by ``TOKEN_CLAIMS``.
    Denied: 403 ``insufficient_scope`` with ``WWW-Authenticate: Bearer realm="api",
    error="insufficient_scope", scope="<the scopes required>"`` (RFC 6750 §3.1).

    Args:
        scopes: the scope tokens required, e.g. ``HasScope("orders:write")``.
    """

    def __init__(self, *scopes: str) -> None:
        if not scopes or not all(isinstance(s, str) and s and " " not in s for s in scopes):
            raise ValueError("HasScope needs one or more scope tokens without spaces")
        self.scopes = scopes

    def has_permission(self, request: Request, view: Any) -> bool:
        if not _has_token(request):
            return False  # DRF answers 401 not_authenticated
        if set(self.scopes) <= scopes_of(claims_of(request.auth)):
            return True
        raise InsufficientScope(self.scopes)

    def __repr__(self) -> str:
        return f"HasScope({', '.join(map(repr, self.scopes))})"


class ReauthenticationRequired(JWTAuthAPIError):
    """403 ``reauthentication_required``; the body adds ``max_age`` (seconds)."""

    def __init__(self, max_age_seconds: int) -> None:
        err = core_errors.ReauthenticationRequired()
        super().__init__(err.code, message_for(err), err.status)
        self.detail = {**self.detail, "max_age": max_age_seconds}  # type: ignore[dict-item]


def check_recent_authentication(request: Request, max_age: timedelta | None = None) -> None:
    """Raise 403 ``reauthentication_required`` unless the access token's ``auth_time``
    lies within ``max_age`` (default ``REAUTHENTICATION_MAX_AGE``) of now.

    A token without ``auth_time`` (issued before it existed, or by another issuer)
    counts as not recent.
    """
    conf = get_settings()
    age = conf.reauthentication_max_age if max_age is None else max_age
    auth_time = getattr(request.auth, "auth_time", None)
    if auth_time is None and isinstance(request.auth, Mapping):
        value = request.auth.get("auth_time")
        auth_time = value if isinstance(value, int) and not isinstance(value, bool) else None
    now = conf.clock.now().timestamp()
    if auth_time is None or now - auth_time > age.total_seconds() or auth_time > now + conf.leeway.total_seconds():
        raise ReauthenticationRequired(int(age.total_seconds()))


class RecentlyAuthenticated(_InstancePermission):
    """Allow requests whose user proved a credential recently ("sudo mode").

    Reads the access token's ``auth_time`` (OpenID Connect Core §2): at most
    ``max_age`` ago (default ``REAUTHENTICATION_MAX_AGE``, 5 minutes). Otherwise 403
    ``{"detail", "code": "reauthentication_required", "max_age": <seconds>}``: the front
    end asks for the password, posts it to ``reauthenticate/`` and retries with the
    access token it gets back. Use as a class or an instance::

        permission_classes = [IsAuthenticated, RecentlyAuthenticated]
        permission_classes = [IsAuthenticated, RecentlyAuthenticated(max_age=timedelta(minutes=1))]

    Args:
        max_age: how old ``auth_time`` may be (a ``timedelta`` or int seconds).
    """

    def __init__(self, max_age: timedelta | int | None = None) -> None:
        self.max_age = timedelta(seconds=max_age) if isinstance(max_age, int) else max_age

    def has_permission(self, request: Request, view: Any) -> bool:
        if not _has_token(request):
            return False  # DRF answers 401 not_authenticated
        check_recent_authentication(request, self.max_age)
        return True
