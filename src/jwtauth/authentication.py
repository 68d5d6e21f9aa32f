"""Public import path of the DRF authentication class."""

from .web.authentication import JWTAuthentication

__all__ = ["JWTAuthentication"]
