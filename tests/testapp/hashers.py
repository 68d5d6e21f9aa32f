import threading
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


class GatedHasher(MD5PasswordHasher):
    """MD5 whose ``verify`` waits at a gate the test opens, counting who got there.

    Holds every password check in flight, so a test can let N concurrent logins pile
    up and see how many reached the hasher, without timing anything.
    """

    algorithm = "gated_md5"
    entered = 0
    condition = threading.Condition()
    gate = threading.Event()

    @classmethod
    def reset(cls) -> None:
        with cls.condition:
            cls.entered = 0
        cls.gate = threading.Event()

    def verify(self, password: Any, encoded: str) -> bool:
        with GatedHasher.condition:
            GatedHasher.entered += 1
            GatedHasher.condition.notify_all()
        GatedHasher.gate.wait(timeout=60)
        return super().verify(password, encoded)


class LegacyCountingHasher(MD5PasswordHasher):
    """Plays an older hasher that stored passwords still use; shares CountingHasher's log."""

    algorithm = "legacy_md5"

    def encode(self, password: Any, salt: Any) -> str:
        CountingHasher.calls.append("legacy:encode")
        return super().encode(password, salt)

    def verify(self, password: Any, encoded: str) -> bool:
        CountingHasher.calls.append("legacy:verify")
        return super().verify(password, encoded)
