"""Settings for the custom-user suite: run with ``--ds tests.custom_user.settings``."""

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "tests.testapp"] + ["tests.custom_user"]  # noqa: F405
AUTH_USER_MODEL = "custom_user.EmailUser"
