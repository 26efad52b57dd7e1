"""The RFC 9162 Merkle tree over the log (docs/log-format.md, "Merkle tree and checkpoints"): pure functions.

Leaf i (0-based) is the event at position i + 1; its leaf hash is SHA-256(0x00 || the 32 bytes of the event's
hash). A node is SHA-256(0x01 || left || right). The tree of n leaves splits at k, the largest power of two
below n (RFC 9162 §2.1.1), so every subtree met while computing a head or a proof is either complete (2**level
leaves starting at a multiple of 2**level: one stored node) or a fold of complete ones. The functions here ask
a `Nodes` callable for those complete nodes, so that a store keeps them and nothing is recomputed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

#: The hash of complete subtree `index` at `level` (2**level leaves from index * 2**level).
Nodes = Callable[[int, int], bytes]


def leaf_hash(event_hash: bytes) -> bytes:
    """The leaf hash of one event: SHA-256(0x00 || its hash bytes)."""
    return hashlib.sha256(b"\x00" + event_hash).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def complete(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, index) whose fold is MTH(D[start:end]), left to right.

    `start` must be a multiple of the largest power of two in `end - start` (every range of the RFC's
    recursion is)."""
    found = []
    while start < end:
        size = end - start
        piece = size if size & (size - 1) == 0 else split(size)
        level = piece.bit_length() - 1
        found.append((level, start >> level))
        start += piece
    return found


def range_hash(start: int, end: int, nodes: Nodes) -> bytes:
    """MTH(D[start:end]) from the complete subtrees' hashes."""
    pieces = [nodes(level, index) for level, index in complete(start, end)]
    folded = pieces[-1]
    for piece in reversed(pieces[:-1]):
        folded = node_hash(piece, folded)
    return folded


def root(size: int, nodes: Nodes) -> bytes:
    """The tree head of the first `size` leaves (the hash of the empty string for none)."""
    return range_hash(0, size, nodes) if size else EMPTY_ROOT


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The subtrees whose hashes make PATH(index, D[0:size]), leaf side first (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    found: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            found.append((start + k, end))
            end = start + k
        else:
            found.append((start, start + k))
            start += k
    return found[::-1]


def consistency_ranges(old: int, size: int) -> list[tuple[int, int]]:
    """The subtrees whose hashes make PROOF(old, D[0:size]), in order (RFC 9162 §2.1.4.1)."""
    if not 0 < old <= size:
        raise ValueError(f"no consistency proof from {old} to {size}")
    found: list[tuple[int, int]] = []
    start, end, m, whole = 0, size, old, True
    while m != end - start:
        k = split(end - start)
        if m <= k:
            found.append((start + k, end))
            end = start + k
        else:
            found.append((start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        found.append((start, end))
    return found[::-1]


def hashes(ranges: Sequence[tuple[int, int]], nodes: Nodes) -> list[bytes]:
    """The hashes of the given subtrees."""
    return [range_hash(start, end, nodes) for start, end in ranges]


def needed(ranges: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Every complete subtree (level, index) the ranges' hashes are folded from: fetch them in one go."""
    return {node for start, end in ranges for node in complete(start, end)}


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `path` prove leaf hash `leaf` at `index` in the tree of `size` with `expected_root`?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(old: int, size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: does `proof` show the tree of `old` leaves (`old_root`) is a prefix of `size` (`new_root`)?"""
    if not 0 < old <= size:
        return False
    if old == size:
        return not proof and old_root == new_root
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the proof's implicit first node
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old - 1, size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


class Folder:
    """MTH of a stream of leaf hashes in O(log n) memory: push leaves in order, read `root()` at any time."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash) of the complete subtrees, largest first

    def push(self, leaf: bytes) -> None:
        level, value = 0, leaf
        while self._stack and self._stack[-1][0] == level:
            value = node_hash(self._stack.pop()[1], value)
            level += 1
        self._stack.append((level, value))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        folded = self._stack[-1][1]
        for _, value in reversed(self._stack[:-1]):
            folded = node_hash(value, folded)
        return folded
