"""django-ninja authentication with jwtauth access tokens (RFC 6750 Bearer).

:class:`JWTAuth` (sync) and :class:`AsyncJWTAuth` (async) run the same steps as DRF's
:class:`jwtauth.JWTAuthentication`: :func:`jwtauth.api.bearer.parse_authorization`,
:func:`jwtauth.api.bearer.verify_bearer_token` and
:func:`jwtauth.sessions.request_check.authenticate_access_claims` (session live, user
active, revocation cache). Failures carry the same ``{"detail", "code"}`` bodies and the
same ``WWW-Authenticate`` challenge once :func:`register_exception_handlers` is called
on the ``NinjaAPI``; without it they still answer with the right status (ninja's
``{"detail"}`` body), never a 500 and never a pass.

The async class verifies the signature on the event loop (CPU only, no I/O) and runs
the revocation check (a cache read, or one SQL query) in Django's thread-sensitive
executor through ``sync_to_async``, as Django's own async ORM does, so a slow cache or
database never blocks the loop. With ``STATELESS_ACCESS_TOKENS`` there is no I/O and no
thread hop.

Login, ``refresh/`` and ``logout/`` stay jwtauth's own views: mount
``include("jwtauth.urls")`` beside the ninja API.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from ...api.bearer import parse_authorization, verify_bearer_token
from ...api.errors import DATABASE_UNAVAILABLE, bearer_challenge, message_for, service_unavailable
from ...core.errors import JWTAuthError, NotAuthenticated, ServiceUnavailable
from ...core.tokens import AccessClaims
from ...sessions.request_check import authenticate_access_claims, load_user
from ...settings import get_settings

__all__ = ["AsyncJWTAuth", "JWTAuth", "JWTAuthNinjaError", "register_exception_handlers"]

logger = logging.getLogger("jwtauth")

#: Where the verified claims are put on the request (``request.auth`` is the user).
CLAIMS_ATTR = "access_claims"


class JWTAuthNinjaError(AuthenticationError):
    """A jwtauth failure in a django-ninja API.

    Attributes:
        code: the stable jwtauth code (``token_invalid``, ``token_expired``,
            ``key_unknown``, ``token_revoked``, ``user_inactive``,
            ``revocation_unavailable``, ``service_unavailable``).
        detail: the translated message.
        headers: ``WWW-Authenticate`` on a 401 (RFC 6750 §3), ``Retry-After`` on a 503.
    """

    def __init__(self, code: str, detail: str, status_code: int, headers: dict[str, str]) -> None:
        super().__init__(status_code=status_code, message=detail)
        self.code = code
        self.detail = detail
        self.headers = headers


def _failure(err: JWTAuthError, realm: str) -> JWTAuthNinjaError:
    status = err.status
    headers = {"WWW-Authenticate": bearer_challenge(realm, err)} if status == 401 else {}
    return JWTAuthNinjaError(err.code, str(message_for(err)), status, headers)


def _outage(exc: Exception) -> JWTAuthNinjaError:
    # 503, not 401: the client's tokens may be fine, so it retries rather than logs out.
    wait = service_unavailable(exc).wait  # logs the exception's class only
    err = ServiceUnavailable()
    return JWTAuthNinjaError(err.code, message_for(err), err.status, {"Retry-After": str(wait)})


def _load_or_raise(pk: Any, realm: str) -> Any:
    # Runs inside a view, on the first access to a user field the token does not carry.
    try:
        return load_user(pk)
    except JWTAuthError as err:
        raise _failure(err, realm) from None
    except DATABASE_UNAVAILABLE as exc:
        raise _outage(exc) from None


class _JWTAuthBase(HttpBearer):
    #: ``realm`` of the ``WWW-Authenticate`` challenge.
    realm = "api"

    def get_raw_token(self, request: HttpRequest) -> str | None:
        """The token of ``Authorization: Bearer <token>``, or ``None`` for "not us".

        Raises:
            TokenInvalid (``token_invalid``): our scheme, malformed credentials.
        """
        header = request.headers.get("Authorization")
        return parse_authorization(header) if header else None

    def _check_claims(self, claims: AccessClaims) -> Any:
        return authenticate_access_claims(claims, load=partial(_load_or_raise, realm=self.realm))

    def _accept(self, request: HttpRequest, user: Any, claims: AccessClaims) -> Any:
        request.user = user
        setattr(request, CLAIMS_ATTR, claims)
        return user


class JWTAuth(_JWTAuthBase):
    """Sync django-ninja auth: ``NinjaAPI(auth=JWTAuth())`` or ``@api.get(..., auth=JWTAuth())``.

    On success ``request.auth`` and ``request.user`` are the user (a lazy
    :class:`~jwtauth.sessions.revocation.SessionUser`: ``pk``, ``is_authenticated`` and
    ``is_active`` cost no query) and ``request.access_claims`` the verified
    :class:`~jwtauth.core.tokens.AccessClaims`.

    Raises:
        JWTAuthNinjaError: 401 ``token_invalid``, ``token_expired``, ``key_unknown``,
            ``token_revoked``, ``user_inactive``; 503 ``revocation_unavailable``,
            ``service_unavailable``.
    """

    def __call__(self, request: HttpRequest) -> Any:
        try:
            token = self.get_raw_token(request)
            if token is None:
                return None
            return self.authenticate(request, token)
        except JWTAuthError as err:
            raise _failure(err, self.realm) from None
        except DATABASE_UNAVAILABLE as exc:
            raise _outage(exc) from None

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        """Verify ``token`` and check its session; returns the user."""
        claims = verify_bearer_token(token)
        return self._accept(request, self._check_claims(claims), claims)


class AsyncJWTAuth(_JWTAuthBase):
    """Async django-ninja auth for ``async def`` operations; results as :class:`JWTAuth`.

    The revocation check never runs on the event loop (see the module docstring).
    ``request.user`` is lazy: in an async view, touching a field other than ``pk``,
    ``is_authenticated`` or ``is_active`` would query the database from the loop, which
    Django refuses (``SynchronousOnlyOperation``). Set ``preload_user=True`` to load the
    user in the same executor call (one more query per request), or read it with
    ``await get_user_model().objects.aget(pk=request.user.pk)``.

    Raises:
        JWTAuthNinjaError: as :class:`JWTAuth`.
    """

    def __init__(self, *, preload_user: bool = False) -> None:
        self.preload_user = preload_user
        super().__init__()

    async def __call__(self, request: HttpRequest) -> Any:
        try:
            token = self.get_raw_token(request)
            if token is None:
                return None
            return await self.authenticate(request, token)
        except JWTAuthError as err:
            raise _failure(err, self.realm) from None
        except DATABASE_UNAVAILABLE as exc:
            raise _outage(exc) from None

    async def authenticate(self, request: HttpRequest, token: str) -> Any:
        """Verify ``token`` (on the loop) and check its session (off the loop); returns the user."""
        claims = verify_bearer_token(token)
        if get_settings().stateless_access_tokens and not self.preload_user:
            user = self._check_claims(claims)  # no I/O: nothing to move off the loop
        else:
            # thread_sensitive=True: the database connection belongs to Django's one
            # sync thread, exactly as with Django's async ORM methods.
            user = await sync_to_async(self._check_and_load, thread_sensitive=True)(claims)
        return self._accept(request, user, claims)

    def _check_and_load(self, claims: AccessClaims) -> Any:
        user = self._check_claims(claims)
        return load_user(user.pk) if self.preload_user else user


def _jwtauth_error_response(request: HttpRequest, exc: JWTAuthNinjaError, *, api: NinjaAPI) -> HttpResponse:
    response = api.create_response(request, {"detail": exc.detail, "code": exc.code}, status=exc.status_code)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _not_authenticated_response(
    request: HttpRequest, exc: AuthenticationError, *, api: NinjaAPI, realm: str
) -> HttpResponse:
    if exc.status_code != 401:
        return api.create_response(
            request, {"detail": str(exc), "code": "authentication_failed"}, status=exc.status_code
        )
    # No credentials any auth class accepted: the body DRF gives, and a bare challenge.
    err = NotAuthenticated()
    response = api.create_response(request, {"detail": message_for(err), "code": err.code}, status=err.status)
    response["WWW-Authenticate"] = bearer_challenge(realm)
    return response


def register_exception_handlers(api: NinjaAPI, *, realm: str = "api") -> None:
    """Give ``api``'s authentication failures jwtauth's bodies and headers.

    - a failed jwtauth token: 401 ``{"detail", "code"}`` with
      ``WWW-Authenticate: Bearer realm=..., error="invalid_token", error_description=...``;
      503 ``revocation_unavailable`` / ``service_unavailable`` (with ``Retry-After``);
    - no credentials at all (ninja's ``AuthenticationError``): 401
      ``{"detail": "Authentication credentials were not provided.", "code":
      "not_authenticated"}`` with ``WWW-Authenticate: Bearer realm=...``, as DRF answers.

    Args:
        api: the ``NinjaAPI``.
        realm: the challenge's ``realm``; match the auth classes' ``realm`` attribute.
    """
    api.add_exception_handler(JWTAuthNinjaError, partial(_jwtauth_error_response, api=api))
    api.add_exception_handler(AuthenticationError, partial(_not_authenticated_response, api=api, realm=realm))
