"""jwtauth settings: one namespaced dict, ``JWTAUTH = {...}``, declared once in
:class:`JWTAuthSettings`, read lazily and validated.

:func:`get_settings` builds the frozen settings object on first use, caches it, and
forgets it when Django's ``setting_changed`` fires (so ``override_settings`` works in
tests). Nothing reads settings at import time. Each setting is one line of the table
below (default, validator, documentation); the reference page ``docs/settings.md`` is
generated from it (``python -m jwtauth.settings``) and a test keeps the two equal.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_noop

from ._settings_table import (
    Invalid,
    Setting,
    SettingProblem,
    SettingsTable,
    boolean,
    choice,
    cookie_name,
    dotted_path,
    duration,
    integer,
    optional,
    scheme_names,
    text,
)
from ._settings_table import (
    clock as clock_object,
)
from .core.dpop import SUPPORTED_DPOP_ALGORITHMS
from .core.errors import ConfigInvalid
from .core.keys.jwk import load_pem
from .core.keys.keyset import ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS, MIN_HMAC_KEY_BYTES, KeySet, derive_key, hmac_key
from .core.keys.sources import build_key_set
from .core.legacy import LegacyTokenPolicy
from .core.rates import Rate, parse_rate
from .core.tokens import TokenPolicy, VerifiedTokenCache

__all__ = [
    "JWTAuthSettings",
    "ResourceServerSettings",
    "SettingProblem",
    "get_settings",
    "now",
    "simplejwt_policy",
    "validate",
]


def _secret(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise Invalid(gettext("None, str or bytes"))


def _key_list(value: object) -> KeySet:
    try:
        return build_key_set(value)
    except ConfigInvalid as exc:
        raise Invalid("a key list", check_id="jwtauth.E006", message=f"{{name}} {exc.reason}.") from None


def _named(parse: Any, name: str) -> Any:
    """Fill ``{name}`` in a validator's own message with ``JWTAUTH['NAME']``."""

    def wrapped(value: object) -> Any:
        try:
            return parse(value)
        except Invalid as exc:
            message = exc.message.replace("{name}", f"JWTAUTH[{name!r}]") if exc.message else None
            raise Invalid(exc.expected, check_id=exc.check_id, message=message) from None

    return wrapped


def _dotted_callable(expected: str) -> Callable[[object], Callable[..., object]]:
    """A validator: a callable, or the dotted path of one; ``expected`` (marked with
    ``gettext_noop``) says what, translated when the value is refused."""

    def validate(value: object) -> Callable[..., object]:
        target = value
        if isinstance(value, str) and value:
            try:
                target = import_string(value)
            except Exception:  # ImportError, or the module itself failing to import
                target = None
        if not callable(target):
            raise Invalid(gettext(expected))
        return target

    return validate


_claims_hook = _dotted_callable(
    gettext_noop("None or a dotted path to a callable (user, request) -> mapping of claims")
)
_login_check = _dotted_callable(gettext_noop("None or a dotted path to a callable (user) -> bool"))


#: The verifier refuses longer tokens (jwtauth.core.jws.MAX_TOKEN_LENGTH).
_MAX_ACCESS_TOKEN_BYTES = 8192


def _token_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 256 <= value <= _MAX_ACCESS_TOKEN_BYTES:
        raise Invalid(
            gettext("an int from %(minimum)d to %(maximum)d") % {"minimum": 256, "maximum": _MAX_ACCESS_TOKEN_BYTES}
        )
    return value


_THROTTLE_SCOPES = {"ip": "20/min", "ipv6_48": "100/min", "account": "10/15min"}


def _throttle_rates(value: object) -> Mapping[str, Rate | None]:
    expected = gettext("a dict with keys from %(scopes)s and rates such as '20/min' or '10/15min' (or None)") % {
        "scopes": sorted(_THROTTLE_SCOPES)
    }
    if not isinstance(value, Mapping) or not set(value) <= set(_THROTTLE_SCOPES):
        raise Invalid(expected)
    try:
        rates = {scope: None if t is None else parse_rate(t) for scope, t in {**_THROTTLE_SCOPES, **value}.items()}
    except ConfigInvalid:
        raise Invalid(expected) from None
    return MappingProxyType(rates)


def _dpop_algorithms(value: object) -> tuple[str, ...]:
    algorithms = (value,) if isinstance(value, str) else value
    if (
        not isinstance(algorithms, list | tuple)
        or not algorithms
        or not all(isinstance(a, str) and a in SUPPORTED_DPOP_ALGORITHMS for a in algorithms)
    ):
        raise Invalid(
            gettext("a non-empty list from %(algorithms)s") % {"algorithms": sorted(SUPPORTED_DPOP_ALGORITHMS)}
        )
    return tuple(algorithms)


def _dpop_iat_window(value: object) -> timedelta:
    window = duration()(value)
    if not timedelta(seconds=1) <= window <= timedelta(minutes=10):
        raise Invalid(gettext("between 1 second and 10 minutes"))
    return window


def _aware_datetime(value: object) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(gettext("an aware datetime, e.g. datetime(2026, 3, 31, tzinfo=UTC)"))
    return value


_TOKENS, _COOKIE, _SESSIONS, _LOGIN, _DPOP, _SIMPLEJWT = (
    "Tokens and keys",
    "The refresh cookie and login",
    "Sessions and revocation",
    "Login throttling",
    "DPoP (sender-constrained tokens)",
    "Transition from simplejwt",
)


class JWTAuthSettings(SettingsTable):
    """The validated ``JWTAUTH`` settings: one attribute per setting, typed.

    Derived objects (the token policies, the verified-token memo) are built once per
    settings object.
    """

    namespace = "JWTAUTH"

    # fmt: off
    # Tokens and keys
    access_token_lifetime = Setting(timedelta(minutes=5), duration(positive=True), "lifetime of an access token (`expires_in`)", _TOKENS, default_doc="`timedelta(minutes=5)`")
    refresh_token_lifetime = Setting(timedelta(days=7), duration(positive=True), "lifetime of a refresh token; sliding: each rotation starts a new lifetime, and the session expires with its newest token", _TOKENS, default_doc="`timedelta(days=7)`")
    algorithm = Setting("HS256", choice(*sorted(HMAC_ALGORITHMS)), "JWS algorithm of the derived/explicit HMAC keys (`HS256`, `HS384`, `HS512`)", _TOKENS)
    access_token_signing_key = Setting(None, optional(_secret, gettext_noop("None, str or bytes")), "an HMAC secret for access tokens; `None` derives one from `SECRET_KEY` with HKDF-SHA256 under the label `access-token`", _TOKENS)
    refresh_token_signing_key = Setting(None, optional(_secret, gettext_noop("None, str or bytes")), "the same for refresh tokens (label `refresh-token`): the two never share a key", _TOKENS)
    access_token_keys = Setting(None, optional(_named(_key_list, "ACCESS_TOKEN_KEYS")), "a key list, newest (signer) first, for EdDSA/ES256/RS256/PS256/HS* and rotation; see [keys.md](keys.md). Exclusive with `ACCESS_TOKEN_SIGNING_KEY`", _TOKENS)
    refresh_token_keys = Setting(None, optional(_named(_key_list, "REFRESH_TOKEN_KEYS")), "the same for refresh tokens", _TOKENS)
    jwks_max_age = Setting(timedelta(minutes=5), duration(), "`Cache-Control: max-age` of `jwks/`", _TOKENS, default_doc="`timedelta(minutes=5)`")
    leeway = Setting(timedelta(seconds=30), duration(), "clock skew tolerated on `exp`, `nbf`, `iat` between the hosts that mint and check tokens", _TOKENS, default_doc="`timedelta(seconds=30)`")
    issuer = Setting(None, optional(text()), "`iss` to set and require", _TOKENS)
    audience = Setting(None, optional(text()), "`aud` to set and require; when unset a token carrying `aud` is rejected", _TOKENS)
    auth_header_types = Setting(("Bearer",), scheme_names, "accepted `Authorization` schemes (case-insensitive), e.g. `[\"Bearer\", \"Token\"]`", _TOKENS)
    stateless_access_tokens = Setting(False, boolean, "`True`: no per-request session check; a revoked session's access tokens keep working until they expire (at most `ACCESS_TOKEN_LIFETIME`); refresh still checks everything", _TOKENS)
    verified_token_cache_size = Setting(10_000, integer(minimum=0), "per-process memo of access tokens whose signature verified (time claims are still checked every request); `0` disables", _TOKENS)
    token_claims = Setting(None, optional(_claims_hook), "dotted path of `(user, request) -> Mapping[str, JSON]`: custom claims for access tokens, called at login and at every refresh; see [claims.md](claims.md)", _TOKENS)
    access_token_max_bytes = Setting(4096, _token_size, "the longest encoded access token (256 to 8192); a `TOKEN_CLAIMS` result that makes it longer answers 503 `config_invalid`", _TOKENS)
    clock = Setting("jwtauth.core.clock.SystemClock", clock_object, "dotted path of a clock class, or an object with `now()` (a test seam)", _TOKENS)

    # The refresh cookie and login
    refresh_cookie_name = Setting("jwtauth_refresh", cookie_name, "a cookie-name token", _COOKIE)
    refresh_cookie_path = Setting(None, optional(text(path=True)), "`None`: the prefix jwtauth is mounted at (e.g. `/api/auth/`), so the cookie only travels to the auth endpoints", _COOKIE)
    refresh_cookie_domain = Setting(None, optional(text()), "host-only cookie", _COOKIE)
    refresh_cookie_secure = Setting(True, boolean, "the `Secure` attribute", _COOKIE)
    refresh_cookie_samesite = Setting("Lax", choice("Lax", "Strict", "None"), "`\"Lax\"`, `\"Strict\"` or `\"None\"` (needs `Secure`; for a front end on another site)", _COOKIE)
    refresh_cookie_partitioned = Setting(False, boolean, "`True`: the `Partitioned` attribute (CHIPS), so browsers that block third-party cookies keep the cookie of a cross-site API in a jar per top-level site; needs `SameSite=None` and `Secure`; see [deployment.md](deployment.md#truly-cross-site-samesitenone-secure-partitioned)", _COOKIE)
    refresh_reuse_grace_period = Setting(timedelta(seconds=10), duration(), "after a rotation, the replaced refresh token is still answered (new access token, no new cookie) for this long; `0` disables", _COOKIE, default_doc="`timedelta(seconds=10)`")
    user_serializer = Setting("jwtauth.api.serializers.UserSerializer", dotted_path, "dotted path of the serializer for the `user` object", _COOKIE)
    password_max_length = Setting(4096, integer(minimum=1), "longer passwords are a 400 before any hashing", _COOKIE)
    login_identifier_case_insensitive = Setting(False, boolean, "`True`: `login/` finds the account by a case-insensitive match of `USERNAME_FIELD` (`Ana@Example.COM` logs in as `ana@example.com`); an exact match wins when several accounts differ only in case", _COOKIE)
    password_login_check = Setting(None, optional(_login_check), "dotted path of `(user) -> bool`, called by `login/` once the password verified: `False` answers 403 `login_flow_required` (the account signs in through another flow). With django-allauth set `\"jwtauth.contrib.allauth.password_login_allowed\"` (check `jwtauth.E304`); see [allauth.md](allauth.md)", _COOKIE)
    login_form_enabled = Setting(False, boolean, "`True`: `login/` also takes form-encoded and multipart bodies, which then need Django's CSRF token; otherwise they are a 415 `unsupported_media_type`", _COOKIE)
    login_max_body_bytes = Setting(65536, integer(minimum=1), "larger bodies to login/refresh/logout/password change are a 413 before parsing", _COOKIE)

    # Sessions and revocation
    revocation_cache = Setting("default", optional(text(), gettext_noop("None or a CACHES alias")), "the `CACHES` alias holding session revocation state; `None`, or a process-local cache (LocMem, Dummy), means every request checks the database; see [revocation.md](revocation.md)", _SESSIONS)
    revocation_cache_failure = Setting("database", choice("database", "reject"), "when the cache errors: `\"database\"` checks the database, `\"reject\"` answers 503 `revocation_unavailable`", _SESSIONS)
    session_max_lifetime = Setting(timedelta(days=30), duration(positive=True), "absolute lifetime of a session from its login, whatever its rotations (RFC 9700 §4.14.2); past it `refresh/` answers 401 `refresh_token_expired`. `REFRESH_TOKEN_LIFETIME` stays the idle timeout", _SESSIONS, default_doc="`timedelta(days=30)`")
    reauthentication_max_age = Setting(timedelta(minutes=5), duration(positive=True), "how recent a credential `RecentlyAuthenticated` (\"sudo mode\") accepts by default: the access token's `auth_time` at most this old; see [claims.md](claims.md#step-up-re-authentication)", _SESSIONS, default_doc="`timedelta(minutes=5)`")
    reauthenticate_for_password_change = Setting(True, boolean, "`password/change/` also needs a recent credential (`reauthentication_required`); on by default: it asks for the old password anyway", _SESSIONS)
    reauthenticate_for_logout_all = Setting(False, boolean, "`logout-all/` needs a recent credential; off by default: logging out everywhere is what a user whose token leaked wants, and it cannot lock the owner out", _SESSIONS)
    reauthenticate_for_session_delete = Setting(False, boolean, "`DELETE sessions/<id>/` needs a recent credential; off by default, for the same reason", _SESSIONS)
    max_sessions_per_user = Setting(None, optional(integer(minimum=1), gettext_noop("None or a positive int")), "`None` (unlimited) or a cap on live sessions per user; the oldest are evicted on login", _SESSIONS)
    session_cleanup_grace_period = Setting(None, optional(duration(), gettext_noop("None or a non-negative timedelta or int seconds")), "how long `jwtauth_cleanup` keeps a session past its expiry, so reuse detection still recognises a recently replaced family; `None`: one `REFRESH_TOKEN_LIFETIME`", _SESSIONS)

    # Login throttling
    login_throttle_rates = Setting(dict(_THROTTLE_SCOPES), _throttle_rates, "failed logins allowed per client IP (IPv6: per /64), per IPv6 /48 and per account; `None` turns one off; see [hardening.md](hardening.md)", _LOGIN)
    login_throttle_cache = Setting("default", text(), "the `CACHES` alias holding the counters; a process-local `LocMemCache` keeps them in the database instead", _LOGIN)
    num_proxies = Setting(0, integer(minimum=0), "trusted reverse proxies in front of Django; the client IP is the `X-Forwarded-For` entry they appended", _LOGIN)

    # DPoP (sender-constrained tokens)
    dpop = Setting("off", choice("off", "optional", "required"), "RFC 9449 proof of possession: `\"optional\"` binds a session's tokens to the client's key when login sends a `DPoP` proof; `\"required\"` refuses login, refresh and API calls without one; see [dpop.md](dpop.md)", _DPOP)
    dpop_algorithms = Setting(("ES256", "EdDSA"), _dpop_algorithms, "accepted proof algorithms (also `RS256`, `PS256`), advertised in `WWW-Authenticate: DPoP algs=...`", _DPOP)
    dpop_iat_window = Setting(timedelta(seconds=60), _dpop_iat_window, "how far a proof's `iat` may lie from now, either way (1 s to 10 min); a proof's `jti` is remembered twice as long", _DPOP, default_doc="`timedelta(seconds=60)`")
    dpop_nonce = Setting(False, boolean, "`True`: proofs must carry a server nonce (RFC 9449 §8), handed out in `DPoP-Nonce` and changed every 5 minutes", _DPOP)

    # Transition from simplejwt
    simplejwt_accept_until = Setting(None, optional(_aware_datetime, gettext_noop("None or an aware datetime")), "the end (aware datetime, UTC) of the window in which `JWTAuthentication` accepts simplejwt access tokens and `refresh/` exchanges a simplejwt refresh token once for a session; needs `jwtauth[simplejwt]` and simplejwt's `token_blacklist` app; keys and claims come from `SIMPLE_JWT`; see [migrating](migrating/simplejwt.md#switching-without-logging-everyone-out)", _SIMPLEJWT)
    simplejwt_refresh_cookie_name = Setting(None, optional(cookie_name, "None or a cookie name"), "the cookie holding a simplejwt refresh token (dj-rest-auth's `JWT_AUTH_REFRESH_COOKIE`) that `refresh/` exchanges, with Django's CSRF check, during the window; `None`: only a JSON body `{\"refresh\": ...}`", _SIMPLEJWT)
    # fmt: on

    @functools.cached_property
    def access(self) -> TokenPolicy:
        """How access tokens are issued and verified."""
        return self._policy(
            self.access_token_keys, self.access_token_signing_key, "access-token", self.access_token_lifetime
        )

    @functools.cached_property
    def refresh(self) -> TokenPolicy:
        """How refresh tokens are issued and verified."""
        return self._policy(
            self.refresh_token_keys, self.refresh_token_signing_key, "refresh-token", self.refresh_token_lifetime
        )

    @functools.cached_property
    def simplejwt(self) -> LegacyTokenPolicy | None:
        """How simplejwt tokens are verified during the transition (``None``: not accepted)."""
        until = self.simplejwt_accept_until
        return None if until is None else simplejwt_policy(until)

    @functools.cached_property
    def dpop_nonce_key(self) -> bytes | None:
        """The HKDF-derived key of stateless DPoP server nonces (``None``: nonces off)."""
        if not self.dpop_nonce:
            return None
        return derive_key(str(django_settings.SECRET_KEY).encode(), "dpop-nonce")

    @functools.cached_property
    def verified_tokens(self) -> VerifiedTokenCache | None:
        """The per-process memo of verified access tokens (``None``: off)."""
        size = self.verified_token_cache_size
        return VerifiedTokenCache(size) if size else None

    def _policy(self, keys: KeySet | None, explicit: bytes | None, label: str, lifetime: timedelta) -> TokenPolicy:
        if keys is None:
            if explicit is not None:
                keys = KeySet((hmac_key(explicit, self.algorithm),))
            else:
                # Never use SECRET_KEY as-is: derive one key per purpose. Fallbacks keep
                # tokens signed before a SECRET_KEY rotation verifying until they expire.
                secrets = [django_settings.SECRET_KEY, *getattr(django_settings, "SECRET_KEY_FALLBACKS", [])]
                size = MIN_HMAC_KEY_BYTES[self.algorithm]
                keys = KeySet(
                    tuple(hmac_key(derive_key(str(s).encode(), label, size), self.algorithm) for s in secrets)
                )
        return TokenPolicy(keys=keys, lifetime=lifetime, leeway=self.leeway, issuer=self.issuer, audience=self.audience)


def _lifetimes(values: Mapping[str, Any]) -> list[SettingProblem]:
    if values["REFRESH_TOKEN_LIFETIME"] <= values["ACCESS_TOKEN_LIFETIME"]:
        return [
            SettingProblem("jwtauth.E004", gettext("REFRESH_TOKEN_LIFETIME must be longer than ACCESS_TOKEN_LIFETIME."))
        ]
    return []


def _hmac_key_lengths(values: Mapping[str, Any]) -> list[SettingProblem]:
    algorithm, problems = values["ALGORITHM"], []
    for name in ("ACCESS_TOKEN_SIGNING_KEY", "REFRESH_TOKEN_SIGNING_KEY"):
        key = values[name]
        if key is not None and len(key) < MIN_HMAC_KEY_BYTES[algorithm]:
            problems.append(
                SettingProblem(
                    "jwtauth.E003",
                    gettext(
                        "JWTAUTH[%(name)s] is %(size)d bytes; %(algorithm)s needs at least %(minimum)d (RFC 7518 §3.2)."
                    )
                    % {
                        "name": repr(name),
                        "size": len(key),
                        "algorithm": algorithm,
                        "minimum": MIN_HMAC_KEY_BYTES[algorithm],
                    },
                )
            )
    return problems


def _one_key_source(values: Mapping[str, Any]) -> list[SettingProblem]:
    return [
        SettingProblem(
            "jwtauth.E006",
            gettext("JWTAUTH sets both %(keys)s and %(key)s; keep one.") % {"keys": repr(keys), "key": repr(explicit)},
        )
        for keys, explicit in (
            ("ACCESS_TOKEN_KEYS", "ACCESS_TOKEN_SIGNING_KEY"),
            ("REFRESH_TOKEN_KEYS", "REFRESH_TOKEN_SIGNING_KEY"),
        )
        if values[keys] is not None and values[explicit] is not None
    ]


def _aware_datetimes(values: Mapping[str, Any]) -> list[SettingProblem]:
    # Session expiries, rotation times and throttle windows are compared with the clock's
    # aware UTC time; with USE_TZ off Django stores naive local times, and a non-UTC
    # TIME_ZONE would shift every expiry. Refuse to run rather than answer wrongly.
    if not getattr(django_settings, "USE_TZ", True):
        return [
            SettingProblem(
                "jwtauth.E011",
                gettext(
                    "jwtauth needs USE_TZ = True: session expiries and rotation times are aware UTC "
                    "datetimes, which Django cannot store with USE_TZ off."
                ),
            )
        ]
    return []


#: The simplejwt app whose blacklist makes the refresh token exchange happen once.
SIMPLEJWT_BLACKLIST_APP = "rest_framework_simplejwt.token_blacklist"


def _seconds_of(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise ConfigInvalid("SIMPLE_JWT['LEEWAY'] is neither a number of seconds nor a timedelta")


def simplejwt_policy(accept_until: datetime) -> LegacyTokenPolicy:
    """Build the transition policy from simplejwt's own settings (``SIMPLE_JWT``).

    Args:
        accept_until: ``SIMPLEJWT_ACCEPT_UNTIL``.

    Raises:
        ConfigInvalid (``config_invalid``): simplejwt or its ``token_blacklist`` app is not
            installed, or ``SIMPLE_JWT`` asks for what jwtauth cannot verify (``JWK_URL``,
            an algorithm outside jwtauth's list, no ``TOKEN_TYPE_CLAIM``, a short HMAC key,
            an unreadable PEM key, a list of audiences).
    """
    from django.apps import apps

    try:
        from rest_framework_simplejwt.settings import api_settings
    except ImportError:
        raise ConfigInvalid(
            "djangorestframework-simplejwt is not installed: pip install 'jwtauth[simplejwt]'"
        ) from None
    if not apps.is_installed(SIMPLEJWT_BLACKLIST_APP):
        # Without simplejwt's blacklist nothing stops one refresh token being exchanged twice.
        raise ConfigInvalid(f"{SIMPLEJWT_BLACKLIST_APP!r} is not in INSTALLED_APPS")
    algorithm = api_settings.ALGORITHM
    if api_settings.JWK_URL:
        raise ConfigInvalid("SIMPLE_JWT['JWK_URL'] is set; jwtauth verifies simplejwt tokens with local keys only")
    if not api_settings.TOKEN_TYPE_CLAIM:
        raise ConfigInvalid("SIMPLE_JWT['TOKEN_TYPE_CLAIM'] is None: access and refresh tokens cannot be told apart")
    audience, issuer = api_settings.AUDIENCE, api_settings.ISSUER
    if not isinstance(audience, str | None) or not isinstance(issuer, str | None):
        raise ConfigInvalid("SIMPLE_JWT['AUDIENCE'] and ['ISSUER'] must each be a string or None")
    if algorithm in HMAC_ALGORITHMS:
        secret = api_settings.SIGNING_KEY
        key = hmac_key(secret.encode() if isinstance(secret, str) else bytes(secret), algorithm)
    elif algorithm in ASYMMETRIC_ALGORITHMS:
        pem = api_settings.VERIFYING_KEY or api_settings.SIGNING_KEY
        key = load_pem(pem.encode() if isinstance(pem, str) else bytes(pem), algorithm)
    else:
        raise ConfigInvalid(
            f"SIMPLE_JWT['ALGORITHM'] = {algorithm!r}; jwtauth verifies {sorted(HMAC_ALGORITHMS | ASYMMETRIC_ALGORITHMS)}"
        )
    return LegacyTokenPolicy(
        keys=KeySet((key,)),
        accept_until=accept_until,
        leeway=_seconds_of(api_settings.LEEWAY),
        issuer=issuer,
        audience=audience,
        token_type_claim=api_settings.TOKEN_TYPE_CLAIM,
        user_id_claim=api_settings.USER_ID_CLAIM,
        user_id_field=api_settings.USER_ID_FIELD,
        jti_claim=api_settings.JTI_CLAIM,
    )


def _simplejwt_transition(values: Mapping[str, Any]) -> list[SettingProblem]:
    until = values["SIMPLEJWT_ACCEPT_UNTIL"]
    if until is None:
        return []
    try:
        simplejwt_policy(until)
    except ConfigInvalid as exc:
        message = gettext("JWTAUTH['SIMPLEJWT_ACCEPT_UNTIL'] is set but %(reason)s.") % {"reason": exc.reason}
        return [SettingProblem("jwtauth.E013", message)]
    return []


JWTAuthSettings.rules = (_aware_datetimes, _lifetimes, _hmac_key_lengths, _one_key_source, _simplejwt_transition)


def _jwks_url(value: object) -> str:
    url = text()(value)
    if urlsplit(url).scheme not in ("http", "https"):
        raise Invalid(gettext("an http(s) URL"))
    return url


def _algorithms(value: object) -> frozenset[str]:
    if (
        isinstance(value, str)
        or not isinstance(value, list | tuple)
        or not value
        or not set(value) <= ASYMMETRIC_ALGORITHMS
    ):
        raise Invalid(gettext("a list from %(algorithms)s") % {"algorithms": sorted(ASYMMETRIC_ALGORITHMS)})
    return frozenset(value)


def _seconds(*, positive: bool = False) -> Any:
    def parse(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or (positive and value <= 0):
            raise Invalid(
                gettext("a positive number of seconds") if positive else gettext("a non-negative number of seconds")
            )
        return float(value)

    return parse


def _dpop_window_seconds(value: object) -> float:
    seconds = _seconds(positive=True)(value)
    if not 1 <= seconds <= 600:
        raise Invalid(gettext("between 1 and 600 seconds"))
    return float(seconds)


def _cache_alias(value: object) -> str:
    if not isinstance(value, str) or value not in django_settings.CACHES:
        raise Invalid(gettext("a CACHES alias"))
    return value


_RS = "Resource server (`JWTAUTH_RESOURCE_SERVER`)"


class ResourceServerSettings(SettingsTable):
    """The validated ``JWTAUTH_RESOURCE_SERVER`` settings of a service that verifies
    jwtauth access tokens through the issuer's JWKS (:mod:`jwtauth.contrib.resource_server`).
    Every problem is reported as system check ``jwtauth.E201``."""

    namespace = "JWTAUTH_RESOURCE_SERVER"
    invalid_id = unknown_id = "jwtauth.E201"

    # fmt: off
    jwks_url = Setting(None, _jwks_url, "required: the issuer's `jwks/` URL; `https://` (plain `http://` only for a loopback host, or with `ALLOW_INSECURE_HTTP`)", _RS)
    allow_insecure_http = Setting(False, boolean, "`True` allows a plain `http://` `JWKS_URL` on a non-loopback host (anyone on the path can then substitute keys); for closed test networks only", _RS)
    issuer = Setting(None, text(), "required: the issuer's `ISSUER`", _RS)
    audience = Setting(None, text(), "required: the issuer's `AUDIENCE`", _RS)
    algorithms = Setting(("EdDSA", "ES256", "RS256", "PS256"), _algorithms, "accepted JWS algorithms (asymmetric only)", _RS)
    cache_seconds = Setting(300, _seconds(), "how long a fetched JWKS is used", _RS)
    min_refetch_seconds = Setting(30, _seconds(), "at most one fetch per this many seconds (also after failures)", _RS)
    timeout_seconds = Setting(5, _seconds(positive=True), "timeout of one fetch", _RS)
    leeway_seconds = Setting(30, _seconds(), "clock skew tolerated between the two services", _RS)
    auth_header_types = Setting(("Bearer",), scheme_names, "accepted `Authorization` schemes", _RS)
    clock = Setting("jwtauth.core.clock.SystemClock", clock_object, "dotted path of a clock class, or an object with `now()`", _RS)
    dpop = Setting("optional", choice("off", "optional", "required"), "DPoP-bound tokens (`cnf.jkt`) need `Authorization: DPoP` and a proof; `\"required\"` refuses bearer tokens; see [dpop.md](dpop.md)", _RS)
    dpop_algorithms = Setting(("ES256", "EdDSA"), _dpop_algorithms, "accepted DPoP proof algorithms", _RS)
    dpop_iat_window_seconds = Setting(60, _dpop_window_seconds, "how far a proof's `iat` may lie from now (1 to 600)", _RS)
    dpop_replay_cache = Setting("default", _cache_alias, "the `CACHES` alias remembering proof `jti`s (share it between workers: Redis)", _RS)
    # fmt: on

    @property
    def leeway(self) -> timedelta:
        return timedelta(seconds=self.leeway_seconds)


def is_loopback_host(host: str | None) -> bool:
    """Whether ``host`` (a URL's hostname) is ``localhost`` or a loopback IP address."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _https_jwks_url(values: Mapping[str, Any]) -> list[SettingProblem]:
    # Threat: keys fetched over plain http can be replaced by anyone on the path, and
    # then every token they forge is accepted. Loopback never leaves the machine.
    url = urlsplit(values["JWKS_URL"])
    if url.scheme == "https" or values["ALLOW_INSECURE_HTTP"] or is_loopback_host(url.hostname):
        return []
    return [
        SettingProblem(
            "jwtauth.E201",
            gettext(
                "JWTAUTH_RESOURCE_SERVER['JWKS_URL'] must be an https:// URL (plain http:// only for a loopback "
                "host, or with ALLOW_INSECURE_HTTP = True): keys fetched over http can be replaced in transit."
            ),
        )
    ]


ResourceServerSettings.rules = (_https_jwks_url,)


def validate(raw: object = None) -> tuple[dict[str, Any], list[SettingProblem]]:
    """Merge ``JWTAUTH`` (or ``raw``) with the defaults and validate it.

    Returns:
        ``(values, problems)``; ``problems`` lists :class:`SettingProblem` with ids
        ``jwtauth.E001`` (not a dict / unknown key), ``E002`` (wrong type or value),
        ``E003`` (HMAC key shorter than RFC 7518 §3.2 allows), ``E004`` (refresh
        lifetime not longer than access lifetime), ``E006`` (a key in
        ``ACCESS_TOKEN_KEYS``/``REFRESH_TOKEN_KEYS`` is invalid, or the list clashes
        with ``*_SIGNING_KEY``).
    """
    return JWTAuthSettings.validate(raw)


@functools.cache
def get_settings() -> JWTAuthSettings:
    """Return the validated settings, built once and cached.

    Raises:
        ConfigInvalid (``config_invalid``): ``JWTAUTH`` is invalid; the message lists
            every problem with its system check id.
    """
    return JWTAuthSettings.load()


def now() -> datetime:
    """The current time from the configured ``CLOCK`` (aware, UTC): the one time source of
    the Django layers, so tests move it with a fake clock."""
    return get_settings().clock.now()


_WATCHED = {"JWTAUTH", "SECRET_KEY", "SECRET_KEY_FALLBACKS", "USE_TZ", "SIMPLE_JWT", "INSTALLED_APPS"}


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: object) -> None:
    if setting in _WATCHED:
        get_settings.cache_clear()


if __name__ == "__main__":  # pragma: no cover  (python -m jwtauth.settings > reference)
    print(JWTAuthSettings.reference())
