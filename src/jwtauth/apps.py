from __future__ import annotations

from django.apps import AppConfig


class JWTAuthConfig(AppConfig):
    name = "jwtauth"
    verbose_name = "JWT authentication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .store import receivers

        receivers.connect()
