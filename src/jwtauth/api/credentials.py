"""The credential check of ``login/``: which account an identifier names, and failed
logins that cost the same whatever the account's state.

Threats: username enumeration by response time, and a counter that a spelling the
database treats as the same account (``alíce`` for ``alice`` under MySQL's
accent-insensitive collations) would escape.

- :func:`resolve_login_identity` looks the identifier up the way Django's
  ``ModelBackend`` does (``get_by_natural_key`` on the default manager), or
  case-insensitively with ``LOGIN_IDENTIFIER_CASE_INSENSITIVE``. The per-account
  throttle counter is keyed on the account it finds. One query for every identifier,
  known or not.
- :func:`equalise_failed_login` makes every failed login run the same password hashers
  once each: Django's default hasher (what ``ModelBackend`` runs for an unknown user)
  and each older hasher that stored passwords still use (what it runs for a user not
  yet upgraded). Whatever the path ran, the others run here. An unknown user, a wrong
  password, an unusable password, an inactive user and a backend that raised then all
  cost the same hashing. With one hasher in use (the usual case) this adds nothing but
  for backend errors.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import (
    UNUSABLE_PASSWORD_PREFIX,
    BasePasswordHasher,
    get_hasher,
    get_hashers_by_algorithm,
    identify_hasher,
)
from django.core.signals import setting_changed
from django.db import Error as DatabaseError
from django.db.models import Value
from django.db.models.functions import Left, StrIndex
from django.dispatch import receiver

from ..settings import get_settings

__all__ = ["LoginIdentity", "equalise_failed_login", "hashers_in_use", "resolve_login_identity"]

logger = logging.getLogger("jwtauth")


@dataclass(frozen=True, slots=True)
class LoginIdentity:
    """An identifier as submitted and the account the auth backend's lookup finds.

    Attributes:
        username: the value to pass to ``authenticate()`` as ``USERNAME_FIELD``.
        user: the user that lookup returns, or ``None`` (unknown, ambiguous, or the
            lookup raised).
    """

    username: str
    user: Any


def resolve_login_identity(username: str) -> LoginIdentity:
    """Find the account ``username`` names, as ``ModelBackend`` would.

    With ``LOGIN_IDENTIFIER_CASE_INSENSITIVE``, a single case-insensitive
    (``__iexact``) match of ``USERNAME_FIELD`` wins and its stored spelling goes to
    ``authenticate()``; several matches (accounts differing only in case) fall back to
    the exact lookup. A lookup error yields ``user=None``.

    Raises:
        django.db.DatabaseError: the database is unreachable (the view answers 503).
    """
    user_model = get_user_model()
    manager = user_model._default_manager
    if get_settings().login_identifier_case_insensitive:
        matches = list(manager.filter(**{f"{user_model.USERNAME_FIELD}__iexact": username})[:2])
        if len(matches) == 1:
            return LoginIdentity(username=matches[0].get_username(), user=matches[0])
    try:
        user = manager.get_by_natural_key(username)
    except DatabaseError:
        raise  # an outage answers 503, never a wrong password
    except Exception:  # DoesNotExist, MultipleObjectsReturned (an iexact manager), ...
        user = None
    return LoginIdentity(username=username, user=user)


@functools.cache
def hashers_in_use() -> tuple[str, ...]:
    """The algorithms of ``PASSWORD_HASHERS`` that stored passwords use, default first.

    One query over the user table (``SELECT DISTINCT`` of the hash prefix), once per
    process, again after ``PASSWORD_HASHERS`` changes. A cached answer can only list
    too many: new hashes always use the default hasher, which is always listed.
    """
    default = str(get_hasher("default").algorithm)
    known = get_hashers_by_algorithm()
    user_model = get_user_model()
    prefixes = (
        user_model._default_manager.filter(password__contains="$")
        .annotate(jwtauth_algorithm=Left("password", StrIndex("password", Value("$")) - 1))
        .values_list("jwtauth_algorithm", flat=True)
        .distinct()
    )
    used = set(prefixes)
    return (default, *(name for name in known if name in used and name != default))


@receiver(setting_changed)
def _forget_hashers(*, setting: str, **kwargs: object) -> None:
    if setting in ("PASSWORD_HASHERS", "AUTH_USER_MODEL"):
        hashers_in_use.cache_clear()
        _dummy_hash.cache_clear()


@functools.cache
def _dummy_hash(algorithm: str) -> str:
    hasher = get_hashers_by_algorithm()[algorithm]
    return str(hasher.encode("jwtauth timing equaliser", hasher.salt()))


def _hasher_that_ran(identity: LoginIdentity, backend_failed: bool) -> str | None:
    if backend_failed:
        return None  # unknown how far it got: run them all
    default = str(get_hasher("default").algorithm)
    if identity.user is None:
        return default  # ModelBackend's dummy set_password()
    encoded = getattr(identity.user, "password", None)
    if not encoded or encoded.startswith(UNUSABLE_PASSWORD_PREFIX):
        return default  # check_password() runs the default hasher once (Django >= 5.0.7)
    try:
        hasher: BasePasswordHasher = identify_hasher(encoded)
    except ValueError:
        return default  # likewise for a hash no installed hasher reads
    return str(hasher.algorithm)


def equalise_failed_login(identity: LoginIdentity, password: str, *, backend_failed: bool = False) -> None:
    """Run the hashers of :func:`hashers_in_use` this failed login did not run.

    Args:
        identity: what :func:`resolve_login_identity` returned for this attempt.
        password: the submitted password (hashed against a dummy hash, never stored).
        backend_failed: an auth backend raised, so which hasher ran is unknown.
    """
    try:
        algorithms = hashers_in_use()
    except Exception:  # the user table is unreadable: at least the default hasher
        algorithms = (str(get_hasher("default").algorithm),)
    ran = _hasher_that_ran(identity, backend_failed)
    hashers = get_hashers_by_algorithm()
    for algorithm in algorithms:
        if algorithm != ran and algorithm in hashers:
            hashers[algorithm].verify(password, _dummy_hash(algorithm))
