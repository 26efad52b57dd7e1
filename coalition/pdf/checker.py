"""The child process that reads uploaded PDFs: `python -m coalition.pdf.checker CPU_SECONDS MEMORY_BYTES`.

Started and fed by `coalition.pdf.sandbox`. It reads the platform's certificate (DER) as its first frame,
then answers one frame per PDF with a JSON document (plain data: the `SealReport`'s fields). Before
reading any upload it limits its own address space (RLIMIT_AS) and, for each PDF, the CPU time that
PDF may take (RLIMIT_CPU: the kernel ends the process with SIGXCPU past it). Its logging is off: the
parent writes the one log line about each check, with whatever came from the upload escaped.

A frame is an 8-byte big-endian length followed by that many bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import resource
import sys
from typing import IO, Any

from pyhanko_certvalidator import ValidationContext

from coalition.pdf.reasons import of
from coalition.pdf.seal import inspect

HEADER = 8


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame, or None at the end of the stream."""
    header = stream.read(HEADER)
    if len(header) < HEADER:
        return None
    size = int.from_bytes(header, "big")
    data = stream.read(size)
    return data if len(data) == size else None


def write_frame(stream: IO[bytes], data: bytes) -> None:
    """Write one frame and flush it."""
    stream.write(len(data).to_bytes(HEADER, "big") + data)
    stream.flush()


class CertificateTrust:
    """Trust in exactly the platform's certificate, from its DER bytes (the child has no key)."""

    def __init__(self, certificate_der: bytes) -> None:
        from asn1crypto import x509 as asn1_x509

        self._certificate = asn1_x509.Certificate.load(certificate_der)
        self._fingerprint = hashlib.sha256(certificate_der).hexdigest()

    @property
    def fingerprint(self) -> str:
        """The SHA-256 of the certificate (DER), in hex."""
        return self._fingerprint

    def validation_context(self) -> ValidationContext:
        """Offline, trusting exactly this certificate (as `Sealer.validation_context`)."""
        return ValidationContext(trust_roots=[self._certificate], allow_fetching=False, revocation_mode="soft-fail")


def check(pdf: bytes, trust: CertificateTrust) -> dict[str, Any]:
    """The seal report of one PDF as plain data; `{"exhausted": true}` when it ran out of memory."""
    try:
        report = inspect(pdf, trust)
    except MemoryError:
        return {"exhausted": True}
    return {
        "intact": report.intact,
        "ours": report.ours,
        "whole_file": report.whole_file,
        "signed_at": report.signed_at.isoformat() if report.signed_at else None,
        "proof": base64.b64encode(report.proof).decode() if report.proof is not None else None,
        "reasons": [of(reason).plain() for reason in report.reasons],  # message ids and parameters
        "signer": report.signer,
        "timestamp": report.timestamp.plain() if report.timestamp is not None else None,
    }


def limit_cpu(seconds: int) -> None:
    """Allow `seconds` more CPU time from now (the soft limit; the hard one stays, so the next PDF can raise it)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (int(used.ru_utime + used.ru_stime) + seconds, hard))


def main(arguments: list[str]) -> int:
    """Serve frames from standard input until it closes."""
    logging.disable(logging.CRITICAL)  # nothing from pyHanko's loggers (tracebacks, certificate names) leaves here
    cpu, memory = int(arguments[0]), int(arguments[1])
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the frames
    certificate = read_frame(stdin)
    if certificate is None:
        return 0
    trust = CertificateTrust(certificate)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (memory, hard))
    while True:
        pdf = read_frame(stdin)
        if pdf is None:
            return 0
        limit_cpu(cpu)
        answer = check(pdf, trust)
        del pdf
        write_frame(stdout, json.dumps(answer).encode())
        if answer.get("exhausted"):
            return 0  # a fresh child for the next PDF, rather than one whose heap was stretched to its limit


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
