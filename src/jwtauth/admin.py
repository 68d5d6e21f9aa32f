"""Admin for refresh sessions: list, filter (live / revoked / expired), search, revoke."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .core.errors import RevocationUnavailable
from .sessions.models import RefreshSession
from .sessions.revoke import revoke_session, revoke_user_sessions
from .settings import now as current_time


class SessionStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("live", _("live")), ("revoked", _("revoked")), ("expired", _("expired"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = current_time()
        if self.value() == "live":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset


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
        "user_agent",
    )
    list_filter = (SessionStateFilter, "revoke_reason", "created_at", "expires_at")
    list_select_related = ("user",)
    search_fields = ("id", "ip_address", "user_agent")
    raw_id_fields = ("user",)
    readonly_fields = tuple(f.name for f in RefreshSession._meta.fields)
    actions = ("revoke_selected", "revoke_all_of_users")

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return (*self.search_fields, f"user__{get_user_model().USERNAME_FIELD}")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke selected sessions"))
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[RefreshSession]) -> None:
        try:
            count = sum(revoke_session(s, reason="admin") for s in queryset.filter(revoked_at__isnull=True))
        except RevocationUnavailable:
            self.message_user(request, _("The revocation cache is unavailable; try again."), messages.ERROR)
            return
        self.message_user(request, _("%(count)d session(s) revoked.") % {"count": count})

    @admin.action(description=_("Revoke every session of the selected sessions' users"))
    def revoke_all_of_users(self, request: HttpRequest, queryset: QuerySet[RefreshSession]) -> None:
        user_pks = set(queryset.values_list("user_id", flat=True))
        try:
            count = sum(revoke_user_sessions(pk, reason="admin") for pk in user_pks)
        except RevocationUnavailable:
            self.message_user(request, _("The revocation cache is unavailable; try again."), messages.ERROR)
            return
        self.message_user(request, _("%(count)d session(s) revoked.") % {"count": count})
