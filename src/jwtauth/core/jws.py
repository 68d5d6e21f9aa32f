"""Compact JWS signing and verification, and registered-claim checks.

Signatures are produced and checked by PyJWT (with cryptography); this module pins
the algorithm to the key's own (RFC 8725 §3.1), enforces explicit typing through the
JOSE ``typ`` header (RFC 8725 §3.11) and checks the time claims against an injected
``now`` with a leeway (RFC 7519 §4.1.4, §4.1.5, §4.1.6).
"""

from __future__ import annotations

import binascii
import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import cast

import jwt
from jwt.api_jws import PyJWS
from jwt.utils import base64url_decode, base64url_encode

from .errors import KeyUnknown, TokenExpired, TokenInvalid
from .keys.keyset import Key, KeySet

__all__ = ["decode_claims", "is_compact_jws", "sign", "verify_jws", "verify_registered_claims"]

_jws = PyJWS()

#: A JWT that is bigger than this is rejected before any parsing (bytes/characters).
MAX_TOKEN_LENGTH = 8192
#: The latest NumericDate accepted in ``exp``/``iat``/``nbf``: 9999-12-31T23:59:59Z, the
#: last second a Python datetime can hold. Anything beyond (or before the epoch) is not a
#: date a real issuer writes, and would overflow date arithmetic downstream.
MAX_NUMERIC_DATE = 253402300799

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
# Header parameters that would make a verifier fetch or trust key material named by the
# attacker (RFC 8725 §3.10, RFC 7515 §4.1.2-§4.1.6), or change how the payload is
# processed (``crit``, RFC 7515 §4.1.11; ``b64``, RFC 7797). We issue none of them, so a
# token carrying one is not ours: reject rather than silently ignore.
_FORBIDDEN_HEADERS = frozenset({"jku", "jwk", "x5u", "x5c", "crit", "b64"})


def sign(claims: Mapping[str, object], key: Key, typ: str) -> str:
    """Sign ``claims`` as a compact JWS with ``key``.

    Args:
        claims: the JWT claims set (JSON-serialisable; not mutated).
        key: the signing key; its ``algorithm`` becomes the ``alg`` header.
        typ: the explicit type placed in the ``typ`` header, e.g. ``"at+jwt"``.

    Returns:
        The compact serialisation ``header.payload.signature``.

    Raises:
        ConfigInvalid: never for a key built by :mod:`jwtauth.core.keys.keyset`; a verify-only
            key raises ``TypeError``.
    """
    if key.signing_key is None:
        raise TypeError(f"key {key.kid!r} cannot sign")
    return jwt.encode(
        dict(claims),
        cast("jwt.algorithms.AllowedPrivateKeys | bytes", key.signing_key),
        algorithm=key.algorithm,
        headers={"typ": typ, "kid": key.kid},
    )


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # RFC 7515 §5.2 / RFC 7519 §7.2: duplicate member names must be rejected; a
    # parser that keeps "the last one" lets two verifiers disagree on the claims.
    result: dict[str, object] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError("duplicate member name")
        result[name] = value
    return result


def _reject_constant(name: str) -> object:
    # RFC 8259 §6: NaN and Infinity are not JSON numbers; Python's json module accepts
    # them by default, and a NaN exp compares false with everything (never expires).
    raise ValueError(f"{name} is not a JSON number")


def decode_claims(payload: bytes) -> dict[str, object]:
    """Parse a JWS payload as a JWT claims set (strict JSON, RFC 8259).

    Raises:
        TokenInvalid (``token_invalid``): not UTF-8 JSON, not an object, duplicate
            member names, ``NaN``/``Infinity``, or nesting too deep.
    """
    try:
        claims = json.loads(
            payload.decode("utf-8"), object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant
        )
    except (ValueError, RecursionError) as exc:
        raise TokenInvalid("claims are not a JSON object") from exc
    if not isinstance(claims, dict):
        raise TokenInvalid("claims are not a JSON object")
    return claims


def _header_typ_matches(header: Mapping[str, object], typ: str) -> bool:
    value = header.get("typ")
    if not isinstance(value, str):
        return False
    value = value.lower()
    # RFC 7515 §4.1.9: the "application/" prefix may be omitted; compare both forms.
    if value.startswith("application/"):
        value = value[len("application/") :]
    return value == typ


def is_compact_jws(token: str) -> bool:
    """Whether ``token`` is three canonical base64url segments (RFC 7515 §7.1)."""
    # RFC 7515 §2, §7.1: three base64url segments without padding, whitespace or other
    # characters. Non-canonical encodings (stray low bits) are rejected too, so one
    # signature has exactly one spelling.
    segments = token.split(".")
    if len(segments) != 3:
        return False
    for segment in segments:
        if not _BASE64URL.fullmatch(segment):
            return False
        try:
            if base64url_encode(base64url_decode(segment)).decode() != segment:
                return False
        except (binascii.Error, ValueError):
            return False
    return True


def verify_jws(token: object, keys: KeySet, typ: str | None = None) -> tuple[dict[str, object], bytes]:
    """Verify a compact JWS against a key set.

    The key is chosen by the header's ``kid`` (or is the only key of a one-key set
    when ``kid`` is absent) and the accepted algorithm is that key's alone.

    Args:
        token: the compact JWS (anything else is rejected).
        keys: the verification keys.
        typ: when given, the header ``typ`` must equal it (case-insensitive,
            optional ``application/`` prefix).

    Returns:
        ``(header, payload_bytes)``.

    Raises:
        KeyUnknown (``key_unknown``): the ``kid`` is not in ``keys``.
        TokenInvalid (``token_invalid``): not three canonical base64url segments
            (RFC 7515 §7.1), a ``jku``/``jwk``/``x5u``/``x5c``/``crit``/``b64`` header,
            wrong ``typ``, an ``alg`` other than the key's, or a bad signature.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenInvalid("token missing, not a string, or too long")
    if not is_compact_jws(token):
        raise TokenInvalid("not a compact JWS")
    try:
        header = _jws.get_unverified_header(token)
    except (jwt.InvalidTokenError, ValueError, RecursionError) as exc:
        raise TokenInvalid("malformed header") from exc
    if _FORBIDDEN_HEADERS & header.keys():
        raise TokenInvalid("forbidden header parameter")
    if typ is not None and not _header_typ_matches(header, typ):
        raise TokenInvalid("wrong typ")
    kid = header.get("kid")
    if kid is None and len(keys.keys) == 1:
        key = keys.keys[0]
    elif isinstance(kid, str):
        found = keys.get(kid)
        if found is None:
            raise KeyUnknown()
        key = found
    else:
        raise TokenInvalid("kid is not a string")
    # The algorithm comes from the key, never from the header (RFC 8725 §3.1): "none"
    # in any casing, HS256 against a public key, or any other mismatch ends here.
    if header.get("alg") != key.algorithm:
        raise TokenInvalid("alg does not match the key")
    try:
        decoded = _jws.decode_complete(
            token,
            cast("jwt.algorithms.AllowedPublicKeys | bytes", key.verifying_key),
            algorithms=[key.algorithm],
        )
    except jwt.InvalidSignatureError as exc:
        raise TokenInvalid("bad signature") from exc
    except (jwt.InvalidTokenError, ValueError, TypeError, RecursionError) as exc:  # pragma: no cover
        # Defensive: every malformed input is refused by the checks above first.
        raise TokenInvalid("malformed or disallowed algorithm") from exc
    return decoded["header"], decoded["payload"]


def _numeric_date(claims: Mapping[str, object], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    # NumericDate (RFC 7519 §2); bool is an int subclass in Python and is not a date.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenInvalid(f"{name} is not a NumericDate")
    # A float like 1e400 parses to inf; a huge int has no float. Compare before converting.
    if isinstance(value, float) and not math.isfinite(value):
        raise TokenInvalid(f"{name} is not a finite number")
    if not 0 <= value <= MAX_NUMERIC_DATE:
        raise TokenInvalid(f"{name} is out of range")
    return float(value)


def verify_registered_claims(
    claims: Mapping[str, object],
    *,
    now: datetime,
    leeway: timedelta,
    required: Iterable[str],
    issuer: str | None = None,
    audience: str | None = None,
) -> None:
    """Check the registered claims of a verified JWT.

    Args:
        claims: the decoded claims set.
        now: the current time (aware, UTC).
        leeway: tolerated clock skew, applied to ``exp``, ``nbf`` and ``iat``.
        required: claim names that must be present (non-null).
        issuer: when set, ``iss`` must equal it (RFC 7519 §4.1.1).
        audience: when set, ``aud`` must contain it (RFC 7519 §4.1.3); when unset, a
            token that carries ``aud`` is rejected.

    Raises:
        TokenExpired (``token_expired``): ``now >= exp + leeway`` (RFC 7519 §4.1.4).
        TokenInvalid (``token_invalid``): a required claim is missing or of the wrong
            type, ``exp``/``iat``/``nbf`` is not a finite NumericDate in
            ``0..MAX_NUMERIC_DATE``, ``nbf``/``iat`` lie beyond ``now + leeway``, or
            ``iss``/``aud`` do not match.
    """
    for name in required:
        if claims.get(name) is None:
            raise TokenInvalid(f"claim {name} missing")
    timestamp = now.timestamp()
    skew = leeway.total_seconds()
    exp, nbf, iat = (_numeric_date(claims, name) for name in ("exp", "nbf", "iat"))
    if exp is not None and timestamp >= exp + skew:
        raise TokenExpired()
    if nbf is not None and nbf > timestamp + skew:
        raise TokenInvalid("nbf in the future")
    if iat is not None and iat > timestamp + skew:
        raise TokenInvalid("iat in the future")
    if issuer is not None and claims.get("iss") != issuer:
        raise TokenInvalid("wrong issuer")
    aud = claims.get("aud")
    if audience is None:
        if aud is not None:
            raise TokenInvalid("unexpected audience")
    elif not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise TokenInvalid("wrong audience")
