"""Built statements sent on the driver's own cursor: the small ones every command sends (its reads, its projections).

For every execution SQLAlchemy Core keys the statement for its compiled cache, looks the compiled form up, makes an
execution context and wraps the result. For the small statements of every command (a signature's stream and key
reads, its inline projections' ten statements), that costs more than the statements themselves: sent here, a
signature takes a fifth to a quarter less CPU (docs/benchmarks.md). A built statement is compiled once per dialect
and set of parameter names and sent on the connection's driver cursor, in the connection's transaction (begun first
if none is, as `Connection.execute` would: the caller's commit or rollback ends what was sent). Values go through
the same bind processors SQLAlchemy applies (a Boolean on SQLite becomes 0 or 1), and rows come back through the
same result processors, so what is written and read is what `Connection.execute` writes and reads; a driver's error
is SQLAlchemy's (a lost connection invalidated). A statement this cannot send as it is (an expanding or literal
`IN`, a value computed at execution, SQL text) is refused at its first use (ValueError), before anything is sent,
never sent differently. `lookup` reads one row outside any transaction; `held` sends writes in psycopg's pipeline on
PostgreSQL.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.sql.expression import Delete, Executable, Insert, Select, Update

from events.engine import lost, reading

Parameters = Mapping[str, Any]


@dataclass(slots=True)
class _Form:
    """A statement as the driver takes it: its SQL, its parameters' order and processors, its columns' processors."""

    sql: str
    names: tuple[str, ...]  # in the order a positional driver takes them
    positional: bool
    given: dict[str, Any]  # parameters the statement itself holds a value for (`x == 0` in a WHERE)
    processors: dict[str, Callable[[Any], Any]]
    columns: tuple[tuple[str, Any], ...]  # result columns: name and type
    # each result column's name and processor, made at the first fetch (a processor may ask the driver's type)
    readers: tuple[tuple[str, Callable[[Any], Any] | None], ...] | None = None


#: Forms by statement, dialect and parameter names; the statements sent are built once (module constants, cached
#: builders), so this stays as small as the schema; past `FORMS` (a caller building statements afresh) it starts over.
_forms: dict[tuple[Any, ...], _Form] = {}
FORMS = 2048
_SENDABLE = (Select, Insert, Update, Delete)


def _form(statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Form:
    key = (statement, type(dialect), dialect.paramstyle, keys)
    found = _forms.get(key)
    if found is not None:
        return found
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    binds = compiled.binds.values()
    if (
        not isinstance(statement, _SENDABLE)
        or compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.escaped_bind_names
        or any(bind.expanding or bind.literal_execute or bind.callable is not None for bind in binds)
    ):
        raise ValueError(f"not a statement to send on the driver's cursor as it is: {compiled.string}")
    positional = compiled.positiontup is not None
    names = tuple(compiled.positiontup) if positional else tuple(compiled.binds)
    processors = {}
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
    given = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
    # What a row holds, as the compiler rendered it (what SQLAlchemy's own results read: `_result_columns`, private
    # like `_echo` and `_log_info` below, pinned by `sqlalchemy<2.2`). Not the statement's own column attributes: a
    # RETURNING added to a built UPDATE can carry the memoised empty collection of the UPDATE it was made from.
    columns = tuple((entry.keyname, entry.type.dialect_impl(dialect)) for entry in compiled._result_columns)
    form = _Form(compiled.string, names, positional, given, processors, columns)
    if len(_forms) >= FORMS:
        _forms.clear()
    _forms[key] = form
    return form


def _bound(form: _Form, parameters: Parameters) -> Any:
    values = {name: parameters[name] if name in parameters else form.given[name] for name in form.names}
    for name, processor in form.processors.items():
        if name in values:
            values[name] = processor(values[name])
    return tuple(values[name] for name in form.names) if form.positional else values


def _run(
    connection: Connection, form: _Form, bound: Any, many: bool = False, limit: int | None = 0, begin: bool = True
) -> list[Any]:
    """Send on the connection's driver cursor and fetch (`limit` rows, all if None, none if 0). Begins SQLAlchemy's
    transaction first if none is and `begin` (as `Connection.execute` does), so the caller's commit or rollback ends
    what was sent. Inside `held` a write goes in the pipeline (a read's fetch syncs it)."""
    if begin and not connection.in_transaction():
        connection.begin()
    pipe = _pipes.get(connection.connection.dbapi_connection) if _pipes else None
    if pipe is not None and limit == 0:  # a write inside `held`: sent in the pipeline, its result not waited for
        _execute(connection, form.sql, bound, many, 0, pipe)
        return []
    found = _execute(connection, form.sql, bound, many, limit)
    if pipe is not None:  # its fetch took every earlier result: those writes went through
        pipe.sent.clear()
    if limit != 0 and form.readers is None:
        form.readers = tuple(
            (name, kind.result_processor(connection.dialect, described[1]))
            for (name, kind), described in zip(form.columns, found[1], strict=True)
        )
    return found[0]


def _execute(
    connection: Connection, sql: str, bound: Any, many: bool, limit: int | None, pipe: _Pipe | None = None
) -> tuple[list[Any], Any]:
    """Send `sql` and fetch (as `_run`): the rows and their description (given `pipe`, in its pipeline, the result
    not waited for). The connection's `before_cursor_execute` and `after_cursor_execute` listeners see the statement
    (with no execution context; for a write in the pipeline, `after` comes when it is sent, before its result), and
    the engine's `echo` logs it, as they would any other."""
    driver = connection.connection.dbapi_connection
    dispatch = connection.dispatch
    cursor: Any = None
    try:
        cursor = driver.cursor() if pipe is None else pipe.cursor()  # type: ignore[union-attr]
        for listener in dispatch.before_cursor_execute:  # most often none: an empty loop
            sql, bound = listener(connection, cursor, sql, bound, None, many)
        if connection._echo:  # SQLAlchemy's own switch for `echo` (private, pinned by `sqlalchemy<2.2`)
            connection._log_info("%s", sql)
            hidden = connection.engine.hide_parameters
            connection._log_info("[driver] %s", "(hidden)" if hidden else f"{len(bound)} rows" if many else repr(bound))
        if pipe is not None:
            pipe.sent.append(sql)
            for row in bound if many else (bound,):
                cursor.execute(sql, row)
        elif many:
            cursor.executemany(sql, bound)
        else:
            cursor.execute(sql, bound)
        for after in dispatch.after_cursor_execute:
            after(connection, cursor, sql, bound, None, many)
        if many or limit == 0:
            return [], None
        return list(cursor.fetchall() if limit is None else cursor.fetchmany(limit)), cursor.description
    except connection.dialect.loaded_dbapi.Error as error:
        raise _raised(connection, error, sql, cursor) from error
    finally:
        if cursor is not None and pipe is None:
            try:
                cursor.close()
            except connection.dialect.loaded_dbapi.Error:  # a lost connection's: the error above is the one to tell
                pass


def _raised(connection: Connection, error: Any, sql: str, cursor: Any = None) -> exc.StatementError:
    """A driver's error as SQLAlchemy raises it (`sqlalchemy.exc.IntegrityError` and the like), a lost connection
    invalidated as SQLAlchemy would, with every other the pool made before it (`events.engine.lost`). Inside `held`
    the statement that failed may be any write sent in the pipeline since its last sync: the error names them all."""
    dialect, driver = connection.dialect, connection.connection.dbapi_connection
    if (pipe := _pipes.get(driver) if _pipes else None) is not None:
        _forget(driver)
        sent = "; ".join(pipe.sent)
        sql = f"one of the writes sent in the pipeline: {sent} (raised at: {sql})" if sent else sql
    gone = lost(connection.engine, connection.connection, error, driver, cursor)
    if gone:
        connection.invalidate(error)
    raised: exc.StatementError = exc.DBAPIError.instance(
        sql, None, error, dialect.loaded_dbapi.Error, connection_invalidated=gone, dialect=dialect
    )
    return raised


class _Pipe:
    """One `held` while: psycopg's pipeline on the driver connection, entered at the first write, left (synced)
    before any statement SQLAlchemy sends and at the end."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.sent: list[str] = []  # the writes sent whose results are not taken yet, to name in an error
        self._open: ExitStack | None = None
        self._cursor: Any = None

    def cursor(self) -> Any:
        """The pipeline's cursor (the pipeline entered if it is not)."""
        if self._open is None:
            self._open = ExitStack()
            self._open.enter_context(self.driver.pipeline())
            self._cursor = self.driver.cursor()
        return self._cursor

    def leave(self, connection: Connection, error: BaseException | None = None) -> None:
        """Send what waits and take every result (a write's error raised here, as SQLAlchemy's), out of the pipeline."""
        if self._open is None:
            return
        opened, cursor, self._open, self._cursor = self._open, self._cursor, None, None
        try:
            if error is None:
                opened.close()
            else:  # psycopg logs, and does not raise, a write's error met here: then forget, not for others
                opened.__exit__(type(error), error, error.__traceback__)
                if self.driver.info.transaction_status.name == "INERROR":
                    _forget(self.driver)
        except connection.dialect.loaded_dbapi.Error as failed:
            raise _raised(connection, failed, "(the pipeline's sync)", cursor) from failed
        finally:
            self.sent = []
            cursor.close()


def _forget(driver: Any) -> None:
    """After an error in a pipeline psycopg forgets the names of the statements it prepared, and deallocates them at its
    next statement that succeeds (`clear`, private; `psycopg<4`): a write failing earlier in a pipeline makes the server
    skip a preparation psycopg has named already, which psycopg may not hear of. Each is prepared afresh."""
    driver._prepared.clear()  # (a database error a caller catches and then commits past would keep a stale name)


#: PostgreSQL driver connections inside `held`, each with its pipeline.
_pipes: weakref.WeakKeyDictionary[Any, _Pipe] = weakref.WeakKeyDictionary()


@functools.cache
def _pipelines(driver: str) -> bool:
    """Whether the driver can pipeline (psycopg on libpq 14 or later)."""
    if driver != "psycopg":
        return False
    import psycopg

    return bool(psycopg.Pipeline.is_supported())


@contextmanager
def held(connection: Connection) -> Iterator[None]:
    """On PostgreSQL, the writes `send` is given inside go out in psycopg's pipeline, their results not waited for: a
    read's fetch, any statement SQLAlchemy sends, and the end take every result so far in one round trip. Inside a
    write transaction every round trip holds its locks longer (the append lock: every other appender waits), so the
    writes of an append's projections cost no round trip of their own. A write that fails raises where a result is
    next taken (at a later write, a read, SQLAlchemy's statement, or the end), as SQLAlchemy's error naming the
    writes it may be: the transaction is undone whole, as it would be anyway. SQLite, a driver without pipelines, or
    held already: as if not held."""
    ours = connection.dialect.name == "postgresql" and type(connection) is Connection
    if not (ours and _pipelines(connection.dialect.driver)):
        yield
        return
    driver = connection.connection.dbapi_connection
    if driver in _pipes:
        yield
        return
    pipe = _pipes[driver] = _Pipe(driver)

    def before_sqlalchemys(_c: Any, _cursor: Any, _sql: Any, _parameters: Any, context: Any, _many: Any) -> None:
        if context is not None:  # SQLAlchemy's own (ours have none): it reads results its own way, out of the pipeline
            pipe.leave(connection)

    event.listen(connection, "before_cursor_execute", before_sqlalchemys)
    try:
        yield
        pipe.leave(connection)
    except BaseException as error:
        pipe.leave(connection, error)
        raise
    finally:
        event.remove(connection, "before_cursor_execute", before_sqlalchemys)
        del _pipes[driver]


def send(connection: Connection, statement: Executable, parameters: Parameters | Sequence[Parameters]) -> None:
    """Execute the statement once, or once per parameter set given a list of them (nothing to read back). A connection
    that is not SQLAlchemy's own (a replay's `Deferred`) is given the statement as it is."""
    if type(connection) is not Connection:
        connection.execute(statement, parameters)
    elif isinstance(parameters, Mapping):
        form = _form(statement, connection.dialect, tuple(sorted(parameters)))
        _run(connection, form, _bound(form, parameters))
    elif parameters:
        form = _form(statement, connection.dialect, tuple(sorted(parameters[0])))
        _run(connection, form, [_bound(form, row) for row in parameters], many=True)


def first(connection: Connection, statement: Executable, parameters: Parameters) -> dict[str, Any] | None:
    """The first row the statement gives (a SELECT, or a write's RETURNING) by column name, or None."""
    found = rows(connection, statement, parameters, 1)
    return found[0] if found else None


def lookup(engine: Engine, statement: Executable, parameters: Parameters) -> dict[str, Any] | None:
    """The first row of one read on a pooled connection, outside any transaction (one statement is a snapshot of its
    own: on SQLite no BEGIN and ROLLBACK around it, on PostgreSQL in autocommit): the lookups every request makes."""
    with reading(engine) as connection:
        found = rows(connection, statement, parameters, 1, begin=False)
    return found[0] if found else None


def rows(
    connection: Connection,
    statement: Executable,
    parameters: Parameters,
    limit: int | None = None,
    *,
    begin: bool = True,
) -> list[dict[str, Any]]:
    """The rows the statement gives (all, or the first `limit`), each by column name (`begin`: as `_run`)."""
    if type(connection) is not Connection:
        result = connection.execute(statement, parameters).mappings()
        return [dict(row) for row in (result.all() if limit is None else result.fetchmany(limit))]
    form = _form(statement, connection.dialect, tuple(sorted(parameters)))
    if not form.columns:
        raise ValueError(f"the statement gives no columns to read: {form.sql}")
    found = _run(connection, form, _bound(form, parameters), limit=limit, begin=begin)
    readers = form.readers or ()
    return [
        {name: value if read is None else read(value) for (name, read), value in zip(readers, row, strict=True)}
        for row in found
    ]
