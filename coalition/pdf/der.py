"""The length of a DER value, read from its header: enough to tell a signature from the padding after it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coalition.pdf.reasons import Reason

if TYPE_CHECKING:
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature


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


def padding_problem(pdf: bytes, signature: EmbeddedPdfSignature) -> Reason | None:
    """Why the unsigned gap holding the signature (`/Contents`) is not exactly the DER signature in hex followed
    by zero padding, or None. The byte ranges leave that gap out of the digest, so nothing else guards it."""
    try:
        _, length1, start2, _ = (int(x) for x in signature.byte_range)
        contents = bytes(signature.pkcs7_content)
        size = der_size(contents)
    except (TypeError, ValueError):
        return Reason("the seal's signature is not stored the standard way")
    digits = pdf[length1:start2]
    if digits not in (b"<" + contents.hex().upper().encode() + b">", b"<" + contents.hex().encode() + b">"):
        return Reason("the seal's signature is not stored the standard way")
    if contents[size:].strip(b"\x00"):
        return Reason("bytes were changed in the unused room after the seal's signature")
    return None
