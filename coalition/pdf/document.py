"""What a statement's PDF shows, and the machine-readable proof it carries inside.

The exporter builds a `StatementDocument` by folding the log (`coalition.reads.logged`); the renderer
turns it into a PDF with the proof attached as an embedded file (`PROOF_NAME`); the seal covers every
byte of it. Verification reads the proof back and checks it against the log.

The proof carries what a verifier needs without this platform's code: `version_content` is the object
whose canonical JSON's SHA-256 is `version_hash` (the statement's own language and every text), and
each counted signature names its event (position, chain hash) and its signer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from coalition.pdf.reasons import Reason

#: The name of the embedded file holding the proof, in every sealed statement PDF.
PROOF_NAME = "coalition-proof.json"
#: The proof's format; a reader refuses formats it does not know.
PROOF_FORMAT = "coalition-statement-proof/4"
#: Formats still read: the first had no texts and no signers, the second no checkpoint and inclusion proofs, the
#: third no event records (what links the version hash and the signatures to the proved events).
READ_FORMATS = tuple(f"coalition-statement-proof/{n}" for n in (1, 2, 3)) + (PROOF_FORMAT,)
#: The fields of an event record (docs/log-format.md): with its position and hash, everything its hash covers.
RECORD_FIELDS = ("previous", "stream_id", "version", "type", "schema_version", "payload", "metadata", "recorded_at")


@dataclass(frozen=True, slots=True)
class CountedSignature:
    """A signature the PDF counts: the organisation and the log event that made it count."""

    organisation_id: str
    position: int  # the signing (or re-confirming) event's position in the log
    event_hash: str  # that event's chain hash
    signer_name: str = ""  # as the event records them
    signer_title: str = ""
    # the signer's verified e-mail domain as the log holds it ("" none; None: a proof made before it was stated)
    signer_email_domain: str | None = None


@dataclass(frozen=True, slots=True)
class Inclusion:
    """An RFC 9162 inclusion proof of one event (the version's, or a counted signature's) in the checkpoint's tree."""

    role: str  # "version" or "signature"
    position: int  # the event's log position; its leaf index is position - 1
    event_hash: str  # its chain hash, whose 32 bytes make the leaf
    tree_size: int  # the checkpoint's size
    audit_path: tuple[str, ...]  # hex, leaf side first
    # From format 4: the event's record as the log stores it (RECORD_FIELDS; payload and metadata as their stored
    # JSON texts), from which anyone recomputes its hash and reads the version hash it names.
    event: tuple[tuple[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "position": self.position,
            "event_hash": self.event_hash,
            "leaf_index": self.position - 1,
            "tree_size": self.tree_size,
            "audit_path": list(self.audit_path),
            **({"event": dict(self.event)} if self.event else {}),
        }

    @classmethod
    def from_json(cls, raw: Any) -> Inclusion:
        position = _count(raw["position"])
        if raw["role"] not in ("version", "signature") or _count(raw["leaf_index"]) != position - 1:
            raise ValueError(Reason("the embedded proof has an inclusion proof with a wrong role or leaf index"))
        return cls(
            raw["role"],
            position,
            _hex(raw["event_hash"]),
            _count(raw["tree_size"]),
            tuple(_hex(x) for x in raw["audit_path"]),
            tuple((name, raw["event"][name]) for name in RECORD_FIELDS) if raw.get("event") else (),
        )


@dataclass(frozen=True, slots=True)
class Proof:
    """What the PDF claims, in a form verification can check against the log."""

    statement_id: str
    coalition_id: str
    version_hash: str  # the statement version's content hash (SHA-256, hex)
    language: str
    exported_position: int  # the log's head position when the PDF was made
    head_hash: str  # the chain hash at that position
    exported_at: datetime
    signatures: tuple[CountedSignature, ...]
    version_language: str = ""  # the statement's own language, which the version hash covers
    texts: tuple[tuple[str, str, str], ...] = ()  # (language, title, body) of every text, by language
    checkpoint: str = ""  # from format 3: the signed checkpoint note covering `exported_position`
    inclusions: tuple[Inclusion, ...] = ()  # the version event's and each counted signature's, in that tree
    log_format: int = 0  # from format 4: the log's chain format, which the event records are hashed in

    def version_content(self) -> dict[str, Any]:
        """The object whose canonical JSON's SHA-256 is the version hash."""
        return {
            "language": self.version_language,
            "texts": {language: {"title": title, "body": body} for language, title, body in self.texts},
        }

    def to_json(self) -> bytes:
        """The proof as the UTF-8 JSON text embedded in the PDF."""
        return json.dumps(
            {
                "format": PROOF_FORMAT,
                "statement_id": self.statement_id,
                "coalition_id": self.coalition_id,
                "version_hash": self.version_hash,
                "language": self.language,
                "exported_position": self.exported_position,
                "head_hash": self.head_hash,
                "exported_at": self.exported_at.isoformat(),
                "version_content": self.version_content(),
                "signatures": [
                    {
                        "organisation_id": s.organisation_id,
                        "position": s.position,
                        "event_hash": s.event_hash,
                        "signer_name": s.signer_name,
                        "signer_title": s.signer_title,
                        "signer_email_domain": s.signer_email_domain,
                    }
                    for s in self.signatures
                ],
                "checkpoint": self.checkpoint or None,
                "inclusion_proofs": [x.to_json() for x in self.inclusions],
                **({"log_format": self.log_format} if self.log_format else {}),
            },
            indent=1,
            sort_keys=True,
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Proof:
        """Read a proof back; a ValueError says what is wrong with it."""
        try:
            raw: Any = json.loads(data)
            if not isinstance(raw, dict) or raw.get("format") not in READ_FORMATS:
                raise ValueError(Reason("the embedded proof is not in the format %(format)s", format=PROOF_FORMAT))
            signatures = tuple(
                CountedSignature(
                    str(s["organisation_id"]),
                    _count(s["position"]),
                    str(s["event_hash"]),
                    str(s.get("signer_name", "")),
                    str(s.get("signer_title", "")),
                    None if s.get("signer_email_domain") is None else str(s["signer_email_domain"]),
                )
                for s in raw["signatures"]
            )
            content = raw.get("version_content") or {"language": "", "texts": {}}
            texts = tuple(
                (str(language), str(text["title"]), str(text["body"]))
                for language, text in sorted(content["texts"].items())
            )
            return cls(
                str(raw["statement_id"]),
                str(raw["coalition_id"]),
                str(raw["version_hash"]),
                str(raw["language"]),
                _count(raw["exported_position"]),
                str(raw["head_hash"]),
                datetime.fromisoformat(raw["exported_at"]),
                signatures,
                str(content["language"]),
                texts,
                str(raw.get("checkpoint") or ""),
                tuple(Inclusion.from_json(x) for x in raw.get("inclusion_proofs") or ()),
                _count(raw.get("log_format") or 0),
            )
        except (KeyError, TypeError, AttributeError, RecursionError, UnicodeDecodeError) as error:
            raise ValueError(
                Reason("the embedded proof is incomplete or malformed (%(error)s)", error=type(error).__name__)
            ) from None


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**62:
        raise ValueError(Reason("the embedded proof has a position that is not a whole number"))
    return value


def _hex(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef"):
        raise ValueError(Reason("the embedded proof has a hash that is not 64 lowercase hex digits"))
    return value


@dataclass(frozen=True, slots=True)
class Signatory:
    """An organisation whose signature counts, and who signed for it."""

    organisation: str
    country: str  # ISO 3166-1 alpha-2
    country_name: str
    signer: str
    title: str
    signed_at: datetime
    organisation_id: str = ""  # matches CountedSignature.organisation_id on the certificate page
    verified: bool = False  # a facilitator's verified mark stood on the member at the exported position
    email_domain: str = ""  # the domain of the signer's verified e-mail address, from the log ("" if none)


@dataclass(frozen=True, slots=True)
class Endorsement:
    """A person's own endorsement, listed apart from the organisations."""

    name: str
    title: str | None
    organisation: str | None
    endorsed_at: datetime


@dataclass(frozen=True, slots=True)
class StatementDocument:
    """Everything the PDF of one statement version, in one language, shows."""

    coalition: str  # the coalition's name
    title: str
    body: str  # the statement's Markdown subset, rendered safely
    language: str  # the language this document is in (BCP 47 / ISO 639-1 code)
    signatories: tuple[Signatory, ...]
    endorsements: tuple[Endorsement, ...]
    proof: Proof
    verify_url: str  # where anyone can upload the PDF to check it
    languages: tuple[str, ...] = field(default=())  # every language the statement exists in
    # the statement's phase when the PDF was made ("open", "closed", "published"; "" not stated): an open or
    # closed statement's PDF says on every page that it is not final
    phase: str = ""
    published_at: datetime | None = None  # when it was published (the last StatementPublished event), if it was
    place: str = ""  # where the coalition issued it (named when publishing), printed before the date
    deadline: datetime | None = None  # after which no one could sign, if the opening set one
    time_zone: str = "UTC"  # the coalition's, in which times are shown beside UTC

    @property
    def countries(self) -> int:
        """How many countries the signing organisations come from."""
        return len({s.country for s in self.signatories})
