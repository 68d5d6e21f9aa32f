"""Revoke a user's sessions when Django changes the user behind jwtauth's views.

Connected in :meth:`jwtauth.apps.JWTAuthConfig.ready` to the user model:

- deactivation (``is_active=False`` saved) revokes every session;
- any change of the stored ``password`` value that is saved revokes every session:
  ``set_password()`` (the admin, password reset, ``changepassword``),
  ``set_unusable_password()`` (the admin's "Password-based authentication: Disabled",
  the incident-response lock-out) and a hash assigned directly. The value is compared
  with the one the instance was loaded with, so any path counts, as for Django's own
  session authentication. Not a change: the hash upgrade Django's ``check_password()``
  saves during jwtauth's ``login/`` (same password, new hasher), and jwtauth's
  ``password/change/``, which keeps the caller's session and revokes the others itself;
- deleting a live session row (the admin's delete action, an ORM ``delete()``) writes its
  tombstone to the revocation cache first, so its access tokens stop at once (done by
  the model's and its queryset's ``delete()``, which keeps bulk deletion set-based);
- deleting the user deletes its sessions (cascade); their ids are tombstoned in the
  revocation cache first.

Queryset ``update()``/``delete()`` send no signals: call
:func:`jwtauth.sessions.queries.revoke_user_sessions` yourself after those.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_init, post_save, pre_delete

from .models import RefreshSession
from .revocation import mark_revoked
from .revoke import revoke_user_sessions

__all__ = ["HANDLED_PASSWORD_CHANGE", "connect", "password_upgrades_allowed"]

#: Set on a user instance by a view that revokes sessions around its own password save.
HANDLED_PASSWORD_CHANGE = "_jwtauth_password_change_handled"
#: The stored password value as loaded (or last saved); a sentinel when it was deferred.
_LOADED_PASSWORD = "_jwtauth_loaded_password"
_UNKNOWN = object()
_upgrades_allowed: ContextVar[bool] = ContextVar("jwtauth_password_upgrades_allowed", default=False)


@contextlib.contextmanager
def password_upgrades_allowed() -> Iterator[None]:
    """Within this block, the hash upgrade ``check_password()`` saves is not a change.

    Django's ``check_password()`` re-hashes a correct password with the preferred hasher
    and saves it (``set_password()``, then ``_password = None``, then
    ``save(update_fields=["password"])``). jwtauth's ``login/`` wraps ``authenticate()``
    in this block so that upgrade keeps the user's other sessions; anywhere else a
    changed stored value revokes them, as Django's session authentication does.
    """
    token = _upgrades_allowed.set(True)
    try:
        yield
    finally:
        _upgrades_allowed.reset(token)


def _user_loaded(sender: Any, instance: Any, **kwargs: Any) -> None:
    if "password" in instance.__dict__:
        setattr(instance, _LOADED_PASSWORD, instance.__dict__["password"])
    else:  # deferred (only()/defer()): the original value is unknown
        setattr(instance, _LOADED_PASSWORD, _UNKNOWN)


def _password_changed(instance: Any, fields: set[str] | None) -> bool:
    if fields is not None and "password" not in fields:
        return False
    if "password" not in instance.__dict__:  # still deferred: not saved
        return False
    loaded = getattr(instance, _LOADED_PASSWORD, _UNKNOWN)
    # Unknown original (deferred, then assigned): count it as a change, the safe side.
    return loaded is _UNKNOWN or loaded != instance.__dict__["password"]


def _is_hash_upgrade(instance: Any, fields: set[str] | None) -> bool:
    return _upgrades_allowed.get() and fields == {"password"} and getattr(instance, "_password", None) is None


def _user_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    fields = set(update_fields) if update_fields is not None else None
    changed = _password_changed(instance, fields)
    handled = instance.__dict__.pop(HANDLED_PASSWORD_CHANGE, False)  # good for one save only
    if "password" in instance.__dict__ and (fields is None or "password" in fields):
        setattr(instance, _LOADED_PASSWORD, instance.__dict__["password"])  # the new baseline
    if created:
        return
    if getattr(instance, "is_active", True) is False and (fields is None or "is_active" in fields):
        # strict=False: the user row is saved already; refusing now would not undo it.
        revoke_user_sessions(instance.pk, reason="user_inactive", strict=False)
    elif changed and not handled and not _is_hash_upgrade(instance, fields):
        revoke_user_sessions(instance.pk, reason="password_changed", strict=False)


def _user_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    ids = RefreshSession.objects.filter(user_id=instance.pk, revoked_at__isnull=True).values_list("pk", flat=True)
    mark_revoked(list(ids), strict=False)


def connect() -> None:
    """Connect the receivers to the user model (idempotent)."""
    user_model = get_user_model()
    post_init.connect(_user_loaded, sender=user_model, dispatch_uid="jwtauth_user_loaded")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="jwtauth_user_saved")
    pre_delete.connect(_user_deleting, sender=user_model, dispatch_uid="jwtauth_user_deleting")
    # Deleting session rows themselves is guarded by RefreshSession.delete() and its
    # queryset's delete(), not by a pre_delete receiver: a receiver would turn off
    # Django's fast (set-based) delete, making housekeeping ~30 times slower.
