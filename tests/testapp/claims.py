"""``TOKEN_CLAIMS`` hooks for the tests. Module-level state lets a test change what the
hook returns between calls (never across tests: the ``hook_state`` fixture resets it)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

TENANT = uuid.UUID("0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e")
STATE: dict[str, Any] = {"calls": [], "extra": {}}


def role_claims(user: Any, request: Any) -> dict[str, Any]:
    STATE["calls"].append((user.pk, request))
    return {
        "role": "admin" if getattr(user, "is_staff", False) else "member",
        "scope": ["orders:read", "orders:write"] if getattr(user, "is_staff", False) else "orders:read",
        "tenant": TENANT,
        "credit": decimal.Decimal("19.90"),
        "member_since": dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "birthday": dt.date(1990, 5, 17),
        "perms": ["a", "b"],
        **STATE["extra"],
    }


def user_pk_claims(user: Any, request: Any) -> dict[str, Any]:
    return {"uid": user.pk, "email": getattr(user, "email", None)}


def not_a_mapping(user: Any, request: Any) -> Any:
    return [("role", "admin")]


NOT_CALLABLE = 42
