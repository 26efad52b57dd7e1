"""The stored Merkle tree on every backend: extended in batches, it gives the heads and proofs of the RFC."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from events import EventStore, NewEvent, merkle, tree
from events.schema import merkle_nodes

ROOT = Path(__file__).resolve().parents[2]


def append(store: EventStore, count: int) -> None:
    for i in range(count):
        store.append([NewEvent(f"thing-{i % 3}", "ThingCreated", {"name": f"n{i}"})])


def leaves(store: EventStore) -> list[bytes]:
    return [merkle.leaf_hash(bytes.fromhex(e.hash)) for e in store.read_all()]


def folded(hashes: list[bytes]) -> bytes:
    folder = merkle.Folder()
    for leaf in hashes:
        folder.push(leaf)
    return folder.root()


def test_the_tree_grows_in_batches_and_proves_what_the_rfc_says(store: EventStore) -> None:
    append(store, 6)
    assert tree.extend(store, upto=3, batch=2) == 3
    append(store, 7)
    assert tree.extend(store, batch=4) == 13
    assert tree.extend(store) == 13  # nothing new: nothing written
    d = leaves(store)
    with store.engine.connect() as connection:
        assert tree.tree_size(connection) == 13
        for size in range(1, 14):
            head = tree.root(connection, size)
            assert head == folded(d[:size])
            for index in range(size):
                path = tree.inclusion(connection, index, size)
                assert merkle.verify_inclusion(index, size, d[index], path, head)
            for old in range(1, size + 1):
                proof = tree.consistency(connection, old, size)
                assert merkle.verify_consistency(old, size, folded(d[:old]), head, proof)
        assert tree.root(connection, 0) == merkle.EMPTY_ROOT
        try:
            tree.root(connection, 14)
        except tree.TreeTooSmall as error:
            assert "13" in str(error)
        else:
            raise AssertionError("a head beyond the tree")
    assert tree.recomputed_root(store, 13) == (13, folded(d))
    assert tree.recomputed_root(store, 20) == (13, folded(d))


def test_a_tree_built_in_bounded_steps_is_the_tree_built_at_once(store: EventStore) -> None:
    append(store, 23)
    sizes = []
    while (size := tree.extend(store, batch=3, limit=5)) < 23:
        sizes.append(size)
    assert sizes == [5, 10, 15, 20]  # each call adds at most `limit` leaves, in batches of at most `batch`
    assert tree.extend(store, limit=5) == 23
    d = leaves(store)
    with store.engine.connect() as connection:
        assert [tree.root(connection, size) for size in range(1, 24)] == [folded(d[:n]) for n in range(1, 24)]
    assert nodes(store) == one_shot(d)  # node for node, the tree one extension of all 23 leaves stores


def nodes(store: EventStore) -> set[tuple[int, int, bytes]]:
    with store.engine.connect() as connection:
        return {(r.level, r.idx, bytes(r.hash)) for r in connection.execute(sa.select(merkle_nodes))}


def one_shot(d: list[bytes]) -> set[tuple[int, int, bytes]]:
    """Every complete subtree of the leaves: what the stored tree must hold."""
    made, level, row = set(), 0, d
    while row:
        made |= {(level, i, h) for i, h in enumerate(row)}
        row = [merkle.node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        level += 1
    return made


def test_progress_is_reported_after_each_batch(store: EventStore) -> None:
    append(store, 7)
    seen: list[tuple[int, int]] = []
    assert tree.extend(store, batch=3, progress=lambda size, head: seen.append((size, head))) == 7
    assert seen == [(3, 7), (6, 7), (7, 7)]


KILLED_EXTENDER = """
import os, signal, sys
from events import EventStore, Registry, create_engine, tree

grown = 0
grow = tree._grow

def dying_grow(connection, start, end):
    global grown
    grow(connection, start, end)
    grown += 1
    if grown == 2:  # the second batch is written but not committed: the process dies inside its transaction
        os.kill(os.getpid(), signal.SIGKILL)

tree._grow = dying_grow
tree.extend(EventStore(create_engine(sys.argv[1]), Registry()), batch=4)
"""


def test_an_extension_killed_midway_resumes_to_the_same_tree(store: EventStore) -> None:
    append(store, 11)
    url = store.engine.url.render_as_string(hide_password=False)
    died = subprocess.run([sys.executable, "-c", KILLED_EXTENDER, url], cwd=ROOT, capture_output=True, timeout=120)
    assert died.returncode == -signal.SIGKILL, died.stderr.decode()
    with store.engine.connect() as connection:
        assert tree.tree_size(connection) == 4  # the first batch committed, the second rolled back
    assert nodes(store) == one_shot(leaves(store)[:4])  # whole up to its size: no half-written batch
    assert tree.extend(store, batch=4) == 11
    assert nodes(store) == one_shot(leaves(store))
    with store.engine.connect() as connection:
        assert tree.root(connection, 11) == folded(leaves(store))


def test_an_extension_failing_inside_a_batch_leaves_the_tree_as_it_was(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(store, 9)
    tree.extend(store, limit=3)
    calls = 0
    real = merkle.node_hash

    def failing(left: bytes, right: bytes) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the connection dropped")
        return real(left, right)

    monkeypatch.setattr(merkle, "node_hash", failing)
    with pytest.raises(RuntimeError):
        tree.extend(store)
    monkeypatch.setattr(merkle, "node_hash", real)
    assert nodes(store) == one_shot(leaves(store)[:3])
    assert tree.extend(store) == 9 and nodes(store) == one_shot(leaves(store))
