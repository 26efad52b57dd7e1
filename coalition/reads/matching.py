"""Which words two sequences do not share, at a bounded cost: the matching under coalition.reads.word_diff.

difflib finds the longest matching arrangement, but its cost grows with the product of the two lengths (and
with how often words repeat), so a whole statement rewritten could keep a page busy for seconds. Here the
common beginning and end are set aside first; a stretch weighing more than `WEIGHT` is matched sentence by
sentence first, and word by word only inside the sentences that differ.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Sequence

#: How many pairs of words one comparison may weigh (the lengths of the two changed stretches multiplied).
WEIGHT = 400_000


def _sentences(ends: Sequence[bool], start: int, stop: int) -> list[tuple[int, int]]:
    """The stretches [from, to) of start..stop that end where a sentence (or a line, or a tag) does."""
    found, begin = [], start
    for index in range(start, stop):
        if ends[index]:
            found.append((begin, index + 1))
            begin = index + 1
    if begin < stop:
        found.append((begin, stop))
    return found


def changed(
    a: Sequence[Hashable], b: Sequence[Hashable], a_ends: Sequence[bool], b_ends: Sequence[bool], coarse: bool = True
) -> tuple[list[bool], list[bool]]:
    """Which words of `a` and of `b` are outside their longest matching arrangement (deleted, inserted).

    The common beginning and end are set aside first; what is left is compared word by word when it weighs at
    most `WEIGHT`, else (once) sentence by sentence and then word by word inside the differing sentences; a
    stretch still too heavy is all changed."""
    marked_a, marked_b = [True] * len(a), [True] * len(b)
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    marked_a[:head], marked_b[:head] = [False] * head, [False] * head
    a_stop, b_stop = len(a) - tail, len(b) - tail
    marked_a[a_stop:], marked_b[b_stop:] = [False] * tail, [False] * tail
    if head == a_stop or head == b_stop:
        return marked_a, marked_b
    if (a_stop - head) * (b_stop - head) <= WEIGHT:
        matcher = difflib.SequenceMatcher(None, a[head:a_stop], b[head:b_stop], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                marked_a[head + i1 : head + i2] = [False] * (i2 - i1)
                marked_b[head + j1 : head + j2] = [False] * (j2 - j1)
        return marked_a, marked_b
    if not coarse:
        return marked_a, marked_b
    a_parts, b_parts = _sentences(a_ends, head, a_stop), _sentences(b_ends, head, b_stop)
    if len(a_parts) * len(b_parts) > WEIGHT:
        return marked_a, marked_b
    matcher = difflib.SequenceMatcher(
        None, [tuple(a[x:y]) for x, y in a_parts], [tuple(b[x:y]) for x, y in b_parts], autojunk=False
    )
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "delete" or op == "insert":
            continue
        (x1, x2), (y1, y2) = (a_parts[i1][0], a_parts[i2 - 1][1]), (b_parts[j1][0], b_parts[j2 - 1][1])
        if op == "equal":
            marked_a[x1:x2], marked_b[y1:y2] = [False] * (x2 - x1), [False] * (y2 - y1)
        else:
            marked_a[x1:x2], marked_b[y1:y2] = changed(a[x1:x2], b[y1:y2], a_ends[x1:x2], b_ends[y1:y2], False)
    return marked_a, marked_b


__all__ = ["WEIGHT", "changed"]
