"""Build key sets from ``JWTAUTH["ACCESS_TOKEN_KEYS"]`` / ``["REFRESH_TOKEN_KEYS"]``.

Each setting is a list of entries, newest first; the first entry signs, every entry
verifies (RFC 7515 §4.1.4 ``kid`` selects the key)::

    [
        {"kid": "2026-02", "alg": "EdDSA", "private_key": "env:JWTAUTH_ACCESS_KEY"},
        {"kid": "2026-01", "alg": "EdDSA", "public_key": "file:/etc/jwtauth/2026-01.pub.pem"},
    ]

``private_key`` / ``public_key`` hold PEM text, JWK JSON text, a JWK dict, an HMAC
secret (``private_key`` only), or a reference: ``"env:NAME"`` (the environment variable
``NAME``) or ``"file:/path"`` (the file's bytes). ``kid`` defaults to the JWK's ``kid``,
then the RFC 7638 thumbprint; ``alg`` to the JWK's ``alg``. Only the first entry must
hold a private key. Problems are reported as messages that never contain key material.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ..errors import ConfigInvalid
from .jwk import load_key
from .keyset import Key, KeySet

__all__ = ["ENTRY_FIELDS", "build_key_set", "resolve_material"]

ENTRY_FIELDS = frozenset({"kid", "alg", "private_key", "public_key"})
#: Key files larger than this are refused (bytes); a 4096-bit RSA PEM is about 3.3 kB.
MAX_KEY_FILE_BYTES = 65536


def resolve_material(value: object) -> bytes | str | Mapping[str, object]:
    """Resolve ``env:NAME`` / ``file:/path`` references; other values pass through.

    Raises:
        ConfigInvalid (``config_invalid``): unset variable, unreadable or oversized
            file, or a value that is not str, bytes or a dict.
    """
    if isinstance(value, Mapping | bytes):
        return value
    if not isinstance(value, str):
        raise ConfigInvalid("key material must be a str, bytes or a JWK dict")
    if value.startswith("env:"):
        name = value[4:]
        if not os.environ.get(name):
            raise ConfigInvalid(f"environment variable {name!r} is not set or empty")
        return os.environ[name]
    if value.startswith("file:"):
        path = Path(value[5:])
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_KEY_FILE_BYTES + 1)
        except OSError as exc:
            raise ConfigInvalid(f"cannot read key file {str(path)!r}: {exc.strerror}") from exc
        if len(data) > MAX_KEY_FILE_BYTES:
            raise ConfigInvalid(f"key file {str(path)!r} is larger than {MAX_KEY_FILE_BYTES} bytes")
        return data
    return value


def _entry_key(entry: object, is_first: bool) -> Key:
    if not isinstance(entry, Mapping):
        raise ConfigInvalid("each entry must be a dict with 'private_key' or 'public_key'")
    unknown = set(entry) - ENTRY_FIELDS
    if unknown:
        raise ConfigInvalid(f"unknown fields {sorted(unknown)}; allowed: {sorted(ENTRY_FIELDS)}")
    if ("private_key" in entry) == ("public_key" in entry):
        raise ConfigInvalid("give exactly one of 'private_key' and 'public_key'")
    kid, alg = entry.get("kid"), entry.get("alg")
    if kid is not None and (not isinstance(kid, str) or not kid):
        raise ConfigInvalid("'kid' must be a non-empty string")
    if alg is not None and not isinstance(alg, str):
        raise ConfigInvalid("'alg' must be a string")
    is_public = "public_key" in entry
    key = load_key(resolve_material(entry["public_key" if is_public else "private_key"]), alg, kid)
    if is_public and key.is_symmetric:
        raise ConfigInvalid("an HMAC key is a secret: give it as 'private_key'")
    if is_public and key.can_sign:
        raise ConfigInvalid(
            "'public_key' holds private key material; move it to 'private_key' or publish only the public part"
        )
    if is_first and not key.can_sign:
        raise ConfigInvalid("the first entry signs new tokens and needs a 'private_key'")
    return key


def build_key_set(entries: object) -> KeySet:
    """Load a ``*_TOKEN_KEYS`` setting into a :class:`KeySet` (first entry signs).

    Args:
        entries: the setting's value, a non-empty list of entry dicts (see module docstring).

    Raises:
        ConfigInvalid (``config_invalid``): the message names the entry (``entry 2: ...``)
            and the problem: bad shape, unreadable reference, invalid key, duplicate
            ``kid``, or HMAC and asymmetric keys mixed.
    """
    if not isinstance(entries, list | tuple) or not entries:
        raise ConfigInvalid("must be a non-empty list of key entries")
    keys = []
    for index, entry in enumerate(entries, start=1):
        try:
            keys.append(_entry_key(entry, index == 1))
        except ConfigInvalid as exc:
            raise ConfigInvalid(f"entry {index}: {exc.reason}") from exc
    return KeySet(tuple(keys))
