"""Mount with ``path("api/auth/", include("jwtauth.urls"))``."""

from .web.urls import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
