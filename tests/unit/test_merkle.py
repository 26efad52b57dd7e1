"""The RFC 9162 tree: heads and proofs from complete subtrees agree with the RFC's recursive definitions."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as s

from events import merkle


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]


def mth(d: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, literally."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = merkle.split(len(d))
    return merkle.node_hash(mth(d[:k]), mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1, literally."""
    if len(d) == 1:
        return []
    k = merkle.split(len(d))
    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1, literally."""
    if m == len(d):
        return [] if b else [mth(d)]
    k = merkle.split(len(d))
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def stored(d: list[bytes]) -> merkle.Nodes:
    """Complete subtrees computed naively, as a store would hold them."""

    def nodes(level: int, index: int) -> bytes:
        width = 1 << level
        assert (index + 1) * width <= len(d), "asked for an incomplete subtree"
        return mth(d[index * width : (index + 1) * width])

    return nodes


def test_known_values() -> None:
    assert merkle.root(0, stored([])) == hashlib.sha256(b"").digest()
    one = leaves(1)
    assert merkle.root(1, stored(one)) == one[0]
    assert one[0] == hashlib.sha256(b"\x00" + hashlib.sha256(b"0").digest()).digest()


@given(s.integers(min_value=1, max_value=140).flatmap(lambda n: s.tuples(s.just(n), s.integers(0, n - 1))))
def test_inclusion_matches_the_rfc_and_verifies(case: tuple[int, int]) -> None:
    n, m = case
    d = leaves(n)
    nodes = stored(d)
    assert merkle.root(n, nodes) == mth(d)
    proof = merkle.hashes(merkle.inclusion_ranges(m, n), nodes)
    assert proof == path(m, d)
    assert merkle.verify_inclusion(m, n, d[m], proof, mth(d))
    assert not merkle.verify_inclusion(m, n, leaves(n + 1)[n], proof, mth(d))
    if proof:
        assert not merkle.verify_inclusion(m, n, d[m], proof[:-1], mth(d))
        assert not merkle.verify_inclusion(m, n, d[m], proof, mth(leaves(n + 1)))


@given(s.integers(min_value=1, max_value=140).flatmap(lambda n: s.tuples(s.integers(1, n), s.just(n))))
def test_consistency_matches_the_rfc_and_verifies(case: tuple[int, int]) -> None:
    m, n = case
    d = leaves(n)
    proof = merkle.hashes(merkle.consistency_ranges(m, n), stored(d))
    assert proof == subproof(m, d, True)
    assert merkle.verify_consistency(m, n, mth(d[:m]), mth(d), proof)
    other = leaves(n + 1)[1:]
    assert not merkle.verify_consistency(m, n, mth(other[:m]), mth(d), proof)
    if m < n:
        assert not merkle.verify_consistency(m, n, mth(d[:m]), mth(d), proof[:-1])
        assert not merkle.verify_consistency(m, n, mth(d[:m]), mth(other), proof)


@given(s.integers(min_value=0, max_value=300))
def test_the_streaming_fold_is_the_tree_head(n: int) -> None:
    d = leaves(n)
    folder = merkle.Folder()
    for leaf in d:
        folder.push(leaf)
    assert folder.root() == mth(d)


def test_out_of_range_is_refused() -> None:
    for bad in ((5, 5), (-1, 3)):
        try:
            merkle.inclusion_ranges(*bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    for bad in ((0, 3), (4, 3)):
        try:
            merkle.consistency_ranges(*bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    assert not merkle.verify_inclusion(3, 3, b"", [], b"")
    assert not merkle.verify_consistency(4, 3, b"", b"", [])
