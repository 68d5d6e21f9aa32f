"""A database router that sends every read to the ``replica`` alias and every write to
``default``: what a primary/replica deployment with replication lag looks like."""

from __future__ import annotations

from typing import Any


class ReadReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        return "replica"

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True
