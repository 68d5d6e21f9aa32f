"""django-allauth customisations of the demo.

- :class:`DemoAccountAdapter` tags each allauth mail with the code or link it carries, so
  the demo's mailbox (:mod:`demo_project.mail`) can print it and show it on ``/dev/mail/``.

jwtauth's own ``login/`` is kept from bypassing what allauth enforces by the package's
``PASSWORD_LOGIN_CHECK`` (see settings.py and docs/allauth.md).
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.mail import EmailMessage

from .mail import CODE_HEADER, LINK_HEADER

__all__ = ["DemoAccountAdapter"]


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
