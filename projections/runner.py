"""Keeps projections caught up with the log, each with its checkpoint in the same transaction as its rows."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from events import EventStore, RecordedEvent, driver, follow
from projections.base import Projection, Replay, checkpoints, insert_missing
from projections.checkpointing import LOCKED, caught_up, move
from projections.deferred import Deferred

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Status:
    """Where one projection stands against the head of the log."""

    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        """How many positions it still has to read."""
        return self.head - self.position


@dataclass(frozen=True, slots=True)
class TableCheck:
    """How one read-model table compares with a rebuild from the log up to its projection's checkpoint."""

    projection: str
    table: str
    position: int  # the checkpoint the rebuild went up to
    rows: int  # rows in the table
    missing: int  # rows the log gives that the table does not hold (or holds otherwise)
    extra: int  # rows the table holds that the log does not give

    @property
    def agrees(self) -> bool:
        """True when the table holds exactly the rows the log gives."""
        return self.missing == 0 and self.extra == 0


class _RollBack(Exception):
    """Ends the checking transaction without keeping anything it did."""


class UnknownProjection(LookupError):
    """A projection name that the runner does not know."""


class ProjectionRunner:
    """Applies new events to every projection exactly once, after crashes too."""

    def __init__(
        self,
        store: EventStore,
        projections: Sequence[Projection],
        *,
        chunk: int = 50_000,
        batch: int = 5_000,
        held: int = 20_000,
    ) -> None:
        self.store = store
        self.projections = list(projections)
        self.chunk = chunk  # positions per transaction of a catch-up or rebuild
        self.batch = batch  # events a rebuild reads, applies and writes at a time
        self.held = held  # versioned rows a rebuild keeps in memory at most (past a batch's own)

    def select(self, names: Iterable[str] | None = None) -> list[Projection]:
        """The projections with these names (all when None), or UnknownProjection; in the runner's order, whatever
        the order they are named in: a projection reads the rows of those before it (the tallies and the member
        counts read the coalitions'), so they are applied first."""
        if names is None:
            return list(self.projections)
        wanted = set(names)
        unknown = sorted(wanted - {p.name for p in self.projections})
        if unknown:
            known = ", ".join(p.name for p in self.projections)
            raise UnknownProjection(f"no projection named {', '.join(unknown)}; known: {known}")
        return [p for p in self.projections if p.name in wanted]

    # -- applying ---------------------------------------------------------------------------------

    def within_append(self, connection: Connection, recorded: Sequence[RecordedEvent]) -> None:
        """The append hook of the embedded mode: apply the new events in the append's transaction.

        One statement moves every checkpoint that stood just before these events (locked first, in the one
        order every caller locks them) and names them; those projections apply the events. One behind (a
        worker switched off, a projection added) is read and caught up to the same position. So an append
        costs one statement here, plus what the projections themselves write.
        """
        first, last = recorded[0].position, recorded[-1].position
        names = {f"name_{number}": projection.name for number, projection in enumerate(self.projections)}
        found = driver.rows(connection, caught_up(len(names)), {**names, "k_before": first - 1, "v_position": last})
        moved = {row["name"] for row in found}
        for projection in self.projections:  # in the runner's order: the tallies read what the others wrote
            if projection.name in moved:
                wanted = [e for e in recorded if projection.types is None or e.type in projection.types]
                if wanted:
                    projection.apply(connection, wanted)
            else:
                self._advance(connection, projection, self._checkpoints(connection, [projection])[0], last)

    def catch_up(self, names: Iterable[str] | None = None, progress: Progress | None = None) -> int:
        """Apply everything new, a chunk per transaction; return how many positions were read."""
        chosen = {p.name for p in self.select(names)}
        total = 0
        while True:
            with self.store.transaction(lock=False) as connection:
                head = self.store.head(connection)[0]
                moved = 0
                # No projection goes past one before it in the runner's order (chosen or not): it may read their
                # rows as they stood at each event, which are not there yet past their checkpoint.
                reached = head
                for projection, position in zip(
                    self.projections, self._checkpoints(connection, self.projections), strict=True
                ):
                    until = min(head, position + self.chunk, reached)
                    if projection.name in chosen and until > position:
                        self._advance(connection, projection, position, until, progress)
                        moved = max(moved, until - position)
                        position = until
                    reached = min(reached, position)
            if moved == 0:
                return total
            total += moved

    def rebuild(self, names: Iterable[str] | None = None, progress: Progress | None = None) -> int:
        """Empty the projections and replay the whole log into them; return how many positions were read.

        The log is read once, a batch of `batch` events at a time, and each batch goes through every
        chosen projection in order, their writes deferred and sent many rows at a time (`Deferred`).
        Each chunk of `chunk` positions is one transaction that also moves every chosen checkpoint,
        so an interrupted rebuild leaves each table as a rebuild up to its checkpoint would: a catch-up
        (or `flask projections run`) goes on from there, and rebuilding again starts over.

        A projection worker may do just that between two chunks (it sees the checkpoints the rebuild
        committed). When a chunk finds a checkpoint moved by someone else, the tables are no longer
        the ones the deferred writer knows (it assumes them empty past its own writes), so the rebuild
        stops replaying and finishes as a catch-up from the checkpoints as they stand.

        A projection not rebuilt that comes before a rebuilt one and is behind the log (a worker still catching it
        up) bounds the replay: the rebuilt one reads its rows as they stood at each event, so it stops there, and
        the catch-up of the whole runner (`flask projections run`, the worker) takes it on from its checkpoint.
        """
        chosen = self.select(names)
        with self.store.transaction(lock=False) as connection:
            self._checkpoints(connection, chosen)  # lock them all first, in the one order
            for projection in chosen:
                projection.reset(connection)
                self._save(connection, projection, 0)
        position = total = 0
        writer: Deferred | None = None
        replays = [projection.replay() for projection in chosen]
        # Projections not rebuilt that come before one that is: it may read their rows as they stood at each event,
        # so it is replayed no further than they have reached (a worker moves them on; the catch-up below follows).
        last = max((self.projections.index(p) for p in chosen), default=-1)
        before = [p for p in self.projections[:last] if p not in chosen]
        while True:
            with self.store.transaction(lock=False) as connection:
                head = self.store.head(connection)[0]
                saved = self._checkpoints(connection, [*chosen, *before])  # one statement: locked in the one order
                if any(at != position for at in saved[: len(chosen)]):
                    break  # another runner caught up from our checkpoints: what it wrote stands
                until = min(head, position + self.chunk, *saved[len(chosen) :])
                if until <= position:
                    return total
                if writer is None:
                    writer = Deferred(connection, empty=True, keep=self.held)
                writer.bind(connection)
                self._replay(writer, chosen, replays, position, until, progress)
                for replay in replays:  # in the runner's order, each after the writes of those before it
                    replay.done(cast("Connection", writer), until)
                writer.flush()
                move(connection, [p.name for p in chosen], until)
            total += until - position
            position = until
        return total + self.catch_up([p.name for p in chosen], progress)

    def _replay(
        self,
        writer: Deferred,
        chosen: Sequence[Projection],
        replays: Sequence[Replay],
        position: int,
        until: int,
        progress: Progress | None,
    ) -> None:
        """Give the events in (position, until] to every chosen projection's replay, a batch at a time."""
        done = position
        for batch in self.store.scan(writer.connection, position, until, self.batch):
            for projection, replay in zip(chosen, replays, strict=True):
                wanted = batch if projection.types is None else [e for e in batch if e.type in projection.types]
                if wanted:
                    replay.apply(cast("Connection", writer), wanted)
            writer.flush()
            if progress is not None:
                progress(batch[-1].position - done)
            done = batch[-1].position
        if progress is not None and until > done:
            progress(until - done)

    def check(self, names: Iterable[str] | None = None) -> list[TableCheck]:
        """Compare each table of the projections with a rebuild from the log, changing nothing.

        In one write transaction that is rolled back at the end: each table is copied aside (a
        temporary table), the projection is emptied and replayed up to its own checkpoint, and the
        rows of the two are compared in SQL (EXCEPT both ways), so memory stays flat however large
        the tables are. Writers wait for the check (it holds the projections' checkpoints).
        """
        chosen = self.select(names)
        found: list[TableCheck] = []
        try:
            with self.store.transaction(lock=False) as connection:
                for projection, position in zip(chosen, self._checkpoints(connection, chosen), strict=True):
                    for table in projection.tables:
                        connection.execute(
                            text(f"CREATE TEMPORARY TABLE held_{table.name} AS SELECT * FROM {table.name}")
                        )
                    projection.reset(connection)
                    self._advance(connection, projection, 0, position)
                    found += [_compare(connection, projection.name, table, position) for table in projection.tables]
                raise _RollBack
        except _RollBack:
            pass
        return found

    def status(self) -> list[Status]:
        """Each projection's checkpoint and the head of the log."""
        with self.store.engine.connect() as connection:
            head = self.store.head(connection)[0]
            saved = dict(connection.execute(select(checkpoints.c.name, checkpoints.c.position)).all())
        return [Status(p.name, saved.get(p.name, 0), head) for p in self.projections]

    def run(self, stop: threading.Event, idle_wait: float = 5.0) -> None:
        """Follow the log until `stop` is set: catch up, then sleep until told of new events (`events.follow`: a
        catch-up that fails, the database restarted or away, is logged and tried again)."""
        follow(self.store.engine, stop, self.catch_up, "catching up the projections", idle_wait)

    # -- internals --------------------------------------------------------------------------------

    def _advance(
        self,
        connection: Connection,
        projection: Projection,
        position: int,
        until: int,
        progress: Progress | None = None,
    ) -> None:
        """Apply the events in (position, until] and move the checkpoint to `until`."""
        for batch in self.store.read_batches(position, until=until, types=projection.types, connection=connection):
            projection.apply(connection, batch)
            if progress is not None:
                progress(batch[-1].position - position)
                position = batch[-1].position
        if progress is not None and until > position:
            progress(until - position)
        self._save(connection, projection, until)

    @staticmethod
    def _checkpoints(connection: Connection, projections: Sequence[Projection]) -> list[int]:
        """Read (and on PostgreSQL lock) the projections' checkpoints in one query, creating missing ones at 0."""
        names = [p.name for p in projections]
        saved = {name: position for name, position in connection.execute(LOCKED, {"names": names})}
        if len(saved) < len(names):
            insert_missing(connection, checkpoints, [{"name": name, "position": 0} for name in names], key=("name",))
            saved = {name: position for name, position in connection.execute(LOCKED, {"names": names})}
        return [saved[name] for name in names]

    @staticmethod
    def _save(connection: Connection, projection: Projection, position: int) -> None:
        move(connection, [projection.name], position)


def _compare(connection: Connection, projection: str, table: Table, position: int) -> TableCheck:
    """Count the rows that differ between the rebuilt table and the copy of what it held."""
    columns = ", ".join(f'"{column.name}"' for column in table.columns)
    held, rebuilt = f"SELECT {columns} FROM held_{table.name}", f"SELECT {columns} FROM {table.name}"

    def count(query: str) -> int:
        return int(connection.execute(text(f"SELECT count(*) FROM ({query}) AS differing")).scalar() or 0)

    rows = int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)
    missing, extra = count(f"{rebuilt} EXCEPT {held}"), count(f"{held} EXCEPT {rebuilt}")
    return TableCheck(projection, table.name, position, rows, missing, extra)
