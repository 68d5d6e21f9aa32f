"""Admin for refresh sessions: list, filter, revoke."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .store.models import RefreshSession
from .store.sessions import revoke_session


@admin.register(RefreshSession)
class RefreshSessionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "revoke_reason",
        "ip_address",
    )
    list_filter = ("revoked_at", "revoke_reason", "created_at", "expires_at")
    search_fields = ("id", "ip_address", "user_agent")
    raw_id_fields = ("user",)
    readonly_fields = tuple(f.name for f in RefreshSession._meta.fields)
    actions = ("revoke_selected",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke selected sessions"))
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[RefreshSession]) -> None:
        count = sum(revoke_session(session, reason="admin") for session in queryset.filter(revoked_at__isnull=True))
        self.message_user(request, _("%(count)d session(s) revoked.") % {"count": count})
