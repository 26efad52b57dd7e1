"""Time and long-term validation for the seal: RFC 3161 timestamps (PAdES B-T) and embedded validation data (B-LT).

`COALITION_SEAL_LEVEL` chooses the level: `B-B` (the seal alone, its time only claimed by the platform; the default
without a TSA), `B-T` (the seal carries a timestamp token from the authority at `COALITION_TSA_URL`; the default
with one) or `B-LT` (B-T, plus a document security store (DSS) with the certificates of the seal's and the
timestamp's chains and whatever revocation information exists: the platform's self-signed certificate has none,
a public TSA's usually does). A TSA that cannot be reached or answers nonsense makes the export fail (503): a
statement is never served with less than the configured level.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper, TimestampRequestError
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel, TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from coalition.domain.base import DomainError

LEVELS = ("B-B", "B-T", "B-LT")
#: How long an export waits for the timestamp authority (seconds).
TSA_TIMEOUT = 10


class TimestampUnavailable(DomainError):
    """The timestamp authority could not give the seal its timestamp: the export is refused, nothing is served."""

    kind = "unavailable"


def level(config: Mapping[str, Any]) -> str:
    """The configured seal level: `SEAL_LEVEL`, else B-T with a TSA and B-B without."""
    chosen = str(config.get("SEAL_LEVEL") or "").strip().upper()
    return chosen or ("B-T" if config.get("TSA_URL") else "B-B")


def check(config: Mapping[str, Any]) -> None:
    """Refuse a seal level that is unknown or needs a TSA that is not configured, naming the settings."""
    chosen = level(config)
    if chosen not in LEVELS:
        raise ValueError(f"COALITION_SEAL_LEVEL must be one of {', '.join(LEVELS)}, not {chosen!r}")
    url = str(config.get("TSA_URL") or "")
    if chosen != "B-B" and not url:
        raise ValueError(f"COALITION_SEAL_LEVEL={chosen} needs a timestamp authority: set COALITION_TSA_URL")
    if url and not url.startswith(("http://", "https://")):
        raise ValueError(f"COALITION_TSA_URL must be an http:// or https:// address, not {url!r}")
    if chosen == "B-LT" and not config.get("TSA_ROOTS"):
        raise ValueError(
            "COALITION_SEAL_LEVEL=B-LT needs COALITION_TSA_ROOTS: a PEM file with the timestamp authority's root "
            "certificate(s), to validate its certificates before embedding them"
        )
    roots(config)


def timestamper(config: Mapping[str, Any]) -> TimeStamper | None:
    """pyHanko's RFC 3161 HTTP client for the configured authority, or None at level B-B."""
    if level(config) == "B-B":
        return None
    return HTTPTimeStamper(str(config["TSA_URL"]), timeout=TSA_TIMEOUT)


def long_term(config: Mapping[str, Any]) -> bool:
    """Whether validation data is embedded (B-LT)."""
    return level(config) == "B-LT"


def roots(config: Mapping[str, Any]) -> tuple[asn1_x509.Certificate, ...]:
    """The TSA roots B-LT validates the authority's certificates against: those in the PEM file `TSA_ROOTS`."""
    path = config.get("TSA_ROOTS")
    if not path:
        return ()
    try:
        data = Path(str(path)).read_bytes()
        found = tuple(
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in x509.load_pem_x509_certificates(data)
        )
    except (OSError, ValueError) as error:
        raise ValueError(f"COALITION_TSA_ROOTS: cannot read certificates from {path}: {error}") from None
    return found


def collecting_context(
    seal_certificate: asn1_x509.Certificate, tsa_roots: tuple[asn1_x509.Certificate, ...] = ()
) -> ValidationContext:
    """What B-LT validates the seal's and the TSA's certificates with before sealing, collecting what it embeds:
    the platform's certificate and the configured TSA roots are trusted; revocation information is fetched where the
    certificates say where it is (soft-fail: a self-signed certificate has none, and that is not an error)."""
    return ValidationContext(
        trust_roots=[seal_certificate, *tsa_roots], allow_fetching=True, revocation_mode="soft-fail"
    )


def stamped(sign: Callable[[], bytes]) -> bytes:
    """The sealed PDF `sign()` makes with a timestamper, or `TimestampUnavailable` when the authority failed us:
    unreachable, an HTTP error, an answer that is not a timestamp, a refusal, or (B-LT) a certificate of its
    that cannot be validated. Nothing half-sealed is returned."""
    try:
        return sign()
    except (TimestampRequestError, OSError, TimeoutError) as error:
        cause = error.__cause__ or error
        detail = type(cause).__name__
        raise TimestampUnavailable(
            "the timestamp authority did not answer (%(detail)s): the PDF cannot be sealed now, try again later",
            detail=detail,
        ) from None
    except (ValueError, TypeError, KeyError, SigningError, PathBuildingError, PathValidationError) as error:
        raise TimestampUnavailable(
            "the timestamp authority's answer could not be used (%(detail)s): the PDF cannot be sealed now",
            detail=type(error).__name__,
        ) from None


def only_validation_data_after(status: PdfSignatureStatus) -> bool:
    """Whether what follows the seal's revision is only what B-LT adds (a document security store), judged by
    pyHanko's difference analysis (the status must come from validation without `skip_diff`)."""
    return (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level is not None
        and status.modification_level <= ModificationLevel.LTA_UPDATES
        and bool(status.docmdp_ok)
    )


@dataclass(frozen=True, slots=True)
class Timestamp:
    """The RFC 3161 timestamp on a seal: when the authority saw the signature, and whether its token holds."""

    time: datetime
    valid: bool  # the token is intact and its signature verifies (the authority's trust is the reader's choice)
    authority: str | None  # the TSA certificate's subject, as the token claims it (untrusted text)

    def plain(self) -> dict[str, Any]:
        """As JSON-ready data (the API's `seal.timestamp`, the checker child's answer)."""
        return {"time": self.time.isoformat(), "valid": self.valid, "authority": self.authority}

    @classmethod
    def from_plain(cls, data: Mapping[str, Any] | None) -> Timestamp | None:
        """Back from `plain`, or None when there was no timestamp."""
        if not data:
            return None
        authority = str(data["authority"]) if data.get("authority") else None
        return cls(datetime.fromisoformat(str(data["time"])), bool(data["valid"]), authority)


def read(status: TimestampSignatureStatus | None) -> Timestamp | None:
    """The timestamp pyHanko's validator found on the seal, or None (never raises)."""
    if status is None:
        return None
    try:
        authority: str | None = str(status.signing_cert.subject.human_friendly)[:500]
    except Exception:
        authority = None
    return Timestamp(status.timestamp, bool(status.intact and status.valid), authority)
