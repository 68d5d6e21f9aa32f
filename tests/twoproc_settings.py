"""Settings for the server processes of the two-process revocation test
(tests/api/test_two_processes.py): PostgreSQL database ``JWTAUTH_TWOPROC_DB`` and
Django's Redis cache at ``JWTAUTH_TEST_REDIS_URL``, real clock."""

import os

from tests.settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["JWTAUTH_TWOPROC_DB"],
        "USER": os.environ.get("JWTAUTH_TEST_PG_USER", "postgres"),
        "HOST": os.environ.get("JWTAUTH_TEST_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("JWTAUTH_TEST_PG_PORT", "5432"),
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["JWTAUTH_TEST_REDIS_URL"],
        "KEY_PREFIX": os.environ["JWTAUTH_TWOPROC_DB"],
        "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
    }
}
JWTAUTH = {**JWTAUTH, "REVOCATION_CACHE": "default", "REVOCATION_CACHE_FAILURE": "reject"}  # noqa: F405
