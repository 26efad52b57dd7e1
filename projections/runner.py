"""Keeps projections caught up with the log, each with its checkpoint in the same transaction as its rows."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from events import EventStore, Listener, RecordedEvent
from projections.base import Projection, checkpoints, insert_missing

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


class UnknownProjection(LookupError):
    """A projection name that the runner does not know."""


class ProjectionRunner:
    """Applies new events to every projection exactly once, after crashes too."""

    def __init__(self, store: EventStore, projections: Sequence[Projection], *, chunk: int = 50_000) -> None:
        self.store = store
        self.projections = list(projections)
        self.chunk = chunk

    def select(self, names: Iterable[str] | None = None) -> list[Projection]:
        """The projections with these names (all when None), or UnknownProjection."""
        if names is None:
            return list(self.projections)
        by_name = {p.name: p for p in self.projections}
        wanted = list(names)
        unknown = [n for n in wanted if n not in by_name]
        if unknown:
            raise UnknownProjection(f"no projection named {', '.join(unknown)}; known: {', '.join(by_name)}")
        return [by_name[n] for n in wanted]

    # -- applying ---------------------------------------------------------------------------------

    def within_append(self, connection: Connection, recorded: Sequence[RecordedEvent]) -> None:
        """The append hook of the embedded mode: apply the new events in the append's transaction.

        Every checkpoint is read in one query and the caught-up ones are moved in one update, so an
        append costs two statements here, plus what the projections themselves write.
        """
        first, last = recorded[0].position, recorded[-1].position
        caught_up = []
        for projection, position in zip(self.projections, self._checkpoints(connection, self.projections), strict=True):
            if position == first - 1:
                wanted = [e for e in recorded if projection.types is None or e.type in projection.types]
                if wanted:
                    projection.apply(connection, wanted)
                caught_up.append(projection.name)
            else:
                self._advance(connection, projection, position, last)
        if caught_up:
            connection.execute(update(checkpoints).where(checkpoints.c.name.in_(caught_up)).values(position=last))

    def catch_up(self, names: Iterable[str] | None = None, progress: Progress | None = None) -> int:
        """Apply everything new, a chunk per transaction; return how many positions were read."""
        chosen = self.select(names)
        total = 0
        while True:
            with self.store.transaction(lock=False) as connection:
                head = self.store.head(connection)[0]
                moved = 0
                for projection, position in zip(chosen, self._checkpoints(connection, chosen), strict=True):
                    until = min(head, position + self.chunk)
                    if until > position:
                        self._advance(connection, projection, position, until, progress)
                        moved = max(moved, until - position)
            if moved == 0:
                return total
            total += moved

    def rebuild(self, names: Iterable[str] | None = None, progress: Progress | None = None) -> int:
        """Empty the projections and replay the whole log into them."""
        chosen = self.select(names)
        with self.store.transaction(lock=False) as connection:
            self._checkpoints(connection, chosen)  # lock them all first, in the one order
            for projection in chosen:
                projection.reset(connection)
                self._save(connection, projection, 0)
        return self.catch_up([p.name for p in chosen], progress)

    def status(self) -> list[Status]:
        """Each projection's checkpoint and the head of the log."""
        with self.store.engine.connect() as connection:
            head = self.store.head(connection)[0]
            saved = dict(connection.execute(select(checkpoints.c.name, checkpoints.c.position)).all())
        return [Status(p.name, saved.get(p.name, 0), head) for p in self.projections]

    def run(self, stop: threading.Event, idle_wait: float = 5.0) -> None:
        """Follow the log until `stop` is set: catch up, then sleep until told of new events."""
        with Listener(self.store.engine) as listener:
            while not stop.is_set():
                self.catch_up()
                listener.wait(idle_wait)

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
        query = (
            select(checkpoints.c.name, checkpoints.c.position)
            .where(checkpoints.c.name.in_(names))
            .order_by(checkpoints.c.name)
            .with_for_update()
        )  # one lock order for every caller
        saved = {name: position for name, position in connection.execute(query)}
        if len(saved) < len(names):
            insert_missing(connection, checkpoints, [{"name": name, "position": 0} for name in names], key=("name",))
            saved = {name: position for name, position in connection.execute(query)}
        return [saved[name] for name in names]

    @staticmethod
    def _save(connection: Connection, projection: Projection, position: int) -> None:
        connection.execute(update(checkpoints).where(checkpoints.c.name == projection.name).values(position=position))
