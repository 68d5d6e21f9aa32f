"""Verify jwtauth access tokens in another service through the issuer's JWKS.

See :mod:`jwtauth.contrib.resource_server.authentication`.
"""

from .authentication import (
    ResourceServerAuthentication,
    ResourceServerConfig,
    TokenUser,
    get_resource_server_settings,
)
from .remote_jwks import RemoteJWKS

__all__ = [
    "RemoteJWKS",
    "ResourceServerAuthentication",
    "ResourceServerConfig",
    "TokenUser",
    "get_resource_server_settings",
]
