"""Verify DPoP proofs (RFC 9449): proof of possession of a client key, per request.

A DPoP proof is a JWT the client signs with its own key for one HTTP request; the
public key travels in the proof's ``jwk`` header. Tokens bound to that key carry its
RFC 7638 thumbprint (``cnf.jkt``, RFC 9449 §6.1), so a leaked token is useless without
the private key. This module checks one proof (RFC 9449 §4.3) and computes thumbprints;
the replay cache for ``jti`` and the HTTP glue live in the layers above.

Parsing and signatures are PyJWT's and cryptography's; this module chooses what to
accept.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast
from urllib.parse import urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms
from jwt.api_jws import PyJWS
from jwt.utils import base64url_encode

from .errors import ConfigInvalid, DPoPNonceRequired, DPoPProofInvalid, TokenInvalid
from .jws import MAX_TOKEN_LENGTH, decode_claims, is_compact_jws
from .keys.jwk import MIN_RSA_BITS, jwk_thumbprint
from .keys.jwks import PRIVATE_MEMBERS

__all__ = [
    "DEFAULT_DPOP_ALGORITHMS",
    "DPOP_TYP",
    "SUPPORTED_DPOP_ALGORITHMS",
    "DPoPProof",
    "access_token_hash",
    "dpop_nonce",
    "normalize_htu",
    "verify_dpop_proof",
]

DPOP_TYP = "dpop+jwt"
#: Asymmetric algorithms a proof may use (RFC 9449 §4.2: never ``none`` nor a MAC).
SUPPORTED_DPOP_ALGORITHMS = frozenset({"ES256", "EdDSA", "RS256", "PS256"})
#: The default allow-list, advertised in ``WWW-Authenticate: DPoP algs="..."``.
DEFAULT_DPOP_ALGORITHMS: tuple[str, ...] = ("ES256", "EdDSA")

_KTY = {"ES256": ("EC", "P-256"), "EdDSA": ("OKP", "Ed25519"), "RS256": ("RSA", None), "PS256": ("RSA", None)}
_REQUIRED_CLAIMS = ("jti", "htm", "htu", "iat")
_MAX_JTI_LENGTH = 256
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ALGORITHMS = get_default_algorithms()
_jws = PyJWS()


@dataclass(frozen=True, slots=True)
class DPoPProof:
    """A verified DPoP proof.

    Attributes:
        jkt: RFC 7638 SHA-256 thumbprint (base64url) of the proof's public key.
        jti: the proof's unique id (for the replay cache).
        iat: the proof's issued-at, NumericDate (seconds since the epoch, UTC).
        htm: the HTTP method it was made for.
        htu: the normalised target URI it was made for.
        nonce: the server nonce it carried, or ``None``.
    """

    jkt: str
    jti: str
    iat: int
    htm: str
    htu: str
    nonce: str | None


def access_token_hash(access_token: str) -> str:
    """The ``ath`` of an access token: base64url(SHA-256(ASCII token)) (RFC 9449 §4.2)."""
    return base64url_encode(hashlib.sha256(access_token.encode("ascii")).digest()).decode()


def normalize_htu(uri: str) -> str:
    """Normalise an HTTP URI for comparing ``htu`` (RFC 9449 §4.3 step 9).

    Query and fragment are dropped; scheme and host are lower-cased, a default port is
    removed and an empty path becomes ``/`` (RFC 3986 §6.2.2.1, §6.2.3).

    Raises:
        DPoPProofInvalid (``invalid_dpop_proof``): not an absolute http(s) URI.
    """
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        raise DPoPProofInvalid("htu is not a URI") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        raise DPoPProofInvalid("htu is not an absolute http(s) URI")
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", "", ""))


def dpop_nonce(secret: bytes, now: datetime, lifetime: timedelta, *, previous: bool = False) -> str:
    """A stateless server nonce (RFC 9449 §8): an HMAC of the current time window.

    Every server sharing ``secret`` issues and accepts the same nonce; it changes each
    ``lifetime``. Accept the current and the previous one, so a nonce handed out just
    before a change still works once.

    Args:
        secret: a per-purpose key (never ``SECRET_KEY`` as-is).
        now: the current time (aware UTC).
        lifetime: how long one nonce is handed out (> 0).
        previous: the nonce of the window before the current one.
    """
    window = int(now.timestamp() // max(lifetime.total_seconds(), 1)) - int(previous)
    digest = hmac.new(secret, f"dpop-nonce:{window}".encode(), hashlib.sha256).digest()
    return base64url_encode(digest[:18]).decode()


def _public_key(header: Mapping[str, object], algorithms: Collection[str]) -> tuple[str, dict[str, object], object]:
    alg = header.get("alg")
    # RFC 9449 §4.3 step 5: an asymmetric algorithm we accept; "none" and HS* never are.
    if not isinstance(alg, str) or alg not in SUPPORTED_DPOP_ALGORITHMS or alg not in algorithms:
        raise DPoPProofInvalid("alg not allowed")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise DPoPProofInvalid("jwk header missing")
    # Step 7: a private key in the header means the client leaked it; never use it.
    if PRIVATE_MEMBERS & jwk.keys():
        raise DPoPProofInvalid("jwk carries private key material")
    kty, crv = _KTY[alg]
    if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv):
        raise DPoPProofInvalid("jwk does not fit alg")
    try:
        key = _ALGORITHMS[alg].from_jwk(cast("dict[str, object]", jwk))
    except (jwt.InvalidKeyError, ValueError, TypeError, KeyError) as exc:
        raise DPoPProofInvalid("jwk is not a valid public key") from exc
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise DPoPProofInvalid("RSA key too small")
    elif not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise DPoPProofInvalid("jwk is not a public key")  # pragma: no cover  (from_jwk of a public JWK)
    return alg, jwk, key


def _string_claim(claims: Mapping[str, object], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise DPoPProofInvalid(f"{name} missing or not a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \uD800-style JSON escape (RFC 8259 §8.2)
        raise DPoPProofInvalid(f"{name} is not valid Unicode") from None
    return value


def verify_dpop_proof(
    proof: object,
    *,
    htm: str,
    htu: str,
    now: datetime,
    iat_window: timedelta,
    algorithms: Collection[str] = DEFAULT_DPOP_ALGORITHMS,
    access_token: str | None = None,
    jkt: str | None = None,
    nonces: Collection[str] | None = None,
) -> DPoPProof:
    """Verify one DPoP proof JWT (RFC 9449 §4.3), without the replay check.

    Args:
        proof: the ``DPoP`` header value (a compact JWS).
        htm: the request's method, e.g. ``"POST"``.
        htu: the request's absolute URI; compared after :func:`normalize_htu`.
        now: the current time (aware UTC).
        iat_window: how far ``iat`` may lie from ``now``, either way.
        algorithms: accepted ``alg`` values (a subset of :data:`SUPPORTED_DPOP_ALGORITHMS`).
        access_token: the access token the request presents; the proof's ``ath`` must be
            its hash (§4.3 step 11). When ``None``, the proof must carry no ``ath``.
        jkt: the thumbprint the token is bound to (``cnf.jkt``); the proof's key must
            match it (§4.3 step 12).
        nonces: when given, the proof's ``nonce`` must be one of these (§4.3 step 10, §8).

    Returns:
        The :class:`DPoPProof`; its ``jti`` still has to pass a replay cache (§11.1).

    Raises:
        DPoPNonceRequired (``use_dpop_nonce``): ``nonces`` given and the proof's nonce is
            missing or not one of them.
        DPoPProofInvalid (``invalid_dpop_proof``): anything else wrong: not a compact JWS,
            ``typ`` not ``dpop+jwt``, ``alg`` not allowed, ``jwk`` missing, private or not
            fitting ``alg``, a bad signature, a claim missing, ``htm``/``htu`` not this
            request, ``iat`` outside the window, ``ath`` or key not matching the token.
    """
    jwk, claims = _verified_claims(proof, algorithms)
    jti = _string_claim(claims, "jti")
    if len(jti) > _MAX_JTI_LENGTH:
        raise DPoPProofInvalid("jti too long")
    proof_htm = _string_claim(claims, "htm")
    if proof_htm != htm:  # Step 8: methods are case-sensitive (RFC 9110 §9.1).
        raise DPoPProofInvalid("htm does not match the request")
    proof_htu = normalize_htu(_string_claim(claims, "htu"))
    if proof_htu != normalize_htu(htu):  # Step 9: a proof for another URL
        raise DPoPProofInvalid("htu does not match the request")
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise DPoPProofInvalid("iat is not a NumericDate")
    # Step 11 (iat): a proof is short-lived; this bounds how long its jti must be remembered.
    if abs(now.timestamp() - iat) > iat_window.total_seconds():
        raise DPoPProofInvalid("iat outside the accepted window")
    nonce = _check_nonce(claims, nonces)
    thumbprint = _check_token_binding(claims, jwk, access_token, jkt)
    return DPoPProof(jkt=thumbprint, jti=jti, iat=int(iat), htm=proof_htm, htu=proof_htu, nonce=nonce)


def _verified_claims(proof: object, algorithms: Collection[str]) -> tuple[dict[str, object], dict[str, object]]:
    """Steps 2-7: a compact JWS, typed ``dpop+jwt``, signed by its own public ``jwk``."""
    if not isinstance(proof, str) or not proof or len(proof) > MAX_TOKEN_LENGTH or not is_compact_jws(proof):
        raise DPoPProofInvalid("not a compact JWS")
    try:
        header = _jws.get_unverified_header(proof)
    except (jwt.InvalidTokenError, ValueError, RecursionError) as exc:
        raise DPoPProofInvalid("malformed header") from exc
    # Step 4: explicit typing; the media type is compared exactly as RFC 9449 §4.2 names it.
    if header.get("typ") != DPOP_TYP:
        raise DPoPProofInvalid("typ is not dpop+jwt")
    alg, jwk, key = _public_key(header, algorithms)
    try:
        payload = _jws.decode_complete(proof, cast("jwt.algorithms.AllowedPublicKeys", key), algorithms=[alg])
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise DPoPProofInvalid("bad signature") from exc
    try:
        claims = decode_claims(payload["payload"])
    except TokenInvalid as exc:
        raise DPoPProofInvalid("claims are not a JSON object") from exc
    for name in _REQUIRED_CLAIMS:
        if name not in claims:
            raise DPoPProofInvalid(f"claim {name} missing")
    return jwk, claims


def _check_nonce(claims: Mapping[str, object], nonces: Collection[str] | None) -> str | None:
    """Step 10 and §8: the server's nonce, when it hands them out."""
    nonce = claims.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise DPoPProofInvalid("nonce is not a string")
    if nonces is not None and (nonce is None or not any(hmac.compare_digest(nonce, n) for n in nonces)):
        raise DPoPNonceRequired()
    return nonce


def _check_token_binding(
    claims: Mapping[str, object], jwk: dict[str, object], access_token: str | None, jkt: str | None
) -> str:
    """Step 12: ``ath`` is the presented token's hash and the key its ``cnf.jkt``; returns the thumbprint."""
    ath = claims.get("ath")
    if access_token is None:
        if ath is not None:
            raise DPoPProofInvalid("ath without an access token")
    elif (
        not isinstance(ath, str)
        or not access_token.isascii()
        or not hmac.compare_digest(ath, access_token_hash(access_token))
    ):
        raise DPoPProofInvalid("ath does not match the access token")
    try:
        thumbprint = jwk_thumbprint(jwk)
    except ConfigInvalid as exc:  # pragma: no cover  (from_jwk accepted the members)
        raise DPoPProofInvalid("cannot compute the jwk thumbprint") from exc
    if jkt is not None and not hmac.compare_digest(thumbprint, jkt):
        raise DPoPProofInvalid("key does not match the token's cnf.jkt")
    return thumbprint
