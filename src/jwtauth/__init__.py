"""jwtauth: JWT authentication for Django REST Framework, safe for browser apps.

Public entry points:

- ``jwtauth.authentication.JWTAuthentication``: the DRF authentication class.
- ``jwtauth.urls``: mount with ``path("api/auth/", include("jwtauth.urls"))``.
- ``jwtauth.core.tokens``: issue and verify tokens without DRF or views.
"""

__version__ = "0.1.0"
