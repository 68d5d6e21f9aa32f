"""The DPoP proof replay cache: each proof's ``jti`` is accepted once (RFC 9449 §11.1).

A proof is only valid while its ``iat`` lies within ``DPOP_IAT_WINDOW`` of now, so its
``jti`` has to be remembered for twice that window (a proof dated up to one window in
the future is accepted for two windows) plus the leeway. With a shared cache
(``REVOCATION_CACHE`` naming Redis or another cross-process backend) one ``add()`` —
Redis ``SET NX`` with an expiry — records it; with a process-local cache, one row in
:class:`UsedDPoPProof` does, so a proof replayed against another worker is caught too.
Only a SHA-256 hash of the key thumbprint and ``jti`` is stored.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from ..core.errors import DPoPProofInvalid, RevocationUnavailable
from ..settings import get_settings
from .revocation import revocation_cache

__all__ = ["UsedDPoPProof", "delete_expired_proofs", "record_proof"]

logger = logging.getLogger("jwtauth")

_PREFIX = "jwtauth:dpop:"
_MARGIN = timedelta(seconds=5)


class UsedDPoPProof(models.Model):
    """A DPoP proof already accepted, while a replay of it could still pass the ``iat`` check."""

    jti_hash = models.CharField(_("proof jti hash"), max_length=64, primary_key=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        app_label = "jwtauth"
        verbose_name = _("used DPoP proof")
        verbose_name_plural = _("used DPoP proofs")

    def __str__(self) -> str:
        return f"DPoP proof {self.jti_hash[:12]}"


def _record_in_database(digest: str, now: datetime, expires_at: datetime) -> bool:
    try:
        with transaction.atomic():
            UsedDPoPProof.objects.create(jti_hash=digest, expires_at=expires_at)
    except IntegrityError:
        # Taken; reclaim it only if that entry has expired (one conditional UPDATE).
        return UsedDPoPProof.objects.filter(jti_hash=digest, expires_at__lte=now).update(expires_at=expires_at) == 1
    return True


def record_proof(jkt: str, jti: str, *, now: datetime) -> None:
    """Accept a verified proof's ``jti`` once.

    Args:
        jkt: the proof key's thumbprint (the ``jti`` is scoped to the key).
        jti: the proof's ``jti``.
        now: the current time (aware UTC).

    Raises:
        DPoPProofInvalid (``invalid_dpop_proof``): the proof was seen before (a replay).
        RevocationUnavailable (``revocation_unavailable``): the shared cache failed and
            ``REVOCATION_CACHE_FAILURE`` is ``"reject"``.
    """
    conf = get_settings()
    lifetime = 2 * conf.dpop_iat_window + conf.access.leeway + _MARGIN
    digest = hashlib.sha256(f"{jkt}:{jti}".encode()).hexdigest()
    cache = revocation_cache()
    is_new: bool | None = None
    if cache is not None:
        try:
            is_new = bool(cache.add(_PREFIX + digest, int(now.timestamp()), timeout=int(lifetime.total_seconds()) + 1))
        except Exception:  # any backend error; never log its text (it may hold a password)
            logger.error("jwtauth: DPoP replay cache add failed")
            if conf.revocation_cache_failure == "reject":
                raise RevocationUnavailable("DPoP replay cache unavailable") from None
    if is_new is None:
        is_new = _record_in_database(digest, now, now + lifetime)
    if not is_new:
        raise DPoPProofInvalid("DPoP proof replayed")


def delete_expired_proofs(now: datetime) -> int:
    """Delete replay entries that can no longer match (for ``jwtauth_cleanup``); returns the count."""
    deleted, _ = UsedDPoPProof.objects.filter(expires_at__lte=now).delete()
    return deleted
