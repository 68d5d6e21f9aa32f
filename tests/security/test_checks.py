"""Every system check fires on its insecure configuration and stays quiet otherwise."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.checks import ERROR, Error, run_checks

from jwtauth.checks import check_deployment, check_settings, check_urls

REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379"}}
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


def ids() -> list[str]:
    return sorted(message.id or "" for message in [*check_settings(), *check_deployment(), *check_urls()])


@pytest.fixture(autouse=True)
def _shared_cache(settings: Any) -> None:
    settings.CACHES = REDIS  # the test settings' LocMemCache would trip W102 everywhere


def test_a_sound_configuration_has_no_findings() -> None:
    assert ids() == []


@pytest.mark.jwtauth_settings(ACCESS_TOKEN_LIFETIME=timedelta(hours=2))
def test_checks_are_registered() -> None:
    # run_checks is what manage.py check uses: a finding only shows there if the check is
    # registered with Django (removing @register makes this fail).
    assert "jwtauth.W104" in {m.id for m in run_checks()}


@pytest.mark.jwtauth_settings(ACCESS_TOKEN_LIFETIME=timedelta(hours=2))
def test_checks_are_quiet_without_the_app(settings: Any) -> None:
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "jwtauth"]
    assert not {m.id for m in run_checks()} & {"jwtauth.W104", "jwtauth.E005"}


@pytest.mark.parametrize(
    ("jwtauth", "expected"),
    [
        ({"NOPE": 1}, "jwtauth.E001"),
        ({"LEEWAY": "soon"}, "jwtauth.E002"),
        ({"ACCESS_TOKEN_SIGNING_KEY": "short"}, "jwtauth.E003"),
        ({"ACCESS_TOKEN_LIFETIME": timedelta(days=8)}, "jwtauth.E004"),
    ],
)
def test_settings_checks(settings: Any, jwtauth: dict[str, Any], expected: str) -> None:
    settings.JWTAUTH = {**settings.JWTAUTH, **jwtauth}
    assert expected in ids()


@pytest.mark.jwtauth_settings(REFRESH_COOKIE_SECURE=False)
def test_w001_insecure_cookie_outside_debug(settings: Any) -> None:
    assert "jwtauth.W001" in ids()
    settings.DEBUG = True
    assert "jwtauth.W001" not in ids()


@pytest.mark.jwtauth_settings(REFRESH_COOKIE_SAMESITE="None", REFRESH_COOKIE_SECURE=False)
def test_e009_samesite_none_without_secure_is_an_error() -> None:
    from django.core.checks import ERROR

    assert {"jwtauth.E009", "jwtauth.W112"} <= set(ids())
    assert [m.level for m in check_settings() if m.id == "jwtauth.E009"] == [ERROR]


@pytest.mark.jwtauth_settings(REFRESH_COOKIE_SAMESITE="None", REFRESH_COOKIE_SECURE=True)
def test_samesite_none_with_secure_is_no_error() -> None:
    assert "jwtauth.E009" not in ids()


@pytest.mark.parametrize(("secure", "expected"), [(False, True), (True, False)])
def test_e010_secure_prefix_needs_secure(settings: Any, secure: bool, expected: bool) -> None:
    settings.JWTAUTH = {**settings.JWTAUTH, "REFRESH_COOKIE_NAME": "__Secure-refresh", "REFRESH_COOKIE_SECURE": secure}
    assert ("jwtauth.E010" in ids()) is expected


@pytest.mark.parametrize(
    ("samesite", "secure", "expected"),
    [("None", True, False), ("Lax", True, True), ("Strict", True, True), ("None", False, True), ("Lax", False, True)],
)
def test_e012_partitioned_needs_samesite_none_and_secure(
    settings: Any, samesite: str, secure: bool, expected: bool
) -> None:
    settings.CSRF_COOKIE_SAMESITE, settings.CSRF_COOKIE_SECURE = "None", True
    settings.JWTAUTH = {
        **settings.JWTAUTH,
        "REFRESH_COOKIE_PARTITIONED": True,
        "REFRESH_COOKIE_SAMESITE": samesite,
        "REFRESH_COOKIE_SECURE": secure,
    }
    assert ("jwtauth.E012" in ids()) is expected
    assert [m.level for m in check_settings() if m.id == "jwtauth.E012"] == ([ERROR] if expected else [])


@pytest.mark.parametrize("samesite", ["Lax", "None"])
def test_e012_not_without_partitioned(settings: Any, samesite: str) -> None:
    settings.JWTAUTH = {**settings.JWTAUTH, "REFRESH_COOKIE_SAMESITE": samesite}
    assert "jwtauth.E012" not in ids()


@pytest.mark.parametrize(
    ("csrf_samesite", "csrf_secure", "expected"),
    [("Lax", False, True), ("Lax", True, True), ("None", False, True), ("None", True, False)],
)
@pytest.mark.jwtauth_settings(REFRESH_COOKIE_SAMESITE="None")
def test_w117_cross_site_needs_a_cross_site_csrf_cookie(
    settings: Any, csrf_samesite: str, csrf_secure: bool, expected: bool
) -> None:
    settings.CSRF_COOKIE_SAMESITE = csrf_samesite
    settings.CSRF_COOKIE_SECURE = csrf_secure
    assert ("jwtauth.W117" in ids()) is expected


def test_w117_not_for_same_site_refresh_cookies() -> None:
    assert "jwtauth.W117" not in ids()


@pytest.mark.parametrize(
    ("dpop", "atomic", "revocation_cache", "expected"),
    [
        ("optional", True, "local", True),
        ("required", True, None, True),
        ("optional", True, "default", False),  # Redis: the record is outside any transaction
        ("optional", False, "local", False),
        ("off", True, "local", False),
    ],
)
def test_w118_dpop_replay_records_under_atomic_requests(
    settings: Any, dpop: str, atomic: bool, revocation_cache: str | None, expected: bool
) -> None:
    settings.CACHES = {**REDIS, "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with warnings.catch_warnings():  # "Overriding setting DATABASES": only the check reads it here
        warnings.simplefilter("ignore")
        settings.DATABASES = {alias: {**db, "ATOMIC_REQUESTS": atomic} for alias, db in settings.DATABASES.items()}
    settings.JWTAUTH = {**settings.JWTAUTH, "DPOP": dpop, "REVOCATION_CACHE": revocation_cache}
    assert ("jwtauth.W118" in ids()) is expected


def test_e005_csrf_middleware_missing(settings: Any) -> None:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "csrf" not in m]
    assert "jwtauth.E005" in ids()


@pytest.mark.parametrize(
    "cors",
    [
        {"CORS_ALLOW_ALL_ORIGINS": True},
        {"CORS_ORIGIN_ALLOW_ALL": True},
        {"CORS_ALLOWED_ORIGIN_REGEXES": [r".*"]},
        {"CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://.*$"]},
    ],
)
def test_e101_cors_any_origin_with_credentials(settings: Any, cors: dict[str, Any]) -> None:
    settings.CORS_ALLOW_CREDENTIALS = True
    for name, value in cors.items():
        setattr(settings, name, value)
    findings = [*check_deployment()]
    assert [m.id for m in findings] == ["jwtauth.E101"]
    assert isinstance(findings[0], Error)
    settings.CORS_ALLOW_CREDENTIALS = False
    assert ids() == []


def test_e101_not_for_a_narrow_regex(settings: Any) -> None:
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\w+\.example\.com$"]
    assert ids() == []


def test_w101_cors_origin_not_csrf_trusted(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:3000", "https://app.example.com"]
    assert ids() == ["jwtauth.W101"]
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost:3000", "https://app.example.com"]
    assert ids() == []


@pytest.mark.parametrize("caches", [{"default": {"BACKEND": LOCMEM}}])
def test_w102_process_local_throttle_cache(settings: Any, caches: dict[str, Any]) -> None:
    settings.CACHES = caches
    assert ids() == ["jwtauth.W102"]
    settings.DEBUG = True
    assert ids() == []


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_CACHE="throttle")
def test_w102_follows_the_configured_alias(settings: Any) -> None:
    settings.CACHES = {**REDIS, "throttle": {"BACKEND": LOCMEM}}
    assert ids() == ["jwtauth.W102"]


def test_w103_dummy_cache(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert ids() == ["jwtauth.W103"]


@pytest.mark.parametrize(
    ("jwtauth", "expected"),
    [
        ({"ACCESS_TOKEN_LIFETIME": timedelta(hours=2)}, "jwtauth.W104"),
        ({"LEEWAY": timedelta(minutes=10)}, "jwtauth.W105"),
        ({"REFRESH_REUSE_GRACE_PERIOD": 300}, "jwtauth.W106"),
        ({"REFRESH_TOKEN_LIFETIME": timedelta(days=365)}, "jwtauth.W113"),
    ],
)
def test_durations(settings: Any, jwtauth: dict[str, Any], expected: str) -> None:
    settings.JWTAUTH = {**settings.JWTAUTH, **jwtauth}
    assert ids() == [expected]


@pytest.mark.jwtauth_settings(ACCESS_TOKEN_LIFETIME=timedelta(hours=1), LEEWAY=300, REFRESH_REUSE_GRACE_PERIOD=60)
def test_durations_at_the_limit_are_fine() -> None:
    assert ids() == []


def test_w107_csrf_cookie_httponly(settings: Any) -> None:
    settings.CSRF_COOKIE_HTTPONLY = True
    assert ids() == ["jwtauth.W107"]


def test_w108_csrf_in_sessions(settings: Any) -> None:
    settings.CSRF_USE_SESSIONS = True
    assert ids() == ["jwtauth.W108"]


def test_w109_urls_not_mounted(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.security.no_jwtauth_urls"
    assert ids() == ["jwtauth.W109"]


@pytest.mark.jwtauth_settings(REFRESH_COOKIE_PATH="/")
def test_w110_cookie_path_root() -> None:
    assert ids() == ["jwtauth.W110"]


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": None, "account": None})
def test_w111_throttling_off(settings: Any) -> None:
    assert ids() == ["jwtauth.W111"]
    settings.DEBUG = True
    assert ids() == []


@pytest.mark.jwtauth_settings(REFRESH_COOKIE_SAMESITE="None")
def test_w112_samesite_none(settings: Any) -> None:
    settings.CSRF_COOKIE_SAMESITE, settings.CSRF_COOKIE_SECURE = "None", True  # else W117 too
    assert ids() == ["jwtauth.W112"]


@pytest.mark.jwtauth_settings(ACCESS_TOKEN_SIGNING_KEY="k" * 32, REFRESH_TOKEN_SIGNING_KEY="k" * 32)
def test_w114_one_key_for_both() -> None:
    assert ids() == ["jwtauth.W114"]


@pytest.mark.parametrize("as_bytes", [False, True])
def test_w115_key_is_secret_key(settings: Any, as_bytes: bool) -> None:
    key = settings.SECRET_KEY.encode() if as_bytes else settings.SECRET_KEY
    settings.JWTAUTH = {**settings.JWTAUTH, "REFRESH_TOKEN_SIGNING_KEY": key}
    assert ids() == ["jwtauth.W115"]


@pytest.mark.parametrize("until", ["2020-01-01", 1577836800, datetime(2020, 1, 1)])
def test_the_transition_window_check_leaves_an_invalid_value_to_e001(until: object) -> None:
    """check_deployment() may run on unvalidated values: no TypeError, no W003."""
    from jwtauth.checks import _simplejwt_window_checks
    from jwtauth.core.clock import SystemClock

    assert _simplejwt_window_checks({"SIMPLEJWT_ACCEPT_UNTIL": until, "CLOCK": SystemClock()}) == []
