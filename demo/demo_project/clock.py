"""A test-only clock for the demo: system time plus an offset read from a file.

Browser tests cannot sleep 30 s for an access token to expire. When the demo runs with
``DEMO_CLOCK_FILE=/some/path``, settings point ``JWTAUTH["CLOCK"]`` at
:class:`OffsetClock`, and a test moves the server's time forward by writing a number of
seconds to that file (``echo 45 > /some/path``). Without the variable the demo uses the
real clock. This lives in the demo, not in the package: production never reads its time
from a file.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["OffsetClock"]


class OffsetClock:
    """The system clock shifted by the seconds in the file named by ``DEMO_CLOCK_FILE``.

    The file is read on every call, so a test's write takes effect at the next request.
    A missing or empty file means an offset of 0.
    """

    __slots__ = ("_path",)

    def __init__(self) -> None:
        self._path = Path(os.environ["DEMO_CLOCK_FILE"])

    def offset_seconds(self) -> float:
        """The current offset in seconds (may be fractional)."""
        try:
            text = self._path.read_text().strip()
        except FileNotFoundError:
            return 0.0
        return float(text) if text else 0.0

    def now(self) -> datetime:
        """The shifted current time, an aware UTC datetime."""
        return datetime.now(UTC) + timedelta(seconds=self.offset_seconds())
