"""URL patterns, namespace ``jwtauth``. Each endpoint also answers without its
trailing slash, so a ``POST`` never meets a redirect that drops its body; the
aliases are left out of API schemas (``schema=None``) so each operation is listed once."""

from __future__ import annotations

from django.urls import path

from .jwks import jwks_view
from .session_views import LogoutAllView, PasswordChangeView, SessionDetailView, SessionListView
from .views import CsrfTokenView, LoginView, LogoutView, RefreshView, UserView

app_name = "jwtauth"

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("login", LoginView.as_view(schema=None)),
    path("refresh/", RefreshView.as_view(), name="refresh"),
    path("refresh", RefreshView.as_view(schema=None)),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("logout", LogoutView.as_view(schema=None)),
    path("csrf/", CsrfTokenView.as_view(), name="csrf"),
    path("csrf", CsrfTokenView.as_view(schema=None)),
    path("user/", UserView.as_view(), name="user"),
    path("user", UserView.as_view(schema=None)),
    path("jwks/", jwks_view, name="jwks"),
    path("jwks", jwks_view),
    path("logout-all/", LogoutAllView.as_view(), name="logout-all"),
    path("logout-all", LogoutAllView.as_view(schema=None)),
    path("sessions/", SessionListView.as_view(), name="sessions"),
    path("sessions", SessionListView.as_view(schema=None)),
    path("sessions/<str:session_id>/", SessionDetailView.as_view(), name="session"),
    path("sessions/<str:session_id>", SessionDetailView.as_view(schema=None)),
    path("password/change/", PasswordChangeView.as_view(), name="password-change"),
    path("password/change", PasswordChangeView.as_view(schema=None)),
]
