"""``ACCESS_TOKEN_KEYS`` / ``REFRESH_TOKEN_KEYS``: references, validation (E006), checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks

from jwtauth.core.errors import ConfigInvalid
from jwtauth.core.keys.jwk import jwk_thumbprint
from jwtauth.core.keys.jwks import private_jwk, private_pem, public_jwk, public_pem
from jwtauth.settings import get_settings, validate
from tests.factories import asymmetric_key

EDDSA = asymmetric_key("EdDSA", "ed")
PEM = private_pem(EDDSA)


def problems(**jwtauth: Any) -> list[str]:
    return [f"{p.check_id} {p.message}" for p in validate(jwtauth)[1]]


def test_env_and_file_references(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TEST_JWTAUTH_KEY", PEM)
    retired = asymmetric_key("ES256", "es")
    path = tmp_path / "old.pub.pem"
    path.write_text(public_pem(retired))
    merged, found = validate(
        {
            "ACCESS_TOKEN_KEYS": [
                {"alg": "EdDSA", "private_key": "env:TEST_JWTAUTH_KEY"},
                {"kid": "es", "alg": "ES256", "public_key": f"file:{path}"},
                {"public_key": public_jwk(asymmetric_key("RS256", "rs"))},
                {"public_key": json.dumps(public_jwk(asymmetric_key("PS256", "ps")))},
            ],
            "REFRESH_TOKEN_KEYS": [{"kid": "r1", "alg": "HS512", "private_key": "s" * 64}],
        }
    )
    assert found == []
    access = merged["ACCESS_TOKEN_KEYS"]
    # A PEM carries no kid: the RFC 7638 thumbprint is the default.
    thumbprint = jwk_thumbprint(public_jwk(EDDSA))
    assert [k.kid for k in access.keys] == [thumbprint, "es", "rs", "ps"]  # type: ignore[attr-defined]
    assert access.signing.can_sign
    assert not access.keys[1].can_sign
    assert merged["REFRESH_TOKEN_KEYS"].signing.algorithm == "HS512"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([], "non-empty list"),
        ("nope", "non-empty list"),
        ([PEM], "entry 1: each entry must be a dict"),
        ([{"alg": "EdDSA"}], "exactly one"),
        ([{"alg": "EdDSA", "private_key": PEM, "public_key": PEM}], "exactly one"),
        ([{"alg": "EdDSA", "private_key": PEM, "secret": 1}], "unknown fields"),
        ([{"alg": "EdDSA", "public_key": public_pem(EDDSA)}], "first entry signs"),
        (
            [{"alg": "EdDSA", "private_key": PEM}, {"alg": "EdDSA", "public_key": PEM}],
            "entry 2: 'public_key' holds private",
        ),
        (
            [{"alg": "HS256", "private_key": "s" * 32}, {"alg": "HS256", "public_key": "t" * 32}],
            "entry 2: an HMAC key is a secret",
        ),
        ([{"alg": "EdDSA", "private_key": "env:TEST_JWTAUTH_UNSET"}], "'TEST_JWTAUTH_UNSET' is not set"),
        ([{"alg": "EdDSA", "private_key": "file:/nonexistent/key.pem"}], "cannot read key file"),
        ([{"alg": "EdDSA", "private_key": 42}], "str, bytes or a JWK dict"),
        ([{"alg": "ES256", "private_key": PEM}], "P-256"),
        ([{"alg": "none", "private_key": PEM}], "unsupported algorithm 'none'"),
        ([{"kid": "", "alg": "EdDSA", "private_key": PEM}], "non-empty string"),
        ([{"alg": 1, "private_key": PEM}], "'alg' must be a string"),
        (
            [{"kid": "a", "alg": "EdDSA", "private_key": PEM}, {"kid": "a", "public_key": public_jwk(EDDSA)}],
            "duplicate kid",
        ),
        ([{"alg": "EdDSA", "private_key": PEM}, {"alg": "HS256", "private_key": "s" * 32}], "mix"),
        ([{"alg": "HS256", "private_key": "short"}], "RFC 7518"),
    ],
)
def test_bad_entries_are_e006(entries: object, message: str) -> None:
    found = problems(ACCESS_TOKEN_KEYS=entries)
    assert len(found) == 1, found
    assert found[0].startswith("jwtauth.E006 JWTAUTH['ACCESS_TOKEN_KEYS']")
    assert message in found[0]


def test_messages_never_contain_key_material(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "do-not-print-this-secret"
    monkeypatch.setenv("TEST_JWTAUTH_KEY", secret)
    found = problems(ACCESS_TOKEN_KEYS=[{"alg": "HS256", "private_key": "env:TEST_JWTAUTH_KEY"}])
    assert found
    assert secret not in " ".join(found)
    bad_jwk = {**private_jwk(EDDSA), "crv": "Ed448"}
    found = problems(ACCESS_TOKEN_KEYS=[{"private_key": bad_jwk}])
    assert found
    assert bad_jwk["d"] not in " ".join(found)
    assert "PRIVATE" not in " ".join(found)


def test_both_forms_clash() -> None:
    found = problems(ACCESS_TOKEN_KEYS=[{"alg": "EdDSA", "private_key": PEM}], ACCESS_TOKEN_SIGNING_KEY="k" * 32)
    assert found == ["jwtauth.E006 JWTAUTH sets both 'ACCESS_TOKEN_KEYS' and 'ACCESS_TOKEN_SIGNING_KEY'; keep one."]


def test_jwks_max_age_type() -> None:
    assert problems(JWKS_MAX_AGE="5m")[0].startswith("jwtauth.E002")


@pytest.mark.jwtauth_settings(ACCESS_TOKEN_KEYS=[{"alg": "EdDSA", "private_key": "file:/nonexistent"}])
def test_system_check_and_get_settings_report_e006() -> None:
    ids = [m.id for m in run_checks()]
    assert "jwtauth.E006" in ids
    with pytest.raises(ConfigInvalid, match=r"jwtauth\.E006"):
        get_settings()


@pytest.mark.jwtauth_settings(ACCESS_TOKEN_KEYS=[{"alg": "EdDSA", "private_key": PEM}])
def test_refresh_keys_stay_hkdf_hmac_by_default() -> None:
    conf = get_settings()
    assert conf.access.keys.signing.algorithm == "EdDSA"
    assert conf.refresh.keys.signing.algorithm == "HS256"
