"""DPoP-bound access tokens at a resource server (RFC 9449 §7): the proof check and its
own replay cache.

The service has no jwtauth database tables, so each proof's ``jti`` is recorded in a
Django cache (``DPOP_REPLAY_CACHE``) with ``add()`` — Redis ``SET NX`` with an expiry.
Use a cache every worker of the service shares; a process-local cache only catches a
replay against the same worker.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.core.cache import caches
from rest_framework.request import Request

from ...api.errors import bearer_challenge
from ...core.bearer import parse_authorization_header
from ...core.dpop import verify_dpop_proof
from ...core.errors import DPoPProofInvalid, JWTAuthError, TokenInvalid

__all__ = ["check_binding", "dpop_challenge", "dpop_credentials", "record_proof"]

logger = logging.getLogger("jwtauth")

_PREFIX = "jwtauth:rs-dpop:"
_DPOP_ATTR = "_jwtauth_dpop_scheme"


def dpop_credentials(request: Request, header: str, mode: str) -> str | None:
    """The token of ``Authorization: DPoP <token>`` (``None`` for another scheme or DPoP off).

    Raises:
        TokenInvalid (``token_invalid``): a malformed credential.
    """
    if mode == "off" or header.partition(" ")[0].lower() != "dpop":
        return None
    setattr(request, _DPOP_ATTR, True)  # remembered for the challenge
    return parse_authorization_header(header, ("DPoP",))


def record_proof(cache_alias: str, jkt: str, jti: str, lifetime: timedelta) -> None:
    """Accept a proof's ``jti`` once within ``lifetime`` (RFC 9449 §11.1).

    Raises:
        DPoPProofInvalid (``invalid_dpop_proof``): replayed, or the cache failed (fail closed).
    """
    digest = hashlib.sha256(f"{jkt}:{jti}".encode()).hexdigest()
    try:
        is_new = caches[cache_alias].add(_PREFIX + digest, digest, timeout=int(lifetime.total_seconds()) + 1)
    except Exception:  # any backend error; never log its text (it may hold a password)
        logger.error("jwtauth: resource server DPoP replay cache failed")
        raise DPoPProofInvalid("DPoP replay cache unavailable") from None
    if not is_new:
        raise DPoPProofInvalid("DPoP proof replayed")


def check_binding(
    request: Request,
    token: str,
    claims: Mapping[str, object],
    *,
    is_dpop: bool,
    mode: str,
    algorithms: tuple[str, ...],
    iat_window: timedelta,
    leeway: timedelta,
    replay_cache: str,
    now: datetime,
) -> None:
    """Check a verified token's ``cnf.jkt`` against the scheme and the ``DPoP`` proof.

    Raises:
        TokenInvalid (``token_invalid``): a bound token sent as Bearer, a bearer token
            where DPoP is required or sent with the DPoP scheme, a malformed ``cnf``.
        DPoPProofInvalid (``invalid_dpop_proof``): the proof is missing, invalid or replayed.
    """
    cnf = claims.get("cnf")
    jkt = cnf.get("jkt") if isinstance(cnf, Mapping) else None
    if cnf is not None and (not isinstance(jkt, str) or not jkt):
        raise TokenInvalid("cnf is not a DPoP confirmation")
    if not is_dpop:
        if jkt is not None:
            raise TokenInvalid("DPoP-bound token presented as Bearer")
        if mode == "required":
            raise TokenInvalid("bearer token where DPoP is required")
        return
    if jkt is None:
        raise TokenInvalid("bearer token presented with the DPoP scheme")
    header = request.META.get("HTTP_DPOP")
    if header is None:
        raise DPoPProofInvalid("DPoP proof missing")
    proof = verify_dpop_proof(
        header,
        htm=request.method or "",
        htu=request.build_absolute_uri(),
        now=now,
        iat_window=iat_window,
        algorithms=algorithms,
        access_token=token,
        jkt=jkt,
    )
    record_proof(replay_cache, proof.jkt, proof.jti, 2 * iat_window + leeway)


def dpop_challenge(
    request: Request, realm: str, err: JWTAuthError | None, *, mode: str, algorithms: tuple[str, ...]
) -> str:
    """``WWW-Authenticate`` for the resource server, as the issuer's (RFC 9449 §7.1,
    RFC 6750 §3): the error goes on the scheme the client used."""
    if mode == "off":
        return bearer_challenge(realm, err)
    algs = " ".join(algorithms)
    used_dpop = getattr(request, _DPOP_ATTR, False) or isinstance(err, DPoPProofInvalid)
    if err is not None and (used_dpop or mode == "required"):
        code = err.code if isinstance(err, DPoPProofInvalid) else "invalid_token"
        dpop = f'DPoP error="{code}", algs="{algs}"'
    else:
        dpop = f'DPoP algs="{algs}"'
    if mode == "required":
        return dpop
    if used_dpop:
        return f"{dpop}, {bearer_challenge(realm)}"
    return f"{bearer_challenge(realm, err)}, {dpop}"
