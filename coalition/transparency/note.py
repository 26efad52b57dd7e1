"""C2SP signed notes with an Ed25519 key, and the tlog-checkpoint body they sign (docs/log-format.md).

A checkpoint note reads, line by line: the origin, the tree size in decimal, the root hash in base64, a blank
line, then one signature line per signer, `— <key name> <base64(key ID || signature)>`. The key ID is the first
4 bytes of SHA-256(key name || 0x0A || 0x01 || the 32-byte public key); the signature covers the body (the
three lines, each ending in a newline).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DASH = "\u2014"
ED25519 = b"\x01"


class NoteError(ValueError):
    """A note that is not a well-formed checkpoint, or whose signature does not verify; the message says which."""


def raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public: Ed25519PublicKey) -> bytes:
    """The 4-byte key ID of an Ed25519 key under `name`."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + raw(public)).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    """The note verifier key string: `<name>+<hex key ID>+<base64(0x01 || public key)>`."""
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ED25519 + raw(public)).decode()}"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a checkpoint says: the log's origin, its size and its root hash."""

    origin: str
    size: int
    root: bytes

    @property
    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def sign(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey) -> str:
    """The signed note of a checkpoint."""
    body = checkpoint.body
    signature = key_id(name, key.public_key()) + key.sign(body.encode())
    return f"{body}\n{DASH} {name} {base64.b64encode(signature).decode()}\n"


def parse(text: str) -> tuple[Checkpoint, list[tuple[str, bytes]]]:
    """The checkpoint a note states and its signature lines (name, key ID || signature); NoteError if malformed."""
    body, separator, signatures = text.partition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise NoteError("not a signed note: the body must be followed by a blank line and signature lines")
    lines = body.split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint names its origin, tree size and root hash on three lines")
    origin, size, root = lines[:3]
    if not origin or not size.isdigit() or (size != "0" and size.startswith("0")):
        raise NoteError(f"the tree size {size!r} is not a decimal number")
    try:
        digest = base64.b64decode(root, validate=True)
    except ValueError:
        digest = b""
    if len(digest) != 32:
        raise NoteError(f"the root hash {root!r} is not 32 bytes in base64")
    found = []
    for line in signatures[:-1].split("\n"):
        dash, _, rest = line.partition(" ")
        name, _, value = rest.partition(" ")
        try:
            decoded = base64.b64decode(value, validate=True)
        except ValueError:
            decoded = b""
        if dash != DASH or not name or len(decoded) < 5:
            raise NoteError(f"a malformed signature line: {line[:80]!r}")
        found.append((name, decoded))
    return Checkpoint(origin, int(size), digest), found


def verify(text: str, name: str, public: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint of a note carrying a valid signature by `name`'s key; NoteError saying what is wrong."""
    checkpoint, signatures = parse(text)
    body = text.partition("\n\n")[0] + "\n"
    wanted = key_id(name, public)
    mine = [signature for signer, signature in signatures if signer == name and signature[:4] == wanted]
    if not mine:
        raise NoteError(f"the note carries no signature by this platform's key ({name}, key ID {wanted.hex()})")
    try:
        public.verify(mine[0][4:], body.encode())
    except InvalidSignature:
        raise NoteError(f"the signature by {name} does not verify: the note was altered or not signed by us") from None
    return checkpoint
