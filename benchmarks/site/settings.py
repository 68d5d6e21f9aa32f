"""Django settings for one benchmark profile, chosen by ``BENCH_PROFILE`` (see benchmarks/plan.py).

Django's startproject defaults (apps, MIDDLEWARE) plus DRF and the profile's apps. Deliberate
differences from startproject, applied to every contestant alike:
- DEBUG is False (DEBUG records every SQL query);
- MD5PasswordHasher, so login measures the auth code and not the password hasher;
- CONN_MAX_AGE = 600 (persistent DB connections, as any production deployment);
- JSON renderer and parser only (no browsable API);
- django.request logs errors only (no log line per 401).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from benchmarks import jwtauth_adapter
from benchmarks.plan import PROFILES

BENCH_PROFILE = os.environ.get("BENCH_PROFILE", "peers")
_PROFILE = PROFILES[BENCH_PROFILE]
_TMP = Path(os.environ.get("BENCH_TMP", "/tmp/jwtauth-bench"))

SECRET_KEY = "bench-only-not-secret-" + "k" * 40  # fixed: the worker and gunicorn must agree
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    *_PROFILE.apps,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "benchmarks.site.urls"
WSGI_APPLICATION = "benchmarks.site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if _PROFILE.db == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": f"jwtauth_bench_{BENCH_PROFILE}{os.environ.get('BENCH_DB_SUFFIX', '')}",
            "USER": os.environ.get("BENCH_PG_USER", "postgres"),
            "HOST": os.environ.get("BENCH_PG_HOST", "127.0.0.1"),
            "PORT": os.environ.get("BENCH_PG_PORT", "5432"),
            "CONN_MAX_AGE": 600,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_TMP / f"{BENCH_PROFILE}.sqlite3"),
            "CONN_MAX_AGE": 600,
        }
    }

if _PROFILE.cache == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
            "KEY_PREFIX": BENCH_PROFILE,  # profiles share the database, never their keys
        }
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
LOGGING = {  # server errors (with tracebacks) go to the worker's or gunicorn's log; no line per 401
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False}},
}

# Each profile's own authentication class is the default, as its docs would have you configure.
_DEFAULT_AUTH: list[str] = []
if "rest_framework_simplejwt" in _PROFILE.apps:
    _DEFAULT_AUTH = ["rest_framework_simplejwt.authentication.JWTAuthentication"]
elif "knox" in _PROFILE.apps:
    _DEFAULT_AUTH = ["knox.auth.TokenAuthentication"]
elif "rest_framework.authtoken" in _PROFILE.apps:
    _DEFAULT_AUTH = ["rest_framework.authentication.TokenAuthentication"]

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": _DEFAULT_AUTH,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(hours=1),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "SIGNING_KEY": "bench-simplejwt-signing-key-" + "s" * 36,
    "ALGORITHM": "HS256",
}

BENCH_STDLIB_KEY = b"bench-stdlib-hs256-key-" + b"h" * 41

# jwtauth: JWTAUTH for this profile's mode; BENCH_JWTAUTH_SKIP says why a mode cannot run.
BENCH_JWTAUTH_SKIP: str | None = None
if _PROFILE.jwtauth_mode is not None:
    BENCH_JWTAUTH_SKIP = jwtauth_adapter.importable_reason()
    if BENCH_JWTAUTH_SKIP is None:
        JWTAUTH, BENCH_JWTAUTH_SKIP = jwtauth_adapter.settings_for_mode(_PROFILE.jwtauth_mode)
    if BENCH_JWTAUTH_SKIP is None:
        try:
            _DEFAULT_AUTH.append(jwtauth_adapter.auth_class_path(is_app_registry_ready=False))
        except jwtauth_adapter.Skip as exc:
            BENCH_JWTAUTH_SKIP = str(exc)
    if BENCH_JWTAUTH_SKIP is not None:
        # Run the profile without the app so the worker can still report the skip reason.
        INSTALLED_APPS.remove("jwtauth")
