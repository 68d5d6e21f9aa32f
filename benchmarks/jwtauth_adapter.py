"""Everything the harness knows about jwtauth's interface, in one file.

jwtauth is being written while this harness is; when its interface differs from the guesses below,
fix THIS file (or use the environment overrides) and nothing else. Every function either works or
raises ``Skip`` with a reason the report prints; a missing package never breaks the peers' run.

Overrides, no code edit needed:
- ``BENCH_JWTAUTH_SETTINGS_<MODE>``: JSON dict used as ``JWTAUTH`` for mode EMBEDDED, REDIS or
  STATELESS (e.g. ``BENCH_JWTAUTH_SETTINGS_STATELESS='{"IS_STATELESS": true}'``).
- ``BENCH_JWTAUTH_VERIFY``: ``module:callable`` taking the access token text and returning claims.
- ``BENCH_JWTAUTH_AUTH_CLASS``: dotted path of the DRF authentication class.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "LOGIN_PATH",
    "REFRESH_PATH",
    "URLS_MODULE",
    "URL_PREFIX",
    "Session",
    "Skip",
    "auth_class_path",
    "find_verify",
    "importable_reason",
    "login_body",
    "refresh_headers",
    "session_from_login",
    "settings_for_mode",
    "update_after_refresh",
]

URL_PREFIX = "api/auth/"
URLS_MODULE = "jwtauth.urls"
LOGIN_PATH = "/" + URL_PREFIX + "login/"
REFRESH_PATH = "/" + URL_PREFIX + "refresh/"

_AUTH_CLASS_CANDIDATES = (
    "jwtauth.JWTAuthentication",
    "jwtauth.api.authentication.JWTAuthentication",
)
# Functions taking only the access token text; tried in order.
# The signature and claims check alone: jwtauth.verify_access_token (jwtauth.api.tokens) also
# checks the session (one query), which the request section measures.
_VERIFY_CANDIDATES = (
    "jwtauth.sessions.tokens:verify_access_token",
    "jwtauth.core.tokens:verify_access_token",
    "jwtauth.core.tokens:verify_access",
    "jwtauth.core.tokens:verify",
)
# Methods of the authentication class taking only the access token text; tried in order.
_AUTH_METHOD_CANDIDATES = ("verify_access_token", "verify_token", "get_validated_token", "get_claims")


class Skip(Exception):
    """A contestant cannot run; the message is printed in the report."""


@dataclass(slots=True)
class Session:
    """A client's state after login: access token, cookie jar and CSRF token."""

    access_token: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""


def importable_reason() -> str | None:
    """Return None when jwtauth is importable, else the reason to print."""
    try:
        if importlib.util.find_spec("jwtauth") is None:
            return "jwtauth not importable"
    except (ImportError, ValueError) as exc:
        return f"jwtauth not importable ({exc})"
    return None


def settings_for_mode(mode: str) -> tuple[dict[str, Any], str | None]:
    """Return (JWTAUTH dict, skip reason or None) for mode "embedded", "redis", "stateless" or "claims".

    The Redis mode differs from the embedded one only by Django's CACHES (set by the settings module).
    """
    override = os.environ.get(f"BENCH_JWTAUTH_SETTINGS_{mode.upper()}")
    if override:
        return dict(json.loads(override)), None
    if mode in ("embedded", "redis"):
        return {}, None
    if mode == "claims":
        # Five custom claims in every access token (TOKEN_CLAIMS), otherwise the embedded default.
        return {"TOKEN_CLAIMS": "benchmarks.claims_hook.five_claims"}, None
    if mode == "dpop":
        return {"DPOP": "optional"}, None
    if mode == "stateless":
        key = _find_stateless_key()
        if key is None:
            return {}, "no stateless setting found in jwtauth.settings"
        return {key: True}, None
    raise ValueError(f"unknown jwtauth mode {mode!r}")


def _find_stateless_key() -> str | None:
    """Look for a boolean settings field whose name mentions "stateless" in jwtauth.settings."""
    if importable_reason() is not None:
        return None
    try:
        conf = importlib.import_module("jwtauth.settings")
    except Exception:
        return None
    for obj in vars(conf).values():
        if inspect.isclass(obj) and dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                if "stateless" in f.name.lower():
                    return f.name.upper()
    # A settings table: one class attribute per setting.
    for obj in vars(conf).values():
        if inspect.isclass(obj) and obj.__module__ == conf.__name__:
            for name in vars(obj):
                if "stateless" in name.lower() and not name.startswith("_"):
                    return name.upper()
    return None


def auth_class_path(*, is_app_registry_ready: bool = True) -> str:
    """Dotted path of jwtauth's DRF authentication class (Bearer).

    From the settings module (``is_app_registry_ready=False``) only the module's existence is
    checked: importing the class there would import models before Django's app registry is ready.
    """
    override = os.environ.get("BENCH_JWTAUTH_AUTH_CLASS")
    if override:
        return override
    for path in _AUTH_CLASS_CANDIDATES:
        module, _, name = path.rpartition(".")
        try:
            if not is_app_registry_ready:
                if importlib.util.find_spec(module) is not None:
                    return path
            elif hasattr(importlib.import_module(module), name):
                return path
        except ImportError:
            continue
    raise Skip("no JWTAuthentication class in " + ", ".join(_AUTH_CLASS_CANDIDATES))


def login_body(username: str, password: str) -> bytes:
    """JSON body of ``POST login/``."""
    return json.dumps({"username": username, "password": password}).encode()


def session_from_login(status: int, body: bytes, cookies: dict[str, str]) -> Session:
    """Build the client state from a ``login/`` response, or raise Skip."""
    if status != 200:
        raise Skip(f"login/ answered {status}: {body[:120]!r}")
    data = json.loads(body)
    access = data.get("access_token") or data.get("access")
    if not access:
        raise Skip(f"login/ body has no access_token: keys {sorted(data)}")
    csrf = data.get("csrf_token") or cookies.get("csrftoken", "")
    return Session(access_token=access, cookies=dict(cookies), csrf_token=csrf)


def refresh_headers(session: Session) -> dict[str, str]:
    """HTTP headers for ``POST refresh/``: every cookie the server set, plus X-CSRFToken."""
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    return {"Cookie": cookie, "X-CSRFToken": session.csrf_token}


def update_after_refresh(session: Session, status: int, body: bytes, cookies: dict[str, str]) -> None:
    """Apply a ``refresh/`` response (rotated cookie, new access and CSRF tokens) to the session."""
    if status != 200:
        raise Skip(f"refresh/ answered {status}: {body[:120]!r}")
    for name, value in cookies.items():
        if value:
            session.cookies[name] = value
        else:  # deleted cookie
            session.cookies.pop(name, None)
    data = json.loads(body) if body else {}
    session.access_token = data.get("access_token") or data.get("access") or session.access_token
    session.csrf_token = data.get("csrf_token") or cookies.get("csrftoken") or session.csrf_token


def find_verify(access_token: str) -> tuple[Callable[[str], Any], str]:
    """Find a callable verifying an access token; return (callable, its name) or raise Skip.

    A candidate counts only if it accepts ``access_token`` and rejects the same token with a
    tampered signature, so a decode-only helper is never measured as "verify".
    """
    candidates: list[tuple[str, Callable[[str], Any]]] = []
    override = os.environ.get("BENCH_JWTAUTH_VERIFY")
    paths = (override,) if override else _VERIFY_CANDIDATES
    for path in paths:
        module, _, name = path.partition(":")
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        candidates.append((path, fn))
    if not override:
        try:
            cls_path = auth_class_path()
            module, _, name = cls_path.rpartition(".")
            auth = getattr(importlib.import_module(module), name)()
            for meth in _AUTH_METHOD_CANDIDATES:
                if hasattr(auth, meth):
                    candidates.append((f"{cls_path}().{meth}", getattr(auth, meth)))
        except Skip:
            pass
    tried = []
    for name, fn in candidates:
        if _accepts_one_arg(fn) and _verifies(fn, access_token):
            return fn, name
        tried.append(name)
    raise Skip("no verify function taking only the token; tried " + (", ".join(tried) or "none found"))


def _accepts_one_arg(fn: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    required = [
        p
        for p in sig.parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    return len(required) == 1 and required[0].kind != inspect.Parameter.KEYWORD_ONLY


def _verifies(fn: Callable[[str], Any], token: str) -> bool:
    try:
        if not fn(token):
            return False
    except Exception:
        return False
    head, _, sig = token.rpartition(".")
    tampered = head + "." + ("A" if sig[:1] != "A" else "B") + sig[1:]
    try:
        return not fn(tampered)
    except Exception:
        return True
