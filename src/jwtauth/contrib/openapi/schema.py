"""OpenAPI 3 for jwtauth through drf-spectacular (``pip install "jwtauth[openapi]"``).

Importing this module registers drf-spectacular extensions; jwtauth's views never
import drf-spectacular themselves. :class:`jwtauth.apps.JWTAuthConfig` imports it
when ``"drf_spectacular"`` is in ``INSTALLED_APPS``; otherwise import it yourself
(e.g. in an ``AppConfig.ready``).

It describes:

* the Bearer scheme (``jwtAuth``: HTTP ``bearer``, format JWT) for
  :class:`~jwtauth.api.authentication.JWTAuthentication`, wherever it is used;
* the refresh cookie (``refreshCookie``: an API key in a cookie) together with the
  CSRF header it needs (``csrfToken``: ``X-CSRFToken``) on ``refresh/`` and
  ``logout/``;
* ``jwks/``: the public JWK Set (RFC 7517 §5), cacheable (``Cache-Control``);
* each endpoint's request body, responses, headers (``Set-Cookie``,
  ``Retry-After``, ``WWW-Authenticate``) and, per status, the error ``code`` values
  as an enum.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from ...api.errors import error_codes
from ...api.session_views import (
    LogoutAllView,
    PasswordChangeView,
    ReauthenticateView,
    SessionDetailView,
    SessionListView,
)
from ...api.views import LoginView, LogoutView, RefreshView, UserView
from ...settings import get_settings

__all__ = [
    "ERROR_CODES",
    "JWTAuthenticationScheme",
    "RefreshCookieAuthentication",
    "RefreshCookieScheme",
    "error_schema",
]

#: The ``code`` values each endpoint can answer with, by HTTP status: generated from the
#: errors each view declares (``errors`` on the view class), never written here.
ERROR_CODES: dict[str, dict[int, tuple[str, ...]]] = {
    name: error_codes(view.errors)
    for name, view in {
        "login": LoginView,
        "refresh": RefreshView,
        "logout": LogoutView,
        "user": UserView,
        "logout-all": LogoutAllView,
        "sessions": SessionListView,
        "session": SessionDetailView,
        "password-change": PasswordChangeView,
        "reauthenticate": ReauthenticateView,
    }.items()
}

_STRING = {"type": "string"}
_TOKEN_FIELDS: dict[str, Any] = {
    "access_token": {**_STRING, "description": "The access JWT; keep it in memory, send it as a Bearer token."},
    "token_type": {"type": "string", "enum": ["Bearer"]},
    "expires_in": {"type": "integer", "minimum": 0, "description": "Seconds until the access token expires."},
    "csrf_token": {**_STRING, "description": "Send it as X-CSRFToken to refresh/ and logout/."},
}
_USER = {"type": "object", "additionalProperties": True, "description": "Shaped by JWTAUTH['USER_SERIALIZER']."}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


def error_schema(codes: tuple[str, ...]) -> dict[str, Any]:
    """The ``{"detail", "code"}`` error body with ``code`` limited to ``codes``."""
    return {
        "type": "object",
        "properties": {
            "detail": _STRING,
            "code": {"type": "string", "enum": list(codes)},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": _STRING},
                "description": "Per-field messages (invalid_request only).",
            },
        },
        "required": ["detail", "code"],
    }


def _errors(endpoint: str) -> dict[int, OpenApiResponse]:
    return {
        status: OpenApiResponse(response=error_schema(codes), description="Codes: " + ", ".join(codes))
        for status, codes in ERROR_CODES[endpoint].items()
    }


_COOKIE_CHALLENGE = (
    'The Cookie challenge of draft-broyer-http-cookie-auth: Cookie realm="api", '
    'form-action="<login URL>", cookie-name="<refresh cookie>".'
)


def _header(name: str, statuses: list[int], description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.HEADER, response=statuses, description=description)


class RefreshCookieAuthentication(BaseAuthentication):
    """A schema-only stand-in for the refresh cookie + CSRF header; never authenticates."""

    def authenticate(self, request: Request) -> None:
        return None


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    """``jwtAuth``: ``Authorization: Bearer <access token>`` (RFC 6750)."""

    target_class = "jwtauth.api.authentication.JWTAuthentication"
    match_subclasses = True
    name = "jwtAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        definition = build_bearer_security_scheme_object("AUTHORIZATION", "Bearer", "JWT")
        return {
            **definition,
            "description": (
                "The access token from login/, refresh/ or reauthenticate/ (RFC 6750, typ at+jwt, RFC 9068). "
                "Claims: sub, sid, jti, iat, exp (iss and aud when configured); auth_time (when the user last "
                'proved a credential, NumericDate, OpenID Connect Core §2) and amr (RFC 8176, e.g. ["pwd"]); '
                "plus the custom claims of the TOKEN_CLAIMS hook, e.g. scope (space-separated, RFC 9068 §2.2.3). "
                "Views read the custom claims as request.auth.claims. A view guarded by HasScope answers 403 "
                'insufficient_scope with WWW-Authenticate: Bearer error="insufficient_scope", scope="..."; '
                "one guarded by RecentlyAuthenticated answers 403 reauthentication_required with max_age "
                "(seconds): post the password to reauthenticate/ and retry."
            ),
        }


class RefreshCookieScheme(OpenApiAuthenticationExtension):
    """``refreshCookie`` + ``csrfToken``: the HttpOnly refresh cookie and its CSRF header."""

    target_class = RefreshCookieAuthentication
    name = ["refreshCookie", "csrfToken"]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        cookie = get_settings().refresh_cookie_name
        return [
            {
                "type": "apiKey",
                "in": "cookie",
                "name": cookie,
                "description": "The rotating refresh token, set HttpOnly by login/ and refresh/.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-CSRFToken",
                "description": "The csrf_token from login/ or refresh/ (or the csrftoken cookie).",
            },
        ]


_SET_COOKIE = "The refresh cookie (HttpOnly, Secure, SameSite, Path = the auth prefix) and csrftoken."


class _LoginSchema(OpenApiViewExtension):
    target_class = "jwtauth.api.views.LoginView"

    def view_replacement(self) -> Any:
        from django.contrib.auth import get_user_model
        from django.core.validators import RegexValidator
        from rest_framework import serializers

        # Exactly what the login serializer accepts: non-blank after trimming, no NUL.
        # A serializer (not a raw schema) so that the request body is marked required.
        username_field = get_user_model().USERNAME_FIELD

        def username(help_text: str = "") -> serializers.CharField:
            return serializers.CharField(
                min_length=1, max_length=1024, validators=[RegexValidator(r"^[^\x00]*\S[^\x00]*$")], help_text=help_text
            )

        fields: dict[str, serializers.Field[Any, Any, Any, Any]] = {
            username_field: username(),
            "password": serializers.CharField(
                min_length=1,
                max_length=get_settings().password_max_length,
                trim_whitespace=False,
                validators=[RegexValidator(r"^[^\x00]*$")],
                help_text="Never trimmed; at most JWTAUTH['PASSWORD_MAX_LENGTH'] characters.",
            ),
        }
        if username_field != "username":
            fields["username"] = username(f"An alias of {username_field}.")
            fields["username"].required = False
        request = inline_serializer("LoginRequest", fields=fields)
        ok = _object({**_TOKEN_FIELDS, "user": _USER})
        return extend_schema_view(
            post=extend_schema(
                summary="Log in",
                description="Exchange credentials for an access token and an HttpOnly refresh cookie.",
                request=request,
                responses={200: OpenApiResponse(ok, description="Logged in."), **_errors("login")},
                parameters=[
                    _header("Set-Cookie", [200], _SET_COOKIE),
                    _header("Retry-After", [429, 503], "Seconds to wait before trying again."),
                    _header("WWW-Authenticate", [401], _COOKIE_CHALLENGE),
                ],
                tags=["auth"],
            )
        )(type("LoginView", (self.target,), {}))


class _CookieSchema(OpenApiViewExtension):
    endpoint = ""
    is_cookie_optional = False

    def view_replacement(self) -> Any:
        optional = self.is_cookie_optional

        class View(self.target):  # type: ignore[name-defined,misc]
            def get_authenticators(self) -> list[BaseAuthentication]:
                return [RefreshCookieAuthentication()]

            def get_permissions(self) -> list[Any]:
                from rest_framework.permissions import AllowAny

                return [AllowAny()] if optional else []

        return self.decorate(View)

    def decorate(self, view: type) -> Any:
        raise NotImplementedError


class _RefreshSchema(_CookieSchema):
    target_class = "jwtauth.api.views.RefreshView"

    def decorate(self, view: type) -> Any:
        ok = _object(_TOKEN_FIELDS)
        return extend_schema_view(
            post=extend_schema(
                summary="Refresh",
                description=(
                    "Rotate the refresh cookie and issue a new access token. A replaced refresh token "
                    "presented after REFRESH_REUSE_GRACE_PERIOD revokes the whole token family. Until "
                    "SIMPLEJWT_ACCEPT_UNTIL, a request without the refresh cookie may present a simplejwt "
                    'refresh token instead (JSON body {"refresh": "..."}, or the SIMPLEJWT_REFRESH_COOKIE_NAME '
                    "cookie with X-CSRFToken): it is exchanged once for a session, answered as login/ is."
                ),
                request=_legacy_refresh_request(),
                responses={200: OpenApiResponse(ok, description="Rotated."), **_errors("refresh")},
                parameters=[
                    _header("Set-Cookie", [200, 401], _SET_COOKIE + " Cleared on 401."),
                    _header("WWW-Authenticate", [401], _COOKIE_CHALLENGE),
                ],
                tags=["auth"],
            )
        )(view)


def _legacy_refresh_request() -> Any:
    # Only while the simplejwt transition is configured: the body is ignored otherwise.
    if get_settings().simplejwt_accept_until is None:
        return None
    from rest_framework import serializers

    return inline_serializer(
        "SimpleJWTRefreshRequest",
        fields={"refresh": serializers.CharField(required=False, help_text="A simplejwt refresh token.")},
    )


class _LogoutSchema(_CookieSchema):
    target_class = "jwtauth.api.views.LogoutView"
    is_cookie_optional = True

    def decorate(self, view: type) -> Any:
        return extend_schema_view(
            post=extend_schema(
                summary="Log out",
                description="Revoke this refresh session and clear the cookie (204 without a cookie too).",
                request=None,
                responses={204: OpenApiResponse(description="Logged out."), **_errors("logout")},
                parameters=[_header("Set-Cookie", [204], "The cleared refresh cookie.")],
                tags=["auth"],
            )
        )(view)


class _UserSchema(OpenApiViewExtension):
    target_class = "jwtauth.api.views.UserView"

    def view_replacement(self) -> Any:
        return extend_schema_view(
            get=extend_schema(
                summary="Current user",
                responses={200: OpenApiResponse(_object({"user": _USER}), description="The user."), **_errors("user")},
                parameters=[_header("WWW-Authenticate", [401], "An RFC 6750 Bearer challenge.")],
                tags=["auth"],
            )
        )(type("UserView", (self.target,), {}))
