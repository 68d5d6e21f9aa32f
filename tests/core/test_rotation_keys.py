"""Token family rules and key handling."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jwtauth.core.errors import ConfigInvalid
from jwtauth.core.keys.keyset import Key, KeySet, derive_key, hmac_key
from jwtauth.core.rotation import FamilyState, Verdict, hash_jti, judge_refresh
from tests.conftest import START

GRACE = timedelta(seconds=10)


def state(**kw: object) -> FamilyState:
    base: dict = {
        "current_jti_hash": hash_jti("new"),
        "previous_jti_hash": hash_jti("old"),
        "rotated_at": START,
        "revoked_at": None,
        "expires_at": START + timedelta(days=7),
    }
    base.update(kw)
    return FamilyState(**base)


@pytest.mark.parametrize(
    ("presented", "after", "grace", "verdict"),
    [
        ("new", 0, GRACE, Verdict.ROTATE),
        ("old", 9, GRACE, Verdict.GRACE),
        ("old", 10, GRACE, Verdict.REUSED),
        ("old", 0, timedelta(0), Verdict.REUSED),
        ("older", 0, GRACE, Verdict.REUSED),
    ],
)
def test_judge(presented: str, after: int, grace: timedelta, verdict: Verdict) -> None:
    now = START + timedelta(seconds=after)
    assert judge_refresh(state(), hash_jti(presented), now=now, grace_period=grace) is verdict


def test_revoked_and_expired_win() -> None:
    assert judge_refresh(state(revoked_at=START), hash_jti("new"), now=START, grace_period=GRACE) is Verdict.REVOKED
    expired = state(expires_at=START)
    assert judge_refresh(expired, hash_jti("new"), now=START, grace_period=GRACE) is Verdict.EXPIRED


def test_hkdf_labels_give_distinct_keys() -> None:
    secret = b"s" * 50
    assert derive_key(secret, "access-token") != derive_key(secret, "refresh-token")
    assert derive_key(secret, "access-token") == derive_key(secret, "access-token")
    assert len(derive_key(secret, "x", 48)) == 48


def test_short_hmac_key_rejected() -> None:
    with pytest.raises(ConfigInvalid):
        hmac_key(b"x" * 31)
    with pytest.raises(ConfigInvalid):
        hmac_key(b"x" * 32, "RS256")
    hmac_key(b"x" * 32)


def test_key_set_rules() -> None:
    key = hmac_key(b"x" * 32)
    with pytest.raises(ConfigInvalid):
        KeySet(())
    with pytest.raises(ConfigInvalid):
        KeySet((key, key))
    ks = KeySet((key, hmac_key(b"y" * 32)))
    assert ks.signing is key
    assert ks.get("nope") is None
    assert "x" * 32 not in repr(key)
    assert isinstance(ks.get(key.kid), Key)
