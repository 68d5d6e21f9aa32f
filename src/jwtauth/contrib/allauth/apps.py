"""The Django app of the allauth integration: connects its receivers and system checks."""

from __future__ import annotations

from django.apps import AppConfig


class AllauthIntegrationConfig(AppConfig):
    name = "jwtauth.contrib.allauth"
    label = "jwtauth_allauth"
    verbose_name = "jwtauth + django-allauth"

    def ready(self) -> None:
        from django.core import checks

        from . import receivers
        from .checks import check_allauth_integration

        receivers.connect()
        checks.register(check_allauth_integration)
