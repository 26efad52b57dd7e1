#!/usr/bin/env python3
"""Check a Coalition statement PDF offline, with nothing but the platform's two public keys.

    python verify_statement.py statement.pdf --certificate seal.pem --checkpoint-key KEY

KEY is the platform's checkpoint verifier key (`<name>+<key ID>+<base64 key>`, as `flask log public-key`
prints it and GET /api/v1/log/checkpoint?format=json serves it), or a file holding it.

It checks, without the network and without Coalition's code (the standard library, `cryptography` and `pypdf`):

1. the seal: the CMS signature over the PDF's signed byte ranges (RSA, SHA-256, PKCS #1 v1.5), made with the
   given certificate's key, whose signed attributes carry the SHA-256 of those bytes, covering the whole file
   or, for a PDF sealed at PAdES B-LT, the seal's revision followed only by incremental updates adding
   validation data (a DSS with certificates, CRLs, OCSP responses, VRI; document timestamps): every object of
   the sealed revision is compared with the final file's, and anything else changed or added is a failure;
2. the proof embedded as `coalition-proof.json` (format 4; PDFs issued with an earlier format are checked as far
   as that format allows, and the tool names what it could not check and where to check it: format 3 carries no
   event records (step 6), format 2 no checkpoint or inclusion proofs (4 to 6), format 1 no texts (3 to 6));
3. the version hash: SHA-256 of the canonical JSON of `version_content` (docs/log-format.md);
4. the checkpoint: a C2SP signed note, signed with the platform's Ed25519 checkpoint key;
5. the RFC 9162 inclusion proof of the version event and of each counted signature's event, leading to the
   checkpoint's root hash;
6. the events themselves: each proved event's record (embedded with its inclusion proof) gives its hash again
   (docs/log-format.md); the version event's payload names the proof's version hash (an amendment's texts give
   it again); each counted signature's event names that version, its organisation and its signer. A signer's
   name and title recorded as sealed personal data (encrypted envelopes, docs/log-format.md) cannot be opened
   offline: the tool says so ("sealed") and checks the rest of that event (its hash, organisation and version);
   a signer's verified e-mail domain comes from account events the proof does not carry (a "note" says so).

It prints what it checked and a verdict, and exits 0 when the PDF is genuine, 1 when it is not (or cannot be read).
What it cannot tell offline is what changed since the export: the platform's /verify page says that.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from pypdf import PdfReader
from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, IndirectObject, StreamObject

PROOF_NAME = "coalition-proof.json"
PROOF_FORMAT = "coalition-statement-proof/4"
#: Every format a sealed PDF was issued in, with its number: a PDF genuine when issued stays checkable.
PROOF_FORMATS = {f"coalition-statement-proof/{n}": n for n in (1, 2, 3, 4)}
DASH = "\u2014"
OID_MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")  # 1.2.840.113549.1.9.4
OID_SHA256 = bytes.fromhex("0609608648016503040201")  # 2.16.840.1.101.3.4.2.1


class Failed(Exception):
    """A check that failed; the message says which and why."""


# -- the seal: a minimal DER reader for the CMS SignedData pyHanko writes -----------------------------------------


def _tlv(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, start of contents, end) of the DER element at `offset`."""
    if offset + 2 > len(data):
        raise Failed("the seal's signature is truncated")
    tag, length, start = data[offset], data[offset + 1], offset + 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise Failed("the seal's signature is not DER")
        length, start = int.from_bytes(data[start : start + count], "big"), start + count
    if start + length > len(data):
        raise Failed("the seal's signature is truncated")
    return tag, start, start + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """The elements inside [start, end): (tag, element start, contents start, end)."""
    found = []
    while start < end:
        tag, contents, stop = _tlv(data, start)
        found.append((tag, start, contents, stop))
        start = stop
    return found


def _signer_info(cms: bytes) -> tuple[bytes, bytes, bytes]:
    """The first signer's digest algorithm element, signed attributes (DER, as signed) and signature."""
    _, start, end = _tlv(cms, 0)  # ContentInfo
    content = _children(cms, start, end)
    if len(content) < 2 or content[1][0] != 0xA0:
        raise Failed("the seal's signature is not a CMS ContentInfo")
    _, start, end = _tlv(cms, content[1][2])  # [0] EXPLICIT SignedData
    signed_data = _children(cms, start, end)
    infos = signed_data[-1]
    if infos[0] != 0x31:
        raise Failed("the seal's signature has no signer")
    info = _children(cms, infos[2], infos[3])[0]
    fields = _children(cms, info[2], info[3])
    attributes = [f for f in fields if f[0] == 0xA0]
    signatures = [f for f in fields if f[0] == 0x04]
    if not attributes or not signatures or len(fields) < 3:
        raise Failed("the seal's signer carries no signed attributes")
    digest_algorithm = cms[fields[2][1] : fields[2][3]]
    signed = b"\x31" + cms[attributes[0][1] + 1 : attributes[0][3]]  # signed as a SET OF, not [0] IMPLICIT
    return digest_algorithm, signed, cms[signatures[0][2] : signatures[0][3]]


def _message_digest(signed: bytes) -> bytes:
    """The messageDigest attribute's value among the signed attributes."""
    _, start, end = _tlv(signed, 0)
    for _, _, contents, stop in _children(signed, start, end):
        attribute = _children(signed, contents, stop)
        if len(attribute) == 2 and signed[attribute[0][1] : attribute[0][3]] == OID_MESSAGE_DIGEST:
            values = _children(signed, attribute[1][2], attribute[1][3])
            if values and values[0][0] == 0x04:
                return signed[values[0][2] : values[0][3]]
    raise Failed("the seal's signed attributes carry no message digest")


def _seal_field(reader: PdfReader) -> DictionaryObject:
    """The signature dictionary of the PDF's (first) approval signature: the seal."""
    root: Any = reader.trailer["/Root"]
    form = root.get("/AcroForm")
    for ref in form.get_object().get("/Fields", []) if form is not None else []:
        field = ref.get_object()
        value = field.get("/V")
        if field.get("/FT") == "/Sig" and value is not None:
            signature = value.get_object()
            if signature.get("/SubFilter") != "/ETSI.RFC3161":
                return signature  # type: ignore[no-any-return]
    raise Failed("the PDF carries no seal")


def check_seal(pdf: bytes, reader: PdfReader, certificate: x509.Certificate) -> str:
    """Check the seal; what it covers, or Failed."""
    signature = _seal_field(reader)
    ranges = signature.get("/ByteRange")
    contents = bytes(signature.get("/Contents", b""))
    if not isinstance(ranges, ArrayObject) or len(ranges) != 4:
        raise Failed("the seal has no byte range")
    a, b, c, d = (int(x) for x in ranges)
    gap = pdf[a + b : c]
    if a != 0 or not 0 < b < c or gap[:1] != b"<" or gap[-1:] != b">" or bytes.fromhex(gap[1:-1].decode()) != contents:
        raise Failed("the seal's byte range does not leave out exactly its own signature")
    end = c + d
    if end > len(pdf) or not pdf[:end].rstrip(b"\r\n").endswith(b"%%EOF"):
        raise Failed(f"the seal covers {end} of the file's {len(pdf)} bytes, which is not the end of a revision")
    algorithm, signed, value = _signer_info(contents)
    if OID_SHA256 not in algorithm:
        raise Failed("the seal's digest algorithm is not SHA-256")
    if _message_digest(signed) != hashlib.sha256(pdf[a : a + b] + pdf[c : c + d]).digest():
        raise Failed("the file's bytes do not match the seal's message digest: the PDF was changed after sealing")
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise Failed("the certificate's key is not an RSA key")
    try:
        key.verify(value, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise Failed("the seal's signature does not verify with the given certificate: not sealed by it") from None
    made = f"made with {certificate.subject.rfc4514_string()}"
    if end == len(pdf):
        return f"{made}, covering the whole file"
    return f"{made}, covering its revision ({end} of {len(pdf)} bytes); after the seal: {after_seal(pdf, end)}"


# -- what may follow the seal: validation data (PAdES B-LT) and document timestamps (B-LTA) ------------------------

#: Entries of the catalogue, the document information and the XMP metadata that an update adding validation data
#: may set (the DSS itself, the extension naming it; the producer and modification dates writers refresh).
ROOT_ADDED = {"/DSS", "/Extensions"}
INFO_REFRESHED = {"/ModDate", "/Producer"}
XMP_REFRESHED = re.compile(rb"(xmp:ModifyDate|xmp:MetadataDate|pdf:Producer)(>[^<]*<|=\"[^\"]*\")")


def _plain(value: Any, depth: int = 0) -> Any:
    """A PDF object as comparable plain data: references stay references (by number), streams keep their raw
    bytes, so two readers' copies compare equal exactly when the files define the same object."""
    if depth > 100:
        raise Failed("a PDF object is nested too deeply")
    if isinstance(value, IndirectObject):
        return ("ref", value.idnum, value.generation)
    if isinstance(value, StreamObject):
        data = getattr(value, "_data", b"")
        return ("stream", _plain(DictionaryObject(value), depth + 1), bytes(data or b""))
    if isinstance(value, DictionaryObject):
        return ("dict", tuple(sorted((str(k), _plain(v, depth + 1)) for k, v in value.items())))
    if isinstance(value, ArrayObject):
        return ("array", tuple(_plain(v, depth + 1) for v in value))
    if isinstance(value, ByteStringObject):
        return ("bytes", bytes(value))
    return (type(value).__name__, str(value))


def _objects(reader: PdfReader) -> dict[tuple[int, int], Any]:
    """Every object the file defines (in use), by (number, generation)."""
    numbers = {(n, g) for g, table in reader.xref.items() for n in table if n != 0}
    numbers |= {(n, 0) for n in reader.xref_objStm}
    return {(n, g): reader.get_object(IndirectObject(n, g, reader)) for n, g in sorted(numbers)}


def _refs(value: Any, depth: int = 0) -> set[tuple[int, int]]:
    """The objects `value` refers to directly (not through another object)."""
    if depth > 100:
        raise Failed("a PDF object is nested too deeply")
    if isinstance(value, IndirectObject):
        return {(value.idnum, value.generation)}
    if isinstance(value, DictionaryObject):  # a stream's dictionary too
        return set().union(*(_refs(v, depth + 1) for v in value.values()))
    if isinstance(value, ArrayObject):
        return set().union(*(_refs(v, depth + 1) for v in value))
    return set()


def _reached(objects: dict[tuple[int, int], Any], start: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The objects reachable from `start` (itself included)."""
    seen, pending = set(), list(start)
    while pending:
        key = pending.pop()
        if key in seen or key not in objects:
            continue
        seen.add(key)
        pending.extend(_refs(objects[key]))
    return seen


def _is_timestamp_field(value: Any) -> bool:
    """A document timestamp (RFC 3161) signature field, invisible (a zero-area widget)."""
    if not isinstance(value, DictionaryObject) or value.get("/FT") != "/Sig":
        return False
    signature, rect = value.get("/V"), value.get("/Rect")
    signature = signature.get_object() if signature is not None else None
    flat = rect is None or (len(rect) == 4 and float(rect[0]) == float(rect[2]) and float(rect[1]) == float(rect[3]))
    return (
        isinstance(signature, DictionaryObject)
        and signature.get("/Type") == "/DocTimeStamp"
        and signature.get("/SubFilter") == "/ETSI.RFC3161"
        and flat
    )


def _grown_by(old: Any, new: Any, key: str, allowed: set[tuple[int, int]]) -> bool:
    """Whether dictionary `new` is `old` with only the array `key` grown by references to `allowed` objects."""
    if not isinstance(old, DictionaryObject) or not isinstance(new, DictionaryObject):
        return False
    rest = [k for k in set(old) | set(new) if k != key and _plain(old.get(k)) != _plain(new.get(k))]
    before, after = old.get(key, ArrayObject()), new.get(key, ArrayObject())
    before, after = before.get_object(), after.get_object()
    if rest or not isinstance(after, ArrayObject) or not isinstance(before, ArrayObject):
        return False
    kept, added = _plain(after)[1][: len(before)], after[len(before) :]
    return kept == _plain(before)[1] and all(_refs(x) <= allowed for x in added)


def after_seal(pdf: bytes, end: int) -> str:
    """What the incremental updates after the seal's revision (the bytes after `end`) add, or Failed when they
    change anything but validation data: a DSS (certificates, CRLs, OCSP responses, VRI) and document timestamps."""
    try:
        before = PdfReader(io.BytesIO(pdf[:end]), strict=False)
        after = PdfReader(io.BytesIO(pdf), strict=False)
        old, new = _objects(before), _objects(after)
    except Failed:
        raise
    except Exception as error:
        raise Failed(f"the updates after the seal cannot be read ({type(error).__name__})") from None
    for name in ("/Root", "/Info"):
        a, b = dict.get(before.trailer, name), dict.get(after.trailer, name)  # the references, not the objects
        if _plain(a) != _plain(b):
            raise Failed(f"an update after the seal replaced the document's {name[1:]}: only validation data follows")
    if "/Encrypt" in after.trailer:
        raise Failed("an update after the seal encrypts the document")
    root_key = (after.trailer.raw_get("/Root").idnum, after.trailer.raw_get("/Root").generation)
    changed = {k for k in old.keys() & new.keys() if _plain(old[k]) != _plain(new[k])}
    removed, added = old.keys() - new.keys(), new.keys() - old.keys()
    if removed:
        raise Failed(f"an update after the seal removed {len(removed)} objects of the sealed document")
    root = new[root_key]
    dss = root.get("/DSS")
    validation = _reached(new, _refs(dss) if dss is not None else set()) & added
    fields = {k for k in added if _is_timestamp_field(new[k])}
    stamps = _reached(new, fields) & added
    xrefs = {k for k in added if isinstance(new[k], StreamObject) and new[k].get("/Type") in ("/XRef", "/ObjStm")}
    for key in sorted(changed, key=lambda k: (k != root_key, k)):  # the catalogue first: one verdict for one file
        a, b = old[key], new[key]
        if key == root_key:
            entries = {k for k in set(a) | set(b) if _plain(a.get(k)) != _plain(b.get(k))}
            if "/Metadata" in entries:
                raise Failed(
                    "an update after the seal replaced the document's XMP Metadata stream (the one the catalogue "
                    "names): only validation data may follow"
                )
            if entries - ROOT_ADDED - {"/AcroForm"}:
                raise Failed("an update after the seal changed the document's catalogue beyond adding validation data")
            if _plain(a.get("/AcroForm")) != _plain(b.get("/AcroForm")) and not fields:
                raise Failed("an update after the seal changed the document's form")
        elif key == _ref(after.trailer.raw_get("/Info")):
            if {k for k in set(a) | set(b) if _plain(a.get(k)) != _plain(b.get(k))} - INFO_REFRESHED:
                raise Failed("an update after the seal changed the document's information (title, author, ...)")
        elif isinstance(a, StreamObject) and a.get("/Type") == "/Metadata" and _ref(root.raw_get("/Metadata")) == key:
            if XMP_REFRESHED.sub(rb"\1", a.get_data()) != XMP_REFRESHED.sub(rb"\1", b.get_data()):
                raise Failed("an update after the seal changed the document's XMP Metadata beyond its dates")
        elif key in validation:
            pass  # a DSS made in one update and extended in a later one
        elif not (fields and (_grown_by(a, b, "/Fields", fields) or _grown_by(a, b, "/Annots", fields))):
            kind = str(a.get("/Type", "")).lstrip("/") if isinstance(a, DictionaryObject) else ""
            raise Failed(
                f"an update after the seal changed a {kind or 'PDF'} object (number {key[0]}) of the sealed document: "
                "only validation data may follow"
            )
    unexplained = added - validation - stamps - xrefs
    if unexplained:
        raise Failed(f"an update after the seal added {len(unexplained)} objects that are not validation data")
    return _added_summary(new, dss, len(fields))


def _ref(value: Any) -> tuple[int, int] | None:
    return (value.idnum, value.generation) if isinstance(value, IndirectObject) else None


def _added_summary(objects: dict[tuple[int, int], Any], dss: Any, timestamps: int) -> str:
    """What the validation data holds, in words."""
    found = dss.get_object() if dss is not None else DictionaryObject()
    counts = {name: len(found.get(name, ArrayObject()).get_object()) for name in ("/Certs", "/CRLs", "/OCSPs")}
    vri = found.get("/VRI")
    parts = [
        f"a DSS with {counts['/Certs']} certificates, {counts['/CRLs']} CRLs, {counts['/OCSPs']} OCSP responses"
        + (f", {len(vri.get_object())} VRI entries" if vri is not None else "")
    ]
    if timestamps:
        parts.append(f"{timestamps} document timestamps (not checked here)")
    return "validation data only (" + "; ".join(parts) + ")"


# -- the proof, the checkpoint and the Merkle tree --------------------------------------------------------------------


def read_proof(reader: PdfReader) -> tuple[dict[str, Any], int]:
    """The embedded proof and its format number (1 to 4: every format the platform has sealed PDFs in)."""
    found = reader.attachments.get(PROOF_NAME)
    if not found:
        raise Failed(f"the PDF carries no {PROOF_NAME}")
    try:
        proof = json.loads(found[-1])
    except ValueError:
        raise Failed(f"{PROOF_NAME} is not JSON") from None
    named = proof.get("format") if isinstance(proof, dict) else None
    if named not in PROOF_FORMATS:
        raise Failed(f"the proof's format is {named!r}, which this checker does not know (it knows formats 1 to 4)")
    return proof, PROOF_FORMATS[named]


#: What a proof of each earlier format does not carry, and so what cannot be checked offline for it.
NOT_CARRIED = {
    1: "does not carry the texts: the version hash cannot be recomputed offline",
    2: "does not carry a checkpoint or inclusion proofs: that its events are in the platform's log is not checked "
    "offline",
    3: "does not carry the event records: the version hash is not linked to the log's events offline",
}


def verify_link(reader: PdfReader) -> str:
    """The verification address the PDF links to (its first http(s) link), or a description of it."""
    for page in reader.pages[:10]:
        annotations: Any = (page.get("/Annots") or ArrayObject()).get_object()
        for annotation in list(annotations)[:100]:
            action = annotation.get_object().get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            if isinstance(uri, str | bytes):
                text = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri)
                if text.startswith(("https://", "http://")) and text.isprintable():
                    return text[:300]
    return "the platform's /verify page"


def version_hash(content: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of `version_content` (sorted keys, no spaces, UTF-8 as is)."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_key(text: str) -> tuple[str, bytes, ed25519.Ed25519PublicKey]:
    """A note verifier key `<name>+<hex key ID>+<base64(0x01 || 32-byte key)>`: name, key ID and key."""
    try:
        name, hex_id, data = text.strip().split("+", 2)
        key_id, raw = bytes.fromhex(hex_id), base64.b64decode(data, validate=True)
    except ValueError:
        raise Failed("the checkpoint key is not a note verifier key (name+keyid+base64)") from None
    if len(raw) != 33 or raw[0] != 1 or not name:
        raise Failed("the checkpoint key is not an Ed25519 note verifier key")
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4] != key_id:
        raise Failed("the checkpoint key's ID does not match its name and key")
    return name, key_id, ed25519.Ed25519PublicKey.from_public_bytes(raw[1:])


def check_checkpoint(note: str, key: tuple[str, bytes, ed25519.Ed25519PublicKey]) -> tuple[int, bytes]:
    """The tree size and root hash a checkpoint note vouches for, after checking its signature."""
    name, key_id, public = key
    body, separator, signatures = note.partition("\n\n")
    lines = body.split("\n")
    if not separator or len(lines) < 3 or not lines[1].isdigit():
        raise Failed("the checkpoint is not a signed note of origin, tree size and root hash")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError:
        root = b""
    if len(root) != 32:
        raise Failed("the checkpoint's root hash is not 32 bytes")
    for line in signatures.rstrip("\n").split("\n"):
        dash, _, rest = line.partition(" ")
        signer, _, value = rest.partition(" ")
        try:
            signature = base64.b64decode(value, validate=True)
        except ValueError:
            continue
        if dash == DASH and signer == name and signature[:4] == key_id:
            try:
                public.verify(signature[4:], (body + "\n").encode())
            except InvalidSignature:
                raise Failed(
                    f"the checkpoint's signature by {name} does not verify: the checkpoint was altered"
                ) from None
            return int(lines[1]), root
    raise Failed(f"the checkpoint carries no signature by the given key ({name})")


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def included(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `path` prove leaf hash `leaf` at `index` in the tree of `size` leaves with `root`?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def check_inclusions(proof: dict[str, Any], size: int, root: bytes) -> str:
    """Check every inclusion proof against the checkpoint, and that the version event and every counted signature
    has one; a summary, or Failed."""
    if proof["exported_position"] > size:
        raise Failed(f"the checkpoint covers {size} events, not the exported position {proof['exported_position']}")
    proved = set()
    for x in proof.get("inclusion_proofs") or []:
        position, event_hash = x["position"], x["event_hash"]
        leaf = hashlib.sha256(b"\x00" + bytes.fromhex(event_hash)).digest()
        path = [bytes.fromhex(h) for h in x["audit_path"]]
        if x["tree_size"] != size or x["leaf_index"] != position - 1:
            raise Failed(f"the inclusion proof of event {position} is not for the checkpoint's tree")
        if not included(position - 1, size, leaf, path, root):
            raise Failed(f"the inclusion proof of event {position} does not lead to the checkpoint's root")
        proved.add((x["role"], position, event_hash))
    if not any(role == "version" for role, _, _ in proved):
        raise Failed("the proof has no inclusion proof for the statement's version event")
    for s in proof["signatures"]:
        if ("signature", s["position"], s["event_hash"]) not in proved:
            raise Failed(f"the signature of {s['organisation_id']} (event {s['position']}) has no inclusion proof")
    return f"{len(proved)} events (the version and {len(proof['signatures'])} signatures) are in the log of {size}"


GENESIS = {n: hashlib.sha256(f"coalition event log, chain format {n}".encode()).hexdigest() for n in (1, 2)}
VERSIONING = ("StatementOpened", "StatementAmended")
SIGNING = ("StatementSigned", "SignatureConfirmed")


def _text(value: Any) -> str:
    """A JSON string as JCS writes it (Python's escapes with ensure_ascii off are JCS's)."""
    if not isinstance(value, str):
        raise Failed("an event record holds a non-string where a string belongs")
    return json.dumps(value, ensure_ascii=False)


def _number(value: Any) -> str:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 2**53 - 1:
        raise Failed("an event record holds a non-integer where an integer belongs")
    return str(value)


def event_hash(record: dict[str, Any], position: int, chain: int) -> str:
    """The chain hash of an event from its record (docs/log-format.md, "Chain format 2" and "Chain format 1"):
    SHA-256 of the JSON array [previous, position, stream_id, version, type, schema_version, payload, metadata,
    recorded_at], payload and metadata spliced in as their stored JSON texts (format 2) or as JSON strings of those
    texts (format 1)."""
    payload, metadata = record["payload"], record["metadata"]
    if not isinstance(payload, str) or not isinstance(metadata, str):
        raise Failed("an event record's payload and metadata are not their stored JSON texts")
    if chain == 1:
        payload, metadata = _text(payload), _text(metadata)
    members = [
        _text(record["previous"]),
        _number(position),
        _text(record["stream_id"]),
        _number(record["version"]),
        _text(record["type"]),
        _number(record["schema_version"]),
        payload,
        metadata,
        _text(record["recorded_at"]),
    ]
    return hashlib.sha256(("[" + ",".join(members) + "]").encode("utf-8")).hexdigest()


def _event(proof: dict[str, Any], x: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An inclusion proof's event record and its payload, after checking the record gives the proved hash."""
    record, position = x.get("event"), x["position"]
    if not isinstance(record, dict):
        raise Failed(f"the inclusion proof of event {position} carries no event record")
    if position == 1 and record["previous"] != GENESIS[proof["log_format"]]:
        raise Failed("the first event of the log does not chain from the genesis of its format")
    if event_hash(record, position, proof["log_format"]) != x["event_hash"]:
        raise Failed(f"the record of event {position} does not give its hash: the record was altered")
    if record["stream_id"] != f"statement-{proof['statement_id']}":
        raise Failed(f"event {position} is not an event of statement {proof['statement_id']}")
    payload = json.loads(record["payload"])
    if not isinstance(payload, dict):
        raise Failed(f"the payload of event {position} is not a JSON object")
    return record, payload


def sealed_field(value: Any) -> bool:
    """True for a personal field the log stores as a sealed envelope (docs/log-format.md, "Personal fields: sealed
    envelopes"): a JSON object whose `enc` is A256GCM, which only the platform's per-person key opens."""
    return isinstance(value, dict) and value.get("enc") == "A256GCM"


def check_events(proof: dict[str, Any]) -> tuple[str, list[str]]:
    """Link the proved events to the version hash: the version event's payload names it (a StatementAmended's
    texts give it again) and every counted signature's event names that version, that organisation and signer
    (a signer's name and title when the log holds them in clear); with the summary, notes on what it could not
    compare offline (sealed names and titles, e-mail domains), each starting with its tag."""
    if proof.get("log_format") not in GENESIS:
        raise Failed(f"the proof names chain format {proof.get('log_format')!r}, which this checker does not know")
    wanted, language = proof["version_hash"], proof["version_content"]["language"]
    signatures = {(s["position"], s["event_hash"]): s for s in proof["signatures"]}
    versions, signed, sealed = [], 0, 0
    for x in proof.get("inclusion_proofs") or []:
        record, payload = _event(proof, x)
        position, kind = x["position"], record["type"]
        if x["role"] == "version":
            if kind not in VERSIONING:
                raise Failed(f"the version event (event {position}) is a {kind}, not an event that makes a version")
            if payload.get("version_hash") != wanted:
                raise Failed(
                    f"the version event (event {position}) names version hash {payload.get('version_hash')}, "
                    f"not the proof's {wanted}: the proof's version hash is not the one the log recorded"
                )
            if kind == "StatementAmended":
                texts = {language: {"title": payload["title"], "body": payload["body"]}, **payload["translations"]}
                if version_hash({"language": language, "texts": texts}) != wanted:
                    raise Failed(f"the texts of the amendment (event {position}) do not give the version hash")
            versions.append(f"{kind} at {position}")
            continue
        s = signatures.get((position, x["event_hash"]))
        if s is None:
            raise Failed(f"the signature event {position} is not one of the proof's counted signatures")
        if kind not in SIGNING or payload.get("version_hash") != wanted:
            raise Failed(f"the signature event {position} ({kind}) does not name the version {wanted}")
        if payload.get("organisation_id") != s["organisation_id"]:
            raise Failed(
                f"the signature event {position} is for {payload.get('organisation_id')}, not {s['organisation_id']}"
            )
        recorded = (payload.get("signer_name"), payload.get("signer_title"))
        if any(sealed_field(value) for value in recorded):
            sealed += 1  # encrypted under the signer's key in the log: only the platform can open and compare it
        elif recorded != (s["signer_name"], s["signer_title"]):
            raise Failed(
                f"the signer the proof names for {s['organisation_id']} is not the one event {position} records"
            )
        signed += 1
    if len(versions) != 1:
        raise Failed("the proof does not carry exactly one version event")
    summary = f"the version event ({versions[0]}) names {wanted}, and {signed} signature events name that version"
    notes = []
    if sealed:
        notes.append(
            f"sealed  the names and titles of {sealed} of the {signed} signers are sealed personal data in the log "
            "(encrypted under each person's key, which only the platform holds): this tool cannot compare them "
            "with the PDF; their events' hashes, organisations and the version they name are checked above"
        )
    if any(s.get("signer_email_domain") for s in proof["signatures"]):
        notes.append(
            "note    the signers' verified e-mail domains come from their accounts' events, which the proof does "
            "not carry: not checked offline (the platform's verify page checks them)"
        )
    return summary, notes


def verify(
    pdf: bytes, certificate: x509.Certificate, key_text: str
) -> tuple[list[str], list[str], list[str], list[str]]:
    """(what was checked, what failed, what the proof's older format does not let this tool check, notes on what
    it cannot compare offline: sealed personal data, e-mail domains): the PDF is genuine when the second is empty."""
    done: list[str] = []
    limits: list[str] = []
    sealed: list[str] = []
    try:
        key = parse_key(key_text)
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        done.append(f"seal: {check_seal(pdf, reader, certificate)}")
        proof, number = read_proof(reader)
        done.append(
            f"proof: statement {proof['statement_id']}, exported at log position {proof['exported_position']}"
            + (f" (format {number}, an earlier one)" if number < 4 else "")
        )
        if number < 4:
            where = verify_link(reader)
            limits = [
                f"this PDF's proof (format {number}) {NOT_CARRIED[n]}; check it at {where}" for n in range(number, 4)
            ]
        if number >= 2:
            if version_hash(proof["version_content"]) != proof["version_hash"]:
                raise Failed("the texts in the proof do not give its version hash")
            done.append(f"version hash: {proof['version_hash']} matches the texts")
        if number >= 3:
            size, root = check_checkpoint(str(proof.get("checkpoint") or ""), key)
            done.append(f"checkpoint: signed by {key[0]}, {size} events, root {root.hex()}")
            done.append(f"inclusion: {check_inclusions(proof, size, root)}")
        if number >= 4:
            summary, sealed = check_events(proof)
            done.append(f"events: {summary}")
    except Failed as error:
        return done, [str(error)], limits, sealed
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return done, [f"the PDF or its proof is malformed ({type(error).__name__}: {error})"], limits, sealed
    return done, [], limits, sealed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a Coalition statement PDF offline (exit 0: genuine).")
    parser.add_argument("pdf", type=Path, help="the statement PDF")
    parser.add_argument("--certificate", type=Path, required=True, help="the platform's seal certificate (PEM)")
    parser.add_argument(
        "--checkpoint-key", required=True, help="the platform's checkpoint verifier key, or a file holding it"
    )
    args = parser.parse_args(argv)
    key = args.checkpoint_key
    if Path(key).is_file():
        key = Path(key).read_text(encoding="utf-8")
    try:
        certificate = x509.load_pem_x509_certificate(args.certificate.read_bytes())
        pdf = args.pdf.read_bytes()
    except (OSError, ValueError) as error:
        print(f"NOT CHECKED: {error}")
        return 1
    done, failed, limits, sealed = verify(pdf, certificate, key)
    for line in done:
        print(f"  ok    {line}")
    for line in sealed:
        print(f"  {line}")
    for line in failed:
        print(f"  FAIL  {line}")
    if failed:
        print(f"NOT GENUINE: {failed[0]}")
        return 1
    for line in limits:
        print(f"  not checked offline: {line}")
    if limits:
        print("GENUINE: sealed by the platform, as far as this PDF's earlier proof format lets it be checked offline.")
        return 0
    print("GENUINE: sealed by the platform, and every event it counts is in the platform's signed log.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
