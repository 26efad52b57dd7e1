"""The envelope a sealed personal field is stored as (docs/log-format.md): AES-256-GCM, its place as associated data."""

from __future__ import annotations

import base64
import functools
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

#: The envelope's algorithm name (as JOSE names AES-256-GCM).
ALGORITHM = "A256GCM"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# Made once: json.dumps with options builds a new encoder on every call.
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@functools.lru_cache(maxsize=4096)
def _aead(key: bytes) -> AESGCM:
    """The cipher object of a key (made once per key: making one costs more than decrypting a name)."""
    return AESGCM(key)


@functools.lru_cache(maxsize=65536)
def associated_data(stream_id: str, type_name: str, field: str, subject: str) -> bytes:
    """What binds a ciphertext to its place: the UTF-8 JSON array [stream_id, type, field, subject]."""
    return _compact([stream_id, type_name, field, subject]).encode()


def is_envelope(value: Any) -> bool:
    """True for a sealed personal value."""
    return isinstance(value, dict) and value.get("enc") == ALGORITHM


def unsealed_shape(payload: Any) -> Any:
    """The payload with each envelope replaced by a sample text, to be checked against its schema without its key."""
    if not isinstance(payload, dict):
        return payload
    return {k: "sealed" if is_envelope(v) else v for k, v in payload.items()}


def seal_value(key: bytes, subject: str, value: Any, aad: bytes) -> dict[str, str]:
    """The envelope of one value: its JSON text encrypted with AES-256-GCM under a fresh 96-bit nonce."""
    nonce = os.urandom(12)
    plaintext = _compact(value).encode()
    return {"enc": ALGORITHM, "kid": subject, "iv": _b64(nonce), "ct": _b64(_aead(key).encrypt(nonce, plaintext, aad))}


def open_value(key: bytes, envelope: Mapping[str, Any], aad: bytes) -> Any:
    """The value an envelope holds; InvalidTag unless key, place and ciphertext are those it was sealed with."""
    plaintext = _aead(key).decrypt(_unb64(str(envelope["iv"])), _unb64(str(envelope["ct"])), aad)
    return json.loads(plaintext)
