"""Security coupling between allauth's account events and jwtauth sessions.

- allauth's logout (``DELETE .../auth/session``, Django's ``user_logged_out``) revokes
  the jwtauth session linked to allauth's session and expires the refresh cookie;
- removing an MFA authenticator (TOTP deactivated, a passkey or security key removed,
  recovery codes dropped with the last one) revokes every other jwtauth session of the
  user, since any of them may have been opened by whoever made the change wanted gone;
- allauth's re-authentication (password, e-mailed code, TOTP, recovery code or passkey,
  ``authentication_step_completed`` with ``reauthenticated``) records a new
  ``auth_time`` and ``amr`` on the linked jwtauth session, as jwtauth's
  ``reauthenticate/`` does; the next ``refresh/`` issues an access token carrying them;
- password reset and change need nothing here: allauth saves the user after
  ``set_password()``, and jwtauth's own receiver then revokes every session
  (:mod:`jwtauth.sessions.receivers`); an account made inactive is revoked and can no
  longer refresh in the same way.
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import authentication_step_completed
from allauth.mfa.signals import authenticator_removed
from django.contrib.auth.signals import user_logged_out
from django.http import HttpRequest

from ...sessions.revoke import revoke_session, revoke_user_sessions
from ...sessions.service import record_reauthentication
from ._link import linked_sid, live_linked_session, request_cookie_deletion
from .amr import amr_of

__all__ = ["connect"]


def _link_of(request: HttpRequest | None) -> tuple[str, str] | None:
    session = getattr(request, "session", None)
    return linked_sid(session) if session is not None else None


def _logged_out(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    link = _link_of(request)
    if request is None or link is None:
        return
    sid, user_pk = link
    session = live_linked_session(user_pk, sid)
    if session is not None:
        revoke_session(session, reason="logout", strict=False)
    request_cookie_deletion(request)


def _authenticator_removed(sender: Any, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    if user is None or getattr(user, "pk", None) is None:
        return
    link = _link_of(request)
    keep_sid = link[0] if link is not None and link[1] == str(user.pk) else None
    revoke_user_sessions(user.pk, reason="mfa_removed", keep_sid=keep_sid, strict=False)


def _step_completed(
    sender: Any,
    request: HttpRequest | None = None,
    user: Any = None,
    method: str | None = None,
    reauthenticated: bool = False,
    **extra: Any,
) -> None:
    # Steps of a login are read from allauth's records when the session starts (the
    # strategy); only a re-authentication within a signed-in session changes it here.
    if not reauthenticated or user is None or getattr(user, "pk", None) is None:
        return
    link = _link_of(request)
    if link is None or link[1] != str(user.pk):
        return
    # The methods of this proof alone, as jwtauth's reauthenticate/ records ("pwd"):
    # amr describes the authentication that happened at auth_time.
    record_reauthentication(link[0], user, amr=tuple(amr_of([{"method": method, **extra}])))


def connect() -> None:
    """Connect the receivers (idempotent)."""
    user_logged_out.connect(_logged_out, dispatch_uid="jwtauth_allauth_logged_out")
    authenticator_removed.connect(_authenticator_removed, dispatch_uid="jwtauth_allauth_authenticator_removed")
    authentication_step_completed.connect(_step_completed, dispatch_uid="jwtauth_allauth_step_completed")
