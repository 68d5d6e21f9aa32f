"""Views under test: a tiny JSON APIView per authentication class, and a login floor."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.module_loading import import_string
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

__all__ = ["LoginFloorView", "ping_view", "request_endpoints"]


def request_endpoints() -> dict[str, tuple[str, list[str]]]:
    """Request scenario key -> (path, authentication class paths) available in this profile."""
    apps = settings.INSTALLED_APPS
    endpoints = {
        "req_noauth": ("/bench/noauth/", []),
        "req_stdlib": ("/bench/stdlib/", ["benchmarks.stdlib_jwt.StdlibJWTAuthentication"]),
    }
    if "rest_framework_simplejwt" in apps:
        endpoints["req_simplejwt"] = (
            "/bench/simplejwt/",
            ["rest_framework_simplejwt.authentication.JWTAuthentication"],
        )
        endpoints["req_simplejwt_stateless"] = (
            "/bench/simplejwt-stateless/",
            ["rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication"],
        )
    if "knox" in apps:
        endpoints["req_knox"] = ("/bench/knox/", ["knox.auth.TokenAuthentication"])
    if "rest_framework.authtoken" in apps:
        endpoints["req_drf_token"] = ("/bench/drf-token/", ["rest_framework.authentication.TokenAuthentication"])
    if "jwtauth" in apps:
        from benchmarks import jwtauth_adapter

        endpoints["req_jwtauth"] = ("/bench/jwtauth/", [jwtauth_adapter.auth_class_path()])
    return endpoints


def ping_view(auth_paths: list[str]) -> Any:
    """An APIView returning ``{"ok": true}``; IsAuthenticated unless it has no authentication."""
    attrs = {
        "authentication_classes": [import_string(p) for p in auth_paths],
        "permission_classes": [IsAuthenticated] if auth_paths else [AllowAny],
        "get": lambda self, request: Response({"ok": True}),
    }
    return type("PingView", (APIView,), attrs).as_view()


class LoginFloorView(APIView):
    """Login floor: parse JSON, ``authenticate()`` (user lookup + hasher), answer; no token."""

    authentication_classes: tuple[Any, ...] = ()
    permission_classes = (AllowAny,)

    def post(self, request: Request) -> Response:
        user = authenticate(request, username=request.data.get("username"), password=request.data.get("password"))
        if user is None:
            return Response({"ok": False}, status=401)
        return Response({"ok": True, "user_id": user.pk})
