"""Rate strings such as ``"20/min"`` or ``"10/15m"``, parsed without Django."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ConfigInvalid

__all__ = ["Rate", "parse_rate"]

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# DRF's format ("<n>/<unit>", only the unit's first letter counts) plus an optional
# multiplier, so a window of 15 minutes is "10/15min".
_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``num_requests`` events per ``duration_seconds`` (a sliding window)."""

    num_requests: int
    duration_seconds: int


def parse_rate(text: object) -> Rate:
    """Parse ``"<n>/[<k>]<unit>"`` where unit is s, m(in), h(our) or d(ay).

    Args:
        text: e.g. ``"20/min"``, ``"5/second"``, ``"10/15m"``.

    Returns:
        The :class:`Rate`.

    Raises:
        ConfigInvalid (``config_invalid``): not a string of that shape, or zero events
            or a zero-length window.
    """
    match = _RATE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ConfigInvalid("a rate looks like '20/min' or '10/15min'")
    count, multiplier, unit = match.groups()
    duration_seconds = int(multiplier or 1) * _UNIT_SECONDS[unit.lower()]
    if int(count) < 1 or duration_seconds < 1:
        raise ConfigInvalid("a rate needs at least one event per non-empty window")
    return Rate(num_requests=int(count), duration_seconds=duration_seconds)
