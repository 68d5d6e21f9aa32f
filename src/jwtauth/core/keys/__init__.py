"""Signing keys: the key set and HKDF (:mod:`.keyset`), JWK parsing and thumbprints
(:mod:`.jwk`), JWKS export and key generation (:mod:`.jwks`), and key sources from
configuration (:mod:`.sources`)."""
