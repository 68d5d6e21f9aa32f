from typing import Any

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jwtauth import HasClaim, HasScope, RecentlyAuthenticated
from jwtauth.contrib.resource_server.authentication import ResourceServerAuthentication


class HelloView(APIView):
    """A protected endpoint using the project's default authentication (JWT)."""

    def get(self, request: Request) -> Response:
        user: Any = request.user
        return Response({"message": "hello", "user": user.get_username()})


class ResourceServerHelloView(APIView):
    """What another service looks like: verifies tokens against a remote JWKS."""

    authentication_classes = [ResourceServerAuthentication]

    def get(self, request: Request) -> Response:
        return Response({"sub": request.user.pk, "scope": request.auth.get("sid")})  # type: ignore[union-attr]


class PkView(APIView):
    """Reads only ``request.user.pk``: no user field from the database."""

    def get(self, request: Request) -> Response:
        return Response({"pk": request.user.pk})


class SsoLoginView(APIView):
    """A login finished by application code: tokens_for_user + set_refresh_cookie."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    def post(self, request: Request) -> Response:
        from django.contrib.auth import get_user_model

        import jwtauth

        user = get_user_model().objects.get(pk=request.data["user_id"])
        pair = jwtauth.tokens_for_user(user, request=request)
        response = Response({"access_token": pair.access_token, "expires_in": pair.expires_in})
        jwtauth.set_refresh_cookie(response, request, pair)
        return response


class ClaimsView(APIView):
    """Echoes the verified custom claims of ``request.auth``."""

    def get(self, request: Request) -> Response:
        claims = request.auth.claims  # type: ignore[union-attr]
        return Response({"claims": {k: list(v) if isinstance(v, tuple) else v for k, v in claims.items()}})


class AdminOnlyView(APIView):
    permission_classes = [IsAuthenticated, HasClaim("role", "admin")]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class OrdersWriteView(APIView):
    permission_classes = [IsAuthenticated, HasScope("orders:write")]

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


class ResourceServerOrdersView(APIView):
    authentication_classes = [ResourceServerAuthentication]
    permission_classes = [IsAuthenticated, HasScope("orders:write")]

    def get(self, request: Request) -> Response:
        auth: Any = request.auth
        return Response({"sub": auth.sub, "claims": {k: v for k, v in auth.claims.items() if isinstance(v, str)}})


class SudoView(APIView):
    """A dangerous action: needs a credential proven within REAUTHENTICATION_MAX_AGE."""

    permission_classes = [IsAuthenticated, RecentlyAuthenticated]

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


class StrictSudoView(APIView):
    permission_classes = [IsAuthenticated, RecentlyAuthenticated(max_age=60)]

    def post(self, request: Request) -> Response:
        return Response({"ok": True})
