"""URL patterns, namespace ``jwtauth``. Each endpoint also answers without its
trailing slash, so a ``POST`` never meets a redirect that drops its body; the
aliases are left out of API schemas (``schema=None``) so each operation is listed once."""

from __future__ import annotations

from django.urls import URLPattern, path
from rest_framework.views import APIView

from .jwks import JWKSView
from .session_views import LogoutAllView, PasswordChangeView, SessionDetailView, SessionListView
from .views import CsrfTokenView, LoginView, LogoutView, RefreshView, UserView

app_name = "jwtauth"


def _both(route: str, view: type[APIView], name: str) -> list[URLPattern]:
    """``route/`` (named) and ``route`` (an alias without the slash)."""
    return [path(f"{route}/", view.as_view(), name=name), path(route, view.as_view(schema=None))]


urlpatterns = [
    *_both("login", LoginView, "login"),
    *_both("refresh", RefreshView, "refresh"),
    *_both("logout", LogoutView, "logout"),
    *_both("csrf", CsrfTokenView, "csrf"),
    *_both("user", UserView, "user"),
    *_both("jwks", JWKSView, "jwks"),
    *_both("logout-all", LogoutAllView, "logout-all"),
    *_both("sessions", SessionListView, "sessions"),
    *_both("sessions/<str:session_id>", SessionDetailView, "session"),
    *_both("password/change", PasswordChangeView, "password-change"),
]
