"""Edges of the core that the HTTP suites do not reach: registry membership, oversized key
files, custom claims that clash with step-up claims, malformed DPoP confirmations."""

from __future__ import annotations

from pathlib import Path

import pytest

from jwtauth.core.errors import ERRORS, ConfigInvalid, TokenInvalid
from jwtauth.core.keys.sources import MAX_KEY_FILE_BYTES, resolve_material
from jwtauth.core.tokens import issue_access_token, verify_access_token
from tests.conftest import START
from tests.factories import claims, forge, policy


def test_a_subclass_without_its_own_code_is_not_registered() -> None:
    before = dict(ERRORS)

    class Narrower(TokenInvalid):
        """Same code as its parent: nothing new to register."""

    assert before == ERRORS
    assert ERRORS["token_invalid"] is TokenInvalid
    assert Narrower.code == "token_invalid"


def test_a_key_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "key.pem"
    big.write_bytes(b"k" * (MAX_KEY_FILE_BYTES + 1))
    with pytest.raises(ConfigInvalid, match="larger than"):
        resolve_material(f"file:{big}")
    ok = tmp_path / "ok.pem"
    ok.write_bytes(b"k" * MAX_KEY_FILE_BYTES)
    assert resolve_material(f"file:{ok}") == b"k" * MAX_KEY_FILE_BYTES


@pytest.mark.parametrize("name", ["auth_time", "amr"])
def test_custom_claims_cannot_set_step_up_claims(name: str) -> None:
    with pytest.raises(ConfigInvalid, match=name):
        issue_access_token(policy(), sub="1", sid="s", now=START, claims={name: 1}, amr=("pwd",))


@pytest.mark.parametrize("cnf", ["jkt", {"jkt": ""}, {"jkt": 7}, {"x5t#S256": "abc"}])
def test_a_malformed_dpop_confirmation_is_refused(cnf: object) -> None:
    token = forge(claims(START, cnf=cnf))
    with pytest.raises(TokenInvalid) as refused:
        verify_access_token(token, policy(), now=START)
    assert refused.value.reason == "cnf is not a DPoP confirmation"


def test_an_auth_time_after_the_token_was_issued_is_ignored() -> None:
    """A token cannot record an authentication that had not happened yet when it was
    issued: such an auth_time would make RecentlyAuthenticated pass until then."""
    issued = int(START.timestamp())
    future = verify_access_token(forge(claims(START, auth_time=issued + 3600)), policy(), now=START)
    assert future.auth_time is None
    same = verify_access_token(forge(claims(START, auth_time=issued)), policy(), now=START)
    assert same.auth_time == issued
