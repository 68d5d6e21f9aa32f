"""Access and refresh tokens: issue and verify, independent of Django and DRF.

Access tokens follow the JWT profile for access tokens (RFC 9068): header
``typ: at+jwt``, claims ``sub``, ``iat``, ``exp``, ``jti``, ``sid`` and, when
configured, ``iss``/``aud``. Refresh tokens carry ``typ: refresh+jwt``. The two types
are signed with different keys and each verifier insists on its own ``typ``, so one
can never pass for the other even if someone configures one key for both
(RFC 8725 §3.11, §3.12).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from .claims import custom_claims
from .errors import ConfigInvalid, RefreshTokenExpired, RefreshTokenInvalid, TokenExpired, TokenInvalid
from .jws import decode_claims, sign, verify_jws, verify_registered_claims
from .keys.keyset import KeySet

__all__ = [
    "ACCESS_TOKEN_TYP",
    "REFRESH_TOKEN_TYP",
    "AccessClaims",
    "IssuedToken",
    "RefreshClaims",
    "TokenClaims",
    "TokenPair",
    "TokenPolicy",
    "VerifiedTokenCache",
    "issue_access_token",
    "issue_refresh_token",
    "new_jti",
    "verify_access_token",
    "verify_refresh_token",
]

ACCESS_TOKEN_TYP = "at+jwt"
REFRESH_TOKEN_TYP = "refresh+jwt"

_ACCESS_REQUIRED = ("exp", "iat", "sub", "jti", "sid")
_REFRESH_REQUIRED = ("exp", "iat", "sub", "jti", "sid")


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """How one token type is issued and verified.

    Attributes:
        keys: the key set (first key signs).
        lifetime: how long a new token is valid.
        leeway: clock skew tolerated when verifying.
        issuer: ``iss`` to set and require, or ``None``.
        audience: ``aud`` to set and require, or ``None``.
    """

    keys: KeySet
    lifetime: timedelta
    leeway: timedelta = timedelta(0)
    issuer: str | None = None
    audience: str | None = None


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The verified claims of a token.

    Attributes:
        sub: the user's primary key as a string.
        sid: the refresh session (token family) id the token belongs to.
        jti: the token's unique id.
        iat: issued-at, NumericDate (seconds since the epoch, UTC).
        exp: expiry, NumericDate.
        kid: the ``kid`` of the key that signed it.
    """

    sub: str
    sid: str
    jti: str
    iat: int
    exp: int
    kid: str


def _no_claims() -> Mapping[str, object]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AccessClaims(TokenClaims):
    """The verified claims of an access token (see :class:`TokenClaims`).

    Attributes:
        claims: the custom claims (those set by ``TOKEN_CLAIMS``, i.e. every claim but
            the registered and jwtauth-owned ones), read-only: arrays are tuples and
            objects read-only mappings, e.g. ``request.auth.claims["role"]``.
        auth_time: when the user last proved a credential (NumericDate), or ``None``.
        amr: authentication method references (RFC 8176), e.g. ``("pwd",)``.
        jkt: the DPoP key thumbprint the token is bound to (``cnf.jkt``, RFC 9449 §6.1),
            or ``None`` for a bearer token.
    """

    claims: Mapping[str, object] = field(default_factory=_no_claims)
    #: When the user last proved a credential, NumericDate (OpenID Connect Core §2), or
    #: ``None`` for a token without it.
    auth_time: int | None = None
    #: How: authentication method references (RFC 8176), e.g. ``("pwd",)``.
    amr: tuple[str, ...] = ()
    jkt: str | None = None


@dataclass(frozen=True, slots=True)
class RefreshClaims(TokenClaims):
    """The verified claims of a refresh token (see :class:`TokenClaims`)."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly issued token.

    Attributes:
        token: the compact JWT.
        jti: its ``jti``.
        expires_at: its expiry (aware UTC datetime).
        lifetime_seconds: seconds from issue to expiry (``expires_in`` on the wire).
    """

    token: str
    jti: str
    expires_at: datetime
    lifetime_seconds: int


@dataclass(frozen=True, slots=True)
class TokenPair:
    """The tokens of a new session, as ``login/`` hands them out.

    Attributes:
        access_token: the access token (compact JWT), for ``Authorization: Bearer``.
        refresh_token: the refresh token (compact JWT), for the refresh cookie only.
        expires_in: seconds until the access token expires (``expires_in`` on the wire).
        access_expires_at: the access token's expiry (aware UTC datetime).
        refresh_expires_in: seconds until the refresh token expires (the cookie's ``Max-Age``).
        refresh_expires_at: the refresh token's expiry (aware UTC datetime).
        session_id: the session (token family) id, the tokens' ``sid`` claim.
    """

    access_token: str
    refresh_token: str
    expires_in: int
    access_expires_at: datetime
    refresh_expires_in: int
    refresh_expires_at: datetime
    session_id: str

    @classmethod
    def of(cls, access: IssuedToken, refresh: IssuedToken, session_id: str) -> TokenPair:
        """Build a pair from two freshly issued tokens."""
        return cls(
            access_token=access.token,
            refresh_token=refresh.token,
            expires_in=access.lifetime_seconds,
            access_expires_at=access.expires_at,
            refresh_expires_in=refresh.lifetime_seconds,
            refresh_expires_at=refresh.expires_at,
            session_id=session_id,
        )


def new_jti() -> str:
    """A fresh random ``jti``: 128 bits from :mod:`secrets`, URL-safe."""
    return secrets.token_urlsafe(16)


def _issue(
    policy: TokenPolicy,
    typ: str,
    *,
    sub: str,
    sid: str,
    now: datetime,
    jti: str | None,
    extra: Mapping[str, object] | None = None,
    max_bytes: int | None = None,
    not_after: datetime | None = None,
    jkt: str | None = None,
) -> IssuedToken:
    issued_at = int(now.timestamp())
    lifetime = policy.lifetime
    if not_after is not None:
        # An absolute end (the session's maximum lifetime): the token never outlives it.
        lifetime = max(timedelta(0), min(lifetime, timedelta(seconds=int(not_after.timestamp()) - issued_at)))
    lifetime_seconds = int(lifetime.total_seconds())
    jti = jti or new_jti()
    claims: dict[str, object] = {}
    if policy.issuer is not None:
        claims["iss"] = policy.issuer
    claims["sub"] = sub
    if policy.audience is not None:
        claims["aud"] = policy.audience
    claims.update(iat=issued_at, exp=issued_at + lifetime_seconds, jti=jti, sid=sid)
    if extra:
        # Never override a claim of ours: the hook's result was checked against
        # RESERVED_CLAIMS already; this guards every other caller.
        clash = sorted(extra.keys() & claims.keys())
        if clash:
            raise ConfigInvalid(f"custom claims may not set {clash[0]!r}")
        claims.update(extra)
    if jkt is not None:
        claims["cnf"] = {"jkt": jkt}  # RFC 9449 §6.1: bound to the client's DPoP key
    token = sign(claims, policy.keys.signing, typ)
    if max_bytes is not None and len(token) > max_bytes:
        raise ConfigInvalid(
            f"the access token is {len(token)} bytes with its custom claims, over ACCESS_TOKEN_MAX_BYTES "
            f"({max_bytes}); it travels in every request header: put less in TOKEN_CLAIMS"
        )
    return IssuedToken(
        token=token,
        jti=jti,
        expires_at=now.replace(microsecond=0) + lifetime,
        lifetime_seconds=lifetime_seconds,
    )


def issue_access_token(
    policy: TokenPolicy,
    *,
    sub: str,
    sid: str,
    now: datetime,
    jti: str | None = None,
    claims: Mapping[str, object] | None = None,
    max_bytes: int | None = None,
    auth_time: datetime | None = None,
    amr: tuple[str, ...] = (),
    jkt: str | None = None,
) -> IssuedToken:
    """Issue an access token (RFC 9068 profile).

    Args:
        policy: the access token policy.
        sub: the user's primary key as a string.
        sid: the refresh session id.
        now: issue time (aware UTC).
        jti: a ``jti`` to use instead of a random one.
        claims: custom claims, already converted to JSON values
            (:func:`jwtauth.core.claims.convert_claims`); never a registered one.
        max_bytes: the largest encoded token allowed, or ``None``.
        auth_time: when the user last proved a credential (the ``auth_time`` claim,
            NumericDate, OpenID Connect Core §2), or ``None``.
        amr: authentication method references (the ``amr`` claim, RFC 8176 §2).
        jkt: a DPoP key thumbprint to bind the token to (``cnf.jkt``, RFC 9449 §6.1).

    Raises:
        ConfigInvalid (``config_invalid``): ``claims`` names a claim the token sets
            itself, or the encoded token is longer than ``max_bytes``.
    """
    owned: dict[str, object] = {}
    if auth_time is not None:
        owned["auth_time"] = int(auth_time.timestamp())
    if amr:
        owned["amr"] = list(amr)
    if claims:
        clash = sorted(claims.keys() & {"auth_time", "amr"})
        if clash:
            raise ConfigInvalid(f"custom claims may not set {clash[0]!r}")
        owned.update(claims)
    return _issue(
        policy, ACCESS_TOKEN_TYP, sub=sub, sid=sid, now=now, jti=jti, extra=owned or None, max_bytes=max_bytes, jkt=jkt
    )


def issue_refresh_token(
    policy: TokenPolicy,
    *,
    sub: str,
    sid: str,
    now: datetime,
    jti: str | None = None,
    not_after: datetime | None = None,
) -> IssuedToken:
    """Issue a refresh token for session ``sid`` (arguments as :func:`issue_access_token`).

    Args:
        not_after: an absolute end (aware UTC); the token's ``exp`` is the earlier of
            ``now + policy.lifetime`` and this (whole seconds), never later.
    """
    return _issue(policy, REFRESH_TOKEN_TYP, sub=sub, sid=sid, now=now, jti=jti, not_after=not_after)


def _verify(
    token: object, policy: TokenPolicy, typ: str, required: tuple[str, ...], now: datetime
) -> tuple[dict[str, object], str]:
    header, payload = verify_jws(token, policy.keys, typ=typ)
    claims = decode_claims(payload)
    verify_registered_claims(
        claims,
        now=now,
        leeway=policy.leeway,
        required=required,
        issuer=policy.issuer,
        audience=policy.audience,
    )
    for name in ("sub", "jti", "sid"):
        if not isinstance(claims[name], str):
            raise TokenInvalid(f"{name} is not a string")
    kid = header.get("kid")
    return claims, kid if isinstance(kid, str) else policy.keys.keys[0].kid


def _registered(claims: dict[str, object], kid: str) -> dict[str, Any]:
    # Types were checked by _verify and verify_registered_claims.
    return {
        "sub": str(claims["sub"]),
        "sid": str(claims["sid"]),
        "jti": str(claims["jti"]),
        "iat": int(claims["iat"]),  # type: ignore[call-overload]
        "exp": int(claims["exp"]),  # type: ignore[call-overload]
        "kid": kid,
    }


def _refresh_claims(claims: dict[str, object], kid: str) -> RefreshClaims:
    return RefreshClaims(**_registered(claims, kid))


def _access_claims(claims: dict[str, object], kid: str) -> AccessClaims:
    return AccessClaims(
        **_registered(claims, kid),
        claims=custom_claims(claims),
        auth_time=_auth_time(claims.get("auth_time"), issued_at=int(claims["iat"])),  # type: ignore[call-overload]
        amr=_amr(claims.get("amr")),
        jkt=_cnf_jkt(claims),
    )


def _auth_time(value: object, *, issued_at: int) -> int | None:
    # NumericDate (RFC 7519 §2); anything else is ignored rather than trusted, and so is
    # an authentication said to happen after the token was issued (OpenID Connect Core
    # §2): it would make every step-up check pass until that moment.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if value <= issued_at else None


def _amr(value: object) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return ()


def _cnf_jkt(claims: dict[str, object]) -> str | None:
    cnf = claims.get("cnf")
    if cnf is None:
        return None
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    if not isinstance(jkt, str) or not jkt:
        raise TokenInvalid("cnf is not a DPoP confirmation")
    return jkt


class VerifiedTokenCache:
    """A bounded per-process memo of access tokens whose signature and static claims
    (``typ``, ``iss``, ``aud``, required claims) verified.

    A client reuses one access token for every request of its lifetime, so repeating the
    signature check each time is pure cost. The key is the whole token text, signature
    included: only a token already verified byte for byte can hit. The time claims are
    still checked on every hit. The memo belongs to one settings object, so a key change
    starts with an empty one. When full, the oldest entries are dropped.

    Args:
        max_entries: how many tokens to remember (> 0).
    """

    __slots__ = ("_entries", "_max_entries")

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._entries: dict[str, AccessClaims] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> AccessClaims | None:
        return self._entries.get(token)

    def put(self, token: str, claims: AccessClaims) -> None:
        entries = self._entries
        while len(entries) >= self._max_entries:
            try:  # another thread may evict at the same time
                del entries[next(iter(entries))]
            except (KeyError, RuntimeError, StopIteration):  # pragma: no cover  (a race between threads)
                break
        entries[token] = claims

    def clear(self) -> None:
        self._entries.clear()


def _check_times(claims: TokenClaims, policy: TokenPolicy, now: datetime) -> None:
    timestamp = now.timestamp()
    skew = policy.leeway.total_seconds()
    if timestamp >= claims.exp + skew:
        raise TokenExpired()
    if claims.iat > timestamp + skew:
        raise TokenInvalid("iat in the future")


def verify_access_token(
    token: object, policy: TokenPolicy, *, now: datetime, cache: VerifiedTokenCache | None = None
) -> AccessClaims:
    """Verify an access token's signature, ``typ`` and claims.

    Args:
        token: the compact JWT from the ``Authorization`` header.
        policy: the access token policy.
        now: the current time (aware UTC).
        cache: a :class:`VerifiedTokenCache`; a hit skips the signature check but not
            the time checks.

    Returns:
        The verified :class:`AccessClaims`.

    Raises:
        TokenExpired (``token_expired``): past ``exp`` + leeway.
        KeyUnknown (``key_unknown``): unknown ``kid``.
        TokenInvalid (``token_invalid``): anything else wrong, including a refresh
            token presented as an access token.
    """
    if cache is not None and isinstance(token, str):
        hit = cache.get(token)
        if hit is not None:
            _check_times(hit, policy, now)
            return hit
    claims, kid = _verify(token, policy, ACCESS_TOKEN_TYP, _ACCESS_REQUIRED, now)
    verified = _access_claims(claims, kid)
    # Only tokens whose time rules fit _check_times are memoised (no nbf, integer dates).
    if cache is not None and "nbf" not in claims and verified.exp == claims["exp"] and verified.iat == claims["iat"]:
        cache.put(str(token), verified)
    return verified


def verify_refresh_token(token: object, policy: TokenPolicy, *, now: datetime) -> RefreshClaims:
    """Verify a refresh token (as :func:`verify_access_token`, for ``refresh+jwt``).

    Raises:
        RefreshTokenExpired (``refresh_token_expired``): past ``exp`` + leeway.
        RefreshTokenInvalid (``refresh_token_invalid``): anything else wrong,
            including an access token presented as a refresh token.
    """
    try:
        claims, kid = _verify(token, policy, REFRESH_TOKEN_TYP, _REFRESH_REQUIRED, now)
    except TokenExpired as exc:
        raise RefreshTokenExpired() from exc
    except TokenInvalid as exc:
        raise RefreshTokenInvalid(exc.reason) from exc
    return _refresh_claims(claims, kid)
