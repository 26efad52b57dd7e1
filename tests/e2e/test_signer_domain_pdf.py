"""The sealed PDF states each signer's verified e-mail domain beside the organisation: folded from the signer's
`EmailVerified` event in the log (never from the accounts table), carried in coalition-proof.json, and checked
by the verifier."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa

from coalition.pdf import verdicts
from coalition.pdf.document import Proof
from coalition.pdf.reasons import Reason
from coalition.reads.logged import History
from tests.e2e.conftest import services
from tests.e2e.test_account_changes import PASSWORD
from tests.e2e.test_email_verification import confirm, link_for
from tests.e2e.test_export_from_log import exported, flat, proof_of, signed, verdict
from tests.e2e.world import World


def test_the_pdf_and_its_proof_give_each_signers_verified_domain(world: World, tmp_path: Path) -> None:
    app, sid = world.api.app, signed(world)

    pdf = exported(app, sid, tmp_path)
    proof = proof_of(pdf)

    assert {s.signer_email_domain for s in proof.signatures} == {"example.org"}
    assert "River Watch (@example.org)" in flat(pdf) and "Green Earth (@example.org)" in flat(pdf)
    assert "domain of the e-mail address each signer had verified" in flat(pdf)
    assert verdict(app, pdf)["valid"] is True


def test_the_domain_is_the_one_verified_before_signing_whatever_the_accounts_table_says(
    world: World, tmp_path: Path
) -> None:
    w = world
    w.api.call("POST", "/me/email", w.who("mo"), {"current_password": PASSWORD, "email": "mo@riverwatch.pl"})
    confirm(w.api, link_for(w.api, "mo@riverwatch.pl", "email-change:"))
    sid = signed(world)
    with services(w.api.app).engine.begin() as connection:  # an edit outside the log changes nothing printed
        connection.execute(sa.text("UPDATE users SET email = replace(email, '@', '@forged.')"))

    proof = proof_of(exported(w.api.app, sid, tmp_path))

    by_organisation = {s.organisation_id: s.signer_email_domain for s in proof.signatures}
    assert by_organisation == {w.river: "riverwatch.pl", w.green: "example.org"}


def test_a_proof_naming_another_domain_is_not_genuine_and_one_naming_none_is_still_read(
    world: World, tmp_path: Path
) -> None:
    app, sid = world.api.app, signed(world)
    proof = proof_of(exported(app, sid, tmp_path))
    forged = replace(proof, signatures=tuple(replace(s, signer_email_domain="ngo.example") for s in proof.signatures))
    older = json.loads(proof.to_json())
    for signature in older["signatures"]:
        del signature["signer_email_domain"]
    with services(app).engine.connect() as connection:
        then = History(connection, sid, proof.exported_position).at(proof.exported_position)
    assert then is not None

    reasons: list[Reason] = []
    verdicts._matches(then, forged, reasons)
    kept: list[Reason] = []
    verdicts._matches(then, Proof.from_json(json.dumps(older).encode()), kept)

    assert len(reasons) == 2 and all("is not the one the log recorded" in r for r in reasons)
    assert kept == []
