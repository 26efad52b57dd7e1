"""The backup file's framing: a plain header, then the contents encrypted in authenticated chunks.

Layout (all integers big-endian; docs/reliability.md describes it for anyone writing their own reader):

    magic    8 bytes  b"COALBKP\\0"
    version  1 byte   1
    length   4 bytes  the header's length
    header   JSON     {"kdf": {"name": "scrypt", "n", "r", "p", "salt"}, "aead": "AES-256-GCM",
                       "chunk_size", "check"} (salt and check in base64)
    chunks   each: 4-byte length, then AES-256-GCM ciphertext (the plaintext plus a 16-byte tag)

scrypt(passphrase, salt, n, r, p) gives 64 bytes: the first 32 are the AES key; the SHA-256 of the other 32 is
the header's `check`, which tells a wrong passphrase from a damaged archive (it helps a guesser no more than trying
the key: every guess still costs one scrypt). Chunk i (from 0) is sealed with the nonce i as 11 bytes followed by
one byte, 1 for the last chunk and 0 before it, and with every header byte (magic to header) as associated data:
a chunk moved, repeated, dropped or altered, a changed header or a missing last chunk are all refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"COALBKP\0"
VERSION = 1
CHUNK_SIZE = 64 * 1024
TAG = 16
#: scrypt's cost (n) by default: 2**17 with r = 8 takes 128 MiB and about half a second.
DEFAULT_N = 2**17
#: The largest cost a restore accepts (1 GiB of memory), so a forged header cannot exhaust the machine.
MAX_N = 2**20
MAX_HEADER = 4096


class ArchiveRefused(ValueError):
    """The file is not a backup we can open: the message says why (passphrase, damage, truncation)."""


@dataclass(frozen=True, slots=True)
class Kdf:
    """scrypt's parameters; `n` is a power of two."""

    n: int = DEFAULT_N
    r: int = 8
    p: int = 1

    def check(self) -> None:
        """Refuse parameters scrypt cannot use or that would take more memory than a restore allows."""
        if self.n < 2 or self.n & (self.n - 1) or self.n > MAX_N:
            raise ArchiveRefused(f"scrypt's n must be a power of two from 2 to {MAX_N}, not {self.n}")
        if not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            raise ArchiveRefused(f"scrypt's r must be 1 to 32 and p 1 to 16, not {self.r} and {self.p}")


def _derive(passphrase: str, salt: bytes, kdf: Kdf) -> tuple[bytes, bytes]:
    """The AES key and the passphrase check."""
    kdf.check()
    derived = Scrypt(salt=salt, length=64, n=kdf.n, r=kdf.r, p=kdf.p).derive(passphrase.encode("utf-8"))
    return derived[:32], hashlib.sha256(derived[32:]).digest()


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class ArchiveWriter:
    """Encrypts what is written to it into `out`, one chunk per CHUNK_SIZE bytes; `close` seals the last."""

    def __init__(self, out: IO[bytes], passphrase: str, kdf: Kdf = Kdf(), chunk_size: int | None = None) -> None:
        chunk_size = chunk_size or CHUNK_SIZE
        salt = os.urandom(16)
        key, check = _derive(passphrase, salt, kdf)
        header = json.dumps(
            {
                "kdf": {"name": "scrypt", "n": kdf.n, "r": kdf.r, "p": kdf.p, "salt": _b64(salt)},
                "aead": "AES-256-GCM",
                "chunk_size": chunk_size,
                "check": _b64(check),
            },
            sort_keys=True,
        ).encode()
        self._aad = MAGIC + bytes([VERSION]) + len(header).to_bytes(4, "big") + header
        self._out, self._aead, self._size = out, AESGCM(key), chunk_size
        self._buffer, self._index = bytearray(), 0
        out.write(self._aad)

    def write(self, data: bytes) -> None:
        """Buffer `data`, writing every full chunk (never the last: `close` does that)."""
        self._buffer += data
        while len(self._buffer) > self._size:
            self._seal(bytes(self._buffer[: self._size]), last=False)
            del self._buffer[: self._size]

    def close(self) -> None:
        """Seal what is left as the last chunk (perhaps empty), which marks the end."""
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, plain: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index, last), plain, self._aad)
        self._out.write(len(sealed).to_bytes(4, "big") + sealed)
        self._index += 1


def _exactly(source: IO[bytes], size: int, what: str) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise ArchiveRefused(f"the backup is truncated: it ends inside {what}")
    return data


def read_header(source: IO[bytes]) -> tuple[bytes, dict[str, object]]:
    """The header's bytes and its fields, or ArchiveRefused naming what is wrong."""
    magic = source.read(len(MAGIC))
    if magic != MAGIC:
        raise ArchiveRefused("this is not a Coalition backup (it does not start with the backup's mark)")
    version = _exactly(source, 1, "the header")[0]
    if version != VERSION:
        raise ArchiveRefused(f"the backup is in format {version}; this version of Coalition reads format {VERSION}")
    length = int.from_bytes(_exactly(source, 4, "the header"), "big")
    if length > MAX_HEADER:
        raise ArchiveRefused("the backup's header is damaged (it claims an impossible length)")
    raw = _exactly(source, length, "the header")
    try:
        fields = json.loads(raw)
        if not isinstance(fields, dict):
            raise ValueError("not an object")
    except ValueError:
        raise ArchiveRefused("the backup's header is damaged (it is not readable JSON)") from None
    return MAGIC + bytes([version]) + length.to_bytes(4, "big") + raw, fields


def open_archive(source: IO[bytes], passphrase: str) -> Iterator[bytes]:
    """The plaintext, chunk by chunk; raises ArchiveRefused (wrong passphrase, damage, truncation) when met.

    A chunk is yielded only once authenticated, and the iterator ends normally only after the last chunk and the
    end of the file: the caller commits nothing before it has.
    """
    aad, fields = read_header(source)
    try:
        params = fields["kdf"]
        if not isinstance(params, dict) or params["name"] != "scrypt" or fields["aead"] != "AES-256-GCM":
            raise ValueError("unknown key derivation or cipher")
        kdf = Kdf(int(params["n"]), int(params["r"]), int(params["p"]))
        salt, check = base64.b64decode(str(params["salt"])), base64.b64decode(str(fields["check"]))
        chunk_size = int(str(fields["chunk_size"]))
    except (KeyError, ValueError, TypeError):
        raise ArchiveRefused("the backup's header is damaged (its key derivation or cipher is not readable)") from None
    key, expected = _derive(passphrase, salt, kdf)
    if not hmac.compare_digest(check, expected):
        raise ArchiveRefused("wrong passphrase (or the backup's header was altered): nothing was restored")
    return _chunks(source, AESGCM(key), aad, chunk_size)


def _chunks(source: IO[bytes], aead: AESGCM, aad: bytes, chunk_size: int) -> Iterator[bytes]:
    index = 0
    while True:
        prefix = source.read(4)
        if not prefix:
            raise ArchiveRefused(f"the backup is truncated: it ends after chunk {index} without its last chunk")
        if len(prefix) != 4:
            raise ArchiveRefused(f"the backup is truncated inside chunk {index + 1}")
        length = int.from_bytes(prefix, "big")
        if not TAG <= length <= chunk_size + TAG:
            raise ArchiveRefused(f"the backup is damaged: chunk {index + 1} has an impossible length")
        sealed = _exactly(source, length, f"chunk {index + 1}")
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(index, last), sealed, aad)
                break
            except InvalidTag:
                continue
        else:
            offset = source.tell() - length if source.seekable() else None
            where = f" (at byte {offset})" if offset is not None else ""
            raise ArchiveRefused(f"the backup is damaged: chunk {index + 1}{where} fails its integrity check")
        index += 1
        if last:
            if source.read(1):
                raise ArchiveRefused("the backup is damaged: there are bytes after its last chunk")
            if plain:
                yield plain
            return
        yield plain
