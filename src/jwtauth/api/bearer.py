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


def verify_bearer_token(token: str) -> AccessClaims:
    """Verify an access token's signature and claims with the configured policy (no I/O).

    Raises:
        TokenInvalid (``token_invalid``), TokenExpired (``token_expired``),
        KeyUnknown (``key_unknown``).
    """
    conf = get_settings()
    return verify_access_token(token, conf.access, now=conf.clock.now(), cache=conf.verified_tokens)
