"""Built statements on the driver's cursor (`events.driver`): written and read exactly as `Connection.execute` does.

Run on every backend, against a table of the types the projections use (text, integers, a boolean, a nullable
column), with a statement that holds a value of its own, RETURNING, and many rows at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from events import driver

shapes = sa.MetaData()
things = sa.Table(
    "driver_things",
    shapes,
    sa.Column("thing_id", sa.String(20), primary_key=True),
    sa.Column("amount", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
    sa.Column("withdrawn", sa.Boolean, nullable=False),
    sa.Column("note", sa.String(50)),
)
INSERT = things.insert()
READ = sa.select(things).where(things.c.thing_id == sa.bindparam("thing_id"))
EVERY = sa.select(things).order_by(things.c.thing_id)
HELD_BACK = (  # a value of the statement's own (`withdrawn IS false`, `amount > 0`) beside the caller's
    sa.update(things)
    .where(things.c.thing_id == sa.bindparam("k_thing_id"), things.c.amount > 0, things.c.withdrawn.is_(False))
    .values(withdrawn=sa.bindparam("v_withdrawn"))
    .returning(things.c.amount, things.c.withdrawn)
)
TOUCH = things.update().where(things.c.thing_id == sa.bindparam("k")).values(amount=sa.bindparam("v"))
ROWS = [
    {"thing_id": "a", "amount": 3, "withdrawn": False, "note": "first"},
    {"thing_id": "b", "amount": 2**40, "withdrawn": True, "note": None},
    {"thing_id": "c", "amount": 0, "withdrawn": False, "note": "Ünïcødé ✓"},
]


@pytest.fixture
def connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction on a table of our own, rolled back afterwards."""
    with engine.connect() as made:
        with made.begin() as transaction:
            things.create(made)
            yield made
            transaction.rollback()


@pytest.fixture
def table(engine: sa.Engine) -> Iterator[None]:
    """The table made and committed (for a test of its own transactions and connections), dropped afterwards."""
    with engine.begin() as made:
        things.create(made)
    yield
    with engine.begin() as dropping:
        things.drop(dropping)


def by_sqlalchemy(connection: sa.Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(EVERY).mappings()]


def test_rows_written_on_the_driver_read_back_as_sqlalchemy_wrote_them(connection: sa.Connection) -> None:
    driver.send(connection, INSERT, ROWS)  # many at once
    written = by_sqlalchemy(connection)
    connection.execute(sa.delete(things))
    connection.execute(INSERT, ROWS)

    assert written == by_sqlalchemy(connection) == ROWS
    assert driver.rows(connection, EVERY, {}) == ROWS  # the boolean read back as a boolean, as SQLAlchemy does
    assert type(driver.first(connection, READ, {"thing_id": "b"})["withdrawn"]) is bool  # type: ignore[index]
    assert driver.first(connection, READ, {"thing_id": "nobody"}) is None


def test_a_statement_keeps_its_own_values_beside_the_callers(connection: sa.Connection) -> None:
    driver.send(connection, INSERT, ROWS)

    changed = driver.first(connection, HELD_BACK, {"k_thing_id": "a", "v_withdrawn": True})
    untouched = driver.first(connection, HELD_BACK, {"k_thing_id": "c", "v_withdrawn": True})  # amount 0: not it

    assert changed == {"amount": 3, "withdrawn": True} and untouched is None
    assert [row["withdrawn"] for row in by_sqlalchemy(connection)] == [True, True, False]


def test_one_row_and_the_first_of_several(connection: sa.Connection) -> None:
    driver.send(connection, INSERT, ROWS[0])
    driver.send(connection, INSERT, [])  # nothing to write: nothing sent

    assert driver.rows(connection, EVERY, {}) == [ROWS[0]]
    driver.send(connection, INSERT, ROWS[1:])
    assert driver.rows(connection, EVERY, {}, limit=2) == ROWS[:2]


def test_a_statement_it_cannot_send_as_it_is_is_refused_not_sent_otherwise(connection: sa.Connection) -> None:
    among = sa.select(things).where(things.c.thing_id.in_(sa.bindparam("ids", expanding=True)))
    with_default = sa.Table(
        "driver_defaults",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("n", sa.Integer, default=7),
    )

    with pytest.raises(ValueError, match="not a statement to send on the driver's cursor"):
        driver.rows(connection, among, {"ids": ["a"]})
    with pytest.raises(ValueError, match="not a statement to send on the driver's cursor"):
        driver.send(connection, with_default.insert(), {"id": 1})


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(connection: sa.Connection) -> None:
    driver.send(connection, INSERT, ROWS[0])

    with pytest.raises(sa.exc.IntegrityError):  # the same row again: what callers catch from Connection.execute
        driver.send(connection, INSERT, [ROWS[1], ROWS[0]])


def test_anything_but_a_sqlalchemy_connection_is_given_the_statement_as_it_is(connection: sa.Connection) -> None:
    class Replaying:  # as a rebuild's Deferred: it takes statements through `execute`
        def __init__(self) -> None:
            self.sent: list[Any] = []

        def execute(self, statement: Any, parameters: Any) -> Any:
            self.sent.append((statement, parameters))
            return connection.execute(statement, parameters)

    replaying = Replaying()
    driver.send(replaying, INSERT, ROWS)  # type: ignore[arg-type]

    assert driver.first(replaying, READ, {"thing_id": "a"}) == ROWS[0]  # type: ignore[arg-type]
    assert [statement for statement, _ in replaying.sent] == [INSERT, READ]


def test_statements_built_afresh_do_not_grow_the_forms_kept_past_their_bound(
    connection: sa.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(driver, "FORMS", 3)
    monkeypatch.setattr(driver, "_forms", {})
    driver.send(connection, INSERT, ROWS)

    for _ in range(10):  # a caller building its statement again each time
        fresh = sa.select(things.c.amount).where(things.c.thing_id == sa.bindparam("thing_id"))
        assert driver.first(connection, fresh, {"thing_id": "a"}) == {"amount": 3}
        assert len(driver._forms) <= 3


@pytest.mark.usefixtures("table")
def test_a_connection_with_no_transaction_yet_begins_one_as_execute_would(engine: sa.Engine) -> None:
    with engine.connect() as undone:  # sent, then rolled back by the caller: nothing of it stays
        driver.send(undone, INSERT, ROWS[0])
        undone.rollback()
    with engine.connect() as kept:  # sent, then committed by the caller: it stays
        driver.send(kept, INSERT, ROWS[1])
        kept.commit()
    with engine.connect() as reader:
        assert driver.rows(reader, EVERY, {}) == [ROWS[1]]


def test_what_it_cannot_send_as_it_is_is_refused_before_anything_is_sent(connection: sa.Connection) -> None:
    driver.send(connection, INSERT, ROWS)
    literal = sa.select(things).where(things.c.amount == sa.bindparam("amount", 3, literal_execute=True))
    reckoned = sa.select(things).where(things.c.amount == sa.bindparam("amount", callable_=lambda: 3))
    raw = sa.text("UPDATE driver_things SET amount = amount + 1 RETURNING amount")

    for statement in (literal, reckoned, raw):
        with pytest.raises(ValueError, match="not a statement to send on the driver's cursor"):
            driver.rows(connection, statement, {})
    with pytest.raises(ValueError, match="gives no columns to read"):
        driver.rows(connection, sa.update(things).values(amount=0), {})
    assert driver.rows(connection, EVERY, {}) == ROWS  # nothing was changed


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_lost_connection_is_invalidated_as_sqlalchemy_would(engine: sa.Engine) -> None:
    with engine.connect() as doomed:
        backend = doomed.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        doomed.rollback()
        with engine.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend)})")  # type: ignore[arg-type]

        with pytest.raises(sa.exc.OperationalError) as raised:
            driver.rows(doomed, sa.select(sa.literal(1).label("one")), {})
        assert raised.value.connection_invalidated and doomed.invalidated


def test_a_returning_added_to_a_built_update_reads_its_columns(connection: sa.Connection) -> None:
    driver.send(connection, INSERT, ROWS)
    ending = sa.update(things).where(things.c.thing_id == sa.bindparam("k_thing_id")).values(note=sa.bindparam("v"))
    assert list(ending.exported_columns) == []  # looked at once (as a replay does): SQLAlchemy keeps that answer
    returning = ending.returning(things.c.amount)  # ...in the copy this makes, though it returns a column

    assert driver.first(connection, returning, {"k_thing_id": "a", "v": "ended"}) == {"amount": 3}


def test_cursor_listeners_and_echo_see_what_is_sent_on_the_driver(
    connection: sa.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[tuple[str, str, bool]] = []

    def before(_conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, many: bool) -> None:
        assert context is None  # SQLAlchemy's documented "may be None": there is no execution context here
        seen.append(("before", statement.split()[0], many))

    def after(_conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, many: bool) -> None:
        seen.append(("after", statement.split()[0], many))

    sa.event.listen(connection, "before_cursor_execute", before)
    sa.event.listen(connection, "after_cursor_execute", after)
    try:
        driver.send(connection, INSERT, ROWS)
        assert driver.first(connection, READ, {"thing_id": "a"}) == ROWS[0]
    finally:
        sa.event.remove(connection, "before_cursor_execute", before)
        sa.event.remove(connection, "after_cursor_execute", after)
    assert seen == [
        ("before", "INSERT", True),
        ("after", "INSERT", True),
        ("before", "SELECT", False),
        ("after", "SELECT", False),
    ]

    connection.engine.echo = True  # the engine's SQL log, as `echo=True` or SQLALCHEMY_ECHO turns it on
    try:
        with caplog.at_level("INFO", logger="sqlalchemy.engine.Engine"):
            with connection.engine.connect() as echoing:  # (a connection takes the switch as it opens)
                said = sa.select(sa.bindparam("word", type_=sa.String).label("said"))
                assert driver.rows(echoing, said, {"word": "zz"}) == [{"said": "zz"}]
    finally:
        connection.engine.echo = False
    logged = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("SELECT ") and "said" in message for message in logged), logged
    assert any("[driver]" in message and "zz" in message for message in logged), logged


@pytest.mark.usefixtures("table")
def test_a_lookup_reads_one_row_outside_any_transaction(engine: sa.Engine) -> None:
    with engine.begin() as made:
        driver.send(made, INSERT, ROWS)
    begun: list[Any] = []
    note = begun.append
    sa.event.listen(engine, "begin", note)
    try:
        assert driver.lookup(engine, READ, {"thing_id": "b"}) == ROWS[1]
        assert driver.lookup(engine, READ, {"thing_id": "none such"}) is None
    finally:
        sa.event.remove(engine, "begin", note)
    assert begun == []  # one statement is its own snapshot: no BEGIN and ROLLBACK around it


@pytest.mark.usefixtures("table")
def test_writes_held_are_seen_by_every_later_statement_and_kept_in_order(engine: sa.Engine) -> None:
    """`held` (on PostgreSQL, psycopg's pipeline): a read on the driver, a statement of SQLAlchemy's, and the end each
    see every write sent before them, in the order sent; on SQLite the same, sent one by one."""
    with engine.begin() as connection, driver.held(connection):
        driver.send(connection, INSERT, ROWS[0])
        if connection.dialect.name == "postgresql":  # sent in the pipeline, not waited for
            assert connection.connection.dbapi_connection.pgconn.pipeline_status  # type: ignore[union-attr]
        driver.send(connection, things.update().values(note=sa.bindparam("v_note")), {"v_note": "changed"})
        assert driver.first(connection, READ, {"thing_id": "a"}) == {**ROWS[0], "note": "changed"}
        driver.send(connection, INSERT, ROWS[1:])
        assert by_sqlalchemy(connection) == [{**ROWS[0], "note": "changed"}, *ROWS[1:]]
        driver.send(connection, sa.delete(things).where(things.c.thing_id == sa.bindparam("k")), {"k": "c"})
    with engine.connect() as reader:
        assert [row["thing_id"] for row in by_sqlalchemy(reader)] == ["a", "b"]


@pytest.mark.parametrize("failing_at", ["a read", "sqlalchemy", "the end"])
@pytest.mark.usefixtures("table")
def test_a_held_write_that_fails_raises_as_sqlalchemy_would_and_nothing_of_it_stays(
    engine: sa.Engine, failing_at: str
) -> None:
    with pytest.raises(sa.exc.IntegrityError) as raised:
        with engine.begin() as connection, driver.held(connection):
            driver.send(connection, things.update().values(note=sa.bindparam("v")), {"v": "none yet"})
            driver.rows(connection, EVERY, {})  # takes that update's result: it went through
            driver.send(connection, INSERT, ROWS[0])
            driver.send(connection, INSERT, ROWS[0])  # the same key again: refused, where its result is taken
            if failing_at == "a read":
                driver.rows(connection, EVERY, {})
            elif failing_at == "sqlalchemy":
                by_sqlalchemy(connection)
    assert "INSERT INTO driver_things" in str(raised.value.statement)  # the error names the write, wherever raised
    if engine.dialect.name == "postgresql":  # and not the writes whose results a read took before
        assert "UPDATE" not in str(raised.value.statement)
    with engine.connect() as reader:
        assert by_sqlalchemy(reader) == []  # the transaction undone whole
        driver.send(reader, INSERT, ROWS[2])  # and the connection is fit for use again
        assert driver.rows(reader, EVERY, {}) == [ROWS[2]]
        reader.rollback()


@pytest.mark.usefixtures("table")
def test_an_error_inside_held_undoes_what_it_held(engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError, match="refused"):
        with engine.begin() as connection, driver.held(connection):
            driver.send(connection, INSERT, ROWS[0])
            raise RuntimeError("refused by the domain")
    with engine.connect() as reader:
        assert by_sqlalchemy(reader) == []


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.usefixtures("table")
def test_a_write_failing_in_the_pipeline_breaks_no_statement_for_later_after_a_savepoint(engine: sa.Engine) -> None:
    """psycopg prepares a statement at its sixth use; in a pipeline it notes the name before the server makes it,
    and a write failing earlier in the pipeline makes the server skip it: after a savepoint's rollback (which
    psycopg does not see, as the group-commit writer does it) every later use failed. After an error in a pipeline
    psycopg forgets the names it gave, and prepares afresh."""
    with engine.connect() as connection, connection.begin():
        raw = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        raw.execute("SAVEPOINT held")  # (a savepoint rolled back before anything was prepared, as an early
        raw.execute("ROLLBACK TO SAVEPOINT held")  # conflict in the group-commit writer would do)
        driver.send(connection, INSERT, ROWS[0])
        for number in range(5):
            driver.send(connection, TOUCH, {"k": "a", "v": number})
        raw.execute("SAVEPOINT held")
        with pytest.raises(sa.exc.IntegrityError):
            with driver.held(connection):
                driver.send(connection, INSERT, ROWS[0])  # refused: the server skips what follows
                driver.send(connection, TOUCH, {"k": "a", "v": 99})  # its sixth use
        raw.execute("ROLLBACK TO SAVEPOINT held")
        for _ in range(3):
            driver.send(connection, TOUCH, {"k": "a", "v": 7})
        assert driver.first(connection, READ, {"thing_id": "a"}) == {**ROWS[0], "amount": 7}


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.usefixtures("table")
def test_an_exception_inside_held_after_a_failed_write_breaks_no_statement_and_leaves_none_prepared_behind(
    engine: sa.Engine,
) -> None:
    """The exception leaves the pipeline, where psycopg logs the failed write's error rather than raising it: the
    names it gave are forgotten there too, and deallocated on the server, not left there for the connection's life."""
    on_server = sa.text("SELECT count(*) FROM pg_prepared_statements")
    # a row already there, refused once the server has slept a little: its error cannot be read before the exception
    slept = sa.select(*(sa.literal(value).label(name) for name, value in ROWS[0].items()))
    refused_later = INSERT.from_select(list(ROWS[0]), slept.where(sa.func.pg_sleep(0.05).is_not(None)))
    with engine.connect() as connection, connection.begin():
        raw = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        raw.execute("SAVEPOINT held")
        raw.execute("ROLLBACK TO SAVEPOINT held")
        driver.send(connection, INSERT, ROWS[0])
        for round_ in range(3):
            for number in range(5):
                driver.send(connection, TOUCH, {"k": "a", "v": number})
            raw.execute("SAVEPOINT held")
            with pytest.raises(RuntimeError, match="refused"):
                with driver.held(connection):
                    driver.send(connection, refused_later, {})  # refused: the server skips what follows
                    driver.send(connection, TOUCH, {"k": "a", "v": 99})  # (first round: its sixth use, named)
                    raise RuntimeError("refused by the domain")  # before psycopg has read the refusal
            raw.execute("ROLLBACK TO SAVEPOINT held")
            driver.send(connection, TOUCH, {"k": "a", "v": 7 + round_})
            assert connection.execute(on_server).scalar() == 0
        assert driver.first(connection, READ, {"thing_id": "a"}) == {**ROWS[0], "amount": 9}


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.usefixtures("table")
def test_writes_held_are_prepared_as_any_other_statement_is_so_the_server_does_not_plan_each_again(
    engine: sa.Engine,
) -> None:
    """A signature's projection writes are planned once per connection, not at every signature (10–19 % of a
    PostgreSQL signature's time one at a time, docs/benchmarks.md "Session 31")."""
    prepared = sa.text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'UPDATE driver_things%'")
    with engine.connect() as connection, connection.begin():
        driver.send(connection, INSERT, ROWS[0])
        for number in range(7):
            with driver.held(connection):
                driver.send(connection, TOUCH, {"k": "a", "v": number})
        assert connection.execute(prepared).scalar() == 1
        assert driver.first(connection, READ, {"thing_id": "a"}) == {**ROWS[0], "amount": 6}
