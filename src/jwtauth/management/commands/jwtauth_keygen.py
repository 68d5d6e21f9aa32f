"""``manage.py jwtauth_keygen``: generate a signing key and print it as JWK and PEM.

Examples::

    python manage.py jwtauth_keygen                      # Ed25519 (EdDSA)
    python manage.py jwtauth_keygen --alg ES256 --kid 2026-02
    python manage.py jwtauth_keygen --alg RS256 --rsa-bits 4096
    python manage.py jwtauth_keygen --alg HS256 --format jwk

The output contains the PRIVATE key: store it in a secret manager or a file readable
only by the app, and reference it from settings (``"env:NAME"`` or ``"file:/path"``).
Nothing is written to disk or logged. See ``docs/keys.md`` for the rotation runbook.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...core.errors import ConfigInvalid
from ...core.keys.jwks import DEFAULT_RSA_BITS, generate_key, private_jwk, private_pem, public_jwk, public_pem

_CHOICES = ("EdDSA", "ES256", "RS256", "PS256", "HS256", "HS384", "HS512")


class Command(BaseCommand):
    help = "Generate a jwtauth signing key (Ed25519 by default) and print it as JWK and PEM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--alg", default="EdDSA", choices=_CHOICES, help="JWS algorithm (default EdDSA).")
        parser.add_argument("--kid", default=None, help="Key id (default: the RFC 7638 thumbprint).")
        parser.add_argument("--format", default="all", choices=("all", "jwk", "pem"), help="What to print.")
        parser.add_argument("--rsa-bits", type=int, default=DEFAULT_RSA_BITS, help="RSA modulus size (>= 2048).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = generate_key(options["alg"], options["kid"], rsa_bits=options["rsa_bits"])
        except ConfigInvalid as exc:
            raise CommandError(exc.reason) from exc
        fmt = options["format"]
        out = self.stdout.write
        if fmt in ("all", "jwk"):
            out("# Private JWK (secret: keep out of version control)")
            out(json.dumps(private_jwk(key)))
            if not key.is_symmetric:
                out("# Public JWK (what jwks/ publishes)")
                out(json.dumps(public_jwk(key)))
        if fmt in ("all", "pem") and not key.is_symmetric:
            out("# Private key, PKCS#8 PEM (secret)")
            out(private_pem(key).rstrip())
            out("# Public key, SubjectPublicKeyInfo PEM")
            out(public_pem(key).rstrip())
        if fmt in ("all", "pem") and key.is_symmetric and isinstance(key.signing_key, bytes):
            out("# Secret (HMAC keys have no PEM form)")
            out(key.signing_key.decode())
        if fmt == "all":
            entry = {"kid": key.kid, "alg": key.algorithm, "private_key": "env:JWTAUTH_ACCESS_KEY"}
            out("# Settings entry (put the private JWK or PEM in $JWTAUTH_ACCESS_KEY)")
            out(f'JWTAUTH["ACCESS_TOKEN_KEYS"] = [{json.dumps(entry)}, ...]')
