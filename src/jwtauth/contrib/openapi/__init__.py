"""OpenAPI 3 for jwtauth through drf-spectacular (``pip install "jwtauth[openapi]"``).

Importing this package registers the drf-spectacular extensions: :mod:`.schema`
describes the Bearer scheme and the login/refresh/logout/user endpoints,
:mod:`.endpoints` the CSRF, session and JWKS endpoints.
"""

from . import endpoints, schema

__all__ = ["endpoints", "schema"]
