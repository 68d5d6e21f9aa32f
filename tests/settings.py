"""Django settings for the test suite.

The database is SQLite unless ``JWTAUTH_TEST_DB=postgres`` (then the PostgreSQL
server named by ``JWTAUTH_TEST_PG_*``, default 127.0.0.1:5432, user postgres) or
``JWTAUTH_TEST_DB=mariadb`` (``JWTAUTH_TEST_MARIADB_*``, default 127.0.0.1:3306, root).
``JWTAUTH_TEST_REDIS_URL`` points the Redis-backed tests at a server.
"""

import os
from typing import Any

SECRET_KEY = "test-secret-key-that-is-long-enough-for-hkdf-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "jwtauth",
    "tests.testapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES: dict[str, dict[str, Any]]
if os.environ.get("JWTAUTH_TEST_DB") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("JWTAUTH_TEST_PG_NAME", "test"),
            "USER": os.environ.get("JWTAUTH_TEST_PG_USER", "postgres"),
            "HOST": os.environ.get("JWTAUTH_TEST_PG_HOST", "127.0.0.1"),
            "PORT": os.environ.get("JWTAUTH_TEST_PG_PORT", "5432"),
        }
    }
elif os.environ.get("JWTAUTH_TEST_DB") == "mariadb":
    # The raw-SQL tests (tests/sessions/test_raw_sql.py) also run on MariaDB/MySQL:
    # mysqlclient when installed, else PyMySQL standing in for it.
    import importlib

    try:
        importlib.import_module("MySQLdb")
    except ImportError:
        importlib.import_module("pymysql").install_as_MySQLdb()
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "NAME": os.environ.get("JWTAUTH_TEST_MARIADB_NAME", "jwtauth"),
            "USER": os.environ.get("JWTAUTH_TEST_MARIADB_USER", "root"),
            "HOST": os.environ.get("JWTAUTH_TEST_MARIADB_HOST", "127.0.0.1"),
            "PORT": os.environ.get("JWTAUTH_TEST_MARIADB_PORT", "3306"),
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# A second database that plays a lagging read replica: tests that install
# tests.testapp.routers.ReadReplicaRouter put stale rows there on purpose.
_replica: dict[str, Any] = dict(DATABASES["default"])
if _replica["NAME"] != ":memory:":
    _replica["TEST"] = {"NAME": f"test_{_replica['NAME']}_replica"}
DATABASES["replica"] = _replica

# Fast hashing in tests; real deployments keep Django's defaults.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["jwtauth.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "jwtauth.exception_handler",
}

JWTAUTH: dict[str, object] = {}

# "default" is Django's process-local LocMemCache, which jwtauth never trusts for
# revocation (the embedded default: every request checks the database). Tests of the
# cache path use "shared" through @pytest.mark.jwtauth_settings(REVOCATION_CACHE=...)
# or the shared_cache fixture (tests/conftest.py), which also runs them on Redis.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {"BACKEND": "tests.testapp.caches.SharedDictCache"},
}

CSRF_TRUSTED_ORIGINS = ["http://localhost:3000"]
STATIC_URL = "static/"  # the live server (fuzz tests) serves static files under it

# django-allauth headless + jwtauth.contrib.allauth when allauth is installed (the
# "allauth" extra); without it the rest of the suite runs unchanged and the tests in
# tests/contrib/allauth skip.
try:
    import allauth  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    HAS_ALLAUTH = False
else:
    HAS_ALLAUTH = True

if HAS_ALLAUTH:
    INSTALLED_APPS += ["allauth", "allauth.account", "allauth.mfa", "allauth.headless", "jwtauth.contrib.allauth"]
    MIDDLEWARE += [
        "allauth.account.middleware.AccountMiddleware",
        "jwtauth.contrib.allauth.middleware.AllauthSessionMiddleware",
    ]
    HEADLESS_ONLY = True
    HEADLESS_CLIENTS = ("app",)
    HEADLESS_TOKEN_STRATEGY = "jwtauth.contrib.allauth.strategy.JWTAuthTokenStrategy"
    # login/ refuses accounts that allauth would ask more than a password (jwtauth.E304).
    JWTAUTH["PASSWORD_LOGIN_CHECK"] = "jwtauth.contrib.allauth.login_policy.password_login_allowed"
    HEADLESS_FRONTEND_URLS = {
        "account_confirm_email": "http://localhost:3000/account/verify-email/{key}",
        "account_reset_password_from_key": "http://localhost:3000/account/password/reset/key/{key}",
        "account_signup": "http://localhost:3000/account/signup",
    }
    ACCOUNT_LOGIN_METHODS = {"email"}
    ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
    ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
    ACCOUNT_LOGIN_BY_CODE_ENABLED = True
    MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
    MFA_PASSKEY_LOGIN_ENABLED = True
    # One period either side: the tests compute codes for this period and the next, so a
    # period boundary between computing and checking cannot fail them.
    MFA_TOTP_TOLERANCE = 1
    # Social login (allauth's "socialaccount" extra: requests, oauthlib): an OpenID Connect
    # provider whose server the tests run on 127.0.0.1 (tests/contrib/allauth/test_social.py
    # points SOCIALACCOUNT_PROVIDERS at it).
    try:
        import requests  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        pass
    else:
        INSTALLED_APPS += ["allauth.socialaccount", "allauth.socialaccount.providers.openid_connect"]

# The simplejwt transition (the "simplejwt" extra): simplejwt's blacklist app, which the
# exchange of a simplejwt refresh token needs; without simplejwt installed the tests in
# tests/api/test_simplejwt_transition.py skip.
try:
    import rest_framework_simplejwt  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    HAS_SIMPLEJWT = False
else:
    HAS_SIMPLEJWT = True

if HAS_SIMPLEJWT:
    INSTALLED_APPS += ["rest_framework_simplejwt.token_blacklist"]
    SIMPLE_JWT = {"SIGNING_KEY": "simplejwt-signing-key-of-the-old-deployment-0123456789"}
