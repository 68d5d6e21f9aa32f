"""The two statements of a refresh, as raw parameterised SQL built once from the models.

A rotation reads the session with its user's active flag and swaps the ``jti`` hash
with a compare-and-swap UPDATE. Through the ORM, compiling those two statements
(``select_related``, ``Meta.ordering``, lookups) costs several times more than running
them; here they are built once per database alias and user model from model metadata
(identifiers through ``quote_name``, values always as parameters), and rows go through
the same database converters the ORM applies, into :meth:`Model.from_db`. They still
run through Django's cursor, so query logging, ``assertNumQueries`` and
``execute_wrapper`` see them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db import connections, router
from django.db.models import Field

from .models import LoginAttemptCounter, RefreshSession

__all__ = ["check_sql", "counter_select_sql", "counter_update_sql", "load_session", "rotate_session"]

# The columns a rotation writes, in the order of the UPDATE's SET clause.
_ROTATION_FIELDS = ("jti_hash", "previous_jti_hash", "rotated_at", "last_used_at", "expires_at")


@dataclass(frozen=True, slots=True)
class _Select:
    sql: str
    fields: tuple[Field[Any, Any], ...]  # the session's concrete fields, then is_active if any
    attnames: tuple[str, ...]


_SELECTS: dict[tuple[str, str], _Select] = {}
_CHECKS: dict[tuple[str, str], str] = {}
_UPDATES: dict[str, str] = {}
_COUNTER_UPDATES: dict[str, str] = {}
_COUNTER_SELECTS: dict[tuple[str, int], str] = {}


def _field(name: str) -> Field[Any, Any]:
    return cast("Field[Any, Any]", RefreshSession._meta.get_field(name))


def _quote(alias: str, name: str | None) -> str:
    return str(connections[alias].ops.quote_name(str(name)))


def _is_active_fields(user_meta: Any) -> list[Field[Any, Any]]:
    # A custom user model may have no is_active column: such users are always active.
    return [f for f in user_meta.concrete_fields if f.name == "is_active"]


def check_sql(alias: str, user_model: Any) -> str:
    """The per-request session check: ``SELECT session.user_id = %s, user.is_active
    FROM session JOIN user WHERE session.id = %s AND revoked_at IS NULL`` (``1`` for
    ``is_active`` when the user model has no such column); parameters: the token's
    user pk, then the session id.

    Both tables are reached by primary key only: the session by its id, the user
    through the join on its id. The ``sub`` comparison is a selected column, compared
    by the database with the column's own type (a native UUID on MariaDB and
    PostgreSQL, hex text on SQLite); in the ``WHERE`` clause it let PostgreSQL pick the
    ``user_id`` index and filter that user's sessions, a cost that grows with them."""
    key = (alias, user_model._meta.label)
    sql = _CHECKS.get(key)
    if sql is None:
        session_meta, user_meta = RefreshSession._meta, user_model._meta
        user_column = _quote(alias, session_meta.get_field("user").column)
        active_fields = _is_active_fields(user_meta)
        active = f"u.{_quote(alias, active_fields[0].column)}" if active_fields else "1"
        sql = _CHECKS[key] = (
            f"SELECT s.{user_column} = %s, {active} FROM {_quote(alias, session_meta.db_table)} s "  # noqa: S608
            f"INNER JOIN {_quote(alias, user_meta.db_table)} u "
            f"ON u.{_quote(alias, user_meta.pk.column)} = s.{user_column} "
            f"WHERE s.{_quote(alias, session_meta.pk.column)} = %s "
            f"AND s.{_quote(alias, session_meta.get_field('revoked_at').column)} IS NULL"
        )
    return sql


def _select(alias: str, user_model: Any) -> _Select:
    key = (alias, user_model._meta.label)
    built = _SELECTS.get(key)
    if built is None:
        session_meta, user_meta = RefreshSession._meta, user_model._meta
        fields: list[Field[Any, Any]] = list(session_meta.concrete_fields)
        active = _is_active_fields(user_meta)
        columns = [f"s.{_quote(alias, f.column)}" for f in fields]
        columns.extend(f"u.{_quote(alias, f.column)}" for f in active)
        user_column = _quote(alias, session_meta.get_field("user").column)
        # Identifiers come from model metadata through quote_name; values are parameters.
        sql = (
            f"SELECT {', '.join(columns)} FROM {_quote(alias, session_meta.db_table)} s "  # noqa: S608
            f"INNER JOIN {_quote(alias, user_meta.db_table)} u "
            f"ON u.{_quote(alias, user_meta.pk.column)} = s.{user_column} "
            f"WHERE s.{_quote(alias, session_meta.pk.column)} = %s"
        )
        built = _SELECTS[key] = _Select(
            sql=sql,
            fields=(*fields, *active),
            attnames=tuple(f.attname for f in fields),
        )
    return built


def _convert(value: Any, field: Field[Any, Any], connection: Any) -> Any:
    # What the ORM's compiler does to each column: backend converters, then the field's.
    col = field.get_col(field.model._meta.db_table)
    for converter in (*connection.ops.get_db_converters(col), *col.get_db_converters(connection)):
        value = converter(value, col, connection)
    return value


def load_session(sid: str, user_model: Any) -> tuple[RefreshSession, bool] | None:
    """Load session ``sid`` and whether its user may authenticate (one query).

    Args:
        sid: the ``sid`` claim.
        user_model: the user model.

    Returns:
        ``(session, is_user_active)`` (``session.user`` loads lazily), or ``None`` when
        ``sid`` is not a UUID or there is no such session.
    """
    try:
        session_id = uuid.UUID(sid)
    except ValueError:  # a signed token with a sid that is not ours
        return None
    # The database that is written, never a replica: a lagging replica would still
    # show a revoked family live, or a replaced refresh token as current.
    alias = router.db_for_write(RefreshSession)
    connection = connections[alias]
    select = _select(alias, user_model)
    with connection.cursor() as cursor:
        cursor.execute(select.sql, [RefreshSession._meta.pk.get_db_prep_value(session_id, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = [_convert(value, field, connection) for value, field in zip(row, select.fields, strict=True)]
    count = len(select.attnames)
    session = RefreshSession.from_db(alias, list(select.attnames), values[:count])
    # As the ORM-loaded user.is_active would be; a user model without it is active.
    is_active = values[count] is not False if len(values) > count else True
    return session, is_active


def rotate_session(
    session: RefreshSession, *, presented: str, jti_hash: str, now: datetime, expires_at: datetime
) -> bool:
    """Compare-and-swap the session's current ``jti`` hash (one UPDATE).

    Only succeeds while ``presented`` is still the current hash and the session is not
    revoked, so of concurrent refreshes with one token exactly one wins, on any
    database and without row locks.

    Returns:
        ``True`` if this call rotated the session (and updated ``session`` to match).
    """
    alias = router.db_for_write(RefreshSession)
    connection = connections[alias]
    meta = RefreshSession._meta
    sql = _UPDATES.get(alias)
    if sql is None:
        assignments = ", ".join(f"{_quote(alias, _field(name).column)} = %s" for name in _ROTATION_FIELDS)
        sql = _UPDATES[alias] = (
            f"UPDATE {_quote(alias, meta.db_table)} SET {assignments} "  # noqa: S608 (as above)
            f"WHERE {_quote(alias, meta.pk.column)} = %s AND {_quote(alias, meta.get_field('jti_hash').column)} = %s "
            f"AND {_quote(alias, meta.get_field('revoked_at').column)} IS NULL"
        )
    values = (jti_hash, presented, now, now, expires_at)
    params = [
        _field(name).get_db_prep_save(value, connection) for name, value in zip(_ROTATION_FIELDS, values, strict=True)
    ]
    params.append(meta.pk.get_db_prep_value(session.pk, connection))
    params.append(_field("jti_hash").get_db_prep_save(presented, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        updated = cursor.rowcount
    if updated != 1:
        return False
    for name, value in zip(_ROTATION_FIELDS, values, strict=True):
        setattr(session, name, value)
    return True


def counter_update_sql(alias: str) -> str:
    """A login throttle counter's atomic change: ``UPDATE counter SET count = count + %s
    WHERE key = %s`` (parameters: the change, the key); its row count tells whether the
    counter exists."""
    sql = _COUNTER_UPDATES.get(alias)
    if sql is None:
        meta = LoginAttemptCounter._meta
        count = _quote(alias, meta.get_field("count").column)
        sql = _COUNTER_UPDATES[alias] = (
            f"UPDATE {_quote(alias, meta.db_table)} SET {count} = {count} + %s "  # noqa: S608
            f"WHERE {_quote(alias, meta.get_field('key').column)} = %s"
        )
    return sql


def counter_select_sql(alias: str, keys: int) -> str:
    """The counts of ``keys`` login throttle counters: ``SELECT key, count FROM counter
    WHERE key IN (%s, ...)`` (parameters: the keys), through the key's unique index."""
    sql = _COUNTER_SELECTS.get((alias, keys))
    if sql is None:
        meta = LoginAttemptCounter._meta
        placeholders = ", ".join(["%s"] * keys)
        key = _quote(alias, meta.get_field("key").column)
        sql = _COUNTER_SELECTS[(alias, keys)] = (
            f"SELECT {key}, {_quote(alias, meta.get_field('count').column)} "  # noqa: S608
            f"FROM {_quote(alias, meta.db_table)} WHERE {key} IN ({placeholders})"
        )
    return sql
