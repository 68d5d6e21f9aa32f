"""Custom claims: what a TOKEN_CLAIMS hook may set and how values become JSON (no Django)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from types import MappingProxyType

import jwt
import pytest

from jwtauth.core.claims import RESERVED_CLAIMS, convert_claims, custom_claims, freeze, scopes_of
from jwtauth.core.errors import ConfigInvalid
from jwtauth.core.tokens import issue_access_token, issue_refresh_token, verify_access_token
from tests.conftest import START
from tests.factories import SECRET, policy


def test_values_convert_as_documented() -> None:
    raw = {
        "s": "x",
        "i": 3,
        "f": 1.5,
        "b": True,
        "n": None,
        "l": ["a", 1, (2, 3)],
        "d": {"k": [uuid.UUID(int=1)]},
        "u": uuid.UUID("0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e"),
        "dec": decimal.Decimal("19.90"),
        "dt": dt.datetime(2026, 1, 1, 13, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        "date": dt.date(2026, 1, 31),
    }
    assert convert_claims(raw) == {
        "s": "x",
        "i": 3,
        "f": 1.5,
        "b": True,
        "n": None,
        "l": ["a", 1, [2, 3]],
        "d": {"k": ["00000000-0000-0000-0000-000000000001"]},
        "u": "0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e",
        "dec": "19.90",
        "dt": int(START.timestamp()),  # 13:00 at +01:00 is 12:00 UTC
        "date": "2026-01-31",
    }


def test_the_callers_mapping_is_not_mutated() -> None:
    raw = {"u": uuid.UUID(int=5), "l": [1]}
    convert_claims(raw)
    assert raw == {"u": uuid.UUID(int=5), "l": [1]}


@pytest.mark.parametrize("name", sorted(RESERVED_CLAIMS))
def test_reserved_claims_are_refused_by_name(name: str) -> None:
    with pytest.raises(ConfigInvalid, match=repr(name)) as caught:
        convert_claims({"role": "x", name: "evil"})
    assert caught.value.code == "config_invalid"


def test_scope_is_allowed_and_normalised() -> None:
    assert "scope" not in RESERVED_CLAIMS
    assert convert_claims({"scope": ["a:read", "b:write"]}) == {"scope": "a:read b:write"}
    assert convert_claims({"scope": "a b"}) == {"scope": "a b"}
    for bad in ("a  b", "", 'a"b', "é", 3, ["a b"]):
        with pytest.raises(ConfigInvalid, match="scope"):
            convert_claims({"scope": bad})


def _nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (object(), ["'bad'", "builtins.object"]),
        ({1, 2}, ["'bad'", "builtins.set"]),
        (b"bytes", ["'bad'", "builtins.bytes"]),
        (float("nan"), ["'bad'", "nan"]),
        (float("inf"), ["'bad'", "inf"]),
        (decimal.Decimal("NaN"), ["'bad'", "Decimal"]),
        (dt.datetime(2026, 1, 1), ["'bad'", "naive"]),
        ({1: "x"}, ["'bad'", "int"]),
        (_nested(20), ["'bad'", "nested"]),
    ],
)
def test_values_without_json_form_name_the_claim_and_type(value: object, words: list[str]) -> None:
    with pytest.raises(ConfigInvalid) as caught:
        convert_claims({"ok": 1, "bad": value})
    for word in words:
        assert word in caught.value.reason


@pytest.mark.parametrize("raw", [None, [("a", 1)], "role"])
def test_the_hook_must_return_a_mapping(raw: object) -> None:
    with pytest.raises(ConfigInvalid, match="mapping"):
        convert_claims(raw)


@pytest.mark.parametrize("name", ["", 3, None])
def test_claim_names_are_non_empty_strings(name: object) -> None:
    with pytest.raises(ConfigInvalid, match="names"):
        convert_claims({name: 1})


def test_custom_claims_go_into_access_tokens_and_come_back_read_only() -> None:
    p = policy()
    issued = issue_access_token(
        p, sub="1", sid="s", now=START, claims=convert_claims({"role": "admin", "perms": ["a"], "org": {"id": 1}})
    )
    payload = jwt.decode(issued.token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert payload["role"] == "admin"
    verified = verify_access_token(issued.token, p, now=START)
    assert dict(verified.claims) == {"role": "admin", "perms": ("a",), "org": MappingProxyType({"id": 1})}
    with pytest.raises(TypeError):
        verified.claims["role"] = "root"  # type: ignore[index]
    with pytest.raises(TypeError):
        verified.claims["org"]["id"] = 2  # type: ignore[index]
    assert isinstance(verified.claims["perms"], tuple)


def test_a_token_without_custom_claims_has_an_empty_mapping() -> None:
    p = policy()
    verified = verify_access_token(issue_access_token(p, sub="1", sid="s", now=START).token, p, now=START)
    assert dict(verified.claims) == {}


def test_issue_refuses_to_override_its_own_claims() -> None:
    # Guards callers that skip convert_claims: a custom "sub" never replaces ours.
    with pytest.raises(ConfigInvalid, match="'sub'"):
        issue_access_token(policy(), sub="1", sid="s", now=START, claims={"sub": "2"})


def test_size_limit_on_the_encoded_access_token() -> None:
    p = policy()
    small = issue_access_token(p, sub="1", sid="s", now=START, claims={"a": "x"}, max_bytes=4096)
    assert len(small.token) <= 4096
    with pytest.raises(ConfigInvalid, match="ACCESS_TOKEN_MAX_BYTES") as caught:
        issue_access_token(p, sub="1", sid="s", now=START, claims={"blob": "x" * 4000}, max_bytes=4096)
    assert "4096" in caught.value.reason
    exact = issue_access_token(p, sub="1", sid="s", now=START, claims={"a": "x"})
    # The limit is inclusive: a token of exactly max_bytes passes, one byte less fails.
    issue_access_token(p, sub="1", sid="s", now=START, jti=exact.jti, claims={"a": "x"}, max_bytes=len(exact.token))
    with pytest.raises(ConfigInvalid):
        issue_access_token(
            p, sub="1", sid="s", now=START, jti=exact.jti, claims={"a": "x"}, max_bytes=len(exact.token) - 1
        )


def test_refresh_tokens_never_carry_custom_claims() -> None:
    refresh = issue_refresh_token(policy(), sub="1", sid="s", now=START)
    payload = jwt.decode(refresh.token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert set(payload) == {"sub", "iat", "exp", "jti", "sid"}


def test_helpers() -> None:
    assert scopes_of({"scope": "a b  c"}) == {"a", "b", "c"}
    assert scopes_of({"scope": ["a"]}) == frozenset()
    assert scopes_of({}) == frozenset()
    assert dict(custom_claims({"sub": "1", "exp": 2, "role": "x"})) == {"role": "x"}
    assert freeze([{"a": [1]}]) == (MappingProxyType({"a": (1,)}),)


def test_access_claims_built_by_hand_have_no_custom_claims() -> None:
    from jwtauth.core.tokens import AccessClaims

    built = AccessClaims(sub="1", sid="s", jti="j", iat=0, exp=1, kid="k")
    assert dict(built.claims) == {}
    with pytest.raises(TypeError):
        built.claims["x"] = 1  # type: ignore[index]
