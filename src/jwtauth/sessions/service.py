"""Refresh sessions: start, rotate (with reuse detection), revoke, and check.

The token family rules live in :mod:`jwtauth.core.rotation`; this module applies them
to the database with an atomic compare-and-swap, so concurrent refreshes with one
token yield exactly one rotation on any database, without row locks.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest

from .. import signals
from ..core.claims import convert_claims
from ..core.errors import (
    ConfigInvalid,
    DPoPProofInvalid,
    RefreshTokenExpired,
    RefreshTokenInvalid,
    RefreshTokenReused,
    RefreshTokenRevoked,
    UserInactive,
)
from ..core.rotation import FamilyState, Verdict, hash_jti, judge_refresh
from ..core.tokens import (
    IssuedToken,
    issue_access_token,
    issue_refresh_token,
    new_jti,
    verify_refresh_token,
)
from ..settings import JWTAuthSettings, get_settings
from ..settings import now as _now
from ._sql import load_session, rotate_session
from .models import RefreshSession
from .revocation import mark_live
from .revoke import evict_excess_sessions, revoke_session

__all__ = [
    "LoginResult",
    "RefreshResult",
    "reauthenticate_session",
    "record_reauthentication",
    "refresh_session",
    "revoke_refresh_token",
    "start_session",
]

logger = logging.getLogger("jwtauth")

_USER_AGENT_MAX = 512


_logged_problems: set[str] = set()


def _log_once(err: ConfigInvalid) -> None:
    # One ERROR line per distinct problem and process: a broken hook fails every login
    # and refresh, and the log should say so once, not drown in it. Claim names and
    # types only, never values.
    if err.reason not in _logged_problems:
        _logged_problems.add(err.reason)
        logger.error("jwtauth: cannot issue access tokens: %s", err.reason)


def custom_claims_for(conf: JWTAuthSettings, user: Any, request: HttpRequest | None) -> dict[str, object] | None:
    """Call the ``TOKEN_CLAIMS`` hook and convert its result (``None`` without a hook).

    Raises:
        ConfigInvalid (``config_invalid``): the hook returned unusable claims (logged once).
    """
    hook = conf.token_claims
    if hook is None:
        return None
    try:
        return convert_claims(hook(user, request))
    except ConfigInvalid as err:
        _log_once(err)
        raise


def _issue_access(
    conf: JWTAuthSettings,
    *,
    sub: str,
    sid: str,
    now: Any,
    claims: dict[str, object] | None,
    session: RefreshSession,
) -> IssuedToken:
    try:
        return issue_access_token(
            conf.access,
            sub=sub,
            sid=sid,
            now=now,
            claims=claims,
            max_bytes=conf.access_token_max_bytes,
            # Carried from the session unchanged through every refresh: a refresh proves
            # possession of a token, not a credential.
            auth_time=session.auth_time,
            amr=tuple(session.amr.split()),
            jkt=session.dpop_jkt,  # RFC 9449 §6.1: every token of a bound family
        )
    except ConfigInvalid as err:
        _log_once(err)
        raise


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A new session with its first access and refresh tokens."""

    session: RefreshSession
    access: IssuedToken
    refresh: IssuedToken


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """The outcome of a refresh.

    Attributes:
        session: the token family.
        access: the new access token.
        refresh: the successor refresh token, or ``None`` when the presented token was
            the just-replaced one within the grace period (no second successor).
    """

    session: RefreshSession
    access: IssuedToken
    refresh: IssuedToken | None


def start_session(
    user: Any,
    *,
    user_agent: str = "",
    ip_address: str | None = None,
    request: HttpRequest | None = None,
    amr: tuple[str, ...] = ("pwd",),
    auth_time: datetime | None = None,
    dpop_jkt: str | None = None,
    has_proven_credential: bool = True,
) -> LoginResult:
    """Start a token family for ``user`` and issue its first tokens.

    Args:
        user: an authenticated, active user.
        user_agent: the client's ``User-Agent`` (truncated to 512 characters; a NUL,
            which PostgreSQL cannot store, becomes U+FFFD).
        ip_address: the client's IP address, or ``None``.
        request: the login request, or ``None`` (handed to ``TOKEN_CLAIMS``).
        amr: how the user proved who they are (RFC 8176 values; ``("pwd",)`` for a
            password; ``()`` for none jwtauth can name), kept on the session as its ``amr``.
        auth_time: when the user completed that proof (aware datetime), kept as the
            session's ``auth_time``; ``None`` or a moment after now means now. A login
            flow of several steps passes the time of its last step.
        dpop_jkt: the thumbprint of the client's DPoP key (RFC 9449 §6.1) to bind the
            family to, or ``None`` for bearer tokens.
        has_proven_credential: ``False`` for a session that proves nothing about the
            user now (an exchanged simplejwt refresh token): no ``auth_time``, so it never
            counts as a recent authentication until ``reauthenticate/``.

    Returns:
        A :class:`LoginResult`. One INSERT (plus the eviction of the oldest sessions
        when ``MAX_SESSIONS_PER_USER`` is set).
    """
    conf = get_settings()
    now = _now()
    jti = new_jti()
    # Before anything is written: a hook that fails leaves no session behind.
    claims = custom_claims_for(conf, user, request)
    session_end = now + conf.session_max_lifetime
    proven_at = now if auth_time is None else min(auth_time, now)
    session = RefreshSession(
        user=user,
        created_at=now,
        last_used_at=now,
        expires_at=min(now + conf.refresh.lifetime, session_end),
        jti_hash=hash_jti(jti),
        user_agent=user_agent[:_USER_AGENT_MAX].replace("\x00", "\ufffd"),
        ip_address=ip_address,
        auth_time=proven_at if has_proven_credential else None,
        amr=" ".join(amr),
        dpop_jkt=dpop_jkt,
    )
    sub, sid = str(user.pk), str(session.pk)
    # Issued before the row is saved: a token over ACCESS_TOKEN_MAX_BYTES leaves nothing behind.
    access = _issue_access(conf, sub=sub, sid=sid, now=now, claims=claims, session=session)
    session.save(force_insert=True)
    mark_live(sid, user.pk)
    if conf.max_sessions_per_user is not None:
        cap = conf.max_sessions_per_user
        evict_excess_sessions(user.pk, keep=cap)
        # Again once committed: logins racing this one commit rows this transaction could
        # not see; the last of them to commit sees all and enforces the cap.
        transaction.on_commit(lambda: evict_excess_sessions(user.pk, keep=cap))
    refresh = issue_refresh_token(conf.refresh, sub=sub, sid=sid, now=now, jti=jti, not_after=session_end)
    signals.session_started.send(sender=RefreshSession, session=session, user=user)
    return LoginResult(session=session, access=access, refresh=refresh)


def session_end(session: RefreshSession, conf: JWTAuthSettings) -> datetime:
    """When ``session`` ends for good: ``created_at + SESSION_MAX_LIFETIME``, whatever its rotations."""
    return session.created_at + conf.session_max_lifetime


def _state(session: RefreshSession, conf: JWTAuthSettings) -> FamilyState:
    return FamilyState(
        current_jti_hash=session.jti_hash,
        previous_jti_hash=session.previous_jti_hash,
        rotated_at=session.rotated_at,
        revoked_at=session.revoked_at,
        # The idle timeout (sliding) or the absolute end, whichever comes first; the
        # absolute end is applied here too so lowering the setting takes effect at once.
        expires_at=min(session.expires_at, session_end(session, conf)),
    )


def _send(signal: Any, session: RefreshSession) -> None:
    # session.user costs a query (the rotation path does not load the user row): only
    # pay it when someone listens.
    if signal.has_listeners(RefreshSession):
        signal.send(sender=RefreshSession, session=session, user=session.user)


def _reuse(session: RefreshSession, reason: str) -> RefreshTokenReused:
    # Revoke even if the cache is down: the family is compromised.
    revoke_session(session, reason="reuse", strict=False)
    logger.warning(
        "jwtauth: %s; token family revoked (user=%s sid=%s)",
        reason,
        session.user_id,
        session.pk,
    )
    _send(signals.refresh_token_reused, session)
    return RefreshTokenReused(reason)


def refresh_session(
    refresh_token: str, *, request: HttpRequest | None = None, dpop_jkt: str | None = None
) -> RefreshResult:
    """Rotate a token family with the presented refresh token.

    Implements refresh token rotation with reuse detection (RFC 9700 §4.14.2): the
    current token gets a successor; the just-replaced one, within
    ``REFRESH_REUSE_GRACE_PERIOD``, gets a new access token only; any other token of the
    family revokes the whole family.

    A family bound to a DPoP key (RFC 9449 §5) only rotates for a proof made with that
    key: the current or grace-period token presented with another key, or none, means
    the cookie was copied without the key, and the family is revoked as for reuse.

    Args:
        refresh_token: the compact JWT from the refresh cookie.
        request: the refresh request (handed to ``TOKEN_CLAIMS``), or ``None``.
        dpop_jkt: the thumbprint of the key of the request's verified DPoP proof, or
            ``None`` when it carried none.

    Returns:
        A :class:`RefreshResult`. Two SQL queries for a rotation (SELECT, UPDATE);
        ``result.session.user`` is loaded on first access (one more query), which the
        ``refresh_token_rotated`` signal does only when it has receivers, and
        ``TOKEN_CLAIMS`` always (it is called with the user at every refresh, so a
        changed role reaches the next access token).

    Raises:
        RefreshTokenInvalid (``refresh_token_invalid``): bad token, or its user is gone.
        RefreshTokenExpired (``refresh_token_expired``): token or family expired (idle:
            ``REFRESH_TOKEN_LIFETIME`` since the last rotation; absolute:
            ``SESSION_MAX_LIFETIME`` since the login).
        RefreshTokenRevoked (``refresh_token_revoked``): family revoked, or its user deleted.
        UserInactive (``user_inactive``): the user is inactive (the family is revoked).
        RefreshTokenReused (``refresh_token_reused``): reuse detected, or a bound family
            refreshed without its DPoP key; family revoked.
        DPoPProofInvalid (``invalid_dpop_proof``): ``DPOP`` is ``"required"`` and the
            family is not bound to a key (it began before DPoP was required).
        ConfigInvalid (``config_invalid``): ``TOKEN_CLAIMS`` returned unusable claims;
            nothing was rotated, the presented refresh token stays current.
    """
    conf = get_settings()
    now = _now()
    claims = verify_refresh_token(refresh_token, conf.refresh, now=now)
    presented = hash_jti(claims.jti)
    user_model = get_user_model()
    for _attempt in range(3):
        loaded = load_session(claims.sid, user_model)
        if loaded is None:
            # The family (or its user) was deleted.
            raise RefreshTokenRevoked("session not found")
        session, is_user_active = loaded
        if str(session.user_id) != claims.sub:
            raise RefreshTokenInvalid("sub does not match session")
        if not is_user_active:
            # Before the family's own state: deactivation has usually revoked it already,
            # and the client should learn why (its cookie is cleared all the same).
            revoke_session(session, reason="user_inactive", strict=False)
            raise UserInactive()
        verdict = judge_refresh(_state(session, conf), presented, now=now, grace_period=conf.refresh_reuse_grace_period)
        if verdict is Verdict.REVOKED:
            raise RefreshTokenRevoked()
        if verdict is Verdict.EXPIRED:
            raise RefreshTokenExpired("session expired")
        if verdict is Verdict.REUSED:
            raise _reuse(session, "refresh token reuse detected")
        bound = session.dpop_jkt
        if bound is not None and (dpop_jkt is None or not hmac.compare_digest(bound, dpop_jkt)):
            raise _reuse(session, "refresh token presented without its DPoP key")
        if bound is None and conf.dpop == "required":
            raise DPoPProofInvalid("session not bound to a DPoP key")
        sub, sid = claims.sub, str(session.pk)
        # Before the rotation: a hook that fails leaves the presented token current.
        custom = custom_claims_for(conf, session.user, request) if conf.token_claims is not None else None
        if verdict is Verdict.GRACE:
            access = _issue_access(conf, sub=sub, sid=sid, now=now, claims=custom, session=session)
            return RefreshResult(session=session, access=access, refresh=None)
        access = _issue_access(conf, sub=sub, sid=sid, now=now, claims=custom, session=session)
        jti = new_jti()
        # Compare-and-swap: only the request that still sees the presented token as
        # current wins; every concurrent loser re-reads and lands in GRACE.
        end = session_end(session, conf)
        if rotate_session(
            session,
            presented=presented,
            jti_hash=hash_jti(jti),
            now=now,
            expires_at=min(now + conf.refresh.lifetime, end),
        ):
            refresh = issue_refresh_token(conf.refresh, sub=sub, sid=sid, now=now, jti=jti, not_after=end)
            _send(signals.refresh_token_rotated, session)
            return RefreshResult(session=session, access=access, refresh=refresh)
    raise RefreshTokenRevoked("rotation contended")


def record_reauthentication(
    sid: str, user: Any, *, amr: tuple[str, ...] = ("pwd",), auth_time: datetime | None = None
) -> datetime | None:
    """Record that ``user`` just proved a credential again in session ``sid``.

    The caller has checked the credential. Only the session's ``auth_time`` and ``amr``
    change (one UPDATE); every access token issued for the session from then on (the next
    refresh) carries them.

    Args:
        sid: the session's id.
        user: its user.
        amr: how the user proved it (RFC 8176 values), replacing the session's ``amr``.
        auth_time: when (aware datetime); ``None`` or a moment after now means now.

    Returns:
        The recorded ``auth_time``, or ``None`` when the session is not live (revoked,
        expired, past ``SESSION_MAX_LIFETIME``, or not this user's): nothing was changed.
    """
    now = _now()
    proven_at = now if auth_time is None else min(auth_time, now)
    # Live: not revoked, not expired, not past SESSION_MAX_LIFETIME. An ended session
    # gains nothing from a new auth_time: its next refresh/ is refused anyway.
    updated = RefreshSession.objects.filter(
        pk=sid,
        user_id=user.pk,
        revoked_at__isnull=True,
        expires_at__gt=now,
        created_at__gt=now - get_settings().session_max_lifetime,
    ).update(auth_time=proven_at, amr=" ".join(amr))
    return proven_at if updated else None


def reauthenticate_session(
    sid: str, user: Any, *, amr: tuple[str, ...] = ("pwd",), request: HttpRequest | None = None
) -> IssuedToken:
    """Record that ``user`` just proved a credential again in session ``sid`` ("sudo
    mode") and issue an access token carrying the new ``auth_time``.

    The caller has checked the credential. Refresh tokens are not touched: the session's
    ``auth_time`` and ``amr`` are what every later refresh carries. The token of a
    DPoP-bound session is bound to the session's key (``cnf.jkt``, RFC 9449 §6.1).

    Returns:
        The new access token (custom claims from ``TOKEN_CLAIMS`` as at a refresh).

    Raises:
        RefreshTokenRevoked (``refresh_token_revoked``): the session is not live (revoked
            meanwhile, expired, past ``SESSION_MAX_LIFETIME``, or not this user's).
        ConfigInvalid (``config_invalid``): ``TOKEN_CLAIMS`` returned unusable claims.
    """
    conf = get_settings()
    custom = custom_claims_for(conf, user, request)
    proven_at = record_reauthentication(sid, user, amr=amr)
    loaded = load_session(sid, get_user_model()) if proven_at is not None else None
    if proven_at is None or loaded is None:
        raise RefreshTokenRevoked("session not live")
    # The session as recorded, its DPoP key included: a bound session's token stays bound.
    session = loaded[0]
    return _issue_access(conf, sub=str(user.pk), sid=str(sid), now=proven_at, claims=custom, session=session)


def revoke_refresh_token(refresh_token: str, *, reason: str = "logout") -> bool:
    """Revoke the family of a refresh token if the token verifies (used by logout).

    Returns:
        ``True`` if a live family was revoked. Never raises for a bad token.
    """
    conf = get_settings()
    try:
        claims = verify_refresh_token(refresh_token, conf.refresh, now=_now())
    except RefreshTokenExpired:
        return False
    except RefreshTokenInvalid:
        return False
    loaded = load_session(claims.sid, get_user_model())
    if loaded is None or str(loaded[0].user_id) != claims.sub:
        return False
    return revoke_session(loaded[0], reason=reason)
