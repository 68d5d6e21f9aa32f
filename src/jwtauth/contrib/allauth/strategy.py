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
  jwtauth session;
- without ``X-Session-Token`` (after a page reload the SPA has only what ``refresh/``
  gave it), allauth's endpoints accept jwtauth's access token as
  ``Authorization: Bearer``: it is verified as for any API call (signature, claims, live
  session, active user) and stands for an allauth session linked to its token family,
  found again through Django's cache, else started afresh (the user then re-authenticates
  before sensitive changes, as allauth requires anyway).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.headless.tokens.strategies.base import AbstractTokenStrategy
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, get_user_model
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest

from ...api.csrf import bind_csrf_token
from ...api.throttling import client_ip
from ...api.tokens import verify_access_token
from ...core.bearer import parse_authorization_header
from ...core.errors import JWTAuthError
from ...sessions.service import start_session
from ...settings import get_settings, now
from ._link import MIDDLEWARE_MARK, SESSION_KEY, linked_sid, live_linked_session, request_refresh_cookie
from .amr import amr_of, auth_time_of

__all__ = ["JWTAuthTokenStrategy"]

#: Request attribute: ``(user pk, payload)`` of the session this request already started.
_ISSUED = "_jwtauth_allauth_issued"
#: Request attribute: the allauth session key found for the request's Bearer token.
_BEARER_SESSION = "_jwtauth_allauth_bearer_session"


def _session_store(session_key: str | None = None) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    store: SessionBase = engine.SessionStore(session_key=session_key)
    return store


def _cache_key(sid: str) -> str:
    return f"jwtauth.allauth.session.{sid}"


def _linked_session_key(sid: str, user_pk: str) -> str | None:
    """The key of a live allauth session linked to jwtauth session ``sid``, if cached."""
    session_key = cache.get(_cache_key(sid))
    if not isinstance(session_key, str):
        return None
    session = _session_store(session_key)
    if linked_sid(session) != (sid, user_pk):  # gone, expired, or another login's
        return None
    return session_key


def _start_linked_session(sid: str, user_pk: str) -> str | None:
    """Start an allauth session for the user of jwtauth session ``sid``, linked to it.

    Signs the user in as :func:`django.contrib.auth.login` records it (user id, the first
    configured backend, the session auth hash, so a password change ends it).
    """
    user = get_user_model()._default_manager.filter(pk=user_pk).first()
    if user is None or not settings.AUTHENTICATION_BACKENDS:
        return None
    session = _session_store()
    session[USER_SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SESSION_KEY] = {"sid": sid, "user": user_pk}
    session.save()
    if session.session_key is None:  # pragma: no cover - save() always assigns a key
        return None
    cache.set(_cache_key(sid), session.session_key, timeout=settings.SESSION_COOKIE_AGE)
    return session.session_key


class JWTAuthTokenStrategy(AbstractTokenStrategy):
    """Token strategy for allauth headless's ``app`` client backed by jwtauth sessions."""

    def get_session_token(self, request: HttpRequest) -> str | None:
        """allauth's session token: ``X-Session-Token``, else the allauth session linked
        to the token family of a valid jwtauth access token in ``Authorization``.

        An access token that does not verify (bad, expired, revoked, inactive user)
        counts as no credential: allauth answers as for an anonymous request.
        """
        token = super().get_session_token(request)
        if token:
            return str(token)
        header = request.META.get("HTTP_AUTHORIZATION")
        if not header:
            return None
        # allauth asks more than once per request: verify and look up once.
        if hasattr(request, _BEARER_SESSION):
            found: str | None = getattr(request, _BEARER_SESSION)
            return found
        found = self._session_token_for_bearer(header)
        setattr(request, _BEARER_SESSION, found)
        return found

    def _session_token_for_bearer(self, header: str) -> str | None:
        try:
            raw = parse_authorization_header(header, get_settings().auth_header_types)
            if raw is None:
                return None
            claims = verify_access_token(raw)
        except JWTAuthError:
            return None
        return _linked_session_key(claims.sid, claims.sub) or _start_linked_session(claims.sid, claims.sub)

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
        authenticated (never during a pending stage). The session's ``amr`` and
        ``auth_time`` (RFC 8176, OpenID Connect Core §2), carried by every access token of
        the session, come from allauth's authentication records of this login: see
        :mod:`jwtauth.contrib.allauth.amr`.

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
        records = get_authentication_records(request, user)
        # One transaction: the session row and the link land together or not at all.
        with transaction.atomic():
            result = start_session(
                user,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                ip_address=client_ip(request),
                request=request,
                amr=tuple(amr_of(records)),
                auth_time=auth_time_of(records, default=now()),
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
