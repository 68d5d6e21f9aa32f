from __future__ import annotations

from django.apps import AppConfig, apps


class JWTAuthConfig(AppConfig):
    name = "jwtauth"
    verbose_name = "JWT authentication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .sessions import receivers

        receivers.connect()

        if apps.is_installed("drf_spectacular"):
            from .contrib import openapi  # noqa: F401  (registers the OpenAPI extensions)
