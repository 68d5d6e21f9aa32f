"""The refresh session model: one row per token family.

Only the SHA-256 hash of the current refresh token's ``jti`` is stored, never a token.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..settings import now as _now
from .revocation import mark_revoked

__all__ = ["LoginAttemptCounter", "RefreshSession"]


class RefreshSessionQuerySet(models.QuerySet["RefreshSession"]):
    """Deleting live sessions (the admin's delete action, an ORM ``delete()``) writes
    their tombstones to the revocation cache first, so their access tokens stop at
    once. Rows already revoked or expired need none, and with no ``pre_delete``
    receiver on the model Django deletes them with one set-based ``DELETE`` (its fast
    delete), which is what keeps ``jwtauth_cleanup`` fast."""

    def delete(self) -> tuple[int, dict[str, int]]:
        live = self.filter(revoked_at__isnull=True, expires_at__gt=_now()).order_by()
        ids = list(live.values_list("pk", flat=True))
        if ids:
            mark_revoked(ids, strict=False)
        return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class RefreshSession(models.Model):
    """A refresh session, i.e. a token family started by one login.

    Its ``id`` is the ``sid`` claim of every access and refresh token of the family.
    Times are aware UTC datetimes.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jwtauth_sessions",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("revoke reason"), max_length=32, blank=True, default="")
    jti_hash = models.CharField(_("current refresh token jti hash"), max_length=64)
    previous_jti_hash = models.CharField(_("replaced refresh token jti hash"), max_length=64, null=True, blank=True)  # noqa: DJ001 (None: never rotated)
    rotated_at = models.DateTimeField(_("rotated at"), null=True, blank=True)
    #: When the user last proved a credential (login, reauthenticate/): the access
    #: tokens' ``auth_time`` claim (OpenID Connect Core §2).
    auth_time = models.DateTimeField(_("authenticated at"), null=True, blank=True)
    #: How, as space-separated RFC 8176 values (e.g. ``"pwd"``): the ``amr`` claim.
    amr = models.CharField(_("authentication methods"), max_length=64, blank=True, default="")
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True, default="")
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # RFC 9449 §6.1: the DPoP key thumbprint every token of the family is bound to; None: bearer.
    dpop_jkt = models.CharField(_("DPoP key thumbprint"), max_length=64, null=True, blank=True)  # noqa: DJ001

    objects = RefreshSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("refresh session")
        verbose_name_plural = _("refresh sessions")
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["user", "revoked_at"], name="jwtauth_session_user_live")]

    def __str__(self) -> str:
        return f"session {self.id} of user {self.user_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def delete(self, using: Any = None, keep_parents: bool = False) -> tuple[int, dict[str, int]]:
        """Delete the row; a live session's tombstone is written to the revocation cache first."""
        if self.revoked_at is None:
            mark_revoked([self.pk], strict=False)
        return super().delete(using=using, keep_parents=keep_parents)


class LoginAttemptCounter(models.Model):
    """One window of a login throttle counter, kept in the database when the throttle
    cache is process-local (``LocMemCache``), so every worker process shares the count.

    ``key`` is ``jwtauth:throttle:<scope>:<hashed ident>:<window index>`` (no username or
    address in clear); ``expires_at`` (aware UTC) is when ``jwtauth_cleanup`` may delete it.
    """

    key = models.CharField(_("key"), max_length=191, unique=True)  # 191: indexable in utf8mb4 on MySQL
    count = models.IntegerField(_("count"), default=0)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("login attempt counter")
        verbose_name_plural = _("login attempt counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
