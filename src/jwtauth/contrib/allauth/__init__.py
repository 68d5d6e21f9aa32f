"""django-allauth headless integration: every allauth account flow ends in a jwtauth session.

Install with ``pip install "jwtauth[allauth]"`` and see ``docs/allauth.md``. In short::

    INSTALLED_APPS += ["allauth", "allauth.account", "allauth.mfa", "allauth.headless",
                       "jwtauth.contrib.allauth"]
    MIDDLEWARE += ["allauth.account.middleware.AccountMiddleware",
                   "jwtauth.contrib.allauth.middleware.AllauthSessionMiddleware"]  # after CsrfViewMiddleware
    HEADLESS_CLIENTS = ("app",)
    HEADLESS_TOKEN_STRATEGY = "jwtauth.contrib.allauth.strategy.JWTAuthTokenStrategy"

Only allauth's ``app`` client is supported: see :mod:`jwtauth.contrib.allauth.strategy`.
"""
