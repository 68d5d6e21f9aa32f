"""The demo's mailbox: an e-mail backend that keeps every message in the API process.

Demo only, never in the package: nothing is delivered. Each message is printed to the
demo's terminal with its code or link (what a person would copy out of a real mail) and
kept in memory, newest first, for the DEBUG-only page ``/dev/mail/``
(:func:`demo_project.views.dev_mail`). The store is per process: ``scripts/demo`` runs
one API process, and a restart empties it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone

__all__ = ["CODE_HEADER", "LINK_HEADER", "CapturedMail", "CapturingEmailBackend", "captured_mail"]

#: Headers the demo's account adapter adds: the code or the link the message carries.
CODE_HEADER = "X-Demo-Code"
LINK_HEADER = "X-Demo-Link"
_MAX_MESSAGES = 200

_lock = threading.Lock()
_messages: deque[CapturedMail] = deque(maxlen=_MAX_MESSAGES)
_counter = 0


@dataclass(frozen=True, slots=True)
class CapturedMail:
    """One captured message; ``number`` counts from 1 in the order they were sent."""

    number: int
    sent_at: datetime
    to: tuple[str, ...]
    subject: str
    body: str
    code: str
    link: str


def captured_mail() -> list[CapturedMail]:
    """Every captured message, newest first."""
    with _lock:
        return list(reversed(_messages))


class CapturingEmailBackend(BaseEmailBackend):
    """Keeps messages in memory and prints them (Django's ``EMAIL_BACKEND`` protocol)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        global _counter
        for message in email_messages:
            headers = message.extra_headers or {}
            with _lock:
                _counter += 1
                mail = CapturedMail(
                    number=_counter,
                    sent_at=timezone.now(),
                    to=tuple(str(address) for address in message.to),
                    subject=str(message.subject),
                    body=str(message.body),
                    code=str(headers.get(CODE_HEADER, "")),
                    link=str(headers.get(LINK_HEADER, "")),
                )
                _messages.append(mail)
            self._print(mail)
        return len(email_messages)

    @staticmethod
    def _print(mail: CapturedMail) -> None:
        lines = [f"\n  [mail #{mail.number}] to {', '.join(mail.to)}: {mail.subject}"]
        if mail.code:
            lines.append(f"  [mail #{mail.number}] code: {mail.code}")
        if mail.link:
            lines.append(f"  [mail #{mail.number}] link: {mail.link}")
        lines.append("  (every captured message: /dev/mail/ on the API)\n")
        print("\n".join(lines), flush=True)
