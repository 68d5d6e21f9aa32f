"""Django's model discovery entry point; the models live in :mod:`jwtauth.sessions`."""

from .sessions.dpop_replay import UsedDPoPProof
from .sessions.models import LoginAttemptCounter, RefreshSession

__all__ = ["LoginAttemptCounter", "RefreshSession", "UsedDPoPProof"]
