"""Every system check message jwtauth reports (``jwtauth.checks``, the settings tables'
validation) is translated into each shipped language, with its hint.

Each check id is triggered by the settings in ``TRIGGERS`` and run under
``translation.override``; the message (and hint) must differ from the English one. A check
id in the source that has no trigger here fails ``test_every_check_id_is_triggered``.
The django-allauth integration's ``E3xx``/``W3xx`` are included when allauth is installed.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import CheckMessage
from django.utils import translation

from jwtauth import checks
from jwtauth.checks import check_jwtauth, check_resource_server_settings
from jwtauth.core.keys.jwks import private_pem
from tests.api.test_translations import LANGUAGES, PACKAGE
from tests.conftest import START
from tests.factories import asymmetric_key

CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379"}}
HMAC_KEY = "k" * 32


def _jwtauth(**values: Any) -> Callable[[Any], None]:
    def apply(settings: Any) -> None:
        settings.JWTAUTH = {**settings.JWTAUTH, **values}

    return apply


def _django(**values: Any) -> Callable[[Any], None]:
    def apply(settings: Any) -> None:
        for name, value in values.items():
            setattr(settings, name, value)

    return apply


def _both(*changes: Callable[[Any], None]) -> Callable[[Any], None]:
    def apply(settings: Any) -> None:
        for change in changes:
            change(settings)

    return apply


def _atomic_requests(settings: Any) -> None:
    with warnings.catch_warnings():  # "Overriding setting DATABASES": only the check reads it here
        warnings.simplefilter("ignore")
        settings.DATABASES = {alias: {**db, "ATOMIC_REQUESTS": True} for alias, db in settings.DATABASES.items()}


def _without_login_check(settings: Any) -> None:
    settings.JWTAUTH = {k: v for k, v in settings.JWTAUTH.items() if k != "PASSWORD_LOGIN_CHECK"}


ALLAUTH_CHECKS = {"jwtauth.E301", "jwtauth.E302", "jwtauth.E303", "jwtauth.E304", "jwtauth.W301"}


def _no_csrf_middleware(settings: Any) -> None:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != CSRF_MIDDLEWARE]


def _no_simplejwt_blacklist(settings: Any) -> None:
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "rest_framework_simplejwt.token_blacklist"]


def _both_key_forms(settings: Any) -> None:
    pem = private_pem(asymmetric_key("EdDSA", "ed"))
    _jwtauth(ACCESS_TOKEN_KEYS=[{"alg": "EdDSA", "private_key": pem}], ACCESS_TOKEN_SIGNING_KEY=HMAC_KEY)(settings)


def _cors_without_middleware(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.com"]
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "corsheaders" not in m]


#: check id -> the settings that make it report (one or more variants of its message).
TRIGGERS: dict[str, list[Callable[[Any], None]]] = {
    "jwtauth.E001": [_django(JWTAUTH=[]), _jwtauth(NOPE=1)],
    "jwtauth.E002": [_jwtauth(LEEWAY="soon")],
    "jwtauth.E003": [_jwtauth(ACCESS_TOKEN_SIGNING_KEY="short")],
    "jwtauth.E004": [_jwtauth(ACCESS_TOKEN_LIFETIME=timedelta(days=8))],
    "jwtauth.E005": [_no_csrf_middleware],
    "jwtauth.E006": [_both_key_forms],
    "jwtauth.E007": [_jwtauth(REVOCATION_CACHE="nope")],
    "jwtauth.E008": [
        _jwtauth(REFRESH_COOKIE_NAME="__Host-r", REFRESH_COOKIE_PATH="/x/"),
        _jwtauth(REFRESH_COOKIE_NAME="__Host-r", REFRESH_COOKIE_DOMAIN="example.com", REFRESH_COOKIE_SECURE=False),
    ],
    "jwtauth.E009": [_jwtauth(REFRESH_COOKIE_SAMESITE="None", REFRESH_COOKIE_SECURE=False)],
    "jwtauth.E010": [_jwtauth(REFRESH_COOKIE_NAME="__Secure-r", REFRESH_COOKIE_SECURE=False)],
    "jwtauth.E011": [_django(USE_TZ=False)],
    "jwtauth.E012": [_jwtauth(REFRESH_COOKIE_PARTITIONED=True)],
    "jwtauth.E013": [_both(_jwtauth(SIMPLEJWT_ACCEPT_UNTIL=START + timedelta(days=1)), _no_simplejwt_blacklist)],
    "jwtauth.W003": [_jwtauth(SIMPLEJWT_ACCEPT_UNTIL=START - timedelta(days=1))],
    "jwtauth.W001": [_jwtauth(REFRESH_COOKIE_SECURE=False)],
    "jwtauth.E101": [_django(CORS_ALLOW_ALL_ORIGINS=True, CORS_ALLOW_CREDENTIALS=True)],
    "jwtauth.W101": [_django(CORS_ALLOWED_ORIGINS=["https://app.example.com"])],
    "jwtauth.W102": [_django(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})],
    "jwtauth.W103": [_django(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})],
    "jwtauth.W104": [_jwtauth(ACCESS_TOKEN_LIFETIME=timedelta(hours=2))],
    "jwtauth.W105": [_jwtauth(LEEWAY=timedelta(minutes=6))],
    "jwtauth.W106": [_jwtauth(REFRESH_REUSE_GRACE_PERIOD=timedelta(minutes=2))],
    "jwtauth.W107": [_django(CSRF_COOKIE_HTTPONLY=True)],
    "jwtauth.W108": [_django(CSRF_USE_SESSIONS=True)],
    "jwtauth.W109": [_django(ROOT_URLCONF="tests.security.no_jwtauth_urls")],
    "jwtauth.W110": [_jwtauth(REFRESH_COOKIE_PATH="/")],
    "jwtauth.W111": [_jwtauth(LOGIN_THROTTLE_RATES={"ip": None, "account": None})],
    "jwtauth.W112": [_jwtauth(REFRESH_COOKIE_SAMESITE="None")],
    "jwtauth.W113": [_jwtauth(REFRESH_TOKEN_LIFETIME=timedelta(days=100))],
    "jwtauth.W114": [_jwtauth(ACCESS_TOKEN_SIGNING_KEY=HMAC_KEY, REFRESH_TOKEN_SIGNING_KEY=HMAC_KEY)],
    "jwtauth.W115": [_both(_django(SECRET_KEY="s" * 50), _jwtauth(ACCESS_TOKEN_SIGNING_KEY="s" * 50))],
    "jwtauth.W116": [_cors_without_middleware],
    "jwtauth.W117": [
        _both(_jwtauth(REFRESH_COOKIE_SAMESITE="None"), _django(CSRF_COOKIE_SAMESITE="Lax")),
        _both(_jwtauth(REFRESH_COOKIE_SAMESITE="None"), _django(CSRF_COOKIE_SECURE=False)),
    ],
    "jwtauth.W118": [_both(_jwtauth(DPOP="optional", REVOCATION_CACHE=None), _atomic_requests)],
    "jwtauth.E301": [
        _django(HEADLESS_TOKEN_STRATEGY="allauth.headless.tokens.strategies.sessions.SessionTokenStrategy")
    ],
    "jwtauth.E302": [_django(MIDDLEWARE=[CSRF_MIDDLEWARE])],
    "jwtauth.E303": [_django(HEADLESS_CLIENTS=("browser",))],
    "jwtauth.E304": [_without_login_check],
    "jwtauth.W301": [_django(HEADLESS_CLIENTS=("app", "browser"))],
    "jwtauth.E201": [
        _django(JWTAUTH_RESOURCE_SERVER={"JWKS_URL": "http://example.com/jwks/", "ISSUER": "i", "AUDIENCE": "a"}),
        _django(JWTAUTH_RESOURCE_SERVER=[]),
    ],
}


def _source_check_ids() -> set[str]:
    sources = [
        Path(checks.__file__),
        PACKAGE / "settings.py",
        PACKAGE / "_settings_table.py",
        PACKAGE / "contrib" / "allauth" / "checks.py",
    ]
    return {match for path in sources for match in re.findall(r"jwtauth\.[EW]\d{3}", path.read_text())}


def _messages(check_id: str) -> list[CheckMessage]:
    found = [*check_jwtauth(), *check_resource_server_settings()]
    if check_id in ALLAUTH_CHECKS:
        from jwtauth.contrib.allauth.checks import check_allauth_integration

        found += check_allauth_integration()
    return [m for m in found if m.id == check_id]


def test_every_check_id_is_triggered() -> None:
    assert _source_check_ids() - set(TRIGGERS) == set()
    assert len(TRIGGERS) >= 30


@pytest.fixture(autouse=True)
def _sound_defaults(settings: Any) -> None:
    settings.CACHES = REDIS  # the test settings' LocMemCache would trip W102
    # A SameSite=None csrftoken, so W117 reports only where a case asks for it.
    settings.CSRF_COOKIE_SAMESITE, settings.CSRF_COOKIE_SECURE = "None", True
    settings.DEBUG = False


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("check_id", "variant"),
    [(check_id, n) for check_id, variants in sorted(TRIGGERS.items()) for n in range(len(variants))],
)
def test_each_check_message_is_translated(settings: Any, check_id: str, variant: int, language: str) -> None:
    if check_id == "jwtauth.W003":  # a valid transition, past its end: needs the "simplejwt" extra
        pytest.importorskip("rest_framework_simplejwt", reason="the simplejwt extra is not installed")
    if check_id in ALLAUTH_CHECKS:
        pytest.importorskip("allauth", reason="django-allauth is not installed (pip install 'jwtauth[allauth]')")
    TRIGGERS[check_id][variant](settings)
    with translation.override("en"):
        english = _messages(check_id)
    with translation.override(language):
        translated = _messages(check_id)
    assert english, f"{check_id} did not report with these settings"
    assert len(translated) == len(english)
    for en, tr in zip(english, translated, strict=True):
        assert str(tr.msg) != str(en.msg), f"{language}: untranslated {check_id}: {en.msg!r}"
        assert (tr.hint is None) == (en.hint is None)
        if en.hint is not None:
            assert str(tr.hint) != str(en.hint), f"{language}: untranslated hint of {check_id}: {en.hint!r}"


#: One refused value per validator of the settings tables: (table, key, value).
REFUSED: list[tuple[str, str, Any]] = [
    ("JWTAUTH", "STATELESS_ACCESS_TOKENS", "yes"),  # boolean
    ("JWTAUTH", "PASSWORD_MAX_LENGTH", 0),  # integer(minimum=1)
    ("JWTAUTH", "NUM_PROXIES", -1),  # integer(minimum=0)
    ("JWTAUTH", "ACCESS_TOKEN_LIFETIME", 0),  # duration(positive=True)
    ("JWTAUTH", "LEEWAY", "soon"),  # duration()
    ("JWTAUTH", "ISSUER", ""),  # optional(text())
    ("JWTAUTH", "REFRESH_COOKIE_PATH", "api"),  # optional(text(path=True))
    ("JWTAUTH", "REFRESH_COOKIE_SAMESITE", "lax"),  # choice
    ("JWTAUTH", "REFRESH_COOKIE_NAME", "a b"),  # cookie_name
    ("JWTAUTH", "AUTH_HEADER_TYPES", []),  # scheme_names
    ("JWTAUTH", "USER_SERIALIZER", "no.such.Serializer"),  # dotted_path
    ("JWTAUTH", "CLOCK", object()),  # clock
    ("JWTAUTH", "ACCESS_TOKEN_SIGNING_KEY", 7),  # optional(_secret, ...)
    ("JWTAUTH", "TOKEN_CLAIMS", "no.such.hook"),  # _claims_hook
    ("JWTAUTH", "ACCESS_TOKEN_MAX_BYTES", 10),  # _token_size
    ("JWTAUTH", "LOGIN_THROTTLE_RATES", {"nope": "1/min"}),  # _throttle_rates
    ("JWTAUTH", "DPOP_ALGORITHMS", ["HS256"]),  # _dpop_algorithms
    ("JWTAUTH", "DPOP_IAT_WINDOW", 3600),  # _dpop_iat_window
    ("JWTAUTH", "REVOCATION_CACHE", 5),  # optional(text(), ...)
    ("JWTAUTH", "MAX_SESSIONS_PER_USER", 0),  # optional(integer(minimum=1), ...)
    ("JWTAUTH", "SESSION_CLEANUP_GRACE_PERIOD", -1),  # optional(duration(), ...)
    ("JWTAUTH", "SIMPLEJWT_ACCEPT_UNTIL", "2026-03-31"),  # an aware datetime
    ("JWTAUTH_RESOURCE_SERVER", "JWKS_URL", "ftp://issuer.example/jwks"),  # _jwks_url
    ("JWTAUTH_RESOURCE_SERVER", "ALGORITHMS", ["HS256"]),  # _algorithms
    ("JWTAUTH_RESOURCE_SERVER", "CACHE_SECONDS", -1),  # _seconds()
    ("JWTAUTH_RESOURCE_SERVER", "TIMEOUT_SECONDS", 0),  # _seconds(positive=True)
    ("JWTAUTH_RESOURCE_SERVER", "DPOP_IAT_WINDOW_SECONDS", 601),  # _dpop_window_seconds
    ("JWTAUTH_RESOURCE_SERVER", "DPOP_REPLAY_CACHE", "nope"),  # _cache_alias
]
_RESOURCE_SERVER = {"JWKS_URL": "https://issuer.example/jwks/", "ISSUER": "i", "AUDIENCE": "a"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("table", "key", "value"), REFUSED, ids=[f"{t}-{k}" for t, k, _ in REFUSED])
def test_what_a_setting_takes_is_translated_too(settings: Any, table: str, key: str, value: Any, language: str) -> None:
    if table == "JWTAUTH":
        settings.JWTAUTH = {**settings.JWTAUTH, key: value}
        check_id = "jwtauth.E002"
    else:
        settings.JWTAUTH_RESOURCE_SERVER = {**_RESOURCE_SERVER, key: value}
        check_id = "jwtauth.E201"
    with translation.override("en"):
        [english] = [str(m.msg) for m in _messages(check_id) if f"[{key!r}]" in str(m.msg)]
    with translation.override(language):
        [translated] = [str(m.msg) for m in _messages(check_id) if f"[{key!r}]" in str(m.msg)]
    expected = re.fullmatch(r".* must be (.*); got .*", english)
    assert expected is not None, english
    assert expected.group(1) not in translated, f"{language}: {translated!r}"
