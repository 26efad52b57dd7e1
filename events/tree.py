"""The Merkle tree's stored nodes: extended in batches by whoever issues checkpoints, read for heads and proofs.

The append path never touches it. `extend` adds the leaves of the events appended since, and every complete
subtree they finish, each batch in its own short transaction (memory and lock time stay bounded). Proofs and
heads read only the O(log² n) complete nodes they are folded from (events/merkle.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from events import merkle
from events.schema import events, merkle_nodes

if TYPE_CHECKING:
    from events.store import EventStore

#: The transaction-scoped advisory lock that one tree extender holds on PostgreSQL (the append lock's neighbour).
TREE_LOCK_KEY = 0x436F6D4B


class TreeTooSmall(ValueError):
    """A head or proof asked for more leaves than the tree holds."""


class LogDiverged(ValueError):
    """The log no longer holds the events the tree was built from (truncated, or rewritten): nothing is signed."""


def tree_size(connection: Connection) -> int:
    """How many leaves the stored tree holds (events 1..size)."""
    found = connection.execute(select(func.max(merkle_nodes.c.idx)).where(merkle_nodes.c.level == 0)).scalar()
    return 0 if found is None else int(found) + 1


def lock(connection: Connection) -> None:
    """Hold the tree's lock until the transaction ends (PostgreSQL; on SQLite every writer is alone anyway)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (TREE_LOCK_KEY,))


def extend(
    store: EventStore,
    upto: int | None = None,
    batch: int = 20_000,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Add the events after the tree's size (up to `upto`, default the head) to the tree, at most `limit` of them
    in this call (all by default); the new size. Each batch is one transaction that stores its leaves with every
    subtree they complete, so the stored tree is always whole up to its size: an extension stopped at any point
    (a limit reached, a killed process) goes on from there at the next call. `progress(size, head)` is called
    after each batch."""
    added = 0
    while True:
        with store.transaction(lock=False) as connection:
            lock(connection)
            start = tree_size(connection)
            _still_holds(store, connection, start)
            head = store.head(connection)[0] if upto is None else upto
            end = min(head, start + batch)
            if limit is not None:
                end = min(end, start + limit - added)
            if end <= start:
                return start
            _grow(connection, start, end)
        added += end - start
        if progress is not None:
            progress(end, head)


def _still_holds(store: EventStore, connection: Connection, size: int) -> None:
    """The newest event in the tree is still in the log with the same hash: any rewrite of the chain at or before
    it changes that hash, so a truncated or rewritten log is refused before anything is added or signed."""
    if size == 0:
        return
    found = connection.execute(select(events.c.hash).where(events.c.position == size)).scalar()
    if found is None:
        raise LogDiverged(f"the log holds {store.head(connection)[0]} events, fewer than the tree's {size}: truncated")
    if merkle.leaf_hash(bytes.fromhex(found)) != fetch(connection, [(0, size - 1)])[(0, size - 1)]:
        raise LogDiverged(f"the event at position {size} no longer has the hash the tree holds: the log was rewritten")


def _grow(connection: Connection, start: int, end: int) -> None:
    """Store leaves start..end-1 (events start+1..end) and every complete subtree they finish."""
    rows = connection.execute(
        select(events.c.hash).where(events.c.position > start, events.c.position <= end).order_by(events.c.position)
    ).scalars()
    level, low, mark = 0, start, _mark(connection)
    new = [merkle.leaf_hash(bytes.fromhex(value)) for value in rows]
    if len(new) != end - start:
        raise ValueError(f"events {start + 1}..{end} are not all in the log")
    while new:
        connection.exec_driver_sql(
            f"INSERT INTO merkle_nodes (level, idx, hash) VALUES ({mark}, {mark}, {mark})",
            [(level, low + i, value) for i, value in enumerate(new)],
        )
        if low & 1:  # the first new node's left sibling was stored before
            left = connection.execute(
                select(merkle_nodes.c.hash).where(merkle_nodes.c.level == level, merkle_nodes.c.idx == low - 1)
            ).scalar_one()
            new.insert(0, left)
            low -= 1
        parents = [merkle.node_hash(new[i], new[i + 1]) for i in range(0, len(new) - 1, 2)]
        level, low, new = level + 1, low >> 1, parents


def _mark(connection: Connection) -> str:
    return "?" if connection.dialect.name == "sqlite" else "%s"


def fetch(connection: Connection, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of the given (level, index) nodes, in one statement of point lookups (a proof needs a
    few dozen; built as driver SQL, since compiling a new SQLAlchemy statement per proof costs more than it)."""
    keys = sorted(set(wanted))
    if not keys:
        return {}
    if connection.dialect.name == "postgresql":  # one join with the keys as arrays: planned once, index lookups
        found = connection.exec_driver_sql(
            "SELECT n.level, n.idx, n.hash FROM unnest(%s::int[], %s::bigint[]) AS k(level, idx)"
            " JOIN merkle_nodes n ON n.level = k.level AND n.idx = k.idx",
            ([level for level, _ in keys], [index for _, index in keys]),
        )
    else:
        one = "SELECT level, idx, hash FROM merkle_nodes WHERE level = ? AND idx = ?"
        found = connection.exec_driver_sql(" UNION ALL ".join([one] * len(keys)), tuple(v for key in keys for v in key))
    return {(int(level), int(index)): bytes(value) for level, index, value in found}


def _hashes(connection: Connection, ranges: list[tuple[int, int]], size: int) -> list[bytes]:
    held = tree_size(connection)
    if size > held:
        raise TreeTooSmall(f"the tree holds {held} events, not {size}")
    nodes = fetch(connection, merkle.needed(ranges))
    return merkle.hashes(ranges, lambda level, index: nodes[(level, index)])


def root(connection: Connection, size: int) -> bytes:
    """The tree head of the first `size` events."""
    return _hashes(connection, [(0, size)], size)[0] if size else merkle.EMPTY_ROOT


def inclusion(connection: Connection, index: int, size: int) -> list[bytes]:
    """The audit path of leaf `index` (the event at position index + 1) in the tree of `size` leaves."""
    return _hashes(connection, merkle.inclusion_ranges(index, size), size)


def consistency(connection: Connection, old: int, size: int) -> list[bytes]:
    """The consistency proof from the tree of `old` leaves to the tree of `size`."""
    return _hashes(connection, merkle.consistency_ranges(old, size), size)


def recomputed_root(store: EventStore, size: int) -> tuple[int, bytes]:
    """The head of the first `size` events recomputed from the events' own hashes (not the stored tree):
    how many of them the log holds, and their root. Memory stays O(log n)."""
    folder = merkle.Folder()
    for batch in store.read_batches(0, until=size, raw=True):
        for row in batch:
            folder.push(merkle.leaf_hash(bytes.fromhex(row.hash)))
    return folder.size, folder.root()
