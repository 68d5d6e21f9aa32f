from typing import Any

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast, tests only) that counts how often a password is hashed."""

    algorithm = "counting_md5"
    calls: list[str] = []

    def encode(self, password: Any, salt: Any) -> str:
        CountingHasher.calls.append("encode")
        return super().encode(password, salt)

    def verify(self, password: Any, encoded: str) -> bool:
        CountingHasher.calls.append("verify")
        return super().verify(password, encoded)
