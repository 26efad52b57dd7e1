"""`projections.sets.one_of`: the same rows as `IN` on each backend; on PostgreSQL one parameter whatever the count."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from events import create_engine
from projections.sets import one_of

METADATA = sa.MetaData()
THINGS = sa.Table("things", METADATA, sa.Column("id", sa.String(64), primary_key=True), sa.Column("n", sa.Integer))


def test_one_of_finds_what_in_finds_and_nothing_for_no_values(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            METADATA.create_all(connection)
            connection.execute(sa.insert(THINGS), [{"id": f"t{n:03d}", "n": n} for n in range(120)])
        with engine.connect() as connection:
            for wanted in ([], ["t005"], ["t001", "nope", "t119"], [f"t{n:03d}" for n in range(0, 120, 2)]):
                query = sa.select(THINGS.c.id).order_by(THINGS.c.id)
                found = connection.execute(query.where(one_of(connection, THINGS.c.id, wanted))).scalars().all()
                assert found == sorted(set(wanted) - {"nope"}), wanted
            numbers = connection.execute(sa.select(THINGS.c.n).where(one_of(connection, THINGS.c.n, [3, 7]))).all()
            assert sorted(n for (n,) in numbers) == [3, 7]
    finally:
        engine.dispose()


def test_on_postgresql_the_statement_is_one_text_whatever_the_count(database_url: str) -> None:
    engine = create_engine(database_url)
    texts: list[tuple[str, object]] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _k, text, params, *_: texts.append((text, params)))
    try:
        with engine.begin() as connection:
            METADATA.create_all(connection)
        with engine.connect() as connection:
            texts.clear()
            for count in (1, 60):
                wanted = [f"t{n:03d}" for n in range(count)]
                connection.execute(sa.select(THINGS.c.id).where(one_of(connection, THINGS.c.id, wanted))).all()
        (one, _), (sixty, params) = texts
        if engine.dialect.name == "postgresql":
            assert one == sixty and "ANY" in one and len(params) == 1  # type: ignore[arg-type]
        else:  # SQLite: a placeholder per value
            assert one != sixty and sixty.count("?") == 60
    finally:
        engine.dispose()


def test_one_id_alone_is_refused_not_read_as_its_characters(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection, pytest.raises(TypeError, match="a collection of values"):
            one_of(connection, THINGS.c.id, "t001")
    finally:
        engine.dispose()
