"""``GET jwks/``: the access token verification keys as a JWK Set (RFC 7517 §5).

Other services (API gateways, Node/Go services, :mod:`jwtauth.contrib.resource_server.authentication`)
fetch this to verify access tokens without holding a secret. Only the public halves of
asymmetric keys are published, every key of ``ACCESS_TOKEN_KEYS`` in order (the signer
first, then verify-only keys still in their retirement window). HMAC keys are shared
secrets and are never published: an HMAC-only configuration answers ``{"keys": []}``
(200, so clients that poll do not see an error). Refresh token keys are never published;
only this server verifies refresh tokens.

Responses carry ``Cache-Control: public, max-age=<JWKS_MAX_AGE seconds>``; see
``docs/keys.md`` for how that lifetime paces a key rotation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..core.keys.jwks import public_jwks
from ..settings import get_settings
from .views import JWTAuthAPIView

__all__ = ["JWKSView"]


class _AnyAccept(BaseContentNegotiation):
    """Always JSON, whatever ``Accept`` says: gateways ask for ``application/jwk-set+json``
    (RFC 7517 §8.5.1) or ``*/*``, and a 406 would only break key discovery."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, str(renderer.media_type)


class JWKSView(JWTAuthAPIView):
    """``GET jwks/``: ``{"keys": [{"kty", "kid", "use": "sig", "alg", ...}, ...]}``.

    Public and cookie-independent: no authentication, no CSRF. GET and HEAD only; any
    other method is a 405 ``{"detail", "code": "method_not_allowed"}`` with ``Allow:
    GET, HEAD``. Unlike jwtauth's other views the answer is cacheable: it holds no
    secret, and caching it is what keeps verifiers from fetching it per request.
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    content_negotiation_class = _AnyAccept
    http_method_names = ["get", "head"]  # also what the Allow header lists

    def get(self, request: Request) -> Response:
        return Response(public_jwks(get_settings().access.keys))

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Skips JWTAuthAPIView's no-store: the key set is public and meant to be cached.
        response = APIView.finalize_response(self, request, response, *args, **kwargs)
        if 200 <= response.status_code < 300:
            max_age_seconds = int(get_settings().jwks_max_age.total_seconds())
            response["Cache-Control"] = f"public, max-age={max_age_seconds}"
        return response
