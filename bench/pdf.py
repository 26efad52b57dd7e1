"""Measure statement PDFs: a sealed export with 500 signing organisations, its cached download, the
seal's cost against a bare WeasyPrint render of the same HTML, and that 5,000 signatories render; and the
partnership report (`bench.partnership`): built and sealed, and its cached download."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import partnership
from bench.report import Target, machine

QUICK_SIGNATORIES, QUICK_LARGE = 20, 200
PASSWORD = "bench-password-1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m bench pdf`."""
    parser.add_argument(
        "--signatories",
        type=int,
        default=500,
        metavar="N",
        help="signing organisations of the measured statement (default 500)",
    )
    parser.add_argument(
        "--large",
        type=int,
        default=5000,
        metavar="N",
        help="signatories of the statement that must render at all (default 5,000)",
    )
    parser.add_argument("--repeat", type=int, default=5, metavar="N", help="timed renders of each kind (default 5)")
    parser.add_argument("--tmp-dir", metavar="DIR", help="where to put the database, seal and cache (default: temp)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_SIGNATORIES} signatories, {QUICK_LARGE} for the large one",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON document on stdout (the table on stderr)")
    parser.add_argument("--report-only", action="store_true", help="measure only the partnership report")


def progress(message: str) -> None:
    """Tell the operator what is running (stderr, so stdout stays clean)."""
    print(f"· {message}", file=sys.stderr, flush=True)


def timed(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median wall time of `repeat` runs of `action`, in seconds, and the last result."""
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def build_statement(app: Any, signatories: int) -> tuple[str, str, str]:
    """Through the command handlers: a coalition, `signatories` member organisations each signing an open
    statement (with a Romanian translation) by a mandated user. Returns the token, coalition and statement ids."""
    from coalition.accounts.registration import register
    from coalition.accounts.tokens import create_token
    from coalition.handlers import Context
    from coalition.handlers import coalitions as co
    from coalition.handlers import organisations as orgs
    from coalition.handlers import statements as st

    svc = app.extensions["coalition"]
    today = svc.store.clock().date()
    countries = ("RO", "PL", "FI", "BG", "HU", "DE", "FR", "IT", "ES", "PT", "SE", "NL")
    with app.app_context():
        facilitator = register(svc, "facilitator@bench.example", PASSWORD, "Fay Facilitator", verified=True)
        as_facilitator = Context(svc, facilitator, today)
        home = orgs.create_organisation(
            as_facilitator, name="Bench Home", country="RO", sector="ngo", mission="Measure"
        )["id"]
        coalition = co.found_coalition(
            as_facilitator,
            organisation_id=home,
            name="Bench Coalition",
            purpose="Measure PDFs",
            objectives=[{"text": "Render fast"}],
            starts_on=today,
            cooperation_mechanism="Calls",
            benefit_sharing="Shared",
        )["id"]
        statement = st.draft(
            as_facilitator,
            coalition,
            title="Clean rivers for every community",
            body=("We, the undersigned organisations, call on *governments* to act.\n\n" * 6).strip(),
            language="en",
        )["id"]
        st.translate(
            as_facilitator,
            coalition,
            statement,
            "ro",
            title="Râuri curate pentru fiecare comunitate",
            body="Noi, organizațiile semnatare, cerem *guvernelor* să acționeze.",
        )
        st.open_for_signature(as_facilitator, coalition, statement, deadline=datetime.now(UTC) + timedelta(days=30))
        for n in range(signatories):
            user = register(svc, f"signer{n}@bench.example", PASSWORD, f"Signer Number {n}", verified=True)
            as_signer = Context(svc, user, today)
            org = orgs.create_organisation(
                as_signer,
                name=f"Organisation {n:05d} for Rivers and Communities",
                country=countries[n % len(countries)],
                sector="ngo",
                mission="Sign",
            )["id"]
            orgs.grant_mandate(as_signer, org, email=f"signer{n}@bench.example", title="Executive Director")
            co.join(as_signer, coalition, organisation_id=org)
            co.change_membership(as_facilitator, coalition, org, "approve")
            st.sign(as_signer, coalition, statement, organisation_id=org)
        token = create_token(svc, "facilitator@bench.example", PASSWORD)[1]
    return token, coalition, statement


def synthetic(signatories: int) -> Any:
    """A statement document with `signatories` organisations, made without a database (for the large render)."""
    from coalition.pdf.document import CountedSignature, Proof, Signatory, StatementDocument

    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    people = tuple(
        Signatory(
            f"Organisation {n:05d} for Rivers and Communities",
            "RO",
            "Romania",
            f"Signer Number {n}",
            "Executive Director",
            now,
            f"org{n}",
        )
        for n in range(signatories)
    )
    proof = Proof(
        "statement",
        "coalition",
        "a" * 64,
        "en",
        signatories + 10,
        "b" * 64,
        now,
        tuple(CountedSignature(f"org{n}", n + 1, f"{n:064x}") for n in range(signatories)),
    )
    return StatementDocument(
        "Bench Coalition",
        "Clean rivers for every community",
        "We call on *governments* to act.",
        "en",
        people,
        (),
        proof,
        "http://127.0.0.1:5000/verify",
        ("en",),
    )


def run(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    """Every measurement of one run, in a fresh app on a temporary SQLite database."""
    import warnings

    from coalition import create_app
    from coalition.infra.db import upgrade
    from coalition.pdf.render import bare_pdf, render_pdf, statement_html
    from events import create_engine

    signatories = QUICK_SIGNATORIES if args.quick else args.signatories
    large = QUICK_LARGE if args.quick else args.large
    url = f"sqlite:///{directory / 'bench.db'}"
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    cache = directory / "pdf-cache"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SQLITE_SYNCHRONOUS": "OFF",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
            "SECRET_KEY": "bench",
            "SEAL_DIRECTORY": str(directory),
            "PDF_CACHE_DIRECTORY": str(cache),
        }
    )
    if args.report_only:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = partnership.measure(app, cache, args.quick, args.repeat, timed, progress)
        app.extensions["coalition"].engine.dispose()
        return {"report": report}
    progress(f"recording a statement signed by {signatories} organisations")
    token, coalition, statement = build_statement(app, signatories)
    client = app.test_client()
    path = f"/api/v1/coalitions/{coalition}/statements/{statement}.pdf"
    headers = {"Authorization": f"Bearer {token}"}

    def download() -> bytes:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.data

    def first_download() -> bytes:
        shutil.rmtree(cache, ignore_errors=True)
        return download()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # WeasyPrint's font and CSS notices are not what is measured
        progress("warming up (fonts, templates, the seal's key)")
        download()
        progress(f"sealed export, cache cleared each time (x{args.repeat})")
        first, pdf = timed(first_download, args.repeat)
        progress("cached download (x50)")
        cached, again = timed(download, 50)
        assert again == pdf
        from coalition.pdf import sandbox
        from coalition.pdf.export import document, for_app

        def verify() -> Any:
            form = {"file": (io.BytesIO(pdf), "statement.pdf")}
            response = client.post("/api/v1/verify", data=form, content_type="multipart/form-data")
            assert response.status_code == 200 and response.json["verdict"] == "current", response.json
            return response.json

        progress("verifying the PDF (HTTP, warm checker process), after one cold check (x10)")
        sandbox.stop_all()
        cold, _ = timed(verify, 1)
        verified, _ = timed(verify, 10)
        in_process, _ = timed(lambda: for_app(app)[0].inspect(pdf), 10)

        sealer, _ = for_app(app)
        with app.extensions["coalition"].engine.connect() as connection:
            doc = document(connection, statement, None, "http://127.0.0.1:5000/verify", datetime.now(UTC))
        html = statement_html(doc)
        progress(f"bare WeasyPrint render of the same HTML (x{args.repeat})")
        bare, _ = timed(lambda: bare_pdf(html), args.repeat)
        progress(f"our sealed render of the same document (x{args.repeat})")
        sealed, _ = timed(lambda: sealer.seal(render_pdf(doc)), args.repeat)
        progress(f"a statement with {large} signatories (x1)")
        huge_seconds, huge = timed(lambda: sealer.seal(render_pdf(synthetic(large))), 1)
        report = partnership.measure(app, cache, args.quick, args.repeat, timed, progress)
    app.extensions["coalition"].engine.dispose()
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    huge_pages = len(PdfReader(io.BytesIO(huge)).pages)
    return {
        "signatories": signatories,
        "pages": pages,
        "bytes": len(pdf),
        "first_seconds": first,
        "cached_seconds": cached,
        "verify_seconds": verified,
        "verify_cold_seconds": cold,
        "inspect_in_process_seconds": in_process,
        "bare_seconds": bare,
        "sealed_seconds": sealed,
        "large": {"signatories": large, "seconds": huge_seconds, "pages": huge_pages, "bytes": len(huge)},
        "report": report,
    }


def targets(result: dict[str, Any]) -> list[Target]:
    """The issue's targets, judged on this run's figures."""
    report = result["report"]
    reported = [
        Target(
            f"partnership report built and sealed, {report['members']} members, {report['commitments']} commitments",
            report["first_seconds"] * 1000,
            3000,
            "ms",
            higher_is_better=False,
        ),
        Target(
            "partnership report, cached download", report["cached_seconds"] * 1000, 20, "ms", higher_is_better=False
        ),
    ]
    if "signatories" not in result:
        return reported
    return [
        Target(
            f"first sealed export, {result['signatories']} signatories",
            result["first_seconds"] * 1000,
            1500,
            "ms",
            higher_is_better=False,
        ),
        Target("cached download", result["cached_seconds"] * 1000, 20, "ms", higher_is_better=False),
        Target(
            f"verify, {result['signatories']} signatories",
            result["verify_seconds"] * 1000,
            300,
            "ms",
            higher_is_better=False,
        ),
        Target(
            "sealed render / bare WeasyPrint render",
            result["sealed_seconds"] / result["bare_seconds"],
            1.3,
            "×",
            higher_is_better=False,
        ),
        *reported,
    ]


def main(args: argparse.Namespace) -> int:
    """Run, print the figures and targets; exit 0 (a missed target is reported, not an error)."""
    with tempfile.TemporaryDirectory(dir=args.tmp_dir, prefix="bench-pdf-") as directory:
        result = run(args, Path(directory))
    judged = targets(result)
    report = result["report"]
    statement = (
        []
        if "signatories" not in result
        else [
            f"statement PDF, {result['signatories']} signatories: {result['pages']} pages, {result['bytes']:,} bytes",
            f"  first sealed export (HTTP, cache cleared): {result['first_seconds'] * 1000:8.1f} ms (median)",
            f"  cached download (HTTP):                    {result['cached_seconds'] * 1000:8.1f} ms (median of 50)",
            f"  verify (HTTP, checker process warm):       {result['verify_seconds'] * 1000:8.1f} ms (median of 10)",
            f"  verify, first (checker process starting):  {result['verify_cold_seconds'] * 1000:8.1f} ms",
            f"  the seal check alone, in this process:     "
            f"{result['inspect_in_process_seconds'] * 1000:8.1f} ms (median)",
            f"  bare WeasyPrint render of the same HTML:   {result['bare_seconds'] * 1000:8.1f} ms (median)",
            f"  our render + seal of the same document:    {result['sealed_seconds'] * 1000:8.1f} ms (median)",
            f"large statement, {result['large']['signatories']} signatories: {result['large']['pages']} pages, "
            f"{result['large']['bytes']:,} bytes, rendered and sealed in {result['large']['seconds']:.1f} s",
        ]
    )
    lines = [
        *statement,
        f"partnership report, {report['members']} members, {report['commitments']} commitments, "
        f"{report['objectives']} objectives, {report['statements']} statements: {report['pages']} pages, "
        f"{report['bytes']:,} bytes",
        f"  built and sealed (HTTP, cache cleared):    {report['first_seconds'] * 1000:8.1f} ms (median)",
        f"  cached download (HTTP):                    {report['cached_seconds'] * 1000:8.1f} ms (median of 50)",
        "",
        *(f"{'PASS' if t.passed else 'MISS'}  {t.name}: {t.describe()}" for t in judged),
    ]
    out = sys.stderr if args.json else sys.stdout
    print("\n".join(lines), file=out)
    if args.json:
        print(json.dumps({"machine": machine(), **result, "targets": [t.to_json() for t in judged]}, indent=2))
    return 0
