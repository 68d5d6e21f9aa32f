"""django-allauth customisations of the demo.

- :class:`DemoAccountAdapter` tags each allauth mail with the code or link it carries, so
  the demo's mailbox (:mod:`demo_project.mail`) can print it and show it on ``/dev/mail/``.
- :class:`PasswordLoginBackend` keeps jwtauth's own ``login/`` (username + password) from
  bypassing what allauth enforces: a user with a second factor (TOTP, passkey) or with an
  e-mail address not yet verified signs in through allauth's flows only.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.http import HttpRequest

from .mail import CODE_HEADER, LINK_HEADER

__all__ = ["DemoAccountAdapter", "PasswordLoginBackend"]


class DemoAccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """allauth's adapter, plus headers naming the mail's code or link (demo mailbox only)."""

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        extra = dict(headers or {})
        if context.get("code"):
            extra[CODE_HEADER] = str(context["code"])
        for key in ("activate_url", "password_reset_url"):
            if context.get(key):
                extra[LINK_HEADER] = str(context[key])
        message: EmailMessage = super().render_mail(template_prefix, email, context, headers=extra)
        return message


def _needs_allauth_flow(user: Any) -> bool:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    if Authenticator.objects.filter(user=user).exists():
        return True
    addresses = EmailAddress.objects.filter(user=user)
    return addresses.exists() and not addresses.filter(verified=True).exists()


class PasswordLoginBackend(ModelBackend):
    """Django's ``ModelBackend``, refusing jwtauth's password-only login for allauth users
    whose account needs more (a second factor, or an e-mail address to verify).

    jwtauth's ``login/`` calls ``authenticate(username=..., password=...)``; allauth's
    flows pass ``email`` (login, re-authentication), so they are unaffected. Raising
    ``PermissionDenied`` stops Django from trying the next backend (allauth's, which
    would accept the address as a username).
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if username and "email" not in kwargs:
            # Checked after the password hasher ran, so the answer's timing says nothing more.
            candidates = [user] if user is not None else self._by_email(username)
            if any(_needs_allauth_flow(candidate) for candidate in candidates):
                raise PermissionDenied
        return user

    @staticmethod
    def _by_email(address: str) -> list[Any]:
        return list(get_user_model()._default_manager.filter(email__iexact=address)[:2])
