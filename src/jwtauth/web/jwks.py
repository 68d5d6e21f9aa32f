"""``GET jwks/``: the access token verification keys as a JWK Set (RFC 7517 §5).

Other services (API gateways, Node/Go services, :mod:`jwtauth.contrib.resource_server`)
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

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from ..conf import get_settings
from ..core.jwks import public_jwks

__all__ = ["jwks_view"]

#: RFC 7517 §8.5.1 registers ``application/jwk-set+json``; ``application/json`` is what
#: most clients and gateways expect, and both parse the same.
CONTENT_TYPE = "application/json"


@csrf_exempt  # read-only and cookie-independent; lets a stray POST get a JSON 405
def jwks_view(request: HttpRequest) -> HttpResponse:
    """Return ``{"keys": [{"kty", "kid", "use": "sig", "alg", ...}, ...]}``.

    GET and HEAD only; any other method is a 405 ``{"detail", "code": "method_not_allowed"}``
    with an ``Allow`` header.
    """
    if request.method not in ("GET", "HEAD"):
        body = {"detail": _("Method not allowed."), "code": "method_not_allowed"}
        refused = JsonResponse(body, status=405)
        refused["Allow"] = "GET, HEAD"
        return refused
    conf = get_settings()
    response = JsonResponse(public_jwks(conf.access.keys), content_type=CONTENT_TYPE)
    response["Cache-Control"] = f"public, max-age={int(conf.jwks_max_age.total_seconds())}"
    return response
