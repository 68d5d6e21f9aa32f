import os
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jwtauth import RecentlyAuthenticated

from .mail import captured_mail


class HelloView(APIView):
    """The demo's protected endpoint: Bearer access token required (project default)."""

    def get(self, request: Request) -> Response:
        user: Any = request.user
        return Response(
            {
                "message": f"Hello, {user.get_username()}! This came from a protected endpoint.",
                "user": user.get_username(),
                "server_time": timezone.now().isoformat(),
            }
        )


#: The step-up window of the demo's sensitive action (seconds; jwtauth's default is 5 minutes).
SENSITIVE_MAX_AGE_SECONDS = int(os.environ.get("DEMO_SUDO_SECONDS", "60"))


class SensitiveView(APIView):
    """A "dangerous" action that needs a recent password (jwtauth's step-up re-authentication).

    ``RecentlyAuthenticated`` reads the access token's ``auth_time``: older than the window,
    it answers 403 ``reauthentication_required`` with ``max_age``; the page then asks for the
    password, posts it to ``reauthenticate/`` and retries with the new access token.
    """

    permission_classes = [IsAuthenticated, RecentlyAuthenticated(max_age=SENSITIVE_MAX_AGE_SECONDS)]

    def post(self, request: Request) -> Response:
        claims: Any = request.auth
        return Response(
            {
                "message": f"Done: this needed a password confirmed in the last {SENSITIVE_MAX_AGE_SECONDS} seconds.",
                "auth_time": claims.auth_time,
                "amr": list(claims.amr),
            }
        )


_MAILBOX = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Demo mailbox</title>
  <link rel="icon" href="{{ frontend }}/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="{{ frontend }}/styles.css">
</head>
<body>
  <header class="topbar">
    <h1>jwtauth <span class="muted">demo mailbox</span></h1>
    <p><a href="{{ frontend }}/">Back to the demo</a></p>
  </header>
  <main>
    <p class="footnote muted">
      Every e-mail the demo's API sent, newest first. Nothing is delivered: the demo's e-mail backend
      keeps them in memory (a restart empties this page) and prints each code or link in its terminal.
      DEBUG only; reload the page to see new mail.
    </p>
    <ol id="mail-list" data-testid="mail-list" class="mail-list" data-count="{{ messages|length }}">
    {% for mail in messages %}
      <li class="card mail" data-testid="mail" data-number="{{ mail.number }}" data-to="{{ mail.to|join:',' }}"
          data-code="{{ mail.code }}">
        <h2>{{ mail.subject }}</h2>
        <p class="muted">#{{ mail.number }} to {{ mail.to|join:", " }} at {{ mail.sent_at|date:"H:i:s" }} UTC</p>
        {% if mail.code %}<p>Code: <code class="mail-code" data-testid="mail-code">{{ mail.code }}</code></p>{% endif %}
        {% if mail.link %}<p>Link: <a class="mail-link" data-testid="mail-link" href="{{ mail.link }}">{{ mail.link }}</a></p>{% endif %}
        <details><summary>Message</summary><pre class="output">{{ mail.body }}</pre></details>
      </li>
    {% empty %}
      <li class="card muted" data-testid="mail-empty">No mail yet. Sign up or ask for a password reset on the demo page.</li>
    {% endfor %}
    </ol>
  </main>
</body>
</html>
"""


def dev_mail(request: HttpRequest) -> HttpResponse:
    """``GET /dev/mail/``: the demo's captured e-mail (DEBUG only; see demo_project/mail.py)."""
    from django.conf import settings

    template = engines["django"].from_string(_MAILBOX)
    html = template.render({"messages": captured_mail(), "frontend": settings.FRONTEND_ORIGINS[0]}, request)
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    return response
