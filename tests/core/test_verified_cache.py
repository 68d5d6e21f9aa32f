"""The verified-token memo: hits skip the signature check, never the time checks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jwtauth.core import tokens as tokens_module
from jwtauth.core.errors import TokenExpired, TokenInvalid
from jwtauth.core.tokens import VerifiedTokenCache, issue_access_token, verify_access_token
from tests.conftest import START
from tests.factories import claims, forge, policy


def test_hit_skips_signature_check(monkeypatch: pytest.MonkeyPatch) -> None:
    p, cache = policy(), VerifiedTokenCache(10)
    token = issue_access_token(p, sub="1", sid="s", now=START).token
    first = verify_access_token(token, p, now=START, cache=cache)
    assert len(cache) == 1

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("signature checked again")

    monkeypatch.setattr(tokens_module, "verify_jws", boom)
    assert verify_access_token(token, p, now=START + timedelta(seconds=10), cache=cache) is first


@pytest.mark.parametrize(("leeway", "offset", "ok"), [(0, 299, True), (0, 300, False), (5, 304, True), (5, 305, False)])
def test_hit_still_checks_expiry(leeway: int, offset: int, ok: bool) -> None:
    p, cache = policy(leeway=timedelta(seconds=leeway)), VerifiedTokenCache(10)
    token = issue_access_token(p, sub="1", sid="s", now=START).token
    verify_access_token(token, p, now=START, cache=cache)
    later = START + timedelta(seconds=offset)
    if ok:
        verify_access_token(token, p, now=later, cache=cache)
    else:
        with pytest.raises(TokenExpired):
            verify_access_token(token, p, now=later, cache=cache)


def test_hit_rechecks_iat_against_a_clock_set_back() -> None:
    p, cache = policy(), VerifiedTokenCache(10)
    token = issue_access_token(p, sub="1", sid="s", now=START).token
    verify_access_token(token, p, now=START, cache=cache)
    with pytest.raises(TokenInvalid):
        verify_access_token(token, p, now=START - timedelta(seconds=1), cache=cache)


def test_only_the_exact_token_hits() -> None:
    p, cache = policy(), VerifiedTokenCache(10)
    token = issue_access_token(p, sub="1", sid="s", now=START).token
    verify_access_token(token, p, now=START, cache=cache)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}AA"
    with pytest.raises(TokenInvalid):
        verify_access_token(tampered, p, now=START, cache=cache)
    assert len(cache) == 1


def test_invalid_tokens_and_nbf_tokens_are_not_memoised() -> None:
    p, cache = policy(), VerifiedTokenCache(10)
    with pytest.raises(TokenInvalid):
        verify_access_token("a.b.c", p, now=START, cache=cache)
    nbf_token = forge(claims(START, nbf=int(START.timestamp())))
    verify_access_token(nbf_token, p, now=START, cache=cache)
    assert len(cache) == 0


def test_bounded() -> None:
    p, cache = policy(), VerifiedTokenCache(3)
    tokens = [issue_access_token(p, sub=str(i), sid="s", now=START).token for i in range(5)]
    for token in tokens:
        verify_access_token(token, p, now=START, cache=cache)
    assert len(cache) == 3
    assert cache.get(tokens[0]) is None
    assert cache.get(tokens[-1]) is not None
    cache.clear()
    assert len(cache) == 0
