"""The machinery behind jwtauth's settings tables: a :class:`Setting` descriptor, the
:class:`SettingsTable` base that validates a namespaced dict against its settings, and
the validators the tables share.

A table is a class whose body declares each setting once, with its default (as a user
would write it), its validator (which turns the raw value into the typed value the code
reads), one line of documentation and the group it belongs to in the docs::

    class JWTAuthSettings(SettingsTable):
        namespace = "JWTAUTH"
        access_token_lifetime = Setting(timedelta(minutes=5), duration(positive=True), "...", "Tokens")

Reading ``conf.access_token_lifetime`` returns the validated value (typed for mypy by the
validator's return type). The settings object, the validation, the system check errors
and the reference page in the docs all come from that one declaration.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, Generic, TypeVar, overload

from django.conf import settings as django_settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_noop

from .core.clock import Clock
from .core.errors import ConfigInvalid

__all__ = [
    "Invalid",
    "Setting",
    "SettingProblem",
    "SettingsTable",
    "boolean",
    "choice",
    "clock",
    "cookie_name",
    "dotted_path",
    "duration",
    "integer",
    "optional",
    "scheme_names",
    "text",
]

T = TypeVar("T")

#: RFC 9110 §5.6.2 token: what a cookie name (RFC 6265 §4.1.1) and an auth scheme may contain.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Durations beyond this are a typo, and datetime arithmetic would overflow.
MAX_DURATION = timedelta(days=3650)


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """One problem found in a settings dict: a system check id and a message."""

    check_id: str
    message: str


class Invalid(Exception):
    """Raised by a validator: the value is not what the setting expects.

    Args:
        expected: what the setting takes, e.g. ``"a bool"``; the problem then reads
            ``JWTAUTH['X'] must be a bool; got 3.`` under check id ``E002``.
        check_id: another id for the problem (e.g. ``jwtauth.E006`` for keys).
        message: the whole message, replacing the ``must be`` form.
    """

    def __init__(self, expected: str, *, check_id: str | None = None, message: str | None = None) -> None:
        super().__init__(expected)
        self.expected, self.check_id, self.message = expected, check_id, message


class Setting(Generic[T]):
    """One setting of a :class:`SettingsTable`: declared once, read as an attribute.

    Args:
        default: the value used when the key is absent, written as a user would write it
            (it goes through ``validate`` too).
        validate: turns the raw value into the typed value, or raises :class:`Invalid`.
        doc: one line for the reference page.
        group: the heading it is listed under on the reference page.
        default_doc: how the default reads on the reference page, when ``repr`` misleads.
    """

    __slots__ = ("default", "default_doc", "doc", "group", "name", "validate")

    def __init__(
        self,
        default: object,
        validate: Callable[[object], T],
        doc: str,
        group: str,
        *,
        default_doc: str | None = None,
    ) -> None:
        self.default, self.validate, self.doc, self.group = default, validate, doc, group
        self.default_doc = default_doc if default_doc is not None else f"`{default!r}`"
        self.name = ""

    def __set_name__(self, owner: type, attr: str) -> None:
        self.name = attr.upper()

    @overload
    def __get__(self, instance: None, owner: type) -> Setting[T]: ...
    @overload
    def __get__(self, instance: SettingsTable, owner: type) -> T: ...
    def __get__(self, instance: SettingsTable | None, owner: type) -> Setting[T] | T:
        if instance is None:
            return self
        value: T = instance._values[self.name]
        return value


class SettingsTable:
    """Base of a settings table: a namespaced dict in Django's settings, validated.

    Subclasses set ``namespace`` (the Django setting's name), declare :class:`Setting`
    attributes, and may list ``rules``: functions over the validated values that return
    problems spanning several settings (e.g. one lifetime longer than another).
    """

    namespace: ClassVar[str]
    #: check id for a wrong type or value of one setting
    invalid_id: ClassVar[str] = "jwtauth.E002"
    #: check id for "not a dict" and unknown keys
    unknown_id: ClassVar[str] = "jwtauth.E001"
    rules: ClassVar[tuple[Callable[[Mapping[str, Any]], list[SettingProblem]], ...]] = ()

    _values: dict[str, Any]

    def __init__(self, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    @classmethod
    def settings(cls) -> Iterator[Setting[Any]]:
        """Every :class:`Setting` of the table, in declaration order."""
        seen: set[str] = set()
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                if isinstance(value, Setting) and value.name not in seen:
                    seen.add(value.name)
                    yield value

    @classmethod
    def raw(cls) -> object:
        """The user's dict from Django's settings (``{}`` when absent)."""
        return getattr(django_settings, cls.namespace, {})

    @classmethod
    def validate(cls, raw: object = None) -> tuple[dict[str, Any], list[SettingProblem]]:
        """Merge the user's dict with the defaults and validate every setting once.

        Args:
            raw: the dict to validate; ``None`` reads it from Django's settings.

        Returns:
            ``(values, problems)``: the typed values by setting name (a setting whose
            value is invalid keeps its raw value), and the problems with check ids.
        """
        raw = cls.raw() if raw is None else raw
        table = {s.name: s for s in cls.settings()}
        values: dict[str, Any] = {}
        if not isinstance(raw, Mapping):
            values = {name: setting.default for name, setting in table.items()}
            message = gettext("%(namespace)s must be a dict.") % {"namespace": cls.namespace}
            return values, [SettingProblem(cls.unknown_id, message)]
        problems = [
            SettingProblem(
                cls.unknown_id,
                gettext("%(namespace)s has an unknown key %(key)s.") % {"namespace": cls.namespace, "key": repr(name)},
            )
            for name in raw
            if name not in table
        ]
        for name, setting in table.items():
            value = raw.get(name, setting.default)
            try:
                values[name] = setting.validate(value)
            except Invalid as exc:
                values[name] = value
                message = exc.message or gettext("%(setting)s must be %(expected)s; got %(value)s.") % {
                    "setting": f"{cls.namespace}[{name!r}]",
                    "expected": exc.expected,
                    "value": repr(value),
                }
                problems.append(SettingProblem(exc.check_id or cls.invalid_id, message))
        if not problems:
            for rule in cls.rules:
                problems.extend(rule(values))
        return values, problems

    @classmethod
    def load(cls: type[_Table]) -> _Table:
        """Validate and build the settings object.

        Raises:
            ConfigInvalid (``config_invalid``): the message lists every problem with its
                system check id.
        """
        values, problems = cls.validate()
        if problems:
            raise ConfigInvalid("; ".join(f"{p.check_id}: {p.message}" for p in problems))
        return cls(values)

    @classmethod
    def reference(cls) -> str:
        """The Markdown reference of the table: one section per group, one row per setting."""
        groups: dict[str, list[Setting[Any]]] = {}
        for setting in cls.settings():
            groups.setdefault(setting.group, []).append(setting)
        out: list[str] = []
        for group, members in groups.items():
            out += [f"### {group}", "", "| key | default | meaning |", "|---|---|---|"]
            out += [f"| `{s.name}` | {s.default_doc} | {s.doc} |" for s in members]
            out.append("")
        return "\n".join(out)


_Table = TypeVar("_Table", bound=SettingsTable)


# --- validators -------------------------------------------------------------------------


def duration(*, positive: bool = False) -> Callable[[object], timedelta]:
    """A ``timedelta`` or int seconds, non-negative (or positive), at most ten years."""
    expected = (
        gettext_noop("a positive duration")
        if positive
        else gettext_noop("a non-negative timedelta or int seconds, at most ten years")
    )

    def parse(value: object) -> timedelta:
        if isinstance(value, int) and not isinstance(value, bool):
            value = timedelta(seconds=value)
        if not isinstance(value, timedelta) or value < timedelta(0) or value > MAX_DURATION:
            raise Invalid(gettext(expected))
        if positive and value <= timedelta(0):
            raise Invalid(gettext(expected))
        return value

    return parse


def boolean(value: object) -> bool:
    """``True`` or ``False``."""
    if not isinstance(value, bool):
        raise Invalid(gettext("a bool"))
    return value


def integer(*, minimum: int = 0) -> Callable[[object], int]:
    """An int of at least ``minimum`` (bools refused)."""

    def parse(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            if minimum == 1:
                raise Invalid(gettext("a positive int"))
            raise Invalid(gettext("an int >= %(minimum)d") % {"minimum": minimum})
        return value

    return parse


def optional(inner: Callable[[object], T], expected: str | None = None) -> Callable[[object], T | None]:
    """``None``, or what ``inner`` accepts.

    ``expected`` replaces the description of what the setting takes; mark it with
    ``gettext_noop`` (it is translated when a value is refused).
    """

    def parse(value: object) -> T | None:
        if value is None:
            return None
        try:
            return inner(value)
        except Invalid as exc:
            described = gettext(expected) if expected else gettext("None or %(expected)s") % {"expected": exc.expected}
            raise Invalid(described, check_id=exc.check_id, message=exc.message) from None

    return parse


def text(*, path: bool = False) -> Callable[[object], str]:
    """A non-empty string (``path``: starting with ``/``)."""

    def parse(value: object) -> str:
        if not isinstance(value, str) or not value:
            raise Invalid(gettext("a non-empty string"))
        if path and not value.startswith("/"):
            raise Invalid(gettext("a path starting with '/'"))
        return value

    return parse


def choice(*options: str) -> Callable[[object], str]:
    """One of ``options``."""

    def parse(value: object) -> str:
        if value not in options:
            raise Invalid(gettext("one of %(options)s") % {"options": options})
        return str(value)

    return parse


def cookie_name(value: object) -> str:
    """A cookie name (an RFC 9110 token)."""
    if not isinstance(value, str) or not TOKEN.fullmatch(value):
        raise Invalid(gettext("a cookie name (letters, digits and !#$%&'*+-.^_`|~)"))
    return value


def scheme_names(value: object) -> tuple[str, ...]:
    """A scheme name or a non-empty list of them (RFC 9110 tokens), as a tuple."""
    names = (value,) if isinstance(value, str) else value
    if (
        not isinstance(names, list | tuple)
        or not names
        or not all(isinstance(t, str) and TOKEN.fullmatch(t) for t in names)
    ):
        raise Invalid(gettext("a non-empty list of auth scheme names such as ['Bearer']"))
    return tuple(names)


def dotted_path(value: object) -> str:
    """A dotted path that imports (kept as the string)."""
    if not isinstance(value, str) or not value:
        raise Invalid(gettext("a dotted path"))
    try:
        import_string(value)
    except Exception:  # ImportError, or the module itself failing to import
        raise Invalid(gettext("an importable dotted path")) from None
    return value


def clock(value: object) -> Clock:
    """A dotted path to a clock class, or an object with a ``now()`` method."""
    if isinstance(value, str):
        try:
            value = import_string(value)()
        except Exception:  # not importable, not a class, or its constructor failed
            value = None
    if not callable(getattr(value, "now", None)):
        raise Invalid(gettext("a dotted path to a clock class, or an object with a now() method"))
    return value  # type: ignore[return-value]
