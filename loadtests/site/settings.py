"""Django settings of the load target: PostgreSQL + Redis, as a production deployment.

What differs from production, and why (see loadtests/README.md):

- ``MD5PasswordHasher``: the client loop logs in often; with PBKDF2 (about 0.3 s of CPU
  per login) the run would measure the hasher, not jwtauth. Set ``LOAD_REAL_HASHER=1``
  to keep Django's default.
- ``LOGIN_THROTTLE_RATES`` raised to 100000/min per IP and per account: every client
  comes from 127.0.0.1. Only failed logins count, and the load users never fail, so the
  defaults would not trigger either; the throttle still reads Redis on every login.
- ``DEBUG = False``; ``ALLOWED_HOSTS`` is loopback only.
"""

from __future__ import annotations

import os

SECRET_KEY = "loadtest-only-secret-key-not-for-production-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "loadtests.site.urls"
WSGI_APPLICATION = "loadtests.site.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "jwtauth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("LOAD_PG_NAME", "jwtauth_load"),
        "USER": os.environ.get("LOAD_PG_USER", "postgres"),
        "HOST": os.environ.get("LOAD_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("LOAD_PG_PORT", "5432"),
        # Persistent connections, checked before reuse: after a PostgreSQL restart the
        # first query of a request reconnects instead of failing.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 2},
    }
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/7"),
        "KEY_PREFIX": "jwtauth-load",
        # docs/revocation.md: always bound the time a dead Redis can hold a request.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

if os.environ.get("LOAD_REAL_HASHER") != "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["jwtauth.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "jwtauth.exception_handler",
}

JWTAUTH = {
    "REVOCATION_CACHE": "default",
    "REVOCATION_CACHE_FAILURE": "database",  # the default, spelled out: the Redis fault run tests it
    "LOGIN_THROTTLE_RATES": {"ip": "100000/min", "account": "100000/min"},
    "LOGIN_THROTTLE_CACHE": "default",
}

# jwtauth's warnings and errors (cache failures, database outages) and Django's 5xx
# lines go to stderr, which loadtests captures per scenario and counts.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "jwtauth": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
    },
}
