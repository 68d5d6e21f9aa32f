"""Keep jwtauth's password-only ``login/`` from bypassing what django-allauth enforces.

Set ``JWTAUTH["PASSWORD_LOGIN_CHECK"] = "jwtauth.contrib.allauth.login_policy.password_login_allowed"``
(system check ``jwtauth.E304`` asks for it). jwtauth's ``login/`` checks a password and
nothing else; allauth may ask more of the same account: a second factor (TOTP, a passkey
or security key) or, with ``ACCOUNT_EMAIL_VERIFICATION = "mandatory"``, a verified e-mail
address. Such an account then gets 403 ``login_flow_required`` from ``login/`` and signs
in through allauth's flows, which end in a jwtauth session all the same.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

__all__ = ["password_login_allowed"]


def password_login_allowed(user: Any) -> bool:
    """Whether ``user`` may sign in with a password alone, as allauth would decide.

    Args:
        user: the user whose password ``login/`` just verified.

    Returns:
        ``False`` when allauth's MFA is installed and the user has an authenticator
        (allauth's ``is_mfa_enabled``), or when e-mail verification is mandatory and the
        user has e-mail addresses in allauth but none verified; else ``True``. An account
        with no address in allauth at all (made with ``createsuperuser`` or the admin) is
        not held back: allauth never asked it to verify one.
    """
    from allauth.account import app_settings as account_settings
    from allauth.account.models import EmailAddress

    if apps.is_installed("allauth.mfa"):
        from allauth.mfa.utils import is_mfa_enabled

        if is_mfa_enabled(user):
            return False
    if account_settings.EMAIL_VERIFICATION != account_settings.EmailVerificationMethod.MANDATORY:
        return True
    verified = list(EmailAddress.objects.filter(user_id=user.pk).values_list("verified", flat=True))
    return not verified or any(verified)
