"""The clock seam: every "now" in jwtauth comes from a :class:`Clock`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Clock", "SystemClock", "system_clock"]


class Clock(Protocol):
    """Source of the current time."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        ...


class SystemClock:
    """The real clock (UTC)."""

    __slots__ = ()

    def now(self) -> datetime:
        return datetime.now(UTC)


system_clock = SystemClock()
