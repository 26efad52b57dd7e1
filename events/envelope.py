"""The envelope a sealed personal field is stored as (docs/log-format.md): AES-256-GCM, its place as associated data."""

from __future__ import annotations

import base64
import binascii
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


_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _unb64(text: str) -> bytes:
    # base64.urlsafe_b64decode, without its Python-level checks: a2b_base64 rejects what is not base64 all the same
    return binascii.a2b_base64((text + "=" * (-len(text) % 4)).encode("ascii").translate(_FROM_URLSAFE))


# Made once: json.dumps with options builds a new encoder on every call.
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@functools.lru_cache(maxsize=4096)
def _aead(key: bytes) -> AESGCM:
    """The cipher object of a key (made once per key: making one costs more than decrypting a name)."""
    return AESGCM(key)


#: One JSON string as `_compact` writes it (ensure_ascii off), without the encoder's per-call set-up.
_string = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring


@functools.lru_cache(maxsize=65536)
def associated_data(stream_id: str, type_name: str, field: str, subject: str) -> bytes:
    """What binds a ciphertext to its place: the UTF-8 JSON array [stream_id, type, field, subject]."""
    return f"[{_string(stream_id)},{_string(type_name)},{_string(field)},{_string(subject)}]".encode()


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
    return _decode(plaintext.decode())  # text, not bytes: json.loads would first guess the bytes' encoding


_decode = json.JSONDecoder().decode
