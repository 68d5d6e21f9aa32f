"""allauth headless token strategy that ends every completed login in a jwtauth session.

Set ``HEADLESS_TOKEN_STRATEGY = "jwtauth.contrib.allauth.strategy.JWTAuthTokenStrategy"``.

Only allauth's **app** client is supported. allauth calls a token strategy only for that
client; its ``browser`` client keeps the user in Django's session cookie, a second
credential beside jwtauth's that jwtauth could not revoke, rotate or scope to its
endpoints. With the app client:

- during the flow (pending e-mail verification, pending MFA, ...) the client holds
  allauth's ``session_token`` (``X-Session-Token``) and no jwtauth token at all;
- when allauth reports the user fully authenticated (password, signup with auto-login,
  e-mailed code, after the MFA step, passkey, social login) the response's ``meta``
  carries jwtauth's ``access_token``, ``token_type``, ``expires_in`` and ``csrf_token``,
  and :class:`~jwtauth.contrib.allauth.middleware.AllauthSessionMiddleware` sets
  jwtauth's refresh cookie, exactly as jwtauth's ``login/`` does. allauth's own refresh
  token is never issued: ``refresh/`` of jwtauth rotates the cookie;
- allauth's session stays linked to that jwtauth session: once the jwtauth session is
  revoked (logout, logout-all, password change, reuse detected, admin) the
  ``X-Session-Token`` is refused with allauth's 410, and allauth's logout revokes the
  jwtauth session.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from allauth.headless.tokens.strategies.base import AbstractTokenStrategy
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest

from ...api.csrf import bind_csrf_token
from ...api.throttling import client_ip
from ...sessions.service import start_session
from ._link import MIDDLEWARE_MARK, SESSION_KEY, linked_sid, live_linked_session, request_refresh_cookie

__all__ = ["JWTAuthTokenStrategy"]

#: Request attribute: ``(user pk, payload)`` of the session this request already started.
_ISSUED = "_jwtauth_allauth_issued"


def _session_store(session_key: str | None = None) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    store: SessionBase = engine.SessionStore(session_key=session_key)
    return store


class JWTAuthTokenStrategy(AbstractTokenStrategy):
    """Token strategy for allauth headless's ``app`` client backed by jwtauth sessions."""

    def create_session_token(self, request: HttpRequest) -> str:
        """allauth's session token: the key of its Django session (saved if new)."""
        if not request.session.session_key:
            request.session.save()
        key = request.session.session_key
        if key is None:  # pragma: no cover - save() always assigns a key
            raise RuntimeError("the session store did not assign a session key")
        return key

    def lookup_session(self, session_token: str) -> SessionBase | None:
        """allauth's session for ``X-Session-Token``, or ``None`` (allauth answers 410).

        A session whose linked jwtauth session was revoked or has expired is deleted and
        refused: revoking the token family ends the allauth session token too.
        """
        session = _session_store(session_token)
        session.get(SESSION_KEY)  # loads it; a missing or expired session drops its key
        if not session.session_key:
            return None
        link = linked_sid(session)
        if link is not None and live_linked_session(link[1], link[0]) is None:
            session.delete()
            return None
        return session

    def create_access_token_payload(self, request: HttpRequest) -> dict[str, Any] | None:
        """Start a jwtauth session for the user allauth just authenticated.

        Called by allauth only for the app client, once ``request.user`` is fully
        authenticated (never during a pending stage).

        Returns:
            ``{"access_token", "token_type": "Bearer", "expires_in": seconds,
            "csrf_token"}``, merged into the response's ``meta``; the refresh cookie is
            set by the middleware.

        Raises:
            ImproperlyConfigured: ``AllauthSessionMiddleware`` is not installed (the
                refresh cookie could not be set).
        """
        if not getattr(request, MIDDLEWARE_MARK, False):
            raise ImproperlyConfigured(
                "JWTAuthTokenStrategy needs jwtauth.contrib.allauth.middleware.AllauthSessionMiddleware in MIDDLEWARE."
            )
        user = request.user
        issued = getattr(request, _ISSUED, None)
        if issued is not None and issued[0] == user.pk:
            # allauth may build more than one response for one login (a passkey login
            # builds one inside the flow and another in the view): one session per login.
            return dict(issued[1])
        # One transaction: the session row and the link land together or not at all.
        with transaction.atomic():
            result = start_session(
                user,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                ip_address=client_ip(request),
                request=request,
            )
        request.session[SESSION_KEY] = {"sid": str(result.session.pk), "user": str(user.pk)}
        request_refresh_cookie(request, result.refresh)
        # A new login gets a new CSRF secret, bound to the new session, as jwtauth's login/ does.
        payload = {
            "access_token": result.access.token,
            "token_type": "Bearer",
            "expires_in": result.access.lifetime_seconds,
            "csrf_token": bind_csrf_token(request, str(result.session.pk)),
        }
        setattr(request, _ISSUED, (user.pk, payload))
        return dict(payload)
