"""jwtauth: JWT authentication for Django REST Framework, safe for browser apps.

Everything an application may import is re-exported here and listed in ``__all__``
(docs: ``docs/api.md``); every other module is private and may change. The names are
loaded on first use, so ``import jwtauth`` works before Django's app registry is ready.

- ``jwtauth.JWTAuthentication``: the DRF authentication class
  (``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``).
- ``jwtauth.exception_handler``: DRF's ``EXCEPTION_HANDLER`` giving ``{"detail", "code"}``.
- ``jwtauth.urls``: mount with ``path("api/auth/", include("jwtauth.urls"))``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "JWTAuthentication": "jwtauth.api.authentication",
    "exception_handler": "jwtauth.api.errors",
}

__all__ = ["JWTAuthentication", "__version__", "exception_handler"]

if TYPE_CHECKING:
    from .api.authentication import JWTAuthentication
    from .api.errors import exception_handler


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'jwtauth' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
