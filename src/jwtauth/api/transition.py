"""The transition from djangorestframework-simplejwt: its tokens, accepted for a window.

While ``SIMPLEJWT_ACCEPT_UNTIL`` lies in the future:

- :func:`authenticate_legacy_access_token`: :class:`~jwtauth.JWTAuthentication` accepts
  a simplejwt access token (verified as in :mod:`jwtauth.core.legacy`) for an active
  user. ``request.auth`` is a :class:`~jwtauth.core.legacy.LegacyClaims` (``is_legacy``,
  no ``sid``, no ``auth_time``). Such a token has no session, so ``logout/`` and
  ``DELETE sessions/<id>/`` cannot end it; what does: the end of the window, its own
  ``exp``, deactivating the user, and any revocation of all the user's sessions
  (``logout-all/``, a password change) made after its ``iat``; with simplejwt's
  ``CHECK_REVOKE_TOKEN``, a password change too.
- :func:`exchange_legacy_refresh_token`: ``refresh/`` exchanges a simplejwt refresh token
  once for a jwtauth session (amr ``["simplejwt"]``, no ``auth_time``) and blacklists
  it through simplejwt's ``token_blacklist`` app; a token already blacklisted there is
  refused, and of two concurrent exchanges of one token only one wins.

Threats: a token that verifies under simplejwt's key but is a refresh token used as an
access token (refused by its ``token_type``); the same refresh token exchanged twice
(one ``BlacklistedToken`` row per token, unique); a hostile page posting its own
simplejwt refresh token to log the visitor in (the Origin check of ``login/``, and for a
cookie Django's CSRF check).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import HttpRequest

from ..core import errors as e
from ..core.legacy import LegacyClaims, LegacyTokenPolicy, check_legacy_claims, verify_legacy_signature
from ..sessions.queries import revoked_everywhere_at
from ..sessions.service import LoginResult
from ..settings import get_settings
from .tokens import start_login

__all__ = [
    "EXCHANGE_AMR",
    "authenticate_legacy_access_token",
    "exchange_legacy_refresh_token",
    "legacy_policy",
]

#: The ``amr`` of a session exchanged for a simplejwt refresh token.
EXCHANGE_AMR = ("simplejwt",)


def legacy_policy(now: datetime) -> LegacyTokenPolicy | None:
    """The transition policy while the window is open at ``now``; ``None`` otherwise."""
    policy = get_settings().simplejwt
    if policy is None or now >= policy.accept_until:
        return None
    return policy


def _legacy_user(claims: LegacyClaims, policy: LegacyTokenPolicy) -> Any:
    """The active user a simplejwt token names, if nothing revoked it since its ``iat``.

    Raises:
        UserInactive (``user_inactive``): no such user, or inactive.
        TokenRevoked (``token_revoked``): every session of the user was revoked after the
            token was issued, or (simplejwt's ``CHECK_REVOKE_TOKEN``) the password changed.
    """
    user_model = get_user_model()
    manager = user_model._default_manager.using(router.db_for_write(user_model))
    try:
        user = manager.filter(**{policy.user_id_field: claims.sub}).first()
    except (ValueError, TypeError, ValidationError):  # a user id this field cannot hold
        user = None
    if user is None or getattr(user, "is_active", True) is False:
        raise e.UserInactive("simplejwt token of an unknown or inactive user")
    revoked_at = revoked_everywhere_at(user.pk)
    if revoked_at is not None and (claims.iat is None or claims.iat < revoked_at.timestamp()):
        raise e.TokenRevoked("simplejwt token issued before the user's sessions were all revoked")
    from rest_framework_simplejwt.settings import api_settings
    from rest_framework_simplejwt.utils import get_md5_hash_password

    if api_settings.CHECK_REVOKE_TOKEN:
        # simplejwt's own check: the token carries a hash of the password it was issued under.
        stamp = claims.claims.get(api_settings.REVOKE_TOKEN_CLAIM)
        if stamp != get_md5_hash_password(user.password):
            raise e.TokenRevoked("simplejwt token issued under another password")
    return user


def authenticate_legacy_access_token(token: str) -> tuple[Any, LegacyClaims] | None:
    """Authenticate a simplejwt access token during the window.

    Args:
        token: the compact JWT from ``Authorization: Bearer``.

    Returns:
        ``(user, claims)``, or ``None`` when the window is closed or the token is not
        signed with simplejwt's key (the caller then reports its own error).

    Raises:
        TokenExpired (``token_expired``), TokenInvalid (``token_invalid``): a simplejwt
            token whose claims fail (expired, not an access token, wrong ``iss``/``aud``).
        UserInactive (``user_inactive``), TokenRevoked (``token_revoked``): see above.
    """
    conf = get_settings()
    now = conf.clock.now()
    policy = legacy_policy(now)
    if policy is None:
        return None
    try:
        raw = verify_legacy_signature(token, policy)
    except e.TokenInvalid:
        return None
    claims = check_legacy_claims(raw, policy, token_type="access", now=now)
    return _legacy_user(claims, policy), claims


def _verified_refresh(token: str, policy: LegacyTokenPolicy, now: datetime) -> LegacyClaims:
    try:
        return check_legacy_claims(verify_legacy_signature(token, policy), policy, token_type="refresh", now=now)
    except e.TokenExpired:
        raise e.RefreshTokenExpired("simplejwt refresh token expired") from None
    except e.TokenInvalid:  # KeyUnknown too
        raise e.RefreshTokenInvalid("simplejwt refresh token invalid") from None


def _blacklist_once(token: str) -> None:
    # simplejwt's own API: check_blacklist() refuses a token it blacklisted itself (its
    # token/blacklist/ or BLACKLIST_AFTER_ROTATION); blacklist() is a get_or_create on a
    # one-to-one row, so of two concurrent exchanges exactly one creates it.
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.tokens import RefreshToken

    legacy = RefreshToken(token, verify=False)  # type: ignore[arg-type]  # verified by jwtauth above
    try:
        legacy.check_blacklist()
    except TokenError:
        raise e.RefreshTokenRevoked("simplejwt refresh token blacklisted") from None
    _row, created = cast("tuple[object, bool]", legacy.blacklist())
    if not created:
        raise e.RefreshTokenRevoked("simplejwt refresh token exchanged concurrently")


def exchange_legacy_refresh_token(token: str, request: HttpRequest, *, dpop_jkt: str | None = None) -> LoginResult:
    """Exchange a simplejwt refresh token, once, for a jwtauth session.

    In one transaction: the token is blacklisted in simplejwt's ``token_blacklist`` and a
    session is started as ``login/`` does (``user_logged_in`` is sent), with ``amr``
    ``["simplejwt"]`` and no ``auth_time``.

    Args:
        token: the simplejwt refresh token (a JSON body's ``refresh``, or the
            ``SIMPLEJWT_REFRESH_COOKIE_NAME`` cookie).
        request: the ``refresh/`` request.
        dpop_jkt: the thumbprint of the request's DPoP proof key, or ``None``.

    Returns:
        The new session and its tokens.

    Raises:
        RefreshTokenMissing (``refresh_token_missing``): the window is closed.
        RefreshTokenInvalid (``refresh_token_invalid``), RefreshTokenExpired
            (``refresh_token_expired``): not a valid simplejwt refresh token.
        RefreshTokenRevoked (``refresh_token_revoked``): blacklisted already, or
            issued before every session of the user was revoked.
        UserInactive (``user_inactive``): unknown or inactive user.
    """
    now = get_settings().clock.now()
    policy = legacy_policy(now)
    if policy is None:
        raise e.RefreshTokenMissing("simplejwt transition window is over")
    claims = _verified_refresh(token, policy, now)
    try:
        user = _legacy_user(claims, policy)
    except e.UserInactive:
        raise
    except e.TokenRevoked:
        raise e.RefreshTokenRevoked("simplejwt refresh token revoked") from None
    with transaction.atomic():
        _blacklist_once(token)
        return start_login(user, request, amr=EXCHANGE_AMR, dpop_jkt=dpop_jkt, has_proven_credential=False)
