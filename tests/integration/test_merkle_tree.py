"""The stored Merkle tree on every backend: extended in batches, it gives the heads and proofs of the RFC."""

from __future__ import annotations

from events import EventStore, NewEvent, merkle, tree


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
