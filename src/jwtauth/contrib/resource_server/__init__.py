"""Verify jwtauth access tokens in another service through the issuer's JWKS.

See :mod:`jwtauth.contrib.resource_server.authentication`.
"""

from .authentication import (
    ResourceServerAuthentication,
    ResourceServerConfig,
    TokenUser,
    get_resource_server_settings,
)
from .claims import ResourceServerClaims
from .remote_jwks import RemoteJWKS

__all__ = [
    "RemoteJWKS",
    "ResourceServerAuthentication",
    "ResourceServerClaims",
    "ResourceServerConfig",
    "TokenUser",
    "get_resource_server_settings",
]
