"""Tokens for application code: start a session, verify an access token, revoke sessions.

These are the functions ``jwtauth`` re-exports for views of your own, management
commands, SSO callbacks and tests. They do what the HTTP endpoints do, through the same
code: :func:`tokens_for_user` is ``login/`` without the password check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import user_logged_in
from django.db import transaction
from django.http import HttpRequest
from rest_framework.request import Request

from ..core.errors import TokenInvalid, UserInactive
from ..core.tokens import AccessClaims, TokenPair
from ..core.tokens import verify_access_token as _verify_access_token
from ..sessions import revoke as _revoke
from ..sessions.request_check import authenticate_access_claims
from ..sessions.service import LoginResult, start_session
from ..settings import get_settings
from .csrf import bind_csrf_token
from .throttling import client_ip

__all__ = ["revoke_user_sessions", "start_login", "tokens_for_user", "verify_access_token"]


def _django_request(request: HttpRequest | Request | None) -> HttpRequest | None:
    return request._request if isinstance(request, Request) else request


def start_login(
    user: Any,
    request: HttpRequest | Request | None,
    *,
    amr: tuple[str, ...] = ("pwd",),
    dpop_jkt: str | None = None,
    has_proven_credential: bool = True,
) -> LoginResult:
    """Start a session for ``user`` as ``login/`` does after checking the password.

    In one transaction: the session row, and ``user_logged_in`` (which updates
    ``last_login``). With a request: its ``User-Agent`` and client IP are stored on the
    session, and its CSRF token is rotated, as :func:`django.contrib.auth.login` does.
    With ``dpop_jkt`` (a DPoP key thumbprint), the session's tokens are bound to that key.
    With ``has_proven_credential=False`` the session has no ``auth_time`` (see
    :func:`~jwtauth.sessions.service.start_session`).

    Raises:
        UserInactive (``user_inactive``): the user may not sign in (``is_active`` is false).
    """
    if getattr(user, "is_active", True) is False:
        raise UserInactive("inactive user given to start_login")
    http_request = _django_request(request)
    # Inside a caller's transaction this joins it (no savepoint): a failure here
    # fails the caller's transaction too, as a failed save() would.
    with transaction.atomic(savepoint=False):
        result = start_session(
            user,
            user_agent=http_request.META.get("HTTP_USER_AGENT", "") if http_request is not None else "",
            ip_address=client_ip(http_request) if http_request is not None else None,
            request=http_request,
            amr=amr,
            dpop_jkt=dpop_jkt,
            has_proven_credential=has_proven_credential,
        )
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
    if http_request is not None:
        # A new login gets a new CSRF secret, as django.contrib.auth.login() does: the
        # one bound to the new session (see jwtauth.api.csrf).
        bind_csrf_token(http_request, str(result.session.pk))
    return result


def tokens_for_user(user: Any, *, request: HttpRequest | Request | None = None, amr: Sequence[str] = ()) -> TokenPair:
    """Start a session for ``user`` exactly as ``login/`` does, without a password.

    For tests, management commands, SSO callbacks and other integrations that have
    already established who the user is. Finish an HTTP login with
    :func:`jwtauth.set_refresh_cookie` and by returning ``pair.access_token``.

    Args:
        user: an active user instance.
        request: the current request (Django or DRF), or ``None``. When given, its
            user agent and client IP are recorded, ``TOKEN_CLAIMS`` receives it, and
            its CSRF token is rotated.
        amr: how the user proved who they are, as RFC 8176 values (e.g. ``["otp"]``,
            ``["hwk"]``); the session's ``auth_time`` is now either way.

    Returns:
        A :class:`~jwtauth.core.tokens.TokenPair`; the session is live and its tokens
        are accepted everywhere (``refresh/``, Bearer authentication).

    Raises:
        UserInactive (``user_inactive``): the user is inactive.
        ConfigInvalid (``config_invalid``): ``TOKEN_CLAIMS`` returned unusable claims.
    """
    result = start_login(user, request, amr=tuple(amr))
    return TokenPair.of(result.access, result.refresh, str(result.session.pk))


def verify_access_token(token: str) -> AccessClaims:
    """Verify an access token as :class:`~jwtauth.JWTAuthentication` does.

    Checks the signature, ``typ`` (``at+jwt``), ``iss``/``aud`` when configured and the
    time claims (RFC 9068 §4), then that its session is live and its user active (not
    with ``STATELESS_ACCESS_TOKENS``). For transports DRF does not cover, such as a
    WebSocket handshake. A DPoP-bound token (``cnf.jkt``, RFC 9449 §6.1) is refused:
    without its proof it is worth no more than a stolen one.

    Args:
        token: the compact JWT, without the ``Bearer`` prefix.

    Returns:
        The verified :class:`~jwtauth.core.tokens.AccessClaims`.

    Raises:
        TokenExpired (``token_expired``), KeyUnknown (``key_unknown``), TokenInvalid
        (``token_invalid``, also for a DPoP-bound token), TokenRevoked
        (``token_revoked``), UserInactive (``user_inactive``), RevocationUnavailable
        (``revocation_unavailable``).
    """
    conf = get_settings()
    claims = _verify_access_token(token, conf.access, now=conf.clock.now(), cache=conf.verified_tokens)
    if claims.jkt is not None:
        raise TokenInvalid("DPoP-bound token verified without its proof")
    authenticate_access_claims(claims)
    return claims


def revoke_user_sessions(user: Any, *, reason: str = "revoked", keep_session_id: str | None = None) -> int:
    """Revoke every live session of ``user`` at once, on every process.

    Their access tokens stop working on the next request (unless
    ``STATELESS_ACCESS_TOKENS``) and their refresh tokens at once. Sends
    ``session_revoked`` for each.

    Args:
        user: a user instance or its primary key.
        reason: a short code stored on each session (at most 32 characters).
        keep_session_id: a session id (``sid``) to leave alone, e.g. the caller's own.

    Returns:
        How many sessions were revoked.

    Raises:
        RevocationUnavailable (``revocation_unavailable``): the revocation cache could
            not be written; nothing was revoked.
    """
    pk = getattr(user, "pk", user)
    return _revoke.revoke_user_sessions(pk, reason=reason, keep_sid=keep_session_id)
