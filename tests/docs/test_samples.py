"""Every code sample on the documentation site runs, or says why it does not.

See ``tests/docs/samples.py`` for the markers. Python samples of a page run in order in one
namespace, with Django set up on the test settings; a ``JWTAUTH`` or
``JWTAUTH_RESOURCE_SERVER`` dict a sample defines is validated as jwtauth would at start-up,
so a renamed or mistyped setting in the docs fails here. The tutorial's project, shell steps
and servers run in ``test_tutorial.py``.
"""

from __future__ import annotations

import io
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from jwtauth.checks import check_resource_server_settings
from jwtauth.settings import validate

from .samples import DOCS, NOT_CODE, ROOT, Block, blocks, pages

#: jwtauth check ids a docs sample may trip: key material that names an env var or a file
#: (``env:...``, ``file:...``) only exists on the reader's machine.
_KEY_MATERIAL = {"jwtauth.E006"}
_PROJECT_ACTIONS = {"write", "append", "shell", "server"}
SITE_SOURCES = [*pages(), ROOT / "CHANGELOG.md"]
README = ROOT / "README.md"
DOCS_SITE = "https://jwtauth.readthedocs.io/en/latest/"
REPOSITORY_FILES = "https://github.com/jwtauth/jwtauth/blob/main/"


def _all_blocks() -> list[Block]:
    return [block for page in [*SITE_SOURCES, README] for block in blocks(page)]


def test_the_site_has_samples() -> None:
    found = _all_blocks()
    assert len([b for b in found if b.language == "python" and b.action in ("", "run")]) >= 10
    assert {b.path.name for b in found if b.action == "shell"} == {"tutorial.md"}


def test_every_block_is_run_or_says_why() -> None:
    problems = []
    for block in _all_blocks():
        if block.action == "invalid":
            problems.append(f"{block.where}: unknown marker {block.argument!r}")
        elif block.action == "not run" and not block.argument:
            problems.append(f"{block.where}: 'not run' needs a reason")
        elif block.action == "demo" and block.path != README:
            problems.append(f"{block.where}: demo walks run for README.md only (tests/browser/test_readme_walk.py)")
        elif block.action in _PROJECT_ACTIONS and block.path.name != "tutorial.md":
            problems.append(f"{block.where}: project steps run for tutorial.md only (see tests/docs/test_tutorial.py)")
        elif block.action in ("", "run") and block.language not in ("python", "json", *NOT_CODE):
            problems.append(
                f"{block.where}: a {block.language or 'plain'} block that nothing runs; mark it "
                "<!-- sample: not run: REASON --> or make it a tutorial step (tests/docs/samples.py)"
            )
    assert not problems, "\n".join(problems)


def _validate_settings(namespace: dict[str, Any], block: Block) -> None:
    if isinstance(namespace.get("JWTAUTH"), dict):
        with override_settings(JWTAUTH=namespace["JWTAUTH"]):
            _merged, problems = validate()
        wrong = [f"{p.check_id}: {p.message}" for p in problems if p.check_id not in _KEY_MATERIAL]
        assert not wrong, f"{block.where}: JWTAUTH in this sample is invalid: {wrong}"
    if isinstance(namespace.get("JWTAUTH_RESOURCE_SERVER"), dict):
        with override_settings(JWTAUTH_RESOURCE_SERVER=namespace["JWTAUTH_RESOURCE_SERVER"]):
            messages = check_resource_server_settings()
        assert not messages, f"{block.where}: JWTAUTH_RESOURCE_SERVER in this sample is invalid: {messages}"


def _runnable(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.action in ("", "run") and b.language in ("python", "json")]


@pytest.mark.django_db
@pytest.mark.parametrize("page", [p for p in SITE_SOURCES if _runnable(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_samples_run(page: Path) -> None:
    namespace: dict[str, Any] = {"__name__": f"docs_{page.stem}"}
    for block in _runnable(page):
        if block.language == "json":
            json.loads(block.code)
            continue
        before = {name: namespace.get(name) for name in ("JWTAUTH", "JWTAUTH_RESOURCE_SERVER")}
        try:
            exec(compile(block.code, block.where, "exec"), namespace)  # noqa: S102 (our own docs)
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] == "jwtauth":
                raise AssertionError(f"{block.where}: the sample raised {exc!r}") from exc
            # An optional integration's page (django-ninja, allauth...) in an environment
            # without that package: nothing of jwtauth's own is wrong.
            pytest.skip(f"{block.where} needs {exc.name}, which is not installed here")
        except Exception as exc:
            raise AssertionError(f"{block.where}: the sample raised {exc!r}") from exc
        if any(namespace.get(name) is not value for name, value in before.items()):
            _validate_settings(namespace, block)


def test_a_broken_sample_fails(tmp_path: Path) -> None:
    # The runner must be able to fail: a misspelled setting and a moved import.
    page = tmp_path / "broken.md"
    page.write_text(
        '```python\nJWTAUTH = {"ACCESS_TOKEN_LIFETME": 300}\n```\n\n```python\nfrom jwtauth import nope\n```\n'
    )
    [settings_block, import_block] = blocks(page)
    namespace: dict[str, Any] = {}
    exec(settings_block.code, namespace)  # noqa: S102
    with pytest.raises(AssertionError, match="E001"):
        _validate_settings(namespace, settings_block)
    with pytest.raises(ImportError):
        exec(import_block.code, {})  # noqa: S102


def _manage_commands(block: Block) -> list[list[str]]:
    commands = []
    for line in block.code.splitlines():
        words = shlex.split(line.removeprefix("$ "), comments=True)
        if words[:2] == ["python", "manage.py"]:
            commands.append(words[2:])
    return commands


@pytest.mark.django_db
@pytest.mark.parametrize(
    "block",
    [b for b in _all_blocks() if b.action == "manage"],
    ids=lambda b: b.where,
)
def test_manage_samples_run(block: Block) -> None:
    commands = _manage_commands(block)
    assert commands, f"{block.where}: no 'python manage.py' line"
    for words in commands:
        try:
            call_command(*words, stdout=io.StringIO(), stderr=io.StringIO())
        except Exception as exc:
            raise AssertionError(f"{block.where}: `manage.py {shlex.join(words)}` raised {exc!r}") from exc


def test_every_page_is_in_the_nav() -> None:
    # mkdocs only notes a page missing from nav; it would be on the site but in no menu.
    nav = re.findall(r"^\s+- (?:[^:\n]+: )?([\w/.-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), re.MULTILINE)
    missing = sorted(str(p.relative_to(DOCS)) for p in pages() if str(p.relative_to(DOCS)) not in nav)
    assert missing == [], f"add these pages to nav: in mkdocs.yml: {missing}"


def test_readme_links_are_absolute_and_lead_somewhere() -> None:
    # The README is also the PyPI page, where relative links break.
    links = re.findall(r"\]\(([^)\s]+)\)", README.read_text())
    assert links
    relative = [link for link in links if not link.startswith(("https://", "http://", "mailto:"))]
    assert relative == [], "README links must be absolute (the README is the PyPI page too)"
    for link in links:
        if link.startswith(DOCS_SITE):
            page = link.removeprefix(DOCS_SITE).split("#")[0].strip("/") or "index"
            assert (DOCS / f"{page}.md").is_file(), f"{link}: no docs/{page}.md"
        elif link.startswith(REPOSITORY_FILES):
            path = link.removeprefix(REPOSITORY_FILES).split("#")[0]
            assert (ROOT / path).exists(), f"{link}: no {path} in the repository"


def test_site_and_repository_urls_agree_with_the_config() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    assert f"site_url: {DOCS_SITE}" in config
    assert f"repo_url: {REPOSITORY_FILES.removesuffix('/blob/main/')}" in config
    assert f'Documentation = "{DOCS_SITE}"' in (ROOT / "pyproject.toml").read_text()


def test_checks_page_lists_every_check_id() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "jwtauth").rglob("*.py"))
    in_code = set(re.findall(r"\bjwtauth\.[EW]\d{3}\b", source))
    in_code |= {f"jwtauth.{short}" for short in re.findall(r'id="jwtauth\.([EW]\d{3})"', source)}
    page = (DOCS / "checks.md").read_text()
    on_page = set(re.findall(r"^\| `(jwtauth\.[EW]\d{3})` \|", page, re.MULTILINE))
    assert in_code - on_page == set(), "check ids missing from docs/checks.md"
    assert on_page - in_code == set(), "docs/checks.md lists ids the code does not have"
