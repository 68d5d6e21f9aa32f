"""URL patterns, namespace ``jwtauth``. Each endpoint also answers without its
trailing slash, so a ``POST`` never meets a redirect that drops its body; the
aliases are left out of API schemas (``schema=None``) so each operation is listed once."""

from __future__ import annotations

from django.urls import URLPattern, path
from rest_framework.views import APIView

from ..core.errors import ERRORS
from .jwks import JWKSView
from .session_views import LogoutAllView, PasswordChangeView, ReauthenticateView, SessionDetailView, SessionListView
from .views import CsrfTokenView, LoginView, LogoutView, RefreshView, UserView

app_name = "jwtauth"


def _both(route: str, view: type[APIView], name: str) -> list[URLPattern]:
    """``route/`` (named) and ``route`` (an alias without the slash)."""
    return [path(f"{route}/", view.as_view(), name=name), path(route, view.as_view(schema=None))]


urlpatterns = [
    *_both("login", LoginView, "login"),
    *_both("refresh", RefreshView, "refresh"),
    *_both("logout", LogoutView, "logout"),
    *_both("csrf", CsrfTokenView, "csrf"),
    *_both("user", UserView, "user"),
    *_both("jwks", JWKSView, "jwks"),
    *_both("logout-all", LogoutAllView, "logout-all"),
    *_both("sessions", SessionListView, "sessions"),
    *_both("sessions/<str:session_id>", SessionDetailView, "session"),
    *_both("password/change", PasswordChangeView, "password-change"),
    *_both("reauthenticate", ReauthenticateView, "reauthenticate"),
]


def error_reference() -> str:
    """The Markdown table of every error code, its status, its message and the endpoints
    that declare it (``docs/errors.md`` is this text; a test keeps them equal)."""
    endpoints: dict[str, list[str]] = {}
    for pattern in urlpatterns:
        view = getattr(pattern.callback, "view_class", None)
        if pattern.name and view is not None:
            for err in getattr(view, "errors", ()):
                endpoints.setdefault(err.code, []).append(f"`{pattern.pattern}`")
    rows = ["| code | status | message | endpoints |", "|---|---|---|---|"]
    for code, err in sorted(ERRORS.items(), key=lambda item: (item[1].status, item[0])):
        where = ", ".join(endpoints.get(code, [])) or "(any view using the DRF classes)"
        rows.append(f"| `{code}` | {err.status} | {err.default_detail} | {where} |")
    return "\n".join(rows) + "\n"
