"""Publish public keys as a JWK Set (RFC 7517 §5) and generate new keys.

Only asymmetric public keys are ever exported: an HMAC key is a shared secret and has
no public half, so an HMAC-only key set publishes ``{"keys": []}``.
"""

from __future__ import annotations

import secrets
from typing import TypedDict

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms

from ..errors import ConfigInvalid
from .jwk import jwk_thumbprint, load_jwk
from .keyset import MIN_HMAC_KEY_BYTES, SUPPORTED_ALGORITHMS, Key, KeySet, hmac_key

__all__ = ["JWKSet", "generate_key", "private_jwk", "private_pem", "public_jwk", "public_jwks", "public_pem"]

#: JWK members that carry private or secret material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
#: The only key members a published JWK carries (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2).
_PUBLIC_MEMBERS = ("crv", "n", "e", "x", "y")
#: Modulus size of generated RSA keys (bits); RFC 7518 §3.3 requires 2048 or more.
DEFAULT_RSA_BITS = 3072


class JWKSet(TypedDict):
    """A JWK Set document: ``{"keys": [JWK, ...]}`` (RFC 7517 §5)."""

    keys: list[dict[str, str]]


def _ordered(key: Key, members: dict[str, object], allowed: tuple[str, ...]) -> dict[str, str]:
    # An allow-list, not a deny-list: nothing PyJWT adds (key_ops, private members)
    # reaches the output unless named here.
    head = {"kty": str(members["kty"]), "kid": key.kid, "use": "sig", "alg": key.algorithm}
    return {**head, **{name: str(members[name]) for name in allowed if name in members}}


def public_jwk(key: Key) -> dict[str, str]:
    """The public JWK of an asymmetric key: ``kty, kid, use: sig, alg`` and ``n, e``
    (RSA), ``crv, x, y`` (EC) or ``crv, x`` (OKP).

    Raises:
        ConfigInvalid (``config_invalid``): ``key`` is an HMAC key (it has no public half).
    """
    if key.is_symmetric:
        raise ConfigInvalid("an HMAC key has no public JWK")
    members = get_default_algorithms()[key.algorithm].to_jwk(key.verifying_key, as_dict=True)
    jwk = _ordered(key, dict(members), _PUBLIC_MEMBERS)
    if PRIVATE_MEMBERS & jwk.keys():  # pragma: no cover  (defence in depth: never publish private members)
        raise ConfigInvalid("refusing to export private key material")
    return jwk


def public_jwks(keys: KeySet) -> JWKSet:
    """The JWK Set publishing every asymmetric key of ``keys``, in order; HMAC keys are left out."""
    return {"keys": [public_jwk(key) for key in keys.keys if not key.is_symmetric]}


def private_jwk(key: Key) -> dict[str, str]:
    """The private (or secret, for HMAC) JWK of a signing key, for the key generator.

    Raises:
        ConfigInvalid (``config_invalid``): ``key`` is verify-only.
    """
    if key.signing_key is None:
        raise ConfigInvalid(f"key {key.kid!r} has no private part")
    members = get_default_algorithms()[key.algorithm].to_jwk(key.signing_key, as_dict=True)
    return _ordered(key, dict(members), (*_PUBLIC_MEMBERS, "d", "p", "q", "dp", "dq", "qi", "k"))


def private_pem(key: Key) -> str:
    """The private key as unencrypted PKCS#8 PEM (asymmetric signing keys only).

    Raises:
        ConfigInvalid (``config_invalid``): HMAC or verify-only key.
    """
    private = key.signing_key
    if not isinstance(private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise ConfigInvalid("only asymmetric signing keys have a private PEM")
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: Key) -> str:
    """The public key as SubjectPublicKeyInfo PEM (asymmetric keys only).

    Raises:
        ConfigInvalid (``config_invalid``): HMAC key.
    """
    public = key.verifying_key
    if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise ConfigInvalid("an HMAC key has no public PEM")
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def generate_key(algorithm: str = "EdDSA", kid: str | None = None, rsa_bits: int = DEFAULT_RSA_BITS) -> Key:
    """Generate a fresh signing key with cryptography's CSPRNG.

    Args:
        algorithm: ``EdDSA`` (Ed25519, the default), ``ES256``, ``RS256``, ``PS256`` or
            ``HS256/384/512``.
        kid: the key id; default the RFC 7638 thumbprint (asymmetric) or a digest of
            the secret (HMAC).
        rsa_bits: RSA modulus size in bits (at least 2048).

    Raises:
        ConfigInvalid (``config_invalid``): unsupported algorithm or too small ``rsa_bits``.
    """
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise ConfigInvalid(f"unsupported algorithm {algorithm!r}; use one of {sorted(SUPPORTED_ALGORITHMS)}")
    if algorithm in MIN_HMAC_KEY_BYTES:
        # Text, so the secret can be pasted into settings or an environment variable
        # as-is; it carries MIN_HMAC_KEY_BYTES bytes of entropy (RFC 7518 §3.2).
        return hmac_key(secrets.token_urlsafe(MIN_HMAC_KEY_BYTES[algorithm]).encode(), algorithm, kid)
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    if algorithm == "EdDSA":
        private = ed25519.Ed25519PrivateKey.generate()
    elif algorithm == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        if rsa_bits < 2048:
            raise ConfigInvalid("RSA keys need at least 2048 bits (RFC 7518 §3.3)")
        private = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    members = get_default_algorithms()[algorithm].to_jwk(private, as_dict=True)
    # Round-trip through the loader so a generated key passes exactly the checks a
    # configured one does.
    return load_jwk(members, algorithm, kid or jwk_thumbprint(members))
