from __future__ import annotations

from django.apps import AppConfig, apps
from django.conf import settings


class JWTAuthConfig(AppConfig):
    name = "jwtauth"
    verbose_name = "JWT authentication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .sessions import receivers

        receivers.connect()

        if hasattr(settings, "JWTAUTH_RESOURCE_SERVER"):
            from .contrib import resource_server  # noqa: F401  (registers check jwtauth.E201)

        if apps.is_installed("drf_spectacular"):
            from .contrib import openapi  # noqa: F401  (registers the OpenAPI extensions)
