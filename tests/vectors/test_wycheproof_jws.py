"""Wycheproof JWS vectors through :func:`jwtauth.core.jws.verify_jws`.

Each group's key goes through our own loader (:func:`jwtauth.core.keys.jwk.load_jwk`), then
every compact JWS of the group is verified with a one-key :class:`KeySet`: each
``valid`` must be accepted and each ``invalid`` rejected. The payloads are arbitrary
bytes, so only the JWS layer is exercised (no claims checks). Groups whose algorithm we
do not support are skipped, one printed reason per group.
"""

from __future__ import annotations

from typing import Any

import pytest

from jwtauth.core.errors import ConfigInvalid, JWTAuthError
from jwtauth.core.jws import verify_jws
from jwtauth.core.keys.jwk import load_jwk
from jwtauth.core.keys.keyset import SUPPORTED_ALGORITHMS, KeySet

from .wycheproof import groups

# Vectors whose expectation conflicts with a documented policy of ours: tcId -> (our
# verdict, reason). Each is asserted the other way round, so a change is noticed.
POLICY: dict[int, tuple[str, str]] = {
    346: ("invalid", "header alg PS384, key declared PS256: the alg comes from the key (RFC 8725 §3.1)"),
    350: ("invalid", "header alg PS384, key declared PS256: the alg comes from the key (RFC 8725 §3.1)"),
    372: ("invalid", "'?' inside a segment: RFC 7515 §2 allows no characters outside base64url"),
    373: ("invalid", "'?' inside a segment: RFC 7515 §2 allows no characters outside base64url"),
    # In this data set tc 367 and 370 are byte-for-byte the same string as the valid
    # tc 357 (their '=' padding is missing), so no verifier can satisfy both; we follow
    # tc 357. Padded segments are rejected: see tests/core/test_security.py.
    367: ("valid", "identical to valid tc 357 in this copy of the data"),
    370: ("valid", "identical to valid tc 357 in this copy of the data"),
}


def _verdict(jws: Any, keys: KeySet | None) -> str:
    if keys is None:
        return "invalid"
    try:
        verify_jws(jws, keys)
    except JWTAuthError:
        return "invalid"
    return "valid"


@pytest.mark.parametrize("group", groups("json_web_signature_test.json"))
def test_group(group: dict[str, Any]) -> None:
    jwk = group.get("public") or group["private"]
    alg = jwk.get("alg")
    if alg is not None and alg not in SUPPORTED_ALGORITHMS:
        pytest.skip(f"group {group['comment']!r}: algorithm {alg} is not supported by jwtauth")
    try:
        keys: KeySet | None = KeySet((load_jwk(jwk),))
    except ConfigInvalid:
        keys = None  # our loader refuses the key, so every token of the group is rejected
    failures = []
    for case in group["tests"]:
        expected = case["result"]
        if case["tcId"] in POLICY:
            expected = POLICY[case["tcId"]][0]
        got = _verdict(case["jws"], keys)
        if got != expected:
            failures.append(f"tc {case['tcId']} {case['comment']}: expected {expected}, got {got}")
    assert not failures, "\n".join(failures)


def test_policy_deviations_are_few() -> None:
    # The exceptions above are a short, reviewed list, not a dumping ground.
    assert len(POLICY) <= 6
