"""A cache backend for tests that behaves like a shared cache (it is not a LocMem or
Dummy cache, so jwtauth trusts it), counts round trips, and fails on demand."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

_STORE: dict[str, Any] = {}


class CacheDown(ConnectionError):
    pass


class SharedDictCache(BaseCache):
    """Module-global dict: every "process" (test client) sees the same entries.

    Class attributes: ``calls`` counts round trips; ``failing`` holds the operations
    (``"read"``, ``"write"``) that raise ``CacheDown``.
    """

    calls: list[str] = []
    failing: set[str] = set()

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    def _op(self, kind: str, name: str) -> None:
        type(self).calls.append(name)
        if kind in type(self).failing:
            raise CacheDown(name)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        self._op("read", "get")
        return _STORE.get(self.make_key(key, version), default)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        self._op("write", "add")
        return _STORE.setdefault(self.make_key(key, version), value) is value

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._op("write", "set")
        _STORE[self.make_key(key, version)] = value

    def set_many(self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[str]:
        self._op("write", "set_many")
        for key, value in data.items():
            _STORE[self.make_key(key, version)] = value
        return []

    def delete(self, key: str, version: int | None = None) -> bool:
        self._op("write", "delete")
        return _STORE.pop(self.make_key(key, version), None) is not None

    def clear(self) -> None:
        _STORE.clear()

    @classmethod
    def reset(cls) -> None:
        _STORE.clear()
        cls.calls = []
        cls.failing = set()
