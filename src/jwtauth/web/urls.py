"""URL patterns, namespace ``jwtauth``. Each endpoint also answers without its
trailing slash, so a ``POST`` never meets a redirect that drops its body; the
aliases are left out of API schemas (``schema=None``) so each operation is listed once."""

from __future__ import annotations

from django.urls import path

from .views import LoginView, LogoutView, RefreshView, UserView

app_name = "jwtauth"

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("login", LoginView.as_view(schema=None)),
    path("refresh/", RefreshView.as_view(), name="refresh"),
    path("refresh", RefreshView.as_view(schema=None)),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("logout", LogoutView.as_view(schema=None)),
    path("user/", UserView.as_view(), name="user"),
    path("user", UserView.as_view(schema=None)),
]
