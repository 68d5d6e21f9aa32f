"""DRF authentication with Bearer access tokens (RFC 6750).

No ``Authorization`` header, or one with a scheme we do not accept, means "not us"
(``None``), so other authentication classes may try. A header with our scheme that is
malformed, or a token that fails verification, is a 401 carrying
``WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description=...``
(RFC 6750 §3). Bearer-authenticated requests need no CSRF token: browsers never attach
the header on their own.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from ..core import errors as e
from ..core.errors import JWTAuthError, RevocationUnavailable
from ..core.legacy import LegacyClaims
from ..core.tokens import AccessClaims
from ..sessions.request_check import authenticate_access_claims, load_user
from ..settings import get_settings
from . import dpop, transition
from .bearer import parse_authorization, verify_bearer_token
from .errors import (
    DATABASE_UNAVAILABLE,
    DEFAULT_REALM,
    BearerAuthenticationFailed,
    api_error,
    message_for,
    service_unavailable,
)

__all__ = ["JWTAuthentication"]

_ERROR_ATTR = "_jwtauth_error"


def _load_user_or_401(pk: Any) -> Any:
    # Runs inside a view, on the first access to a user field. Whatever exception handler
    # the project uses, a user deleted or deactivated behind our back becomes a 401.
    try:
        return load_user(pk)
    except JWTAuthError as err:
        raise BearerAuthenticationFailed(err.code, message_for(err)) from None
    except DATABASE_UNAVAILABLE as exc:
        raise service_unavailable(exc) from None


#: What a view protected by :class:`JWTAuthentication` can answer with.
BEARER_ERRORS: tuple[type[JWTAuthError], ...] = (
    e.NotAuthenticated,
    e.TokenInvalid,
    e.TokenExpired,
    e.KeyUnknown,
    e.TokenRevoked,
    e.UserInactive,
    e.DPoPProofInvalid,
    e.DPoPNonceRequired,
    e.RevocationUnavailable,
    e.ConfigInvalid,
    e.ServiceUnavailable,
)


class JWTAuthentication(BaseAuthentication):
    """Authenticate ``Authorization: Bearer <access token>``.

    On success ``request.user`` is the user and ``request.auth`` the verified
    :class:`~jwtauth.core.tokens.AccessClaims`. Each step is a method to override.

    While ``SIMPLEJWT_ACCEPT_UNTIL`` lies in the future, a simplejwt access token is
    accepted too (for an active user, as a bearer token only): ``request.user`` is the
    user instance and ``request.auth`` a :class:`~jwtauth.core.legacy.LegacyClaims`
    (``is_legacy``, ``sid`` and ``auth_time`` ``None``); see :mod:`jwtauth.api.transition`.
    ``JWTAuthentication(accepts_simplejwt_tokens=False)`` (or a subclass setting the
    attribute) refuses them; jwtauth's session endpoints do: such a token has no session.

    Raises:
        rest_framework.exceptions.AuthenticationFailed: 401 with body
            ``{"detail", "code"}``; codes ``token_invalid``, ``token_expired``,
            ``key_unknown``, ``token_revoked``, ``user_inactive``.
        JWTAuthAPIError: 503 ``revocation_unavailable`` when the revocation cache
            fails and ``REVOCATION_CACHE_FAILURE`` is ``"reject"``; 503
            ``service_unavailable`` (with ``Retry-After``) when the database is
            unreachable, whatever ``EXCEPTION_HANDLER`` the project uses.
    """

    www_authenticate_realm = DEFAULT_REALM
    #: Accept simplejwt access tokens during the transition window.
    accepts_simplejwt_tokens = True

    def __init__(self, *, accepts_simplejwt_tokens: bool | None = None) -> None:
        super().__init__()
        if accepts_simplejwt_tokens is not None:
            self.accepts_simplejwt_tokens = accepts_simplejwt_tokens

    def authenticate(self, request: Request) -> tuple[Any, AccessClaims | LegacyClaims] | None:
        header = request.META.get("HTTP_AUTHORIZATION")
        if not header:
            return None
        try:
            # RFC 9449 §7.1: "Authorization: DPoP <token>" when DPoP is on; Bearer otherwise.
            dpop_token = dpop.dpop_credentials(request, header)
            token = self.get_raw_token(header) if dpop_token is None else dpop_token
            if token is None:
                return None
            try:
                claims = self.verify_token(token)
            except e.TokenInvalid:
                legacy = self.authenticate_simplejwt_token(token) if dpop_token is None else None
                if legacy is None:
                    raise
                return legacy
            dpop.check_access_token_binding(request, token, claims, is_dpop=dpop_token is not None)
            user = self.get_user(claims)
        except (RevocationUnavailable, e.ConfigInvalid) as err:
            raise api_error(err) from None  # 503: the token may be fine; do not log out
        except DATABASE_UNAVAILABLE as exc:
            raise service_unavailable(exc) from None  # 503 too, for the same reason
        except JWTAuthError as err:
            # Remembered so authenticate_header() can describe the failure (RFC 6750 §3).
            setattr(request, _ERROR_ATTR, err)
            raise BearerAuthenticationFailed(err.code, message_for(err)) from None
        return user, claims

    def get_raw_token(self, header: str) -> str | None:
        """Extract the token from an ``Authorization`` value.

        Returns:
            The token, or ``None`` when the scheme is not one of ``AUTH_HEADER_TYPES``.

        Raises:
            TokenInvalid: our scheme with a missing, extra or malformed credential.
        """
        return parse_authorization(header)

    def verify_token(self, token: str) -> AccessClaims:
        """Verify the access token's signature and claims (no I/O)."""
        return verify_bearer_token(token, allow_dpop_bound=True)  # the DPoP proof is checked next

    def authenticate_simplejwt_token(self, token: str) -> tuple[Any, LegacyClaims] | None:
        """``(user, claims)`` for a simplejwt access token during the transition window;
        ``None`` when the window is closed, ``accepts_simplejwt_tokens`` is off, DPoP is
        required, or the token is not signed with simplejwt's key."""
        if not self.accepts_simplejwt_tokens or get_settings().dpop == "required":
            return None
        return transition.authenticate_legacy_access_token(token)

    def get_user(self, claims: AccessClaims) -> Any:
        """Return the user, checking the token's session is live and the user active."""
        return authenticate_access_claims(claims, load=_load_user_or_401)

    def authenticate_header(self, request: Request) -> str:
        return dpop.challenge(request, self.www_authenticate_realm, getattr(request, _ERROR_ATTR, None))
