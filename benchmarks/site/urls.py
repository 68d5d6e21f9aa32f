"""URLs of one profile: the ping endpoints it can serve, the login floor and the auth endpoints."""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path

from benchmarks.site.views import LoginFloorView, ping_view, request_endpoints

urlpatterns = [path(p.lstrip("/"), ping_view(classes)) for p, classes in request_endpoints().values()]
urlpatterns.append(path("bench/login-floor/", LoginFloorView.as_view()))

if "rest_framework_simplejwt" in settings.INSTALLED_APPS:
    from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

    urlpatterns += [
        path("auth/simplejwt/token/", TokenObtainPairView.as_view()),
        path("auth/simplejwt/refresh/", TokenRefreshView.as_view()),
    ]

if "jwtauth" in settings.INSTALLED_APPS:
    from benchmarks import jwtauth_adapter

    urlpatterns.append(path(jwtauth_adapter.URL_PREFIX, include(jwtauth_adapter.URLS_MODULE)))
