"""Token family rules: rotation, the concurrent-refresh grace period, reuse detection.

Every login starts a token family (a refresh session, ``sid``). Each refresh must
present the family's current refresh token and gets a successor; the replaced token is
remembered. Presenting the replaced token again within a short grace period is a
concurrent refresh (browser tabs share one cookie jar) and is answered without minting
a second successor; presenting it later is reuse, and the whole family is revoked
(RFC 9700 §4.14.2, refresh token rotation).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["FamilyState", "Verdict", "hash_jti", "judge_refresh"]


class Verdict(enum.Enum):
    """What a presented refresh token means for its family."""

    ROTATE = "rotate"  #: the current token: mint a successor
    GRACE = "grace"  #: the just-replaced token within the grace period: no successor
    REUSED = "reused"  #: a replaced token after the grace period: revoke the family
    REVOKED = "revoked"  #: the family was already revoked
    EXPIRED = "expired"  #: the family has expired


@dataclass(frozen=True, slots=True)
class FamilyState:
    """The stored state of one token family.

    Attributes:
        current_jti_hash: :func:`hash_jti` of the current refresh token's ``jti``.
        previous_jti_hash: that of the token it replaced, or ``None``.
        rotated_at: when the last rotation happened (aware UTC), or ``None``.
        revoked_at: when the family was revoked, or ``None``.
        expires_at: when the family expires (aware UTC).
    """

    current_jti_hash: str
    previous_jti_hash: str | None
    rotated_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime


def hash_jti(jti: str) -> str:
    """SHA-256 hex digest of a ``jti``: what is stored instead of the token itself."""
    return hashlib.sha256(jti.encode()).hexdigest()


def judge_refresh(state: FamilyState, presented_jti_hash: str, *, now: datetime, grace_period: timedelta) -> Verdict:
    """Decide what a presented refresh token means for its family.

    Args:
        state: the family's stored state.
        presented_jti_hash: :func:`hash_jti` of the presented token's ``jti``.
        now: the current time (aware UTC).
        grace_period: how long after a rotation the replaced token is still answered
            (``timedelta(0)`` disables the grace period).

    Returns:
        The :class:`Verdict`. Any token of the family that is neither current nor the
        just-replaced one within the grace period counts as reuse.
    """
    if state.revoked_at is not None:
        return Verdict.REVOKED
    if now >= state.expires_at:
        return Verdict.EXPIRED
    if hmac.compare_digest(state.current_jti_hash, presented_jti_hash):
        return Verdict.ROTATE
    if (
        grace_period > timedelta(0)
        and state.previous_jti_hash is not None
        and state.rotated_at is not None
        and hmac.compare_digest(state.previous_jti_hash, presented_jti_hash)
        and now < state.rotated_at + grace_period
    ):
        return Verdict.GRACE
    return Verdict.REUSED
