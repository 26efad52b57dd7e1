"""Our event store as a contender: a benchmark registry, a migrated database, appends with expected versions."""

from __future__ import annotations

from marshmallow import Schema, fields
from sqlalchemy.engine import Engine

from coalition.infra.db import upgrade
from events import EventStore, NewEvent, Registry, create_engine

EVENT_TYPE = "BenchEventRecorded"
CATEGORIES = ("coalition", "organisation", "statement", "member")


def bench_registry() -> Registry:
    """A registry with the one small event type the benchmark writes."""
    registry = Registry()

    @registry.register(EVENT_TYPE)
    class BenchEventRecorded(Schema):
        """A benchmark event: a name and an amount."""

        name = fields.String(required=True)
        amount = fields.Integer(required=True)

    return registry


def open_store(url: str, synchronous: str = "FULL", migrate: bool = True) -> tuple[Engine, EventStore]:
    """An engine made as the app makes it, the schema migrated to head, and a store on it."""
    engine = create_engine(url, sqlite_synchronous=synchronous)
    if migrate:
        upgrade(engine)
    return engine, EventStore(engine, bench_registry())


class OurAppends:
    """`EventStore.append` of `per_append` events to one stream, round robin, with the expected version known."""

    def __init__(self, store: EventStore, per_append: int, streams: int) -> None:
        self.store = store
        self.events_per_step = per_append
        self.streams = streams
        self.turn = 0
        self.versions: dict[str, int] = {}
        self.prefix = ""  # streams of their own for each of several writers

    def step(self) -> None:
        """One append, expecting the version the previous AppendResult reported for that stream."""
        stream = f"{self.prefix}bench-{self.turn % self.streams}"
        self.turn += 1
        new_events = [
            NewEvent(stream, EVENT_TYPE, {"name": stream, "amount": self.turn * self.events_per_step + offset})
            for offset in range(self.events_per_step)
        ]
        result = self.store.append(new_events, expected={stream: self.versions.get(stream, 0)})
        self.versions[stream] = result.versions[stream]


def log_stream(append_index: int, offset: int) -> str:
    """The stream of one synthetic-log event: each append spans 10 streams, 100 events each."""
    number = append_index * 10 + offset % 10
    return f"{CATEGORIES[number % len(CATEGORIES)]}-{number}"


def build_log(store: EventStore, total: int, per_append: int = 1000) -> int:
    """Append `total` events, `per_append` per append, interleaving 10 streams per append; return the head."""
    written = 0
    append_index = 0
    while written < total:
        size = min(per_append, total - written)
        batch = [
            NewEvent(
                log_stream(append_index, offset),
                EVENT_TYPE,
                {"name": f"event {written + offset}", "amount": written + offset},
            )
            for offset in range(size)
        ]
        store.append(batch)
        written += size
        append_index += 1
    return store.head()[0]
