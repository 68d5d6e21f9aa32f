"""The link between allauth's session and the jwtauth session started from it.

When allauth reports a user fully authenticated, the strategy starts a jwtauth token
family and records its ``sid`` in allauth's (Django) session. Revoking the family ends
the allauth session token's use; ending the allauth session revokes the family.
Request attributes carry what the middleware must do to the response.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from ...core.tokens import IssuedToken
from ...sessions.models import RefreshSession
from ...sessions.queries import live_sessions

__all__ = [
    "MIDDLEWARE_MARK",
    "SESSION_KEY",
    "linked_sid",
    "live_linked_session",
    "pending_cookie",
    "request_cookie_deletion",
    "request_refresh_cookie",
]

#: Key in allauth's session holding ``{"sid": str, "user": str}`` of the linked family.
SESSION_KEY = "_jwtauth_allauth"
#: Set on every request by :class:`~jwtauth.contrib.allauth.middleware.AllauthSessionMiddleware`.
MIDDLEWARE_MARK = "_jwtauth_allauth_middleware"
_COOKIE = "_jwtauth_allauth_cookie"


def linked_sid(session: SessionBase) -> tuple[str, str] | None:
    """``(sid, user_pk)`` of the jwtauth session linked to allauth's ``session``, if any."""
    link = session.get(SESSION_KEY)
    if not isinstance(link, dict):
        return None
    sid, user_pk = link.get("sid"), link.get("user")
    if not isinstance(sid, str) or not isinstance(user_pk, str):
        return None
    return sid, user_pk


def live_linked_session(user_pk: Any, sid: str) -> RefreshSession | None:
    """The live (neither revoked nor expired) jwtauth session ``sid`` of ``user_pk``."""
    try:
        pk = uuid.UUID(sid)
    except ValueError:
        return None
    return live_sessions(user_pk).filter(pk=pk).first()


def request_refresh_cookie(request: HttpRequest, refresh: IssuedToken) -> None:
    """Ask the middleware to set the refresh cookie on this request's response."""
    setattr(request, _COOKIE, refresh)


def request_cookie_deletion(request: HttpRequest) -> None:
    """Ask the middleware to expire the refresh cookie on this request's response."""
    setattr(request, _COOKIE, False)


def pending_cookie(request: HttpRequest) -> IssuedToken | bool | None:
    """The refresh token to set, ``False`` to delete the cookie, ``None`` for nothing."""
    value = getattr(request, _COOKIE, None)
    return value if isinstance(value, IssuedToken | bool) else None
