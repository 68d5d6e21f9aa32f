"""Build jwtauth's wheel, install it (not editable) in a fresh venv and migrate a minimal project.

What a user gets from ``pip install jwtauth`` must work without the checkout: the migrations,
the compiled translations (``.mo`` for de/fr/es), ``py.typed`` and every other file under
``src/jwtauth`` that git tracks must be in the wheel, and ``django-admin migrate`` (``python -m
django migrate``) must run with it.

Usage: ``.venv/bin/python .ci/check_wheel.py`` (run by ``.ci/run``; about 15 s, most of it
the isolated build). The fresh venv gets the wheel alone (``--no-deps``); Django, DRF,
PyJWT and the rest come from the running venv through a ``.pth`` line, which adds that
``site-packages`` to ``sys.path`` without processing its ``.pth`` files, so the editable
install of the checkout stays invisible (the script checks where ``jwtauth`` is imported
from). Exits non-zero on the first problem.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("de", "fr", "es")

SETTINGS = """
SECRET_KEY = "wheel-check-secret-key-that-is-long-enough-0123456789"
DEBUG = True
USE_TZ = True
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "rest_framework", "jwtauth"]
MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
ROOT_URLCONF = "urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
"""
URLS = """
from django.urls import include, path

urlpatterns = [path("api/auth/", include("jwtauth.urls"))]
"""
PROBE = """
import django, jwtauth
from django.utils import translation
django.setup()
from jwtauth.api.errors import message_for
from jwtauth.core.errors import TokenInvalid
from jwtauth.sessions.models import RefreshSession
for language in ("de", "fr", "es"):
    with translation.override(language):
        assert message_for(TokenInvalid) != TokenInvalid.default_detail, f"no {language} translation"
print(jwtauth.__file__, RefreshSession.objects.count())
"""


def fail(message: str) -> None:
    print(f"check_wheel: {message}", file=sys.stderr)
    sys.exit(1)


def run(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        fail(f"{' '.join(map(str, args))} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def check_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = run("git", "ls-files", "src/jwtauth").split()
    missing = sorted(p.removeprefix("src/") for p in tracked if p.removeprefix("src/") not in names)
    required = [
        "jwtauth/py.typed",
        "jwtauth/migrations/0001_initial.py",
        *(f"jwtauth/locale/{lang}/LC_MESSAGES/django.mo" for lang in LANGUAGES),
    ]
    missing += [name for name in required if name not in names and name not in missing]
    if missing:
        fail(f"{wheel.name} lacks {missing} (see [tool.setuptools.package-data] in pyproject.toml)")
    print(f"check_wheel: {wheel.name}: {len(names)} files, every tracked file of src/jwtauth included")


def clean_copy(target: Path) -> Path:
    """The files a build reads, as in the working tree (tracked or new, not ignored), without
    the ``build/`` directory an earlier build left behind: its stale copies would mask a
    file that ``package-data`` no longer includes."""
    files = run("git", "ls-files", "-co", "--exclude-standard", "--", "pyproject.toml", "README.md", "LICENSE", "src")
    for name in files.split():
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="jwtauth-wheel-") as tmp:
        work = Path(tmp)
        source = clean_copy(work / "source")
        run(sys.executable, "-m", "pip", "wheel", source, "--no-deps", "-q", "-w", work / "dist")
        wheel = next((work / "dist").glob("jwtauth-*.whl"))
        check_contents(wheel)

        env_dir = work / "venv"
        venv.EnvBuilder(with_pip=False).create(env_dir)
        python = env_dir / "bin" / "python"
        run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
        fresh_site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip())
        (fresh_site / "_jwtauth_wheel_check_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")

        project = work / "project"
        project.mkdir()
        (project / "settings.py").write_text(SETTINGS)
        (project / "urls.py").write_text(URLS)
        env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "PYTHONPATH": str(project)}
        env["DJANGO_SETTINGS_MODULE"] = "settings"
        # django-admin itself: Django is not installed in the fresh venv, only importable.
        run(python, "-m", "django", "migrate", "-v", "0", cwd=project, env=env)
        location, count = run(python, "-c", PROBE, cwd=project, env=env).split()
        if not location.startswith(str(fresh_site)) or count != "0":
            fail(f"jwtauth was imported from {location}, not from the wheel in {fresh_site}")
        print(f"check_wheel: installed in a fresh venv, migrate ran, de/fr/es translations load ({location})")


if __name__ == "__main__":
    main()
