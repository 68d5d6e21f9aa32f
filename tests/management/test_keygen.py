"""``manage.py jwtauth_keygen``."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jwtauth.core.keys.jwk import load_jwk, load_key
from jwtauth.core.keys.sources import build_key_set


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("jwtauth_keygen", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.parametrize(("alg", "kty"), [("EdDSA", "OKP"), ("ES256", "EC"), ("RS256", "RSA"), ("PS256", "RSA")])
def test_generates_loadable_jwk_and_pem(alg: str, kty: str) -> None:
    lines = run("--alg", alg, "--kid", "k1", "--rsa-bits", "2048") if alg != "EdDSA" else run("--kid", "k1")
    private = json.loads(lines[1])
    public = json.loads(lines[3])
    assert private["kty"] == kty
    assert private["alg"] == alg
    assert private["kid"] == "k1"
    assert private["use"] == "sig"
    assert "d" in private
    assert "d" not in public
    pem = "\n".join(
        lines[
            lines.index("# Private key, PKCS#8 PEM (secret)") + 1 : lines.index(
                "# Public key, SubjectPublicKeyInfo PEM"
            )
        ]
    )
    assert load_key(pem, alg, "k1").can_sign
    assert load_jwk(public).kid == "k1"
    # What it prints is accepted as a settings entry.
    keys = build_key_set([{"private_key": lines[1]}])
    assert keys.signing.kid == "k1"


def test_default_kid_is_thumbprint_and_hmac_has_no_pem() -> None:
    lines = run("--alg", "HS256", "--format", "pem")
    assert len(lines) == 2
    assert len(lines[1]) >= 32
    assert load_key(lines[1], "HS256").can_sign
    jwk = json.loads(run("--format", "jwk")[1])
    assert len(jwk["kid"]) == 43


def test_bad_rsa_size_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="2048"):
        run("--alg", "RS256", "--rsa-bits", "1024")
