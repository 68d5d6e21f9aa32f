"""FAKE jwtauth DRF authentication (self-test only)."""

from django.contrib.auth import get_user_model
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from jwtauth.core.tokens import verify_access_token
from jwtauth.settings import get_settings


class _TokenUser:
    is_authenticated = True

    def __init__(self, claims: dict) -> None:
        self.pk = claims["sub"]


class JWTAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith("Bearer "):
            return None
        try:
            claims = verify_access_token(header[7:])
        except Exception as exc:
            raise AuthenticationFailed("token_invalid") from exc
        if get_settings().is_stateless:
            return _TokenUser(claims), claims
        return get_user_model().objects.get(pk=claims["sub"]), claims

    def authenticate_header(self, request):
        return "Bearer"
