"""The HTTP API: ``login/``, ``refresh/``, ``logout/``, ``user/``.

Login and the cookie endpoints run no authentication class at all, so a stale or
garbage ``Authorization`` header can never stop someone from logging in again.
Every response that carries a token is ``Cache-Control: no-store`` (RFC 6749 §5.1).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any, ClassVar

from django.contrib.auth import authenticate
from django.db import Error as DatabaseError
from django.db import connections, transaction
from django.middleware.csrf import get_token
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..core import errors as e
from ..core.errors import (
    CsrfFailed,
    DPoPProofInvalid,
    InvalidCredentials,
    JWTAuthError,
    RefreshTokenInvalid,
    RefreshTokenMissing,
    UserInactive,
)
from ..sessions.receivers import password_upgrades_allowed
from ..sessions.service import LoginResult, refresh_session, revoke_refresh_token
from ..settings import get_settings
from .authentication import BEARER_ERRORS, JWTAuthentication
from .cookies import (
    delete_refresh_cookie,
    login_url,
    partition_csrf_cookie,
    read_refresh_cookies,
    set_refresh_cookie,
)
from .credentials import equalise_failed_login, resolve_login_identity
from .csrf import bind_csrf_token, bound_refresh_token, csrf_token_for_cookies, enforce_csrf, enforce_trusted_origin
from .dpop import add_nonce_header, dpop_error, login_proof_jkt, token_type
from .errors import DEFAULT_REALM, api_error, bearer_challenge, cookie_challenge, exception_handler
from .parsers import StrictFormParser, StrictJSONParser, StrictMultiPartParser, check_body_size
from .serializers import login_serializer_class
from .throttling import account_ident, reserve_login_attempt
from .tokens import start_login
from .transition import exchange_legacy_refresh_token, legacy_policy

logger = logging.getLogger("jwtauth")

__all__ = ["CsrfTokenView", "LoginView", "LogoutView", "RefreshView", "UserView"]


@cache
def _serializer_class(path: str) -> Any:
    return import_string(path)


def serialize_user(user: Any) -> Any:
    """The ``user`` object of responses, through ``USER_SERIALIZER``."""
    return _serializer_class(get_settings().user_serializer)(user).data


def _no_store(response: Response) -> Response:
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _is_form(request: Request) -> bool:
    media_type = str(request.content_type or "").split(";", 1)[0].strip().lower()
    return media_type in ("application/x-www-form-urlencoded", "multipart/form-data")


def enforce_origin_or_403(request: Request) -> None:
    """403 ``csrf_failed`` for a browser request from an untrusted origin (login CSRF)."""
    try:
        enforce_trusted_origin(request._request)
    except JWTAuthError as err:
        raise api_error(err) from None


def _proof_jkt(request: Request, *, allow_missing: bool = False) -> str | None:
    """The DPoP key of a login or refresh request (None: bearer); 401 for a bad proof."""
    try:
        return login_proof_jkt(request, allow_missing=allow_missing)
    except DPoPProofInvalid as err:
        raise dpop_error(request, err) from None
    except JWTAuthError as err:
        raise api_error(err) from None


class JWTAuthAPIView(APIView):
    """Base of jwtauth's views: JSON only (even for a browser form post), JSON errors
    ``{"detail", "code"}``, no-store."""

    renderer_classes = (JSONRenderer,)
    #: Every error this view can answer with; the OpenAPI schema and the docs list these.
    errors: ClassVar[tuple[type[JWTAuthError], ...]] = ()

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        """The view, exempt from ``ATOMIC_REQUESTS`` on every database.

        jwtauth's views make their own transactions, and some of their writes must stay
        when the answer is an error: a failed login's throttle count, the revocation of a
        token family on reuse. Under ``ATOMIC_REQUESTS`` DRF's exception handler would
        roll those back with the request.
        """
        view = super().as_view(**initkwargs)
        for alias in connections:
            view = transaction.non_atomic_requests(using=alias)(view)
        return view

    def get_exception_handler(self) -> Any:
        return exception_handler

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == status.HTTP_401_UNAUTHORIZED and not response.has_header("WWW-Authenticate"):
            response["WWW-Authenticate"] = self.authenticate_challenge(request)
        add_nonce_header(request, response)
        partition_csrf_cookie(response, request._request)  # REFRESH_COOKIE_PARTITIONED
        return _no_store(response)

    def authenticate_challenge(self, request: Request) -> str:
        """The challenge of a 401 that has none yet (RFC 9110 §15.5.2: every 401 has one)."""
        return bearer_challenge(DEFAULT_REALM)


class _CookieView(JWTAuthAPIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    parser_classes = (StrictJSONParser, StrictFormParser, StrictMultiPartParser)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if response.status_code == status.HTTP_401_UNAUTHORIZED:
            # The credential here is the refresh cookie, not a Bearer token; a DPoP proof
            # error keeps its DPoP challenge first (RFC 9449 §7.1, RFC 9110 §11.6.1).
            challenge, existing = self.authenticate_challenge(request), response.get("WWW-Authenticate", "")
            response["WWW-Authenticate"] = f"{existing}, {challenge}" if existing.startswith("DPoP ") else challenge
        return super().finalize_response(request, response, *args, **kwargs)

    def authenticate_challenge(self, request: Request) -> str:
        return cookie_challenge(DEFAULT_REALM, get_settings().refresh_cookie_name, login_url(request._request))


class LoginView(_CookieView):
    """``POST login/``: exchange credentials for an access token and a refresh cookie.

    Body: JSON ``{"<USERNAME_FIELD>" or "username": str, "password": str}``. Form-encoded
    and multipart bodies only with ``LOGIN_FORM_ENABLED``, and then with Django's CSRF
    token (a form post is a "simple request" any site can send without a preflight).

    Responses:
        200 ``{"access_token", "token_type": "Bearer", "expires_in": seconds,
        "csrf_token", "user"}`` with the refresh cookie and a rotated ``csrftoken``.
        400 ``invalid_request``/``parse_error``; 401 ``invalid_credentials`` for an
        unknown user, a wrong password, an inactive user and an auth backend that
        raised alike; 403 ``csrf_failed``; 413 ``request_too_large``; 415
        ``unsupported_media_type`` for a body that is not JSON; 503 ``config_invalid``
        when ``TOKEN_CLAIMS`` returns unusable claims (no session is started); 429
        ``throttled`` with ``Retry-After`` after too many failed logins from this IP or
        for this account (only failures count).
    """

    errors = (
        e.InvalidRequest,
        e.ParseError,
        e.InvalidCredentials,
        e.LoginFlowRequired,
        e.DPoPProofInvalid,
        e.DPoPNonceRequired,
        e.CsrfFailed,
        e.RequestTooLarge,
        e.UnsupportedMediaType,
        e.Throttled,
        e.ConfigInvalid,
        e.ServiceUnavailable,
    )

    def get_parsers(self) -> list[Any]:
        # DRF asks for parsers before its exception handling starts: a bad configuration
        # here would be a 500, so it is left for post() to report (503 config_invalid).
        try:
            form_enabled = get_settings().login_form_enabled
        except e.ConfigInvalid:
            form_enabled = False
        if form_enabled:
            return [StrictJSONParser(), StrictFormParser(), StrictMultiPartParser()]
        return [StrictJSONParser()]

    def post(self, request: Request) -> Response:
        conf = get_settings()
        check_body_size(request._request, conf.login_max_body_bytes)
        enforce_origin_or_403(request)
        if conf.login_form_enabled and _is_form(request):
            try:
                enforce_csrf(request._request)
            except JWTAuthError as err:
                raise api_error(err) from None
        serializer = login_serializer_class(conf.password_max_length)(data=request.data)
        serializer.is_valid(raise_exception=True)
        dpop_jkt = _proof_jkt(request)
        password = serializer.validated_data["password"]
        identity = resolve_login_identity(serializer.validated_data["username"])
        # Reserved before the hasher runs, given back on success: concurrent guesses
        # each get their own count, and at most the limit of them reach the hasher.
        attempt = reserve_login_attempt(
            request, account_ident(identity.username, None if identity.user is None else identity.user.pk)
        )
        credentials = {serializer.username_field: identity.username, "password": password}
        backend_failed = False
        try:
            # authenticate() runs the password hasher for unknown users too and sends
            # user_login_failed with the password scrubbed.
            with password_upgrades_allowed():
                user = authenticate(request._request, **credentials)
        except DatabaseError:
            raise  # an outage: 503 from the error handler, not a wrong password
        except Exception as err:  # e.g. MultipleObjectsReturned from an iexact manager
            logger.warning(
                "jwtauth: an authentication backend raised %s during login; answered invalid_credentials",
                type(err).__name__,
            )
            user, backend_failed = None, True
        if user is None or getattr(user, "is_active", True) is False:
            equalise_failed_login(identity, password, backend_failed=backend_failed)
            raise api_error(InvalidCredentials())
        login_check = conf.password_login_check
        if login_check is not None and not login_check(user):
            # The password was right (not a guess: its reservations go back), but this
            # account signs in through another flow (e.g. allauth's second factor).
            attempt.release()
            raise api_error(e.LoginFlowRequired())
        # One transaction: the reservations given back, the session row and last_login
        # (user_logged_in) land together or not at all, so a failure in between never
        # leaves a half-made session (and the attempt then still counts).
        with transaction.atomic():
            attempt.release()
            result = start_login(user, request, dpop_jkt=dpop_jkt)
        return _login_response(request, result, dpop_jkt)


def _login_response(request: Request, result: LoginResult, dpop_jkt: str | None) -> Response:
    """``login/``'s answer for a new session: the tokens, the CSRF token bound to the new
    session, the user, and the refresh cookie."""
    response = Response(
        {
            "access_token": result.access.token,
            "token_type": token_type(dpop_jkt),
            "expires_in": result.access.lifetime_seconds,
            "csrf_token": get_token(request._request),
            "user": serialize_user(result.session.user),
        }
    )
    set_refresh_cookie(response, request._request, result.refresh)
    return response


class RefreshView(_CookieView):
    """``POST refresh/``: rotate the refresh cookie and issue a new access token.

    Needs the refresh cookie and a CSRF token in ``X-CSRFToken``.

    Responses:
        200 ``{"access_token", "token_type", "expires_in", "csrf_token"}`` with a new
        refresh cookie (none during the reuse grace period: the newer cookie stays).
        401 ``refresh_token_missing``; 401 ``refresh_token_invalid``/``_expired``/
        ``_revoked``/``_reused`` and ``user_inactive`` (the user was deactivated) with
        the cookie cleared; 403 ``csrf_failed``; 503 ``config_invalid`` when
        ``TOKEN_CLAIMS`` returns unusable claims (the cookie stays).
    """

    errors = (
        e.ParseError,
        e.RefreshTokenMissing,
        e.RefreshTokenInvalid,
        e.RefreshTokenExpired,
        e.RefreshTokenRevoked,
        e.RefreshTokenReused,
        e.DPoPProofInvalid,
        e.DPoPNonceRequired,
        e.UserInactive,
        e.CsrfFailed,
        e.RequestTooLarge,
        e.ConfigInvalid,
        e.ServiceUnavailable,
    )

    def post(self, request: Request) -> Response:
        candidates = read_refresh_cookies(request._request)
        if not candidates:
            legacy = _legacy_refresh_token(request)
            if legacy is not None:
                return self._exchange(request, *legacy)
            raise api_error(RefreshTokenMissing())
        check_body_size(request._request, get_settings().login_max_body_bytes)
        try:
            enforce_csrf(request._request)
            # Which cookie to use: the one bound to the CSRF token (see api/csrf.py).
            token = bound_refresh_token(request._request, candidates)
        except CsrfFailed as err:
            raise api_error(err) from None  # the session is not touched, the cookie stays
        except RefreshTokenInvalid as err:
            return self._failed(request, err)  # no cookie verifies at all
        # Before the token family is touched: a bad proof changes nothing. A missing one is
        # judged by the session (RFC 9449 §5: a bound family without its key is reuse).
        dpop_jkt = _proof_jkt(request, allow_missing=True)
        try:
            result = refresh_session(token, request=request._request, dpop_jkt=dpop_jkt)
        except DPoPProofInvalid as err:  # a bearer session where DPoP is now required
            response = self.handle_exception(dpop_error(request, err))
            delete_refresh_cookie(response, request._request)
            return response
        except (RefreshTokenInvalid, UserInactive) as err:  # a dead session: clear its cookie
            return self._failed(request, err)
        except JWTAuthError as err:
            # config_invalid (a TOKEN_CLAIMS problem), revocation_unavailable: the
            # session is fine and its cookie stays.
            raise api_error(err) from None
        response = Response(
            {
                "access_token": result.access.token,
                "token_type": token_type(result.session.dpop_jkt),
                "expires_in": result.access.lifetime_seconds,
                "csrf_token": bind_csrf_token(request._request, str(result.session.pk)),
            }
        )
        if result.refresh is not None:
            set_refresh_cookie(response, request._request, result.refresh)
        return response

    def _failed(self, request: Request, err: JWTAuthError) -> Response:
        response = self.handle_exception(api_error(err))
        delete_refresh_cookie(response, request._request)
        return response

    def _exchange(self, request: Request, token: str, cookie_name: str | None) -> Response:
        # A simplejwt refresh token during the transition window: answered as login/ is.
        try:
            if cookie_name is not None:
                enforce_csrf(request._request)  # the cookie is ambient authority
            else:
                enforce_trusted_origin(request._request)  # login CSRF, as on login/
        except JWTAuthError as err:
            raise api_error(err) from None
        dpop_jkt = _proof_jkt(request)
        try:
            result = exchange_legacy_refresh_token(token, request._request, dpop_jkt=dpop_jkt)
        except JWTAuthError as err:
            response = self.handle_exception(api_error(err))
        else:
            response = _login_response(request, result, dpop_jkt)
        if cookie_name is not None and response.status_code in (200, 401):
            response.delete_cookie(cookie_name)  # exchanged, or of no use any more
        return response


def _legacy_refresh_token(request: Request) -> tuple[str, str | None] | None:
    """A simplejwt refresh token presented to ``refresh/`` during the transition window:
    ``(token, cookie name)`` from the ``SIMPLEJWT_REFRESH_COOKIE_NAME`` cookie, or
    ``(token, None)`` from a JSON body ``{"refresh": "<token>"}``; ``None`` otherwise
    (the body is not read when the window is closed)."""
    conf = get_settings()
    if legacy_policy(conf.clock.now()) is None:
        return None
    name = conf.simplejwt_refresh_cookie_name
    if name is not None and request._request.COOKIES.get(name):
        return request._request.COOKIES[name], name
    check_body_size(request._request, conf.login_max_body_bytes)
    if str(request.content_type or "").split(";", 1)[0].strip().lower() != "application/json":
        return None
    data = request.data
    token = data.get("refresh") if isinstance(data, dict) else None
    return (token, None) if isinstance(token, str) and token else None


class LogoutView(_CookieView):
    """``POST logout/``: revoke this refresh session and clear the cookie.

    Needs the cookie and a CSRF token; 204 also when there is no cookie.

    Responses: 204; 403 ``csrf_failed``.
    """

    errors = (e.ParseError, e.CsrfFailed, e.RequestTooLarge, e.RevocationUnavailable, e.ServiceUnavailable)

    def post(self, request: Request) -> Response:
        candidates = read_refresh_cookies(request._request)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        if not candidates:
            return response
        check_body_size(request._request, get_settings().login_max_body_bytes)
        try:
            enforce_csrf(request._request)
            token: str | None = bound_refresh_token(request._request, candidates)
        except CsrfFailed as err:
            raise api_error(err) from None
        except RefreshTokenInvalid:
            token = None  # no cookie verifies: nothing to revoke, clear ours
        if token is not None:
            revoke_refresh_token(token, reason="logout")
        delete_refresh_cookie(response, request._request)
        return response


class CsrfTokenView(_CookieView):
    """``GET csrf/``: a CSRF token in the body (and the ``csrftoken`` cookie).

    For a front end on another host that cannot read the API's cookies: after a page
    reload it has no CSRF token in memory, fetches one here (with credentials), then
    calls ``refresh/``. CORS keeps other origins from reading the body.

    Responses: 200 ``{"csrf_token"}``.
    """

    def get(self, request: Request) -> Response:
        token = csrf_token_for_cookies(request._request, read_refresh_cookies(request._request))
        return Response({"csrf_token": token})


class UserView(JWTAuthAPIView):
    """``GET user/``: the authenticated user. 200 ``{"user": {...}}``; 401 otherwise."""

    errors = BEARER_ERRORS

    authentication_classes = (JWTAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response({"user": serialize_user(request.user)})
