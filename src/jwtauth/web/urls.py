"""URL patterns, namespace ``jwtauth``. Each endpoint also answers without its
trailing slash, so a ``POST`` never meets a redirect that drops its body; the
aliases are left out of API schemas (``schema=None``) so each operation is listed once."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

from .jwks import jwks_view
from .session_views import LogoutAllView, PasswordChangeView, SessionDetailView, SessionListView
from .views import CsrfTokenView, LoginView, LogoutView, RefreshView, UserView

app_name = "jwtauth"


def _both(route: str, view: Any, name: str) -> list[URLPattern]:
    """``route/`` (named) and ``route`` (an alias without the slash)."""
    if hasattr(view, "as_view"):
        return [path(f"{route}/", view.as_view(), name=name), path(route, view.as_view(schema=None))]
    return [path(f"{route}/", view, name=name), path(route, view)]


urlpatterns = [
    *_both("login", LoginView, "login"),
    *_both("refresh", RefreshView, "refresh"),
    *_both("logout", LogoutView, "logout"),
    *_both("csrf", CsrfTokenView, "csrf"),
    *_both("user", UserView, "user"),
    *_both("jwks", jwks_view, "jwks"),
    *_both("logout-all", LogoutAllView, "logout-all"),
    *_both("sessions", SessionListView, "sessions"),
    *_both("sessions/<str:session_id>", SessionDetailView, "session"),
    *_both("password/change", PasswordChangeView, "password-change"),
]
