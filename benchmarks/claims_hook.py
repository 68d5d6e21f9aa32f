"""The ``TOKEN_CLAIMS`` hook of the custom-claims contestant: five typical claims."""

from __future__ import annotations

from typing import Any

__all__ = ["five_claims"]


def five_claims(user: Any, request: Any) -> dict[str, Any]:
    """A role, a tenant id, OAuth scopes, a plan and a locale (about 150 bytes of JSON)."""
    return {
        "role": "member",
        "tenant": "0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e",
        "scope": "orders:read orders:write profile",
        "plan": "pro",
        "locale": "en-GB",
    }
