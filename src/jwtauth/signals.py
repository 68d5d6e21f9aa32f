"""Signals jwtauth sends. Receivers get keyword arguments as documented.

Django's own ``user_logged_in`` and ``user_login_failed`` are sent on login too.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["refresh_token_reused", "refresh_token_rotated", "session_revoked", "session_started"]

#: A login started a token family. Arguments: ``session``, ``user``.
session_started = Signal()
#: A refresh rotated a token family. Arguments: ``session``, ``user``.
refresh_token_rotated = Signal()
#: A replaced refresh token was presented after the grace period; the family is
#: revoked. Arguments: ``session``, ``user``.
refresh_token_reused = Signal()
#: A token family was revoked. Arguments: ``session``, ``reason`` (``"logout"``,
#: ``"logout_all"``, ``"revoked_by_user"``, ``"password_changed"``, ``"user_inactive"``,
#: ``"reuse"``, ``"evicted"``, ``"admin"``). Not sent when a user's deletion cascades.
session_revoked = Signal()
