"""Every user-facing message is translated into each shipped language, and
``Accept-Language`` picks the language through Django's ``LocaleMiddleware``.

``test_every_marked_message_is_translated`` extracts the marked messages from the source
with xgettext (as ``makemessages`` does), so a new message without a German, French and
Spanish translation fails here: run ``django-admin makemessages -l de -l fr -l es`` in
``src/jwtauth``, translate, then ``django-admin compilemessages``.
"""

from __future__ import annotations

import gettext as gnu_gettext
import inspect
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from jwtauth.api.errors import message_for
from jwtauth.core import errors as core_errors
from tests.api.helpers import LOGIN, USER

PACKAGE = Path(core_errors.__file__).resolve().parents[1]
LOCALE = PACKAGE / "locale"
LANGUAGES = ("de", "fr", "es")
# The keywords Django's makemessages gives xgettext for Python files (plus the defaults).
_KEYWORDS = ["gettext_noop", "gettext_lazy", "ngettext_lazy:1,2", "pgettext:1c,2", "npgettext:1c,2,3",
             "pgettext_lazy:1c,2", "npgettext_lazy:1c,2,3"]  # fmt: skip


def _error_classes() -> list[type[core_errors.JWTAuthError]]:
    return [
        cls for _, cls in inspect.getmembers(core_errors, inspect.isclass) if issubclass(cls, core_errors.JWTAuthError)
    ]


def _catalog(language: str) -> dict[Any, str]:
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        return gnu_gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]


def test_each_language_ships_a_compiled_catalog() -> None:
    for language in LANGUAGES:
        assert (LOCALE / language / "LC_MESSAGES" / "django.po").is_file()
        assert (LOCALE / language / "LC_MESSAGES" / "django.mo").is_file()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_error_code_has_a_message_in_each_language(language: str) -> None:
    classes = _error_classes()
    assert len({cls.code for cls in classes}) >= 25  # the registry, not an empty list
    untranslated = []
    with translation.override(language):
        for cls in classes:
            if message_for(cls) == cls.default_detail:
                untranslated.append(f"{cls.code}: {cls.default_detail!r}")
    assert not untranslated, f"{language}: " + "; ".join(untranslated)


def _marked_messages() -> set[str]:
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (GNU gettext) is not installed: apt-get install gettext")
    sources = sorted(str(p) for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)
    args = ["xgettext", "-L", "Python", "--from-code=UTF-8", "-o", "-", *(f"--keyword={k}" for k in _KEYWORDS)]
    pot = subprocess.run([*args, *sources], check=True, capture_output=True, text=True).stdout
    messages: set[str] = set()
    current: list[str] | None = None
    for line in pot.splitlines():
        if line.startswith("msgid "):
            current = [line[len('msgid "') : -1]]
        elif line.startswith('"') and current is not None:
            current.append(line[1:-1])
        elif line.startswith(("msgstr", "msgid_plural")) and current is not None:
            text = "".join(current).replace('\\"', '"').replace("\\\\", "\\")
            if text:
                messages.add(text)
            current = None
    return messages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_message_is_translated(language: str) -> None:
    messages = _marked_messages()
    assert "The access token has expired." in messages  # the extraction works
    catalog = _catalog(language)
    missing = sorted(m for m in messages if not catalog.get(m))
    assert not missing, f"no {language} translation (run makemessages, translate, compilemessages): {missing}"


@pytest.fixture
def locale_middleware(settings: Any) -> None:
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.middleware.common.CommonMiddleware"), "django.middleware.locale.LocaleMiddleware"
    )
    settings.MIDDLEWARE = middleware
    settings.LANGUAGES = [("en", "English"), ("de", "German"), ("fr", "French"), ("es", "Spanish")]


EXPECTED = {
    "de": "Der Access-Token ist ungültig.",
    "fr": "Le jeton d'accès est invalide.",
    "es": "El token de acceso no es válido.",
    "en": "The access token is invalid.",
}


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_accept_language_selects_the_message(language: str, locale_middleware: None, db: None) -> None:
    response = APIClient().get(USER, HTTP_AUTHORIZATION="Bearer not-a-jwt", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 401
    assert response.json() == {"detail": EXPECTED[language], "code": "token_invalid"}
    assert response["Content-Language"] == language
    # RFC 6750 §3: error_description is printable ASCII, so it stays the English message.
    challenge = response["WWW-Authenticate"]
    assert challenge.isascii()
    assert 'error_description="The access token is invalid."' in challenge


def test_login_failure_is_translated(locale_middleware: None, user: Any) -> None:
    response = APIClient().post(
        LOGIN, {"username": "alice", "password": "wrong password"}, format="json", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9"
    )
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Anmeldung mit den angegebenen Zugangsdaten nicht möglich.",
        "code": "invalid_credentials",
    }
