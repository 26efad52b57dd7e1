"""Measure the partnership report (part of `python -m bench pdf`): a coalition of 200 members, 2,000 commitments,
20 objectives with 50 progress points each and 10 published statements, recorded through the command handlers;
the report built and sealed with the cache cleared, then its cached download, both over HTTP."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

PASSWORD = "bench-password-1"
#: The issue's sizes, and the smoke test's.
FULL = {"members": 200, "commitments": 2000, "objectives": 20, "points": 50, "statements": 10, "signatures": 20}
QUICK = {"members": 10, "commitments": 40, "objectives": 3, "points": 5, "statements": 2, "signatures": 3}


def build_coalition(app: Any, sizes: dict[str, int], progress: Callable[[str], None]) -> tuple[str, str]:
    """Through the command handlers: one person founds the coalition and administers every member organisation
    (each joins and is approved), pledges the commitments (a fifth fulfilled, a tenth withdrawn, some overdue),
    and drafts, signs (for the first members), closes and publishes the statements. Returns the token and id."""
    from coalition.accounts.registration import register
    from coalition.accounts.tokens import create_token
    from coalition.handlers import Context
    from coalition.handlers import coalitions as co
    from coalition.handlers import organisations as orgs
    from coalition.handlers import statements as st
    from coalition.handlers.progress import record_progress

    svc = app.extensions["coalition"]
    today = svc.store.clock().date()
    email = "reporter@bench.example"
    with app.app_context():
        me = register(svc, email, PASSWORD, "Rae Reporter", verified=True)
        ctx = Context(svc, me, today)
        home = orgs.create_organisation(ctx, name="Report Home", country="RO", sector="ngo", mission="Report")["id"]
        coalition = co.found_coalition(
            ctx,
            organisation_id=home,
            name="Report Bench Coalition",
            purpose="Measure the partnership report",
            objectives=[
                {
                    "text": f"Objective number {n + 1} of the partnership",
                    "unit": "sites",
                    "baseline": 0,
                    "target": 100 + n,
                    "target_date": today + timedelta(days=200),
                }
                for n in range(sizes["objectives"])
            ],
            starts_on=today - timedelta(days=400),
            cooperation_mechanism="Monthly calls",
            benefit_sharing="Shared credit",
        )["id"]
        members = [home]
        progress(f"  {sizes['members']} members")
        countries = ("RO", "PL", "FI", "BG", "HU", "DE")
        for n in range(sizes["members"] - 1):
            org = orgs.create_organisation(
                ctx, name=f"Member {n:04d} for Rivers", country=countries[n % 6], sector="ngo", mission="Work"
            )["id"]
            co.join(ctx, coalition, organisation_id=org)
            co.change_membership(ctx, coalition, org, "approve")
            members.append(org)
        progress(f"  {sizes['commitments']} commitments")
        for n in range(sizes["commitments"]):
            due = today + timedelta(days=(n % 60) - 20)  # a third already due
            made = co.pledge(
                ctx,
                coalition,
                organisation_id=members[n % len(members)],
                kind="in-kind",
                description=f"Contribution {n}",
                due_on=max(due, today - timedelta(days=399)),
                objective=f"o{n % sizes['objectives'] + 1}",
            )["id"]
            if n % 5 == 0:
                co.fulfil(ctx, coalition, made, note="Delivered")
            elif n % 10 == 1:
                co.withdraw(ctx, coalition, made, reason="No budget")
        progress(f"  {sizes['objectives']} objectives, {sizes['points']} progress points each")
        for n in range(sizes["objectives"]):
            for k in range(sizes["points"]):
                day = today - timedelta(days=399) + timedelta(days=k * 399 // sizes["points"])
                record_progress(ctx, coalition, f"o{n + 1}", value=float(k * 2 + n % 3), as_of=day)
        progress(f"  {sizes['statements']} statements, {sizes['signatures']} signatures each")
        for org in members[: sizes["signatures"]]:
            orgs.grant_mandate(ctx, org, email=email, title="Director")
        for n in range(sizes["statements"]):
            statement = st.draft(ctx, coalition, title=f"Joint statement {n + 1}", body="We ask.", language="en")["id"]
            st.open_for_signature(ctx, coalition, statement)
            for org in members[: sizes["signatures"]]:
                st.sign(ctx, coalition, statement, organisation_id=org)
            st.close(ctx, coalition, statement)
            st.publish(ctx, coalition, statement)
        token = create_token(svc, email, PASSWORD)[1]
    return token, coalition


def measure(
    app: Any,
    cache: Path,
    quick: bool,
    repeat: int,
    timed: Callable[[Callable[[], Any], int], tuple[float, Any]],
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """The report's figures: built and sealed (cache cleared), and the cached download, over HTTP."""
    sizes = QUICK if quick else FULL
    progress(f"recording a coalition for the partnership report ({sizes})")
    token, coalition = build_coalition(app, sizes, progress)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/coalitions/{coalition}/report.pdf"

    def download() -> bytes:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return bytes(response.data)

    def first_download() -> bytes:
        shutil.rmtree(cache, ignore_errors=True)
        return download()

    download()
    progress(f"partnership report built and sealed, cache cleared each time (x{repeat})")
    first, pdf = timed(first_download, repeat)
    progress("partnership report, cached download (x50)")
    cached, again = timed(download, 50)
    assert again == pdf
    import io

    from pypdf import PdfReader

    return {
        **sizes,
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "bytes": len(pdf),
        "first_seconds": first,
        "cached_seconds": cached,
        "day": date.today().isoformat(),
    }
