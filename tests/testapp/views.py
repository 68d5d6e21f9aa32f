from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class HelloView(APIView):
    """A protected endpoint using the project's default authentication (JWT)."""

    def get(self, request: Request) -> Response:
        user: Any = request.user
        return Response({"message": "hello", "user": user.get_username()})


class PkView(APIView):
    """Reads only ``request.user.pk``: no user field from the database."""

    def get(self, request: Request) -> Response:
        return Response({"pk": request.user.pk})
