"""The ``Authorization: Bearer <token>`` header (RFC 6750 §2.1), parsed once for every verifier.

Shared by :class:`jwtauth.JWTAuthentication` and the resource server's authentication, so
both accept exactly the same headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .errors import TokenInvalid
from .jws import MAX_TOKEN_LENGTH

__all__ = ["MAX_AUTHORIZATION_HEADER_LENGTH", "parse_authorization_header"]

#: An ``Authorization`` value longer than this (characters) is refused before any parsing.
#: The same limit as a token's own (:data:`jwtauth.core.jws.MAX_TOKEN_LENGTH`, 8 KiB).
MAX_AUTHORIZATION_HEADER_LENGTH = MAX_TOKEN_LENGTH

# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def parse_authorization_header(header: str, schemes: Iterable[str]) -> str | None:
    """Extract the credential from an ``Authorization`` value.

    Args:
        header: the raw header value.
        schemes: the accepted auth-schemes (e.g. ``("Bearer",)``), compared
            case-insensitively (RFC 9110 §11.1).

    Returns:
        The token, or ``None`` when the scheme is not one of ``schemes`` ("not ours":
        another authentication class may try).

    Raises:
        TokenInvalid (``token_invalid``): longer than
            :data:`MAX_AUTHORIZATION_HEADER_LENGTH`, or our scheme with a missing, extra
            or malformed credential (RFC 6750 §2.1 ``b64token``).
    """
    if len(header) > MAX_AUTHORIZATION_HEADER_LENGTH:
        raise TokenInvalid("authorization header too long")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() not in {s.lower() for s in schemes}:
        return None
    credentials = credentials.strip(" ")
    if not _B64TOKEN.fullmatch(credentials):
        raise TokenInvalid("malformed authorization header")
    return credentials
