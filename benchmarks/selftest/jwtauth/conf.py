"""FAKE jwtauth settings (self-test only)."""

from dataclasses import dataclass

from django.conf import settings as django_settings


@dataclass(frozen=True)
class JWTAuthSettings:
    is_stateless: bool = False


def get_settings() -> JWTAuthSettings:
    return JWTAuthSettings(**{k.lower(): v for k, v in getattr(django_settings, "JWTAUTH", {}).items()})
