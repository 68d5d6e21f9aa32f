"""The Bearer steps every jwtauth authentication class shares, whatever the framework.

DRF's :class:`~jwtauth.api.authentication.JWTAuthentication` and the django-ninja
classes in :mod:`jwtauth.contrib.ninja` run the same three steps, defined once here:
parse the ``Authorization`` header (RFC 6750 §2.1), verify the access token (no I/O),
then check its session is live and its user active
(:func:`jwtauth.sessions.request_check.authenticate_access_claims`). Only the mapping of
errors to a framework's responses differs.
"""

from __future__ import annotations

from ..core.bearer import parse_authorization_header
from ..core.errors import TokenInvalid
from ..core.tokens import AccessClaims, verify_access_token
from ..settings import get_settings

__all__ = ["parse_authorization", "verify_bearer_token"]


def parse_authorization(header: str) -> str | None:
    """Extract the token from an ``Authorization`` value, for the configured
    ``AUTH_HEADER_TYPES`` (:func:`jwtauth.core.bearer.parse_authorization_header`).

    Returns:
        The token, or ``None`` when the scheme is not ours (another class may try).

    Raises:
        TokenInvalid (``token_invalid``): too long, or our scheme with a missing, extra
            or malformed credential.
    """
    return parse_authorization_header(header, get_settings().auth_header_types)


def verify_bearer_token(token: str, *, allow_dpop_bound: bool = False) -> AccessClaims:
    """Verify an access token's signature and claims with the configured policy (no I/O).

    Args:
        token: the access token.
        allow_dpop_bound: accept a DPoP-bound token (``cnf.jkt``); only for a caller that
            then checks its DPoP proof (:mod:`jwtauth.api.dpop`). Otherwise a bound token is
            refused: sent as Bearer it would make the binding pointless (RFC 9449 §7.1).

    Raises:
        TokenInvalid (``token_invalid``), TokenExpired (``token_expired``),
        KeyUnknown (``key_unknown``).
    """
    conf = get_settings()
    claims = verify_access_token(token, conf.access, now=conf.clock.now(), cache=conf.verified_tokens)
    if claims.jkt is not None and not allow_dpop_bound:
        raise TokenInvalid("DPoP-bound token presented as Bearer")
    return claims
