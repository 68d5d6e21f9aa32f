"""Django's model discovery entry point; the model lives in :mod:`jwtauth.store.models`."""

from .store.models import RefreshSession

__all__ = ["RefreshSession"]
