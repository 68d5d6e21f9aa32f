"""Signing keys, key sets and purpose-bound key derivation.

A :class:`KeySet` holds the keys one token type (access or refresh) is signed and
verified with. The first key signs; every key verifies, so an old key keeps verifying
until it is retired. Each key carries its own algorithm: the verifier takes the
algorithm from the key, never from the token header (RFC 8725 §3.1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwt.utils import base64url_encode

from ..errors import ConfigInvalid

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "HMAC_ALGORITHMS",
    "MIN_HMAC_KEY_BYTES",
    "SUPPORTED_ALGORITHMS",
    "Key",
    "KeySet",
    "derive_key",
    "hmac_key",
    "kid_for_secret",
]

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC_ALGORITHMS = frozenset({"EdDSA", "ES256", "PS256", "RS256"})
#: Every JWS ``alg`` a key may be made for; ``none`` never is (RFC 8725 §3.2).
SUPPORTED_ALGORITHMS = HMAC_ALGORITHMS | ASYMMETRIC_ALGORITHMS
#: RFC 7518 §3.2: a key of the same size as the hash output or larger.
MIN_HMAC_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a key set.

    Attributes:
        kid: the key id placed in the JOSE header (RFC 7515 §4.1.4).
        algorithm: the JWS ``alg`` this key is for, e.g. ``"HS256"``.
        signing_key: what PyJWT signs with (bytes for HMAC, a private key object
            otherwise), or ``None`` for a verify-only key.
        verifying_key: what PyJWT verifies with (bytes for HMAC, a public key object).
    """

    kid: str
    algorithm: str
    signing_key: object | None
    verifying_key: object

    @property
    def is_symmetric(self) -> bool:
        """True for HMAC keys, whose material must never be published."""
        return self.algorithm in HMAC_ALGORITHMS

    @property
    def can_sign(self) -> bool:
        """True when the key holds private (or secret) material."""
        return self.signing_key is not None

    def __repr__(self) -> str:  # never print key material
        return f"Key(kid={self.kid!r}, algorithm={self.algorithm!r})"


@dataclass(frozen=True, slots=True)
class KeySet:
    """An ordered set of keys; ``keys[0]`` signs (when it has a private part), all verify.

    A set holds either only HMAC keys or only asymmetric keys: in a mixed set a verifier
    that ever picked a key by the token's ``alg`` could be tricked into an HMAC check
    keyed with public material (RFC 8725 §2.1). Verify-only sets (a remote JWKS) are
    allowed; whoever signs must check :attr:`Key.can_sign` of :attr:`signing`.

    Raises:
        ConfigInvalid (``config_invalid``): empty set, duplicate ``kid`` (RFC 7517 §4.5),
            or symmetric and asymmetric keys mixed.
    """

    keys: tuple[Key, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise ConfigInvalid("a key set needs at least one key")
        kids = [key.kid for key in self.keys]
        if len(set(kids)) != len(kids):
            raise ConfigInvalid(f"duplicate kid in key set: {sorted({k for k in kids if kids.count(k) > 1})}")
        if len({key.is_symmetric for key in self.keys}) > 1:
            raise ConfigInvalid("a key set must not mix HMAC and asymmetric keys")

    @property
    def signing(self) -> Key:
        """The key that signs new tokens (the first one)."""
        return self.keys[0]

    def get(self, kid: str) -> Key | None:
        """Return the key with this ``kid``, or ``None``; no I/O of any kind."""
        for key in self.keys:
            if key.kid == kid:
                return key
        return None


def derive_key(secret: bytes, label: str, length: int = 32) -> bytes:
    """Derive a purpose-bound key from a master secret with HKDF-SHA256 (RFC 5869).

    Args:
        secret: the master secret, e.g. Django's ``SECRET_KEY`` encoded as UTF-8.
        label: the purpose, e.g. ``"access-token"``; distinct labels give
            independent keys.
        length: output size in bytes.

    Returns:
        ``length`` bytes of key material.
    """
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=b"jwtauth:" + label.encode())
    return hkdf.derive(secret)


def kid_for_secret(secret: bytes) -> str:
    """A stable, non-reversible ``kid`` for a symmetric key: a truncated SHA-256 digest."""
    return base64url_encode(hashlib.sha256(b"jwtauth-kid:" + secret).digest()[:12]).decode()


def hmac_key(secret: bytes, algorithm: str = "HS256", kid: str | None = None) -> Key:
    """Build an HMAC :class:`Key`.

    Raises:
        ConfigInvalid (``config_invalid``): unknown algorithm or a key shorter than the
            hash output (RFC 7518 §3.2).
    """
    if algorithm not in HMAC_ALGORITHMS:
        raise ConfigInvalid(f"{algorithm} is not an HMAC algorithm")
    if len(secret) < MIN_HMAC_KEY_BYTES[algorithm]:
        raise ConfigInvalid(
            f"{algorithm} key is {len(secret)} bytes; RFC 7518 §3.2 requires at least {MIN_HMAC_KEY_BYTES[algorithm]}"
        )
    return Key(kid=kid or kid_for_secret(secret), algorithm=algorithm, signing_key=secret, verifying_key=secret)
