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

from .errors import ConfigInvalid

__all__ = [
    "HMAC_ALGORITHMS",
    "MIN_HMAC_KEY_BYTES",
    "Key",
    "KeySet",
    "derive_key",
    "hmac_key",
    "kid_for_secret",
]

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
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
        return self.algorithm in HMAC_ALGORITHMS

    def __repr__(self) -> str:  # never print key material
        return f"Key(kid={self.kid!r}, algorithm={self.algorithm!r})"


@dataclass(frozen=True, slots=True)
class KeySet:
    """An ordered set of keys; ``keys[0]`` signs, all verify.

    Raises:
        ConfigInvalid (``config_invalid``): empty set, duplicate ``kid``, or a first
            key that cannot sign.
    """

    keys: tuple[Key, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise ConfigInvalid("a key set needs at least one key")
        kids = [key.kid for key in self.keys]
        if len(set(kids)) != len(kids):
            raise ConfigInvalid("duplicate kid in key set")

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
