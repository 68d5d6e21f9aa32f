"""Bearer-authenticated session management: ``logout-all/``, ``sessions/``,
``sessions/<id>/``, ``password/change/`` and ``reauthenticate/``.

These take the access token in ``Authorization: Bearer``, so they need no CSRF token
(browsers never attach that header on their own). Every revocation they perform holds
on every process at once; if the revocation cache cannot be written they change
nothing and answer 503 ``revocation_unavailable`` (retry).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ..core import errors as e
from ..sessions.models import RefreshSession
from ..sessions.queries import live_sessions
from ..sessions.receivers import HANDLED_PASSWORD_CHANGE
from ..sessions.revoke import revoke_one_session, revoke_user_sessions
from ..sessions.service import reauthenticate_session, session_end
from ..settings import get_settings
from .authentication import BEARER_ERRORS, JWTAuthentication
from .cookies import delete_refresh_cookie
from .dpop import token_type
from .errors import api_error
from .parsers import StrictJSONParser, check_body_size
from .permissions import check_recent_authentication
from .serializers import password_change_serializer_class, reauthenticate_serializer_class
from .throttling import account_ident, reserve_login_attempt
from .views import JWTAuthAPIView

__all__ = ["LogoutAllView", "PasswordChangeView", "ReauthenticateView", "SessionDetailView", "SessionListView"]


class _BearerView(JWTAuthAPIView):
    authentication_classes = (JWTAuthentication,)
    permission_classes = (IsAuthenticated,)
    parser_classes = (StrictJSONParser,)

    def get_authenticators(self) -> list[Any]:
        # These endpoints act on the caller's session: a simplejwt token has none.
        return [JWTAuthentication(accepts_simplejwt_tokens=False)]


class LogoutAllView(_BearerView):
    """``POST logout-all/``: revoke every session of the user (this one too).

    Set-based: the same few statements for 1 session or 10,000.

    Responses: 200 ``{"revoked": int}`` (how many sessions this call revoked) with the
    refresh cookie cleared; 401; 403 ``reauthentication_required`` when
    ``REAUTHENTICATE_FOR_LOGOUT_ALL`` is on and the credential is not recent; 503
    ``revocation_unavailable``.
    """

    errors = (*BEARER_ERRORS, e.ReauthenticationRequired)

    def post(self, request: Request) -> Response:
        if get_settings().reauthenticate_for_logout_all:
            check_recent_authentication(request)
        revoked = revoke_user_sessions(request.user.pk, reason="logout_all")
        response = Response({"revoked": revoked})
        delete_refresh_cookie(response, request._request)
        return response


def _session_data(session: RefreshSession, current_sid: str) -> dict[str, Any]:
    end = session_end(session, get_settings())
    return {
        "id": str(session.pk),
        "created_at": session.created_at,
        "last_used_at": session.last_used_at,
        # The earlier of the two: when the session ends if it is not used again.
        "expires_at": min(session.expires_at, end),
        "idle_expires_at": session.expires_at,
        "absolute_expires_at": end,
        "user_agent": session.user_agent,
        "ip_address": session.ip_address,
        "current": str(session.pk) == current_sid,
    }


class SessionPagination(PageNumberPagination):
    """Pages of ``sessions/``: ``?page=<n>`` (from 1) and ``?page_size=<n>``, 50 per page
    by default and at most 100."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.page.paginator.count if self.page is not None else 0,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "sessions": data,
            }
        )


class SessionListView(_BearerView):
    """``GET sessions/``: the user's live sessions, most recently used first, paginated.

    Query: ``page`` (1-based), ``page_size`` (default 50, at most 100).

    ``idle_expires_at`` is when the session ends unless it refreshes (the sliding
    ``REFRESH_TOKEN_LIFETIME``), ``absolute_expires_at`` when it ends whatever it does
    (``created_at + SESSION_MAX_LIFETIME``), ``expires_at`` the earlier of the two.

    Responses: 200 ``{"count", "next", "previous", "sessions": [{"id", "created_at",
    "last_used_at", "expires_at", "idle_expires_at", "absolute_expires_at",
    "user_agent", "ip_address", "current"}]}`` (times ISO 8601 UTC;
    ``next``/``previous`` are URLs or ``null``); 404 ``not_found`` for a page past the
    end; 401.
    """

    errors = (*BEARER_ERRORS, e.NotFound)
    pagination_class = SessionPagination

    def get(self, request: Request) -> Response:
        sid = request.auth.sid  # type: ignore[union-attr]
        sessions = live_sessions(request.user.pk).order_by("-last_used_at", "-pk")
        paginator = SessionPagination()
        page = paginator.paginate_queryset(sessions, request, view=self)
        return paginator.get_paginated_response([_session_data(s, sid) for s in page or []])


class SessionDetailView(_BearerView):
    """``DELETE sessions/<id>/``: revoke one of the user's sessions.

    Responses: 204 (the refresh cookie is cleared when it is the caller's own
    session); 404 ``not_found`` for an id that is malformed, revoked, expired or
    another user's, alike; 401; 403 ``reauthentication_required`` when
    ``REAUTHENTICATE_FOR_SESSION_DELETE`` is on and the credential is not recent; 503
    ``revocation_unavailable``.
    """

    errors = (*BEARER_ERRORS, e.NotFound, e.ReauthenticationRequired)

    def delete(self, request: Request, session_id: str) -> Response:
        if get_settings().reauthenticate_for_session_delete:
            check_recent_authentication(request)
        if not revoke_one_session(request.user.pk, session_id):
            raise NotFound()
        response = Response(status=status.HTTP_204_NO_CONTENT)
        if str(uuid.UUID(session_id)) == request.auth.sid:  # type: ignore[union-attr]
            delete_refresh_cookie(response, request._request)
        return response


class PasswordChangeView(_BearerView):
    """``POST password/change/``: ``{"old_password", "new_password"}``.

    Runs ``AUTH_PASSWORD_VALIDATORS``, revokes every other session of the user and
    keeps the caller's: its access token and refresh cookie keep working.

    Responses: 204; 400 ``invalid_request`` with ``errors.old_password`` (wrong) or
    ``errors.new_password`` (the validators' messages); 401; 413
    ``request_too_large``; 403 ``reauthentication_required`` (``max_age`` in the body)
    when ``REAUTHENTICATE_FOR_PASSWORD_CHANGE`` is on (the default) and the access
    token's ``auth_time`` is older than ``REAUTHENTICATION_MAX_AGE``; 503
    ``revocation_unavailable`` (nothing changed).
    """

    errors = (
        e.InvalidRequest,
        e.ParseError,
        e.RequestTooLarge,
        e.UnsupportedMediaType,
        e.Throttled,
        e.ReauthenticationRequired,
        *BEARER_ERRORS,
    )

    def post(self, request: Request) -> Response:
        conf = get_settings()
        if conf.reauthenticate_for_password_change:
            check_recent_authentication(request)
        check_body_size(request._request, conf.login_max_body_bytes)
        serializer = password_change_serializer_class(conf.password_max_length)(data=request.data)
        serializer.is_valid(raise_exception=True)
        old, new = serializer.validated_data["old_password"], serializer.validated_data["new_password"]
        user: Any = request.user
        # Guessing the current password with a stolen access token counts against the
        # same failure limits as login/ (per account and per client IP).
        attempt = reserve_login_attempt(request, account_ident(user.get_username(), user.pk))
        if not user.check_password(old):
            raise ValidationError({"old_password": [_("The password is incorrect.")]})
        attempt.release()
        try:
            validate_password(new, user)
        except DjangoValidationError as err:
            raise ValidationError({"new_password": list(err.messages)}) from None
        with transaction.atomic():
            # Revocation first: if the cache cannot take it, the password stays as is.
            revoke_user_sessions(user.pk, reason="password_changed", keep_sid=request.auth.sid)  # type: ignore[union-attr]
            user.set_password(new)
            # The receiver that revokes every session on a password save skips this one,
            # so the caller's session survives.
            setattr(user, HANDLED_PASSWORD_CHANGE, True)
            user.save(update_fields=["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReauthenticateView(_BearerView):
    """``POST reauthenticate/``: ``{"password"}``: prove the password again ("sudo mode").

    Checks the password through ``authenticate()`` (every configured backend, the
    ``user_login_failed`` signal) under the login throttles; on success the session's
    ``auth_time`` becomes now (``amr`` ``["pwd"]``) and a new access token carrying it is
    returned. Later refreshes carry the new ``auth_time`` on. A wrong password is counted
    by the login throttles and leaves the session alone (no revocation: the caller holds a
    valid token and may just have mistyped).

    Responses: 200 ``{"access_token", "token_type": "Bearer" or "DPoP", "expires_in"}``; 400
    ``invalid_request``; 401 ``invalid_credentials`` (wrong password) or a Bearer code;
    413; 429 ``throttled`` with ``Retry-After``; 503 ``config_invalid`` (``TOKEN_CLAIMS``).
    """

    errors = (
        e.InvalidRequest,
        e.ParseError,
        e.RequestTooLarge,
        e.UnsupportedMediaType,
        e.InvalidCredentials,
        e.Throttled,
        e.ConfigInvalid,
        *BEARER_ERRORS,
    )

    def post(self, request: Request) -> Response:
        conf = get_settings()
        check_body_size(request._request, conf.login_max_body_bytes)
        serializer = reauthenticate_serializer_class(conf.password_max_length)(data=request.data)
        serializer.is_valid(raise_exception=True)
        user: Any = request.user
        username = user.get_username()
        # Reserved before the hasher runs, given back on success, as on login/.
        attempt = reserve_login_attempt(request, account_ident(username, user.pk))
        credentials = {get_user_model().USERNAME_FIELD: username, "password": serializer.validated_data["password"]}
        # authenticate(): the configured backends, the hasher run in constant time, and
        # user_login_failed with the password scrubbed, as login/ does.
        proven = authenticate(request._request, **credentials)
        if proven is None or proven.pk != user.pk or getattr(proven, "is_active", True) is False:
            raise api_error(e.InvalidCredentials())
        attempt.release()
        try:
            access = reauthenticate_session(request.auth.sid, proven, request=request._request)  # type: ignore[union-attr]
        except e.RefreshTokenRevoked:
            raise api_error(e.TokenRevoked()) from None
        kind = token_type(request.auth.jkt)  # type: ignore[union-attr]  # a bound session's token stays DPoP
        return Response({"access_token": access.token, "token_type": kind, "expires_in": access.lifetime_seconds})
