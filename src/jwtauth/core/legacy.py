"""Tokens issued by djangorestframework-simplejwt, accepted during a transition window.

A project moving from simplejwt to jwtauth can, until a configured end date, accept the
access tokens its simplejwt deployment already handed out and exchange each simplejwt
refresh token once for a jwtauth session. This module verifies such a token: the
signature with PyJWT through :func:`~jwtauth.core.jws.verify_jws` (the ``alg`` pinned to
simplejwt's configured algorithm, RFC 8725 §3.1; the JOSE ``typ`` must be PyJWT's
``JWT``, so jwtauth's own ``at+jwt``/``refresh+jwt`` tokens never pass, RFC 8725 §3.11),
then the registered claims against an injected ``now`` (RFC 7519 §4.1) and simplejwt's
own token type claim (``token_type: "access"`` or ``"refresh"``), so a refresh token is
never accepted as an access token nor the other way round.

The two steps are separate functions: a token whose signature does not verify under
simplejwt's key is not a simplejwt token at all, and the caller reports its own error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from .claims import custom_claims
from .errors import TokenInvalid
from .jws import decode_claims, verify_jws, verify_registered_claims
from .keys.keyset import KeySet

__all__ = [
    "LEGACY_TOKEN_TYP",
    "LegacyClaims",
    "LegacyTokenPolicy",
    "check_legacy_claims",
    "verify_legacy_signature",
]

#: The JOSE ``typ`` PyJWT writes (``JWT``, compared case-insensitively), and so every
#: simplejwt token carries.
LEGACY_TOKEN_TYP = "jwt"

_REGISTERED = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})


@dataclass(frozen=True, slots=True)
class LegacyTokenPolicy:
    """How simplejwt tokens are verified during the transition.

    Attributes:
        keys: a one-key set: simplejwt's ``SIGNING_KEY`` (HMAC) or ``VERIFYING_KEY``.
        accept_until: the end of the window (aware UTC); from then on nothing is accepted.
        leeway: simplejwt's ``LEEWAY``, applied to ``exp``, ``nbf`` and ``iat``.
        issuer: simplejwt's ``ISSUER`` (``iss`` required when set), or ``None``.
        audience: simplejwt's ``AUDIENCE`` (``aud`` required when set), or ``None``.
        token_type_claim: simplejwt's ``TOKEN_TYPE_CLAIM`` (default ``token_type``).
        user_id_claim: simplejwt's ``USER_ID_CLAIM`` (default ``user_id``).
        user_id_field: simplejwt's ``USER_ID_FIELD``, the user model field that claim holds.
        jti_claim: simplejwt's ``JTI_CLAIM`` (default ``jti``).
    """

    keys: KeySet
    accept_until: datetime
    leeway: timedelta = timedelta(0)
    issuer: str | None = None
    audience: str | None = None
    token_type_claim: str = "token_type"
    user_id_claim: str = "user_id"
    user_id_field: str = "id"
    jti_claim: str = "jti"


@dataclass(frozen=True, slots=True)
class LegacyClaims:
    """The verified claims of a simplejwt token: ``request.auth`` for a simplejwt access token.

    It reads like :class:`~jwtauth.core.tokens.AccessClaims` where the two agree and says
    plainly what a simplejwt token lacks: no session (``sid`` is ``None``), no
    ``auth_time`` (never counts as a recent authentication), no ``amr``, no DPoP binding.

    Attributes:
        token_type: ``"access"`` or ``"refresh"`` (simplejwt's token type claim).
        sub: the user id claim's value, as a string (the value of ``user_id_field``).
        jti: the token's id.
        exp: expiry, NumericDate.
        iat: issued-at, NumericDate, or ``None`` when the token has none.
        claims: the custom claims (everything but the registered claims and simplejwt's
            own), read-only, as ``AccessClaims.claims``.
        is_legacy: always ``True``: tells these claims apart from jwtauth's.
    """

    token_type: str
    sub: str
    jti: str
    exp: int
    claims: Mapping[str, object]
    iat: int | None = None
    sid: None = None
    auth_time: None = None
    amr: tuple[str, ...] = ()
    jkt: None = None
    is_legacy: bool = True


def verify_legacy_signature(token: object, policy: LegacyTokenPolicy) -> dict[str, object]:
    """Verify the signature and header of a simplejwt token, nothing else.

    Args:
        token: the compact JWS.
        policy: the transition policy.

    Returns:
        The decoded claims set (not yet checked).

    Raises:
        TokenInvalid (``token_invalid``) or KeyUnknown (``key_unknown``): not a token
            signed with simplejwt's key (including jwtauth's own tokens, by ``typ``).
    """
    _header, payload = verify_jws(token, policy.keys, typ=LEGACY_TOKEN_TYP)
    return decode_claims(payload)


def _numeric(claims: Mapping[str, object], name: str) -> int | None:
    value = claims.get(name)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def check_legacy_claims(
    claims: Mapping[str, object], policy: LegacyTokenPolicy, *, token_type: str, now: datetime
) -> LegacyClaims:
    """Check the claims of a simplejwt token whose signature verified.

    Args:
        claims: what :func:`verify_legacy_signature` returned.
        policy: the transition policy.
        token_type: ``"access"`` or ``"refresh"``: the value the token type claim must have.
        now: the current time (aware, UTC).

    Returns:
        The :class:`LegacyClaims`.

    Raises:
        TokenInvalid (``token_invalid``): the window is over, a claim is missing or
            malformed, the token type differs, or ``iss``/``aud``/``nbf``/``iat`` fail
            (RFC 7519 §4.1).
        TokenExpired (``token_expired``): ``now >= exp + leeway`` (RFC 7519 §4.1.4).
    """
    if now >= policy.accept_until:
        raise TokenInvalid("simplejwt transition window is over")
    required = ("exp", policy.token_type_claim, policy.user_id_claim, policy.jti_claim)
    verify_registered_claims(
        claims, now=now, leeway=policy.leeway, required=required, issuer=policy.issuer, audience=policy.audience
    )
    if claims[policy.token_type_claim] != token_type:
        raise TokenInvalid(f"simplejwt token is not of type {token_type}")
    sub, jti = claims[policy.user_id_claim], claims[policy.jti_claim]
    if isinstance(sub, bool) or not isinstance(sub, str | int) or not isinstance(jti, str):
        raise TokenInvalid("simplejwt user id or jti malformed")
    owned = _REGISTERED | {policy.token_type_claim, policy.user_id_claim, policy.jti_claim}
    return LegacyClaims(
        token_type=token_type,
        sub=str(sub),
        jti=jti,
        exp=int(cast("float", claims["exp"])),  # a NumericDate: verify_registered_claims checked it
        iat=_numeric(claims, "iat"),
        claims=custom_claims(claims, frozenset(owned)),
    )
