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
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..core import errors as core_errors
from ..core.claims import custom_claims, scopes_of
from .errors import JWTAuthAPIError, message_for

__all__ = ["HasClaim", "HasScope", "InsufficientScope", "claims_of"]


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
