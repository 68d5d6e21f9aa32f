"""FAKE jwtauth login/ and refresh/ (self-test only): refresh sessions live in Django's cache."""

import secrets

from django.contrib.auth import authenticate
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.urls import path
from rest_framework.authentication import CSRFCheck
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from jwtauth.core.tokens import issue_access_token


def _issue(request, user_id: int) -> Response:
    refresh = secrets.token_urlsafe(32)
    cache.set(f"jwtauth:rt:{refresh}", user_id, 3600)
    # Django's CSRF machinery: masked token in the body, secret in the csrftoken cookie.
    response = Response({"access_token": issue_access_token(user_id), "csrf_token": get_token(request._request)})
    response.set_cookie("jwtauth_refresh", refresh, httponly=True, samesite="Strict", path="/api/auth/")
    return response


class Login(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def post(self, request):
        user = authenticate(request, username=request.data.get("username"), password=request.data.get("password"))
        if user is None:
            return Response({"code": "invalid_credentials"}, status=401)
        return _issue(request, user.pk)


class Refresh(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def post(self, request):
        check = CSRFCheck(lambda req: None)
        check.process_request(request._request)
        if check.process_view(request._request, None, (), {}):
            return Response({"code": "csrf_failed"}, status=403)
        refresh = request.COOKIES.get("jwtauth_refresh", "")
        user_id = cache.get(f"jwtauth:rt:{refresh}")
        if user_id is None:
            return Response({"code": "token_invalid"}, status=401)
        cache.delete(f"jwtauth:rt:{refresh}")
        return _issue(request, user_id)


urlpatterns = [path("login/", Login.as_view()), path("refresh/", Refresh.as_view())]
