"""Revoke a user's sessions when Django changes the user behind jwtauth's views.

Connected in :meth:`jwtauth.apps.JWTAuthConfig.ready` to the user model:

- deactivation (``is_active=False`` saved) revokes every session;
- a password set with ``set_password()`` and saved (the admin, password reset,
  ``changepassword``, a hand-written view saving ``update_fields=["password"]``) revokes
  every session. Django's own hash upgrade on login is not a change (it clears
  ``_password`` before saving), nor is jwtauth's ``password/change/``, which keeps the
  caller's session and revokes the others itself;
- deleting a live session row (the admin's delete action, an ORM ``delete()``) writes its
  tombstone to the revocation cache first, so its access tokens stop at once;
- deleting the user deletes its sessions (cascade); their ids are tombstoned in the
  revocation cache first.

Queryset ``update()``/``delete()`` send no signals: call
:func:`jwtauth.sessions.queries.revoke_user_sessions` yourself after those.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_delete

from .models import RefreshSession
from .revocation import mark_revoked
from .revoke import revoke_user_sessions

__all__ = ["HANDLED_PASSWORD_CHANGE", "connect"]

#: Set on a user instance by a view that revokes sessions around its own password save.
HANDLED_PASSWORD_CHANGE = "_jwtauth_password_change_handled"


def _user_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if created:
        return
    fields = set(update_fields) if update_fields is not None else None
    if getattr(instance, "is_active", True) is False and (fields is None or "is_active" in fields):
        # strict=False: the user row is saved already; refusing now would not undo it.
        revoke_user_sessions(instance.pk, reason="user_inactive", strict=False)
    elif (
        getattr(instance, "_password", None) is not None
        and (fields is None or "password" in fields)
        and not getattr(instance, HANDLED_PASSWORD_CHANGE, False)
    ):
        revoke_user_sessions(instance.pk, reason="password_changed", strict=False)


def _user_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    ids = RefreshSession.objects.filter(user_id=instance.pk, revoked_at__isnull=True).values_list("pk", flat=True)
    mark_revoked(list(ids), strict=False)


def _session_deleting(sender: Any, instance: RefreshSession, **kwargs: Any) -> None:
    # A revoked session already has its tombstone; an expired one issues nothing new.
    if instance.revoked_at is None:
        mark_revoked([instance.pk], strict=False)


def connect() -> None:
    """Connect the receivers to the user model (idempotent)."""
    user_model = get_user_model()
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="jwtauth_user_saved")
    pre_delete.connect(_user_deleting, sender=user_model, dispatch_uid="jwtauth_user_deleting")
    pre_delete.connect(_session_deleting, sender=RefreshSession, dispatch_uid="jwtauth_session_deleting")
