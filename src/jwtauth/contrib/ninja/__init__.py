"""jwtauth for django-ninja: Bearer authentication on the same tokens, sessions and
revocation as the DRF class (``pip install "jwtauth[ninja]"``).

See :mod:`jwtauth.contrib.ninja.authentication` and ``docs/ninja.md``.
"""

from .authentication import AsyncJWTAuth, JWTAuth, JWTAuthNinjaError, register_exception_handlers

__all__ = ["AsyncJWTAuth", "JWTAuth", "JWTAuthNinjaError", "register_exception_handlers"]
