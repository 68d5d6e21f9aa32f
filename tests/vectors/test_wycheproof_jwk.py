"""Wycheproof JWK (key set) vectors through :func:`jwtauth.core.keys.jwk.load_jwks`.

A ``valid`` vector needs the set to load and its JWS to verify. An ``invalid`` vector
needs the set refused by the loader, or, where the key is fine and only the token is
bad (a modified signature), the JWS rejected.
"""

from __future__ import annotations

from typing import Any

import pytest

from jwtauth.core.errors import ConfigInvalid, JWTAuthError
from jwtauth.core.jws import verify_jws
from jwtauth.core.keys.jwk import load_jwks

from .wycheproof import groups

# Vectors whose key set must load because only the token is wrong.
TOKEN_ONLY = {"rejectsModifiedSignature"}


@pytest.mark.parametrize("group", groups("json_web_key_test.json"))
def test_group(group: dict[str, Any]) -> None:
    for part in ("private", "public"):
        if part not in group:
            continue
        for case in group["tests"]:
            try:
                keys = load_jwks(group[part])
            except ConfigInvalid:
                assert case["result"] == "invalid", f"tc {case['tcId']}: {part} set refused"
                assert case["comment"] not in TOKEN_ONLY
                continue
            try:
                verify_jws(case["jws"], keys)
                got = "valid"
            except JWTAuthError:
                got = "invalid"
            assert got == case["result"], f"tc {case['tcId']} {case['comment']} ({part})"
            if got == "invalid":
                assert case["comment"] in TOKEN_ONLY, f"tc {case['tcId']}: {part} set should have been refused"
