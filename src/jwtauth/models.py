"""Django's model discovery entry point; the models live in :mod:`jwtauth.sessions`."""

from .sessions.dpop_replay import UsedDPoPProof
from .sessions.models import RefreshSession

__all__ = ["RefreshSession", "UsedDPoPProof"]
