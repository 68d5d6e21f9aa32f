"""How the user authenticated, from allauth's authentication records, as RFC 8176 values.

allauth keeps, in the session, one record per completed authentication step of the
login (``{"method": "password", "at": 1701423602.7}``, ``{"method": "mfa", "type":
"totp", ...}``). This module turns them into the ``amr`` list and ``auth_time`` of
OpenID Connect Core §2 / RFC 8176.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["amr_of", "auth_time_of"]

# allauth method (and MFA authenticator type) -> RFC 8176 §2 value. A login code sent by
# e-mail and a recovery code are one-time passwords ("otp") as much as a TOTP is. A
# WebAuthn credential is proof of possession of a key held by an authenticator ("hwk");
# allauth cannot tell a hardware-bound key from a synced passkey.
_METHOD_AMR = {"password": "pwd", "code": "otp"}
_MFA_AMR = {"totp": "otp", "recovery_codes": "otp", "webauthn": "hwk"}


def amr_of(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The RFC 8176 ``amr`` values for a login's authentication records.

    Args:
        records: allauth's authentication records of the session (``method``, ``type``).

    Returns:
        The distinct values in the order first used, plus ``"mfa"`` (RFC 8176 §2) when
        two or more different ones were used. Methods without an RFC 8176 value (a social
        login, a password reset link) add nothing.
    """
    values: list[str] = []
    for record in records:
        method = record.get("method")
        value = _MFA_AMR.get(str(record.get("type"))) if method == "mfa" else _METHOD_AMR.get(str(method))
        if value is not None and value not in values:
            values.append(value)
    if len(values) >= 2:
        values.append("mfa")
    return values


def auth_time_of(records: Iterable[Mapping[str, Any]], *, default: datetime) -> datetime:
    """When the login's last authentication step completed (``auth_time``), aware UTC.

    Args:
        records: allauth's authentication records; ``at`` is seconds since the epoch.
        default: returned when no record carries a usable ``at``.
    """
    moments = [record["at"] for record in records if isinstance(record.get("at"), int | float)]
    if not moments:
        return default
    return datetime.fromtimestamp(max(moments), tz=UTC)
