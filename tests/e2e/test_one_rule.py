"""One rule, one home: change which signatures count in one function and every reader follows.

The rule is `coalition.domain.policy.counts`. Replaced (for this test) by a rule under which a
suspended member's signature stops counting, the statement page, the API's statement read, the
PDF export, the members' standing (API and the coalition page) and the decision to publish all
change with it; unchanged, they all count the suspended member's signature. Nothing else is
patched: the function is replaced where it is defined and where the policy package re-exports it,
as an edit of its one definition would.
"""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from typing import Any

import pytest
from pypdf import PdfReader

from coalition.domain import policy
from coalition.domain.policy import statements as statement_policy
from tests.e2e.pages import signed_in, text
from tests.e2e.world import World

counts_today = policy.counts


def suspended_do_not_count(
    version_hash: str, withdrawn: bool, current_version_hash: str | None, member_state: str | None = None
) -> bool:
    """The changed rule: as today, and a suspended member's signature does not count."""
    return counts_today(version_hash, withdrawn, current_version_hash, member_state) and member_state != "suspended"


@dataclass(frozen=True)
class Seen:
    """What each reader shows about the statement and River Watch's signature."""

    page_count: int
    api_count: int
    api_river_counts: bool
    threshold_met: bool
    pdf_lists_river: bool
    standing_signed: int
    home_signed: str


def statement_signed_by_both(w: World) -> str:
    """Open for signature (threshold 2), signed by Green Earth and River Watch; then River Watch is suspended."""
    sid = w.ok("POST", f"{w.path}/statements", "ana", {"title": "Clean rivers now", "language": "en", "body": "Act."})[
        "id"
    ]
    path = f"{w.path}/statements/{sid}"
    w.ok("POST", f"{path}/open", "ana", {"threshold": 2})
    w.ok("POST", f"/organisations/{w.green}/mandates", "ana", {"email": w.email("ana"), "title": "Coordinator"})
    w.ok("POST", f"{path}/signatures", "ana", {"organisation_id": w.green})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    w.ok("POST", f"{w.path}/members/{w.river}/suspend", "ana", {"reason": "Missed 3 calls"})
    return path


def seen(w: World, path: str, cache: str) -> Seen:
    """Read the statement through the page, the API, the PDF and the standing reports."""
    page = text(signed_in(w, "ana").get(path))
    page_count = re.search(r"Signatures that count: (\d+)", page)
    assert page_count, page
    api = w.ok("GET", path, "ana")
    [river] = [s for s in api["signatures"] if s["organisation_id"] == w.river]
    shutil.rmtree(cache, ignore_errors=True)  # a release that changes a rule changes `rules_version`, the cache's key
    response = w.api.call("GET", f"{path}.pdf", w.who("ana"))
    assert response.status_code == 200, response.get_data(as_text=True)
    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    standing = {m["organisation_id"]: m for m in w.ok("GET", f"{w.path}/standing", "ana")["members"]}
    home = text(signed_in(w, "ana").get(w.path))
    home_signed = re.search(r"River Watch.*?(signed \d+ statements?)", home, re.S)
    assert home_signed, home
    return Seen(
        int(page_count.group(1)),
        api["summary"]["organisations"],
        river["counts"],
        api["threshold_met"],
        "River Watch" in pdf,
        standing[w.river]["statements"]["signed"]["count"],
        home_signed.group(1),
    )


def test_a_rule_changed_in_one_function_changes_pages_api_pdf_and_standing(
    world: World, pdf_config: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = statement_signed_by_both(world)
    cache = pdf_config["PDF_CACHE_DIRECTORY"]

    today: Any = seen(world, path, cache)
    monkeypatch.setattr(policy, "counts", suspended_do_not_count)
    monkeypatch.setattr(statement_policy, "counts", suspended_do_not_count)
    changed: Any = seen(world, path, cache)

    assert today == Seen(2, 2, True, True, True, 1, "signed 1 statement")
    assert changed == Seen(1, 1, False, False, False, 0, "signed 0 statements")

    # Publishing asks the same rule: refused while the suspended member's signature does not count.
    world.ok("POST", f"{path}/close", "ana")
    refused = world.api.call("POST", f"{path}/publish", world.who("ana"))
    assert refused.status_code == 409, refused.get_data(as_text=True)
    assert "needs 2 signing organisations to be published and has 1" in refused.json["error"]["message"]
    monkeypatch.undo()
    world.ok("POST", f"{path}/publish", "ana")
    assert world.ok("GET", path, "ana")["state"] == "published"

    # The public page of the published statement lists the signatories that count, by the same rule.
    public = f"/public/statements/{path.rsplit('/', 1)[1]}"
    assert "River Watch" in text(world.api.client.get(public))
    monkeypatch.setattr(policy, "counts", suspended_do_not_count)
    monkeypatch.setattr(statement_policy, "counts", suspended_do_not_count)
    assert "River Watch" not in text(world.api.client.get(public))
