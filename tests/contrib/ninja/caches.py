"""A shared test cache whose reads wait at a gate: shows where the revocation check runs."""

from __future__ import annotations

import threading
from typing import Any

from tests.testapp.caches import SharedDictCache

# Only breaks a deadlock if the read ran on the event loop (then the test fails); it is
# never the measured quantity.
_DEADLOCK_BREAKER_SECONDS = 10


class GatedCache(SharedDictCache):
    """``get()`` reports the thread it runs on, then waits until ``gate`` opens."""

    gate = threading.Event()
    entered: Any = None  # callable(thread_id) set by the test
    timed_out = False

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        if type(self).entered is not None:
            type(self).entered(threading.get_ident())
        if not type(self).gate.wait(_DEADLOCK_BREAKER_SECONDS):
            type(self).timed_out = True
        return super().get(key, default, version)
