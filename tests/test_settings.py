"""The settings table: the docs reference page equals it, and the object reads from it."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from jwtauth._settings_table import Setting
from jwtauth.core.errors import ConfigInvalid
from jwtauth.settings import JWTAuthSettings, ResourceServerSettings, get_settings, validate

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_the_docs_reference_is_the_table() -> None:
    text = DOCS.read_text()
    documented = re.search(r"<!-- settings-reference:start -->\n(.*?)<!-- settings-reference:end -->", text, re.S)
    assert documented is not None, "docs/settings.md lost its generated section markers"
    assert documented.group(1).strip() == JWTAuthSettings.reference().strip(), (
        "docs/settings.md is out of date: regenerate it with `python -m jwtauth.settings`"
    )


def test_the_docs_resource_server_reference_is_the_table() -> None:
    text = DOCS.read_text()
    documented = re.search(
        r"<!-- resource-server-reference:start -->\n(.*?)<!-- resource-server-reference:end -->", text, re.S
    )
    assert documented is not None
    assert documented.group(1).strip() == ResourceServerSettings.reference().strip()


def test_every_setting_is_documented_once() -> None:
    names = [s.name for s in JWTAuthSettings.settings()]
    assert len(names) == len(set(names))
    for setting in JWTAuthSettings.settings():
        assert setting.doc, setting.name
        assert setting.group, setting.name


def test_attributes_read_the_validated_values() -> None:
    conf = get_settings()
    assert conf.access_token_lifetime == timedelta(minutes=5)
    assert conf.auth_header_types == ("Bearer",)
    assert isinstance(JWTAuthSettings.access_token_lifetime, Setting)
    with pytest.raises(AttributeError):
        conf.leeway = timedelta(0)  # type: ignore[misc]


@pytest.mark.jwtauth_settings(AUTH_HEADER_TYPES="Token", LEEWAY=5)
def test_validators_normalise() -> None:
    conf = get_settings()
    assert conf.auth_header_types == ("Token",)
    assert conf.leeway == timedelta(seconds=5)


def test_every_problem_is_reported_with_its_id() -> None:
    values, problems = validate({"LEEWAY": "soon", "NOPE": 1, "REFRESH_COOKIE_SECURE": "yes"})
    assert sorted(p.check_id for p in problems) == ["jwtauth.E001", "jwtauth.E002", "jwtauth.E002"]
    assert values["LEEWAY"] == "soon"  # an invalid value keeps its raw form


def test_not_a_dict(settings: Any) -> None:
    settings.JWTAUTH = ["nope"]
    with pytest.raises(ConfigInvalid, match=r"jwtauth\.E001: JWTAUTH must be a dict"):
        get_settings()
