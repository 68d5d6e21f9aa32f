"""OpenAPI descriptions of ``csrf/``, the session endpoints and ``jwks/``; registered by
importing :mod:`jwtauth.contrib.openapi.schema`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)

from ...settings import get_settings
from .schema import _STRING, _errors, _header, _object


class _CsrfSchema(OpenApiViewExtension):
    target_class = "jwtauth.api.views.CsrfTokenView"

    def view_replacement(self) -> Any:
        return extend_schema_view(
            get=extend_schema(
                summary="CSRF token",
                description="A CSRF token for refresh/ and logout/, for front ends that cannot read the API's cookies.",
                responses={200: OpenApiResponse(_object({"csrf_token": _STRING}), description="The token.")},
                parameters=[_header("Set-Cookie", [200], "The csrftoken cookie.")],
                tags=["auth"],
            )
        )(type("CsrfTokenView", (self.target,), {}))


_SESSION = _object(
    {
        "id": {"type": "string", "format": "uuid", "description": "The session id (the sid claim)."},
        "created_at": {"type": "string", "format": "date-time"},
        "last_used_at": {"type": "string", "format": "date-time"},
        "expires_at": {
            "type": "string",
            "format": "date-time",
            "description": "When the session ends unless it refreshes: the earlier of the two below.",
        },
        "idle_expires_at": {
            "type": "string",
            "format": "date-time",
            "description": "The idle timeout: the last rotation plus REFRESH_TOKEN_LIFETIME.",
        },
        "absolute_expires_at": {
            "type": "string",
            "format": "date-time",
            "description": "The absolute end: created_at plus SESSION_MAX_LIFETIME, whatever the rotations.",
        },
        "user_agent": _STRING,
        "ip_address": {"type": "string", "nullable": True},
        "current": {"type": "boolean", "description": "The session of the presented access token."},
    }
)


def _bearer_view(target: type, method: str, **schema: Any) -> Any:
    # Every 401 of these endpoints carries the Bearer (or DPoP) challenge.
    challenge = _header("WWW-Authenticate", [401], "An RFC 6750 Bearer challenge (DPoP, RFC 9449, when bound).")
    schema["parameters"] = [*schema.get("parameters", []), challenge]
    return extend_schema_view(**{method: extend_schema(tags=["sessions"], **schema)})(
        type(target.__name__, (target,), {})
    )


class _LogoutAllSchema(OpenApiViewExtension):
    target_class = "jwtauth.api.session_views.LogoutAllView"

    def view_replacement(self) -> Any:
        return _bearer_view(
            self.target,
            "post",
            summary="Log out everywhere",
            description=(
                "Revoke every session of the user, this one too, and clear the refresh cookie. "
                "Set-based: the same few statements however many sessions there are."
            ),
            request=None,
            responses={
                200: OpenApiResponse(
                    _object(
                        {"revoked": {"type": "integer", "minimum": 0, "description": "Sessions this call revoked."}}
                    ),
                    description="All sessions revoked.",
                ),
                **_errors("logout-all"),
            },
        )


class _SessionListSchema(OpenApiViewExtension):
    target_class = "jwtauth.api.session_views.SessionListView"

    def view_replacement(self) -> Any:
        link = {"type": "string", "format": "uri", "nullable": True}
        ok = _object(
            {
                "count": {"type": "integer", "minimum": 0, "description": "Live sessions in all pages."},
                "next": link,
                "previous": link,
                "sessions": {"type": "array", "items": _SESSION},
            }
        )
        return _bearer_view(
            self.target,
            "get",
            summary="Live sessions",
            parameters=[
                OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, description="1-based page number."),
                OpenApiParameter(
                    "page_size", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Default 50, at most 100."
                ),
            ],
            responses={
                200: OpenApiResponse(ok, description="Most recently used first, 50 per page by default."),
                **_errors("sessions"),
            },
        )


class _SessionDetailSchema(OpenApiViewExtension):
    target_class = "jwtauth.api.session_views.SessionDetailView"

    def view_replacement(self) -> Any:
        return _bearer_view(
            self.target,
            "delete",
            summary="Revoke one session",
            description="404 alike for an id that is malformed, revoked, expired or another user's.",
            parameters=[OpenApiParameter("session_id", OpenApiTypes.STR, OpenApiParameter.PATH)],
            responses={204: OpenApiResponse(description="Revoked."), **_errors("session")},
        )


class _PasswordChangeSchema(OpenApiViewExtension):
    target_class = "jwtauth.api.session_views.PasswordChangeView"

    def view_replacement(self) -> Any:
        from rest_framework import serializers

        limit = get_settings().password_max_length
        request = inline_serializer(
            "PasswordChangeRequest",
            fields={
                "old_password": serializers.CharField(trim_whitespace=False, max_length=limit),
                "new_password": serializers.CharField(trim_whitespace=False, max_length=limit),
            },
        )
        return _bearer_view(
            self.target,
            "post",
            summary="Change password",
            description="Runs AUTH_PASSWORD_VALIDATORS; revokes every other session and keeps this one.",
            request=request,
            responses={204: OpenApiResponse(description="Changed."), **_errors("password-change")},
        )


class _ReauthenticateSchema(OpenApiViewExtension):
    target_class = "jwtauth.api.session_views.ReauthenticateView"

    def view_replacement(self) -> Any:
        from rest_framework import serializers

        request = inline_serializer(
            "ReauthenticateRequest",
            fields={
                "password": serializers.CharField(trim_whitespace=False, max_length=get_settings().password_max_length)
            },
        )
        ok = _object(
            {
                "access_token": {**_STRING, "description": "A new access token whose auth_time is now."},
                "token_type": {"type": "string", "enum": ["Bearer", "DPoP"]},
                "expires_in": {"type": "integer", "description": "Seconds until the access token expires."},
            }
        )
        return _bearer_view(
            self.target,
            "post",
            summary="Confirm the password again (step-up)",
            description=(
                "Checks the password through authenticate() under the login throttles. On success the "
                'session\'s auth_time becomes now and a new access token carries it (amr ["pwd"]); later '
                "refreshes carry it on. Use it when a view answers 403 reauthentication_required, then "
                "retry with the new token. A wrong password is 401 invalid_credentials, counted by the "
                "login throttles; the session is not revoked."
            ),
            request=request,
            responses={200: OpenApiResponse(ok, description="Re-authenticated."), **_errors("reauthenticate")},
        )


_JWK = {
    "type": "object",
    "properties": {
        "kty": {"type": "string", "enum": ["OKP", "EC", "RSA"]},
        "kid": _STRING,
        "use": {"type": "string", "enum": ["sig"]},
        "alg": _STRING,
    },
    "required": ["kty", "kid", "use", "alg"],
    "additionalProperties": True,
    "description": "A public JWK (RFC 7517 §4): crv/x/y (OKP, EC) or n/e (RSA); never private members.",
}


class _JWKSSchema(OpenApiViewExtension):
    target_class = "jwtauth.api.jwks.JWKSView"

    def view_replacement(self) -> Any:
        ok = _object({"keys": {"type": "array", "items": _JWK}})
        return extend_schema_view(
            get=extend_schema(
                summary="Access token verification keys",
                description=(
                    "The JWK Set (RFC 7517 §5) of ACCESS_TOKEN_KEYS' public keys, signer first; "
                    "empty for an HMAC-only configuration."
                ),
                responses={200: OpenApiResponse(ok, description="The JWK Set.")},
                parameters=[_header("Cache-Control", [200], "public, max-age=<JWKS_MAX_AGE seconds>.")],
                tags=["keys"],
            )
        )(type("JWKSView", (self.target,), {}))
