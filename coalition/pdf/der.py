"""The length of a DER value, read from its header: enough to tell a signature from the padding after it."""

from __future__ import annotations


def der_size(data: bytes) -> int:
    """The length of the DER value at the start of `data` (tag, length and content), or ValueError."""
    if len(data) < 2 or data[0] != 0x30:
        raise ValueError("not a DER sequence")
    if data[1] < 0x80:
        return 2 + data[1]
    count = data[1] & 0x7F
    if not 0 < count <= 4 or len(data) < 2 + count:
        raise ValueError("an impossible DER length")
    size = 2 + count + int.from_bytes(data[2 : 2 + count], "big")
    if size > len(data):
        raise ValueError("the DER value is longer than the room for it")
    return size
