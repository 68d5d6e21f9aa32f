"""A django-ninja project's API protected by jwtauth, beside jwtauth's own endpoints."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import include, path
from ninja import NinjaAPI

from jwtauth.contrib.ninja import AsyncJWTAuth, JWTAuth, register_exception_handlers

api = NinjaAPI(urls_namespace="ninja-test", auth=JWTAuth())
register_exception_handlers(api)


@api.get("/me")
def me(request: HttpRequest) -> dict[str, Any]:
    return {"pk": request.auth.pk, "sid": request.access_claims.sid}  # type: ignore[attr-defined]


@api.get("/me/username")
def my_username(request: HttpRequest) -> dict[str, Any]:
    return {"username": request.user.get_username()}


@api.get("/open", auth=None)
def open_endpoint(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


@api.get("/async/me", auth=AsyncJWTAuth())
async def async_me(request: HttpRequest) -> dict[str, Any]:
    return {"pk": request.auth.pk, "sid": request.access_claims.sid}  # type: ignore[attr-defined]


@api.get("/async/username", auth=AsyncJWTAuth(preload_user=True))
async def async_username(request: HttpRequest) -> dict[str, Any]:
    return {"username": request.auth.get_username()}  # type: ignore[attr-defined]


# No register_exception_handlers(): failures must still be refusals.
bare_api = NinjaAPI(urls_namespace="ninja-bare", auth=JWTAuth())


@bare_api.get("/me")
def bare_me(request: HttpRequest) -> dict[str, Any]:
    return {"pk": request.auth.pk}  # type: ignore[attr-defined]


urlpatterns = [
    path("api/auth/", include("jwtauth.urls")),
    path("ninja/", api.urls),
]
