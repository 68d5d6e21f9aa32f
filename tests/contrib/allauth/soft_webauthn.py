"""A software WebAuthn authenticator, so passkeys run through allauth's real views over
HTTP without a browser: it answers ``navigator.credentials.create()`` / ``.get()``
options with the JSON a browser's ``PublicKeyCredential.toJSON()`` gives.

A P-256 key made with ``cryptography``; the attestation is ``none``; authenticator data,
COSE key and CBOR come from ``fido2`` (allauth's own WebAuthn dependency). It signs what
a platform authenticator signs (W3C WebAuthn Level 3 §6.1, §6.3.3): nothing is left out
of allauth's checks (challenge, origin, RP ID hash, flags, signature, counter).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

_FLAGS = AuthenticatorData.FLAG


class SoftAuthenticator:
    """One discoverable credential (a passkey) per authenticator, user verification on."""

    def __init__(self, origin: str = "https://testserver") -> None:
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.user_handle: bytes | None = None
        self.rp_id: str | None = None
        self.counter = 0

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        """``navigator.credentials.create({publicKey: options})``, as JSON."""
        self.rp_id = options["rp"]["id"]
        self.user_handle = websafe_decode(options["user"]["id"])
        client_data = CollectedClientData.create("webauthn.create", options["challenge"], self.origin)
        credential = AttestedCredentialData.create(
            b"\0" * 16, self.credential_id, ES256.from_cryptography_key(self.key.public_key())
        )
        auth_data = AuthenticatorData.create(
            self._rp_id_hash(), _FLAGS.UP | _FLAGS.UV | _FLAGS.AT, self.counter, bytes(credential)
        )
        attestation = AttestationObject.create("none", auth_data, {})
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": websafe_encode(bytes(client_data)),
                "attestationObject": websafe_encode(bytes(attestation)),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, options: dict[str, Any]) -> dict[str, Any]:
        """``navigator.credentials.get({publicKey: options})``, as JSON."""
        assert self.user_handle is not None and options.get("rpId", self.rp_id) == self.rp_id
        self.counter += 1
        client_data = CollectedClientData.create("webauthn.get", options["challenge"], self.origin)
        auth_data = AuthenticatorData.create(self._rp_id_hash(), _FLAGS.UP | _FLAGS.UV, self.counter)
        signed = bytes(auth_data) + hashlib.sha256(bytes(client_data)).digest()
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": websafe_encode(bytes(client_data)),
                "authenticatorData": websafe_encode(bytes(auth_data)),
                "signature": websafe_encode(self.key.sign(signed, ec.ECDSA(hashes.SHA256()))),
                "userHandle": websafe_encode(self.user_handle),
            },
            "clientExtensionResults": {},
        }

    def _rp_id_hash(self) -> bytes:
        assert self.rp_id is not None
        return hashlib.sha256(self.rp_id.encode()).digest()
