"""The test matrix: each test runs once per configuration.

- ``services``: Django 5.2 LTS on Python 3.11 against PostgreSQL + Redis, with the branch
  coverage gates (overall >= 95 %, the core 100 %).
- ``django6``: the newest Django 6.x on Python 3.13, SQLite.
- ``oldest``: the oldest supported Django, DRF, PyJWT and cryptography, on Python 3.11,
  SQLite, without the optional integrations installed (their tests skip with a reason).
- ``fuzz``: Schemathesis against the OpenAPI schema on a live loopback server (once).

The README's test command (``scripts/test``) is the fourth configuration: Python 3.11,
the newest Django 5.2, SQLite, plus the browser suite; ``.ci/run`` calls it first, then
``nox``. Interpreters are found on PATH or under pyenv. Services: ``.ci/run`` starts them.
"""

from __future__ import annotations

import glob
import os
import shutil

import nox

nox.options.sessions = ["services", "django6", "oldest", "fuzz"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

# Markers run elsewhere: the browser suite by scripts/test, the fuzz test by its session.
NOT_ELSEWHERE = "not browser and not fuzz"
PYENV = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))


def python(version: str) -> str:
    """An interpreter path for ``version``: pyenv's own build first (its shims on PATH
    may point at another version), then PATH."""
    candidates = sorted(glob.glob(f"{PYENV}/versions/{version}.*/bin/python{version}"))
    if candidates:
        return candidates[-1]
    return shutil.which(f"python{version}") or f"python{version}"


def _pytest(session: nox.Session, *args: str) -> None:
    workers = os.environ.get("PYTEST_WORKERS", "2")
    # tests/browser needs Playwright and runs in the README's test command.
    session.run(
        "python", "-m", "pytest", "-n", workers, "-m", NOT_ELSEWHERE, "--ignore=tests/browser", *args, *session.posargs
    )


@nox.session(python=python("3.11"))
def services(session: nox.Session) -> None:
    """Django 5.2 LTS, Python 3.11, PostgreSQL + Redis, coverage gates."""
    session.install("-e", ".[test]", "pytest-cov>=5", "Django>=5.2,<5.3")
    session.env.update(
        JWTAUTH_TEST_DB="postgres",
        JWTAUTH_TEST_REDIS_URL=os.environ.get("JWTAUTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/5"),
    )
    _pytest(session, "--cov", "--cov-report=", "--cov-fail-under=95")
    session.run("python", "-m", "coverage", "report", "--include=*/jwtauth/core/*", "--fail-under=100")


@nox.session(python=python("3.13"))
def django6(session: nox.Session) -> None:
    """The newest Django 6.x on Python 3.13, SQLite."""
    session.install("-e", ".[test]", "Django>=6,<7")
    session.run("python", "-c", "import django, sys; print('Django', django.get_version(), 'on', sys.version)")
    _pytest(session)


@nox.session(python=python("3.11"))
def oldest(session: nox.Session) -> None:
    """The oldest supported Django, DRF, PyJWT and cryptography; no optional integrations."""
    session.install(
        "-e",
        ".",
        "Django==5.2.*",
        "djangorestframework==3.16.0",
        "PyJWT==2.10.0",
        "cryptography==42.0.0",
        "pytest>=8",
        "pytest-django>=4.9",
        "pytest-xdist>=3.6",
        "hypothesis>=6.100",
        "jwcrypto>=1.5",
        "django-cors-headers>=4.4",
    )
    session.env["JWTAUTH_TEST_REDIS_URL"] = ""  # no redis-py here: the Redis tests skip with a reason
    _pytest(session)


@nox.session(python=python("3.11"))
def fuzz(session: nox.Session) -> None:
    """Schemathesis against the OpenAPI schema on a live server (loopback, bounded)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-p", "no:xdist", "-m", "fuzz", "--ignore=tests/browser", *session.posargs)
