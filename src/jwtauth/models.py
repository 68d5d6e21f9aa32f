"""Django's model discovery entry point; the model lives in :mod:`jwtauth.sessions.models`."""

from .sessions.models import RefreshSession

__all__ = ["RefreshSession"]
