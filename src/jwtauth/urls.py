"""Mount with ``path("api/auth/", include("jwtauth.urls"))``."""

from .api.urls import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
