from typing import Any

from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class HelloView(APIView):
    """The demo's protected endpoint: Bearer access token required (project default)."""

    def get(self, request: Request) -> Response:
        user: Any = request.user
        return Response(
            {
                "message": f"Hello, {user.get_username()}! This came from a protected endpoint.",
                "user": user.get_username(),
                "server_time": timezone.now().isoformat(),
            }
        )
