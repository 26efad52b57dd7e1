"""Every PDF carries a signed checkpoint and the inclusion proofs of its events; the platform's verifier and the
standalone tools/verify_statement.py (run as a separate, isolated process) check them, and name what is wrong."""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from pyhanko.pdf_utils.generic import StreamObject, TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from coalition.pdf import anchor, export
from coalition.pdf.document import Proof
from coalition.transparency import checkpoints, note
from tests.e2e.conftest import services
from tests.e2e.test_export_from_log import exported, proof_of, signed, verdict
from tests.e2e.world import World
from tests.tsa import LoopbackTsa, tsa

__all__ = ["tsa"]  # the fixture, used by name

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_statement.py"


def keys(app: Flask, directory: Path) -> tuple[Path, str]:
    """The platform's two public keys as a reader downloads them (no login), the same as the operator's commands."""
    client = app.test_client()
    certificate = client.get("/api/v1/seal/certificate")
    assert certificate.status_code == 200 and certificate.mimetype == "application/x-pem-file"
    sealer, _ = export.for_app(app)
    assert certificate.data == sealer.certificate.public_bytes(serialization.Encoding.PEM)
    pem = directory / "seal.pem"
    pem.write_bytes(certificate.data)
    served = client.get("/api/v1/log/public-key")
    printed = app.test_cli_runner().invoke(args=["log", "public-key"])
    assert served.status_code == 200 and printed.exit_code == 0 and served.text == printed.output
    return pem, printed.output.strip()


#: Runs the tool with this project's packages made unimportable (the venv may hold the project installed).
ISOLATED = """
import runpy, sys
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"coalition", "events", "projections", "tests", "bench"}:
            raise ImportError(f"the offline verifier may not import {name}")
sys.meta_path.insert(0, Blocked())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_tool(pdf: bytes, directory: Path, pem: Path, key: str) -> subprocess.CompletedProcess[str]:
    """The tool in an isolated interpreter (-I: no PYTHONPATH, no working directory on the path), from a directory
    outside the repository, with this project's packages blocked: it runs on the standard library and its two
    dependencies alone."""
    path = directory / "statement.pdf"
    path.write_bytes(pdf)
    arguments = [str(TOOL), str(path), "--certificate", str(pem), "--checkpoint-key", key]
    command = [sys.executable, "-I", "-c", ISOLATED, *arguments]
    return subprocess.run(command, capture_output=True, text=True, cwd=directory, timeout=60, check=False)


def resealed(app: Flask, sid: str, change: Callable[[Proof], Proof]) -> bytes:
    """A PDF whose proof was changed before the platform sealed it: the seal holds, only the proof can tell."""
    from coalition.pdf.render import render_pdf

    sealer, _ = export.for_app(app)
    assert sealer.checkpoints is not None
    engine, now = services(app).engine, datetime.now(UTC).replace(microsecond=0)
    with engine.connect() as connection:
        doc = export.document(connection, sid, None, "http://x/v", now)
    proof = change(anchor.anchored(engine, sealer.checkpoints, doc.proof, now))
    return sealer.seal(render_pdf(replace(doc, proof=proof)), reason="test")


def other_key(proof: Proof) -> Proof:
    checkpoint = note.parse(proof.checkpoint)[0]
    return replace(proof, checkpoint=note.sign(checkpoint, checkpoint.origin, Ed25519PrivateKey.generate()))


def altered_root(proof: Proof) -> Proof:
    origin, size, root = proof.checkpoint.split("\n")[:3]
    forged = "A" * 43 + "=" if root != "A" * 43 + "=" else "B" * 43 + "="
    return replace(
        proof, checkpoint=proof.checkpoint.replace(f"{origin}\n{size}\n{root}\n", f"{origin}\n{size}\n{forged}\n")
    )


def altered_path(proof: Proof) -> Proof:
    first = proof.inclusions[-1]
    return replace(
        proof, inclusions=(*proof.inclusions[:-1], replace(first, audit_path=("0" * 64, *first.audit_path[1:])))
    )


def unproved_signature(proof: Proof) -> Proof:
    return replace(proof, inclusions=tuple(x for x in proof.inclusions if x.role == "version"))


def another_version(proof: Proof) -> Proof:
    """Texts and a version hash that agree with each other, but are not what the log's version event names."""
    texts = tuple((code, title + " (changed)", body) for code, title, body in proof.texts)
    forged = replace(proof, texts=texts)
    content = json.dumps(forged.version_content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return replace(forged, version_hash=hashlib.sha256(content.encode()).hexdigest())


def altered_record(proof: Proof) -> Proof:
    """A signature event's record whose payload names another organisation (a field in clear whether or not the
    signer's name is sealed): its hash no longer comes out."""
    x = proof.inclusions[-1]
    record = dict(x.event)
    altered = record["payload"].replace('"organisation_id":"', '"organisation_id":"0', 1)
    assert altered != record["payload"], "the alteration must change the record"
    record["payload"] = altered
    return replace(proof, inclusions=(*proof.inclusions[:-1], replace(x, event=tuple(record.items()))))


FORGERIES = {
    "checkpoint-by-another-key": (other_key, "no signature by"),
    "checkpoint-altered": (altered_root, "does not verify"),
    "audit-path-altered": (altered_path, "does not lead to the checkpoint's root"),
    "signature-unproved": (unproved_signature, "no inclusion proof"),
    "event-record-altered": (altered_record, "does not give its hash"),
}


def test_the_offline_tool_faults_a_proof_whose_version_hash_is_not_the_version_events(
    world: World, tmp_path: Path
) -> None:
    app, sid = world.api.app, signed(world)
    pem, key = keys(app, tmp_path)

    done = run_tool(resealed(app, sid, another_version), tmp_path, pem, key)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "version hash:" in done.stdout and "matches the texts" in done.stdout  # the texts agree with the hash...
    assert "inclusion: 3 events" in done.stdout  # ...and every event is in the log...
    verdict_line = done.stdout.strip().splitlines()[-1]  # ...but the version event names another version
    assert verdict_line.startswith("NOT GENUINE: the version event") and "not the proof's" in verdict_line
    assert verdict(app, resealed(app, sid, another_version))["valid"] is False


def test_every_proved_event_carries_its_record_which_gives_its_hash(world: World, tmp_path: Path) -> None:
    from events.hashing import FORMATS

    app, sid = world.api.app, signed(world)
    proof = proof_of(exported(app, sid, tmp_path))
    assert proof.log_format == 2
    for x in proof.inclusions:
        record = dict(x.event)
        fields = [record[n] for n in ("stream_id", "version", "type", "schema_version", "payload", "metadata")]
        assert FORMATS[2].hash(record["previous"], x.position, *fields, record["recorded_at"]) == x.event_hash
        assert json.loads(record["payload"])["version_hash"] == proof.version_hash


def test_every_pdf_carries_a_checkpoint_and_proofs_of_its_version_and_signature_events(
    world: World, tmp_path: Path
) -> None:
    app, sid = world.api.app, signed(world)
    proof = proof_of(exported(app, sid, tmp_path))

    checkpoint = note.parse(proof.checkpoint)[0]
    assert checkpoint.size >= proof.exported_position
    roles = [(x.role, x.position, x.event_hash) for x in proof.inclusions]
    assert roles[1:] == [("signature", s.position, s.event_hash) for s in proof.signatures] and len(roles) == 3
    with services(app).engine.connect() as connection:
        version = anchor.version_event(connection, sid, proof.exported_position)
        latest = checkpoints.latest(connection)
    assert roles[0] == ("version", *version) and latest is not None and latest.note == proof.checkpoint
    assert all(x.tree_size == checkpoint.size and x.audit_path for x in proof.inclusions)
    answer = verdict(app, exported(app, sid, tmp_path / "again"))
    assert answer["valid"] is True, answer["reasons"]
    assert answer["statement"]["checkpoint_size"] == checkpoint.size


def test_an_export_reuses_a_checkpoint_covering_it_and_issues_one_when_none_does(world: World, tmp_path: Path) -> None:
    app, sid = world.api.app, signed(world)
    first = proof_of(exported(app, sid, tmp_path / "one"))
    assert proof_of(exported(app, sid, tmp_path / "two")).checkpoint == first.checkpoint

    world.api.register("zed")  # the log grows past the checkpoint
    later = proof_of(exported(app, sid, tmp_path / "three"))
    assert note.parse(later.checkpoint)[0].size == later.exported_position > first.exported_position


@pytest.mark.parametrize(("change", "reason"), FORGERIES.values(), ids=FORGERIES.keys())
def test_the_platform_verifier_faults_a_bad_checkpoint_or_proof(
    world: World, change: Callable[[Proof], Proof], reason: str
) -> None:
    app, sid = world.api.app, signed(world)
    answer = verdict(app, resealed(app, sid, change))
    assert answer["valid"] is False and answer["verdict"] == "not_genuine"
    assert any(reason in x for x in answer["reasons"]), answer["reasons"]


def test_the_platform_verifier_faults_a_version_event_the_log_does_not_hold_as_the_version(world: World) -> None:
    app, sid = world.api.app, signed(world)

    def swapped(proof: Proof) -> Proof:  # a genuine inclusion proof, of a signature's event, named as the version's
        return replace(proof, inclusions=(replace(proof.inclusions[1], role="version"), *proof.inclusions[1:]))

    answer = verdict(app, resealed(app, sid, swapped))
    assert answer["valid"] is False
    assert answer["reasons"] == [
        "the PDF's version event is not the event that made the version in this platform's log"
    ]


def test_a_proof_of_an_earlier_format_is_still_read(world: World, tmp_path: Path) -> None:
    app, sid = world.api.app, signed(world)
    proof = proof_of(exported(app, sid, tmp_path))
    old = proof.to_json().replace(b"coalition-statement-proof/4", b"coalition-statement-proof/2")
    old = old.replace(b'"checkpoint"', b'"unused"').replace(b'"inclusion_proofs"', b'"unused2"')
    read = Proof.from_json(old.replace(b'"log_format"', b'"unused3"'))
    assert read == replace(proof, checkpoint="", inclusions=(), log_format=0)
    sealer, _ = export.for_app(app)
    assert sealer.checkpoints is not None
    assert anchor.check(read, sealer.checkpoints, reasons := []) is None and reasons == []


def test_the_offline_tool_says_genuine_of_a_real_export(world: World, tmp_path: Path) -> None:
    app, sid = world.api.app, signed(world)
    pem, key = keys(app, tmp_path)

    pdf = exported(app, sid, tmp_path / "cache")
    done = run_tool(pdf, tmp_path, pem, key)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("GENUINE")
    for checked in ("seal: made with", "version hash:", "checkpoint: signed by", "inclusion: 3 events"):
        assert checked in done.stdout
    version = proof_of(pdf).version_hash
    assert "events: the version event (StatementOpened at " in done.stdout
    assert f"names {version}, and 2 signature events name that version" in done.stdout
    # the signers' names and titles are sealed personal data in the log (docs/log-format.md): said, not compared
    sealed = [line for line in done.stdout.splitlines() if line.startswith("  sealed  ")]
    assert len(sealed) == 1 and "the names and titles of 2 of the 2 signers are sealed personal data" in sealed[0]
    assert "hashes, organisations and the version they name are checked" in sealed[0]
    assert "e-mail domains come from their accounts' events" in done.stdout  # the proof names them: said unchecked


def renamed_signer(proof: Proof) -> Proof:
    """A proof naming another person as a signer than the (sealed) name the signature's event records."""
    s = proof.signatures[-1]
    return replace(proof, signatures=(*proof.signatures[:-1], replace(s, signer_name="Someone Else")))


def test_a_signer_renamed_in_the_proof_is_faulted_by_the_platform_and_said_unchecked_offline(
    world: World, tmp_path: Path
) -> None:
    app, sid = world.api.app, signed(world)
    pem, key = keys(app, tmp_path)
    pdf = resealed(app, sid, renamed_signer)

    done = run_tool(pdf, tmp_path, pem, key)  # the name in the log is sealed: offline it cannot be compared...

    assert done.returncode == 0, done.stdout + done.stderr
    assert "sealed personal data" in done.stdout and "cannot compare them with the PDF" in done.stdout
    answer = verdict(app, pdf)  # ...the platform opens it and compares
    assert answer["valid"] is False
    assert any("is not the one the log recorded" in x for x in answer["reasons"]), answer["reasons"]


def test_the_offline_tool_checks_a_timestamped_seal(world: World, tmp_path: Path, tsa: LoopbackTsa) -> None:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    app, sid = world.api.app, signed(world)
    export.for_app(app)[0].timestamper = HTTPTimeStamper(tsa.url)  # PAdES B-T: a token among the unsigned attributes
    pem, key = keys(app, tmp_path)

    done = run_tool(exported(app, sid, tmp_path / "cache"), tmp_path, pem, key)

    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("change", "reason"), FORGERIES.values(), ids=FORGERIES.keys())
def test_the_offline_tool_names_a_bad_checkpoint_or_proof(
    world: World, tmp_path: Path, change: Callable[[Proof], Proof], reason: str
) -> None:
    app, sid = world.api.app, signed(world)
    pem, key = keys(app, tmp_path)

    done = run_tool(resealed(app, sid, change), tmp_path, pem, key)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "seal: made with" in done.stdout  # the platform sealed it: only the proof gives it away
    verdict_line = done.stdout.strip().splitlines()[-1]
    assert verdict_line.startswith("NOT GENUINE") and reason in verdict_line


def test_the_offline_tool_finds_a_changed_byte_and_a_wrong_key(world: World, tmp_path: Path) -> None:
    app, sid = world.api.app, signed(world)
    pem, key = keys(app, tmp_path)
    pdf = exported(app, sid, tmp_path / "cache")
    at = pdf.index(b"Clean rivers now") if b"Clean rivers now" in pdf else len(pdf) // 3
    changed = pdf[:at] + bytes([pdf[at] ^ 1]) + pdf[at + 1 :]

    done = run_tool(changed, tmp_path, pem, key)
    assert done.returncode == 1 and "NOT GENUINE" in done.stdout and "seal" in done.stdout

    stranger = note.verifier_key(key.split("+")[0], Ed25519PrivateKey.generate().public_key())
    done = run_tool(pdf, tmp_path, pem, stranger)
    assert done.returncode == 1 and "no signature by the given key" in done.stdout.splitlines()[-1]


def test_the_offline_tool_imports_only_the_standard_library_cryptography_and_pypdf(tmp_path: Path) -> None:
    tree = ast.parse(TOOL.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    tops = {name.split(".")[0] for name in imported}
    assert tops - set(sys.stdlib_module_names) == {"cryptography", "pypdf"}
    script = tmp_path / "imports_us.py"
    script.write_text("import coalition\n", encoding="utf-8")
    blocked = subprocess.run(
        [sys.executable, "-I", "-c", ISOLATED, str(script)], capture_output=True, text=True, check=False, timeout=60
    )
    assert "may not import coalition" in blocked.stderr  # the guard the runs above go through does block


def test_no_pdf_is_made_when_the_log_no_longer_holds_its_checkpointed_tree(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log truncated or rewritten below its signed tree: the export is a 409 naming why, not a 500."""
    from events import tree

    sid = signed(world)

    def diverged(*args: object, **kwargs: object) -> object:
        raise tree.LogDiverged("the log holds 3 events, fewer than the tree's 40: truncated")

    monkeypatch.setattr(checkpoints, "issue", diverged)
    with services(world.api.app).engine.begin() as connection:  # no checkpoint covers the statement yet
        connection.exec_driver_sql("DELETE FROM log_checkpoints")
    answer = world.api.call("GET", f"{world.path}/statements/{sid}.pdf", world.who("ana"))
    assert answer.status_code == 409
    assert "truncated or rewritten" in answer.json["error"]["message"]


def long_term(app: Flask, tsa: LoopbackTsa) -> None:
    """Seal at B-LT: a timestamp, then the validation data (a DSS) in an incremental update after the seal."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    sealer = export.for_app(app)[0]
    sealer.timestamper, sealer.long_term, sealer.tsa_roots = HTTPTimeStamper(tsa.url), True, (tsa.root,)


def test_the_offline_tool_accepts_a_b_lt_pdf_and_names_the_validation_data_after_the_seal(
    world: World, tmp_path: Path, tsa: LoopbackTsa
) -> None:
    app, sid = world.api.app, signed(world)
    long_term(app, tsa)
    pem, key = keys(app, tmp_path)
    pdf = exported(app, sid, tmp_path / "cache")
    assert verdict(app, pdf)["valid"] is True

    done = run_tool(pdf, tmp_path, pem, key)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "seal: made with" in done.stdout and "covering its revision" in done.stdout
    assert "after the seal: validation data only" in done.stdout
    assert "a DSS with 3 certificates, 0 CRLs, 0 OCSP responses, 1 VRI entries" in done.stdout


def updated(pdf: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    """`pdf` with one more incremental update, made by `change`."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def new_language(writer: IncrementalPdfFileWriter) -> None:
    writer.root["/Lang"] = TextStringObject("fr")
    writer.update_root()


def new_title(writer: IncrementalPdfFileWriter) -> None:
    info = writer.trailer["/Info"]
    info["/Title"] = TextStringObject("Dirty rivers later")
    writer.mark_update(writer.trailer.raw_get("/Info"))


def new_page_content(writer: IncrementalPdfFileWriter) -> None:
    page = writer.root["/Pages"]["/Kids"].raw_get(0)
    stream = writer.add_object(StreamObject(stream_data=b"BT /F1 24 Tf 72 72 Td (Forged) Tj ET"))
    page.get_object()["/Contents"] = stream
    writer.mark_update(page)


def more_validation_data(writer: IncrementalPdfFileWriter) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    from tests.tsa import _asn1, _certificate

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    another = _asn1(_certificate("Another CA", key, None, key, ca=True))
    DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=[another])


def new_xmp_title(writer: IncrementalPdfFileWriter) -> None:
    ref = writer.root.raw_get("/Metadata")
    stream = ref.get_object()
    assert b"Clean rivers now" in stream.data
    stream._data, stream._encoded_data = stream.data.replace(b"Clean rivers now", b"Dirty rivers later"), None
    stream.pop("/Filter", None)
    writer.mark_update(ref)


#: What an update after a B-LT seal may not do: the offline tool and the platform's verifier (pyHanko's difference
#: analysis under coalition.pdf.after_seal's policy) apply the same rule, and both fault each of these.
AFTER_THE_SEAL = {
    "catalogue-changed": (new_language, "changed the document's catalogue"),
    "title-changed": (new_title, "changed the document's information"),
    # the writer rewrites the XMP stream in place or as a new one the catalogue names: either way, its Metadata
    "xmp-title-changed": (new_xmp_title, "Metadata"),
    "page-content-changed": (new_page_content, "changed a Page object"),
}


@pytest.mark.parametrize(("change", "reason"), AFTER_THE_SEAL.values(), ids=AFTER_THE_SEAL.keys())
def test_the_offline_tool_and_the_platform_refuse_a_change_after_a_b_lt_seal_that_is_not_validation_data(
    world: World,
    tmp_path: Path,
    tsa: LoopbackTsa,
    change: Callable[[IncrementalPdfFileWriter], None],
    reason: str,
) -> None:
    app, sid = world.api.app, signed(world)
    long_term(app, tsa)
    pem, key = keys(app, tmp_path)
    pdf = updated(exported(app, sid, tmp_path / "cache"), change)

    done = run_tool(pdf, tmp_path, pem, key)

    assert done.returncode == 1, done.stdout + done.stderr
    verdict_line = done.stdout.strip().splitlines()[-1]
    assert verdict_line.startswith("NOT GENUINE: an update after the seal") and reason in verdict_line
    answer = verdict(app, pdf)
    assert answer["valid"] is False and answer["verdict"] == "not_genuine"
    assert "something was added to the file after it was sealed" in answer["reasons"], answer["reasons"]


def test_the_offline_tool_accepts_validation_data_added_in_a_later_update_too(
    world: World, tmp_path: Path, tsa: LoopbackTsa
) -> None:
    app, sid = world.api.app, signed(world)
    long_term(app, tsa)
    pem, key = keys(app, tmp_path)
    pdf = updated(exported(app, sid, tmp_path / "cache"), more_validation_data)

    done = run_tool(pdf, tmp_path, pem, key)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "after the seal: validation data only" in done.stdout
    assert verdict(app, pdf)["valid"] is True, verdict(app, pdf)["reasons"]  # the platform agrees


#: The platform's proof writer (format 4), from which the earlier formats are made by leaving out what they lacked.
FORMAT_4 = Proof.to_json


def in_format(number: int) -> Callable[[Proof], bytes]:
    """How the platform wrote a proof in an earlier format: 3 without event records and chain format, 2 also
    without checkpoint and inclusion proofs, 1 also without texts and signers."""

    def to_json(proof: Proof) -> bytes:
        raw = json.loads(FORMAT_4(proof))
        raw["format"] = f"coalition-statement-proof/{number}"
        raw.pop("log_format", None)
        for x in raw["inclusion_proofs"]:
            x.pop("event", None)
        if number <= 2:
            del raw["checkpoint"], raw["inclusion_proofs"]
        if number == 1:
            del raw["version_content"]
            for s in raw["signatures"]:
                del s["signer_name"], s["signer_title"]
        return json.dumps(raw, indent=1, sort_keys=True).encode()

    return to_json


@pytest.mark.parametrize(
    ("number", "checked", "not_carried"),
    [
        (3, "inclusion: 3 events", ["does not carry the event records"]),
        (2, "version hash:", ["does not carry a checkpoint", "does not carry the event records"]),
        (1, "seal: made with", ["does not carry the texts", "does not carry a checkpoint"]),
    ],
)
def test_the_offline_tool_says_genuine_of_a_pdf_issued_in_an_earlier_proof_format_and_what_it_could_not_check(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: int, checked: str, not_carried: list[str]
) -> None:
    app, sid = world.api.app, signed(world)
    pem, key = keys(app, tmp_path)
    monkeypatch.setattr(Proof, "to_json", in_format(number))  # the platform as it was
    pdf = exported(app, sid, tmp_path / "cache")
    monkeypatch.undo()
    assert proof_format(pdf) == f"coalition-statement-proof/{number}"

    done = run_tool(pdf, tmp_path, pem, key)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("GENUINE: sealed by the platform, as far as")
    assert checked in done.stdout and f"(format {number}, an earlier one)" in done.stdout
    assert "events:" not in done.stdout
    limits = [line for line in done.stdout.splitlines() if "not checked offline:" in line]
    assert len(limits) == 4 - number and all(any(x in line for line in limits) for x in not_carried), limits
    assert all(f"this PDF's proof (format {number})" in line and "check it at http://x/v" in line for line in limits)
    assert verdict(app, pdf)["valid"] is True  # the platform's verifier agrees


def proof_format(pdf: bytes) -> str:
    from pypdf import PdfReader

    return str(json.loads(PdfReader(BytesIO(pdf)).attachments["coalition-proof.json"][-1])["format"])


def test_the_offline_tool_checks_what_an_earlier_format_carries(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, sid = world.api.app, signed(world)
    pem, key = keys(app, tmp_path)
    monkeypatch.setattr(Proof, "to_json", in_format(3))
    pdf = exported(app, sid, tmp_path / "cache")
    forged = resealed(app, sid, altered_root)  # a format-3 proof whose checkpoint was altered before sealing
    monkeypatch.undo()

    at = len(pdf) // 3
    done = run_tool(pdf[:at] + bytes([pdf[at] ^ 1]) + pdf[at + 1 :], tmp_path, pem, key)
    assert done.returncode == 1 and done.stdout.strip().splitlines()[-1].startswith("NOT GENUINE")
    done = run_tool(forged, tmp_path, pem, key)
    assert done.returncode == 1 and "NOT GENUINE" in done.stdout and "does not verify" in done.stdout
    assert proof_format(forged) == "coalition-statement-proof/3"
