"""Settings of the jwtauth demo: SQLite, API on http://localhost:8000, the front end on
http://localhost:3000 (cross-origin, CORS with credentials).

What the demo relaxes for plain http://localhost, and why:

- ``JWTAUTH["REFRESH_COOKIE_SECURE"] = False``: a ``Secure`` cookie is not sent over
  plain HTTP by every client (curl, older browsers). Production keeps the default
  ``True`` (system check ``jwtauth.W001`` warns otherwise).
- ``DEBUG = True`` and a fixed ``SECRET_KEY``: never in production.
- ``ACCESS_TOKEN_LIFETIME`` is 30 seconds so that silent refresh is visible.
- e-mail is never delivered: the demo's backend (``demo_project/mail.py``) prints each
  message's code or link in the terminal and lists every message on ``/dev/mail/``.
- ``DEMO_CLOCK_FILE`` (tests only) shifts jwtauth's clock by the seconds written to
  that file, so browser tests can expire tokens without sleeping;
  ``DEMO_FAST_PASSWORD_HASHER=1`` (tests only) swaps PBKDF2 for a fast, weak hasher.
- ``DEMO_CROSS_SITE=partitioned`` (tests only) sets the cookies up as docs/deployment.md
  prescribes for a front end on another site (open it as http://127.0.0.1:3000): both
  cookies ``SameSite=None; Secure; Partitioned``; ``DEMO_CROSS_SITE=unpartitioned`` leaves
  ``Partitioned`` out. Browsers store ``Secure`` cookies from ``http://localhost``, which
  they treat as a secure context.
"""

import os
from datetime import timedelta
from pathlib import Path

from corsheaders.defaults import default_headers

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DEMO_SECRET_KEY", "demo-only-secret-key-do-not-use-in-production-0123456789abcdef")
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "jwtauth",
    # django-allauth headless (app client) for sign-up, e-mail verification, password reset,
    # TOTP + recovery codes and passkeys; jwtauth issues the tokens (docs/allauth.md).
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "jwtauth.contrib.allauth",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After CsrfViewMiddleware: sets jwtauth's refresh and CSRF cookies on allauth's responses.
    "jwtauth.contrib.allauth.middleware.AllauthSessionMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",  # jwtauth's login/ and the admin
    "allauth.account.auth_backends.AuthenticationBackend",  # allauth's login by e-mail
]

ROOT_URLCONF = "demo_project.urls"
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
            ]
        },
    }
]
WSGI_APPLICATION = "demo_project.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DB", str(BASE_DIR / "db.sqlite3")),
        # A sign-up whose mail fails is rolled back (the middleware answers 503).
        "ATOMIC_REQUESTS": True,
    }
}

# password/change/ runs these (the demo user's own password is set directly).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_FRONTEND_PORT = os.environ.get("DEMO_FRONTEND_PORT", "3000")
FRONTEND_ORIGINS = [f"http://localhost:{_FRONTEND_PORT}", f"http://127.0.0.1:{_FRONTEND_PORT}"]

# The front end is another origin: allow it to call the API with cookies.
CORS_ALLOWED_ORIGINS = FRONTEND_ORIGINS
CORS_ALLOW_CREDENTIALS = True
# DPoP (RFC 9449): the front end sends a DPoP proof header and reads the server's nonce.
# allauth's app client sends its flow state in X-Session-Token.
CORS_ALLOW_HEADERS = (*default_headers, "dpop", "x-session-token")
CORS_EXPOSE_HEADERS = ["DPoP-Nonce"]
# Django's CSRF Origin check must trust the front end for refresh/ and logout/.
CSRF_TRUSTED_ORIGINS = FRONTEND_ORIGINS

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["jwtauth.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "jwtauth.exception_handler",
}

JWTAUTH = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=int(os.environ.get("DEMO_ACCESS_TOKEN_SECONDS", "30"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "REFRESH_COOKIE_SECURE": False,
    # DEMO_DPOP=required (or optional) binds each session to a non-extractable key in the browser.
    "DPOP": os.environ.get("DEMO_DPOP", "off"),
    # login/ refuses (403 login_flow_required) the accounts allauth asks more of: a second
    # factor, or an e-mail address still to verify. They sign in through allauth.
    "PASSWORD_LOGIN_CHECK": "jwtauth.contrib.allauth.login_policy.password_login_allowed",
}
# The truly cross-site layout (front end on http://127.0.0.1:<port>, a different site from
# the API's localhost), with the settings docs/deployment.md gives for it.
if os.environ.get("DEMO_CROSS_SITE") in ("partitioned", "unpartitioned"):
    JWTAUTH.update(
        REFRESH_COOKIE_SAMESITE="None",
        REFRESH_COOKIE_SECURE=True,
        REFRESH_COOKIE_PARTITIONED=os.environ["DEMO_CROSS_SITE"] == "partitioned",
    )
    CSRF_COOKIE_SAMESITE = "None"
    CSRF_COOKIE_SECURE = True
    SILENCED_SYSTEM_CHECKS = ["jwtauth.W112"]  # decided: CSRF is the defence of refresh/ here
# Test seams for the browser tests, never set in normal use:
# - the server's time is shifted by the seconds written to this file (demo_project/clock.py);
if os.environ.get("DEMO_CLOCK_FILE"):
    JWTAUTH["CLOCK"] = "demo_project.clock.OffsetClock"
# - a cheap password hasher, as Django's testing docs suggest: PBKDF2 costs about half a
#   second per login, which the browser suite would pay on every test. Weak by design.
if os.environ.get("DEMO_FAST_PASSWORD_HASHER") == "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# ---- django-allauth headless (app client), jwtauth's token strategy: docs/allauth.md
HEADLESS_ONLY = True  # no allauth HTML pages: the demo's front end renders every step
HEADLESS_CLIENTS = ("app",)
HEADLESS_TOKEN_STRATEGY = "jwtauth.contrib.allauth.strategy.JWTAuthTokenStrategy"
# Links allauth would put in its mails (the demo sends codes instead, see below).
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": f"{FRONTEND_ORIGINS[0]}/?verify-email={{key}}",
    "account_reset_password_from_key": f"{FRONTEND_ORIGINS[0]}/?reset-password={{key}}",
    "account_signup": f"{FRONTEND_ORIGINS[0]}/?signup",
}
ACCOUNT_ADAPTER = "demo_project.accounts.DemoAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Codes rather than links: the person copies the code from the mailbox into the page that is
# still waiting for it (the pending flow lives in that page's memory), in any tab.
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
# One 30 s period either side of the current one, for clocks that drift (phones).
MFA_TOTP_TOLERANCE = 1
# WebAuthn's relying party is the API's host, localhost: a secure context over plain http.
EMAIL_BACKEND = "demo_project.mail.CapturingEmailBackend"
DEFAULT_FROM_EMAIL = "jwtauth demo <demo@localhost>"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"jwtauth": {"handlers": ["console"], "level": "INFO"}},
}
