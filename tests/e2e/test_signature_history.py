"""The statement chart's history of counting signatures, told through the API (`signature_history`).

Under a rule by which a suspended member's signature does not count (as in `test_one_rule`), the
history follows a signature, a suspension of a signer and its reinstatement, an amendment (the
signatures on the old version stop counting until confirmed) and a withdrawal.
"""

from __future__ import annotations

import pytest

from coalition.domain import policy
from coalition.domain.policy import statements as statement_policy
from coalition.reads.signature_history import signature_history
from tests.e2e.conftest import services
from tests.e2e.test_one_rule import suspended_do_not_count
from tests.e2e.world import World


def history(world: World, statement_id: str) -> list[int]:
    with services(world.api.app).engine.connect() as connection:
        points = signature_history(connection, world.coalition, statement_id)
    assert [at for at, _ in points] == sorted(at for at, _ in points)
    return [count for _, count in points]


def test_the_history_follows_signatures_membership_amendments_and_withdrawals(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policy, "counts", suspended_do_not_count)
    monkeypatch.setattr(statement_policy, "counts", suspended_do_not_count)
    sid = world.ok(
        "POST", f"{world.path}/statements", "ana", {"title": "Clean rivers now", "language": "en", "body": "Act."}
    )["id"]
    path = f"{world.path}/statements/{sid}"
    world.ok("POST", f"{path}/open", "ana", {"threshold": 2})
    world.ok("POST", f"/organisations/{world.green}/mandates", "ana", {"email": world.email("ana"), "title": "Chair"})
    assert history(world, sid) == []  # no organisation signed yet

    world.ok("POST", f"{path}/signatures", "ana", {"organisation_id": world.green})
    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    assert history(world, sid) == [0, 1, 2]  # opened, then each signature

    world.ok("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Missed 3 calls"})
    world.ok("POST", f"{world.path}/members/{world.river}/reinstate", "ana", {"reason": "Back on the calls"})
    assert history(world, sid) == [0, 1, 2, 1, 2]  # River Watch's signature out while suspended, then back

    world.ok("POST", f"{path}/amend", "ana", {"body": "Act now."})
    assert history(world, sid) == [0, 1, 2, 1, 2, 0]  # both signed the old version

    world.ok("POST", f"{path}/signatures/{world.green}/confirm", "ana", {})
    world.ok("POST", f"{path}/signatures/{world.river}/confirm", "mo", {})
    world.ok("POST", f"{path}/signatures/{world.river}/withdraw", "mo", {"reason": "Our board disagreed"})
    assert history(world, sid) == [0, 1, 2, 1, 2, 0, 1, 2, 1]

    monkeypatch.undo()  # today's rule: a suspended member's signature counts
    assert history(world, sid) == [0, 1, 2, 2, 2, 0, 1, 2, 1]


def test_the_page_computes_the_history_again_after_every_change_it_reads_and_only_then(world: World) -> None:
    from coalition.web.pages import statement_chart as page

    sid = world.ok(
        "POST", f"{world.path}/statements", "ana", {"title": "Clean rivers now", "language": "en", "body": "Act."}
    )["id"]
    path = f"{world.path}/statements/{sid}"
    world.ok("POST", f"{path}/open", "ana", {})
    app = world.api.app

    def kept() -> list[tuple[str, int]]:
        with app.app_context(), services(app).engine.connect() as connection:
            return page.kept_history(connection, world.coalition, sid)

    def fresh() -> list[tuple[str, int]]:
        with services(app).engine.connect() as connection:
            return page.daily(signature_history(connection, world.coalition, sid))

    world.ok("POST", f"{path}/signatures", "mo", {"organisation_id": world.river})
    first = kept()
    assert first == fresh() and first[-1][1] == 1
    assert kept() is first  # read again, not computed again
    for method, where, person, body in (
        ("POST", f"{path}/signatures/{world.river}/withdraw", "mo", {"reason": "A mistake"}),
        ("POST", f"{path}/signatures", "mo", {"organisation_id": world.river}),
        ("POST", f"{world.path}/members/{world.river}/suspend", "ana", {"reason": "Missed three calls"}),
        ("POST", f"{path}/amend", "ana", {"body": "Act now."}),
    ):
        before = kept()
        world.ok(method, where, person, body)
        assert kept() is not before and kept() == fresh(), where


def test_a_day_of_changes_is_drawn_as_its_last_count() -> None:
    from coalition.web.charts import signatures_over_time
    from coalition.web.pages.statement_chart import daily

    points = [("2026-12-01T09:00:00Z", 1), ("2026-12-01T10:00:00Z", 2), ("2026-12-03T08:00:00Z", 1)]

    assert daily(points) == [("2026-12-01T10:00:00Z", 2), ("2026-12-03T08:00:00Z", 1)]
    assert signatures_over_time(daily(points)) == signatures_over_time(points)
